"""Issue 8, outgoing mail: a TLSA record whose signature does not
validate is no way around DANE.

The guest's unbound has, for one name only (dnssec.bogus_domain: the
TLSA name of bogus-GUEST.dnssec.test's MX), a trust anchor of a key
nobody signs with (tests/e2e/unbound-override), so the TLSA answer there
is bogus: SERVFAIL, exactly what a forged or broken signature gives.
The domain's MX and A records validate. The TLSA record itself matches
the receiver's key: were the bogus answer taken at face value, or DANE
skipped because the answer failed, the message would be delivered.
Instead it waits in the queue: vmail's policy lookup answers a temporary
failure, and Postfix defers.
"""

from fakemx import MailCA, Receiver
import dnssec
from outbound import (cleanup_queue, send_out, stays_queued, wait_deferred,
                      wait_log)


def test_874_bogus_tlsa_stays_queued(guest):
    ca = MailCA()
    cert = ca.self_signed("mx.bogus.e2e.invalid")
    rx = Receiver(guest, 1, cert)
    z = dnssec.SignedDomain(name=dnssec.bogus_domain(guest))
    rcpt = f"someone@{z.name}"
    try:
        # (a run that was cut short may have left records behind)
        dnssec.nsupdate([f"update delete {n}." for n in
                         (z.name, f"mx.{z.name}", f"_25._tcp.mx.{z.name}")])
        z.add("", "MX", f"10 mx.{z.name}.")
        z.add("mx", "A", rx.ip)
        z.add("_25._tcp.mx", "TLSA", f"3 1 1 {cert.spki_sha256()}")
        mx = dnssec.resolve(guest, z.name, "MX")
        assert mx["rcode"] == "NOERROR" and mx["ad"], f"[{guest.name}] MX: {mx}"
        tlsa = dnssec.resolve(guest, f"_25._tcp.mx.{z.name}", "TLSA")
        assert tlsa["rcode"] == "SERVFAIL", f"[{guest.name}] TLSA not bogus: {tlsa}"
        p = guest.run(["postmap", "-q", z.name, "socketmap:inet:127.0.0.1:8462:dane"],
                      check=False)
        assert p.returncode != 0 and p.stdout == b"", \
            f"[{guest.name}] tls-policy answered {p.returncode} {p.stdout!r} {p.stderr!r}"
        send_out(guest, rcpt)
        entries = wait_deferred(guest, rcpt)
        stays_queued(guest, rcpt, rx)
        assert not rx.messages
        wait_log(guest, "socketmap:inet:127.0.0.1:8462:dane socketmap server temporary "
                 f"error: TLSA lookup of _25._tcp.mx.{z.name} failed: SERVFAIL")
        lines = wait_log(guest, f"to=<{rcpt}>")
        assert all("status=deferred" in l for l in lines), lines
        assert entries
    finally:
        cleanup_queue(guest, rcpt)
        rx.stop()
        z.remove()
