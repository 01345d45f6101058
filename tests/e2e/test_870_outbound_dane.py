"""Issue 8, outgoing mail: DANE (RFC 7672).

The receiving domains live under the signed test zone (knot, dnssec.py):
MX, A and TLSA records, all DNSSEC-signed, validated by the guest's own
unbound. The receiver (fakemx.Receiver) has a self-signed certificate
that no CA trusts: only its TLSA record can make Postfix call the
connection "Verified".

- a TLSA record (3 1 1) that matches the receiver's key: the message is
  delivered over TLS and mail.log says "Verified TLS connection
  established to" the MX;
- a TLSA record that does not match: nothing reaches the receiver (not
  in plaintext, not unverified), the message stays in the queue,
  deferred (never bounced), and the queue and the log say why.
"""

import pytest

import dnssec
from fakemx import Receiver, MailCA
from outbound import (cleanup_queue, reasons, send_out, stays_queued,
                      wait_delivered, wait_deferred, wait_log)


@pytest.fixture(scope="module")
def ca():
    return MailCA()


def signed_mx(guest, prefix, receiver, tlsa):
    """A signed domain whose only MX is the receiver, with a TLSA record."""
    z = dnssec.SignedDomain(prefix)
    z.add("", "MX", f"10 mx.{z.name}.")
    z.add("mx", "A", receiver.ip)
    z.add("_25._tcp.mx", "TLSA", tlsa)
    # the guest's resolver sees them, validated (else the test would
    # only show opportunistic TLS)
    for name, qtype in ((z.name, "MX"), (f"_25._tcp.mx.{z.name}", "TLSA")):
        r = dnssec.resolve(guest, name, qtype)
        assert r["rcode"] == "NOERROR" and r["ad"] and r["answers"], \
            f"[{guest.name}] unbound: {name} {qtype} not validated: {r}"
    return z


def test_870_dane_valid_tlsa_delivered_verified(guest, ca):
    cert = ca.self_signed("mx.dane.e2e.invalid")
    rx = Receiver(guest, 0, cert)
    z = None
    rcpt = None
    try:
        z = signed_mx(guest, "dane-ok", rx, f"3 1 1 {cert.spki_sha256()}")
        rcpt = f"someone@{z.name}"
        marker = send_out(guest, rcpt)
        got = wait_delivered(guest, rx, marker)
        assert got["tls"], f"[{guest.name}] delivered without TLS"
        lines = wait_log(guest, f"Verified TLS connection established to mx.{z.name}[{rx.ip}]:25")
        assert lines
        assert not guest.queued_for(rcpt)
    finally:
        if rcpt:
            cleanup_queue(guest, rcpt)
        rx.stop()
        if z:
            z.remove()


def test_870_dane_wrong_tlsa_stays_queued(guest, ca):
    cert = ca.self_signed("mx.dane.e2e.invalid")
    other = ca.self_signed("other.e2e.invalid")
    rx = Receiver(guest, 1, cert)
    z = None
    rcpt = None
    try:
        z = signed_mx(guest, "dane-bad", rx, f"3 1 1 {other.spki_sha256()}")
        rcpt = f"someone@{z.name}"
        send_out(guest, rcpt)
        entries = wait_deferred(guest, rcpt)
        why = reasons(entries, rcpt)
        assert why and all("Server certificate not verified" in w for w in why), \
            f"[{guest.name}] deferred, but why? {why}"
        stays_queued(guest, rcpt, rx)
        # the log names the failed check, for the administrator
        wait_log(guest, f"server certificate verification failed for "
                 f"mx.{z.name}[{rx.ip}]:25: num=65:no matching DANE TLSA records")
        lines = wait_log(guest, f"to=<{rcpt}>")
        assert all("status=deferred" in l for l in lines) and \
            not any("status=bounced" in l or "status=sent" in l for l in lines), lines
        assert not rx.messages
    finally:
        if rcpt:
            cleanup_queue(guest, rcpt)
        rx.stop()
        if z:
            z.remove()
