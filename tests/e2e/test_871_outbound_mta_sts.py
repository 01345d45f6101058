"""Issue 8, outgoing mail: MTA-STS (RFC 8461), and opportunistic TLS.

The receiving domains are unsigned (the general test DNS, testdns.py):
no DANE for them. Each publishes an MX (a fake receiver, fakemx.py),
an "_mta-sts" TXT record and mta-sts.DOMAIN, whose HTTPS server
(fakemx.PolicyServer, a certificate from the tests' CA, which the
fixture installs into the guest's trust store) serves the policy.
postfix-mta-sts-resolver in the guest fetches it; Postfix asks it
through smtp_tls_policy_maps.

- enforce, and the MX's certificate (from the same CA) is for another
  name: the message stays queued, deferred, and the log says why;
- enforce, and the certificate is right: delivered, "Verified";
- a domain without TLSA and without a policy: opportunistic TLS, the
  message goes out encrypted to a self-signed certificate.
"""

import secrets

import pytest

import testdns
from fakemx import MailCA, PolicyServer, Receiver
from outbound import (cleanup_queue, policy_lookup, reasons, send_out,
                      stays_queued, wait_delivered, wait_deferred, wait_log,
                      wait_policy)

MTA_STS_UNIT = "postfix-mta-sts-resolver"


@pytest.fixture(scope="module")
def ca(guest):
    ca = MailCA()
    ca.install(guest)
    # (the resolver reads the trust store when it starts)
    guest.run(["systemctl", "restart", MTA_STS_UNIT])
    yield ca
    ca.uninstall(guest)
    guest.run(["systemctl", "restart", MTA_STS_UNIT], check=False)


@pytest.fixture(scope="module")
def web(guest, ca):
    w = PolicyServer(guest, ca)
    yield w
    w.stop()


class StsDomain:
    """An unsigned domain with an MX and, if policy is given, MTA-STS."""

    def __init__(self, name, mx_ip, web=None, mode="enforce"):
        self.name = name
        self.mx = f"mx.{self.name}"
        lines = [
            f"$ORIGIN {self.name}.", "$TTL 60",
            f"@ IN SOA ns.example.net. hostmaster.{self.name}. 1 3600 600 86400 60",
            "@ IN NS ns.example.net.",
            "@ IN MX 10 mx",
            f"mx IN A {mx_ip}",
        ]
        self.policy = None
        if web:
            lines += [f"mta-sts IN A {web.ip}",
                      '_mta-sts IN TXT "v=STSv1; id=20261201e2e"']
            self.policy = (f"version: STSv1\r\nmode: {mode}\r\nmx: {self.mx}\r\n"
                           "max_age: 86400\r\n")
            web.publish(self.name, self.policy)
        testdns.write_zone(self.name, "\n".join(lines) + "\n")
        testdns.wait_for(self.mx, "A", mx_ip)
        if web:
            testdns.wait_for(f"_mta-sts.{self.name}", "TXT", "v=STSv1; id=20261201e2e")

    def unpublish(self):
        testdns.remove_zone(self.name)


def new_name(prefix):
    return f"{prefix}-{secrets.token_hex(3)}.net"


def test_871_mta_sts_enforce_wrong_certificate_stays_queued(guest, ca, web):
    rx = Receiver(guest, 0, ca.issue("not-the-mx.e2e.invalid"))
    d = rcpt = None
    try:
        d = StsDomain(new_name("sts-bad"), rx.ip, web)
        wait_policy(guest, d.name, d.mx)
        rcpt = f"someone@{d.name}"
        send_out(guest, rcpt)
        entries = wait_deferred(guest, rcpt)
        why = reasons(entries, rcpt)
        assert why and all("Server certificate not verified" in w for w in why), \
            f"[{guest.name}] deferred, but why? {why}"
        stays_queued(guest, rcpt, rx)
        wait_log(guest, f"server certificate verification failed for {d.mx}[{rx.ip}]:25: "
                 "num=62:hostname mismatch")
        lines = wait_log(guest, f"to=<{rcpt}>")
        assert all("status=deferred" in l for l in lines), lines
        assert not rx.messages
    finally:
        if rcpt:
            cleanup_queue(guest, rcpt)
        rx.stop()
        if d:
            d.unpublish()


def test_871_mta_sts_enforce_valid_certificate_delivered(guest, ca, web):
    name = new_name("sts-ok")
    rx = Receiver(guest, 1, ca.issue(f"mx.{name}"))
    d = rcpt = None
    try:
        d = StsDomain(name, rx.ip, web)
        wait_policy(guest, d.name, d.mx)
        rcpt = f"someone@{d.name}"
        marker = send_out(guest, rcpt)
        got = wait_delivered(guest, rx, marker)
        assert got["tls"], f"[{guest.name}] delivered without TLS"
        wait_log(guest, f"Verified TLS connection established to {d.mx}[{rx.ip}]:25")
        assert not guest.queued_for(rcpt)
    finally:
        if rcpt:
            cleanup_queue(guest, rcpt)
        rx.stop()
        if d:
            d.unpublish()


def test_871_no_dane_no_policy_opportunistic_tls(guest, ca):
    """Third in the order: neither TLSA nor MTA-STS, so TLS as offered,
    with any certificate (a self-signed one here)."""
    name = new_name("plain")
    rx = Receiver(guest, 2, ca.self_signed(f"mx.{name}"))
    d = rcpt = None
    try:
        d = StsDomain(name, rx.ip)
        rc, answer = policy_lookup(guest, d.name)
        assert rc != 0 and not answer, \
            f"[{guest.name}] a policy for a domain without one? {rc} {answer!r}"
        rcpt = f"someone@{d.name}"
        marker = send_out(guest, rcpt)
        got = wait_delivered(guest, rx, marker)
        assert got["tls"], f"[{guest.name}] opportunistic TLS not used"
        lines = wait_log(guest, f"TLS connection established to {d.mx}[{rx.ip}]:25")
        assert all(l.split("postfix/smtp[", 1)[1].split(": ", 1)[1].startswith("Untrusted")
                   for l in lines), lines
    finally:
        if rcpt:
            cleanup_queue(guest, rcpt)
        rx.stop()
        if d:
            d.unpublish()
