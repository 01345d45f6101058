"""Issue 8, outgoing mail: DANE comes before MTA-STS.

A signed domain (knot, dnssec.py) that publishes both: a TLSA record
that matches its MX's key, and an MTA-STS policy in enforce mode. The
MX's certificate is self-signed: MTA-STS alone would refuse it (no CA
vouches for it) and the message would wait in the queue; DANE accepts
it. So the message arrives, "Verified", only if DANE was applied and
the MTA-STS policy was not: the first policy map ("vmailctl
tls-policy", vmail-tls-policy.socket) answers "dane" for the domain,
and postfix-mta-sts-resolver, asked alone, would answer "secure".
"""

import pytest

import dnssec
from fakemx import MailCA, PolicyServer, Receiver
from outbound import cleanup_queue, send_out, wait_delivered, wait_log, wait_policy

MTA_STS_UNIT = "postfix-mta-sts-resolver"


@pytest.fixture(scope="module")
def ca(guest):
    ca = MailCA()
    ca.install(guest)
    guest.run(["systemctl", "restart", MTA_STS_UNIT])
    yield ca
    ca.uninstall(guest)
    guest.run(["systemctl", "restart", MTA_STS_UNIT], check=False)


def lookup(guest, domain, map_):
    r = guest.run(["postmap", "-q", domain, map_], check=False)
    return r.returncode, r.stdout.decode().strip()


def test_872_dane_wins_over_mta_sts(guest, ca):
    cert = ca.self_signed("mx.both.e2e.invalid")
    rx = Receiver(guest, 0, cert)
    web = PolicyServer(guest, ca)
    z = dnssec.SignedDomain("both")
    rcpt = None
    try:
        z.add("", "MX", f"10 mx.{z.name}.")
        z.add("mx", "A", rx.ip)
        z.add("_25._tcp.mx", "TLSA", f"3 1 1 {cert.spki_sha256()}")
        z.add("mta-sts", "A", web.ip)
        z.add("_mta-sts", "TXT", '"v=STSv1; id=20261201both"')
        web.publish(z.name, f"version: STSv1\r\nmode: enforce\r\nmx: mx.{z.name}\r\n"
                            "max_age: 86400\r\n")
        # both apply to the domain ...
        wait_policy(guest, z.name, f"mx.{z.name}")
        rc, first = lookup(guest, z.name, "socketmap:inet:127.0.0.1:8462:dane")
        assert (rc, first) == (0, "dane"), \
            f"[{guest.name}] tls-policy for {z.name}: {rc} {first!r}"
        # ... and Postfix asks the maps in this order
        maps = guest.run(["postconf", "-h", "smtp_tls_policy_maps"]).stdout.decode().split()
        assert maps[:2] == ["socketmap:inet:127.0.0.1:8462:dane",
                            "socketmap:inet:127.0.0.1:8461:postfix"], maps
        rcpt = f"someone@{z.name}"
        marker = send_out(guest, rcpt)
        got = wait_delivered(guest, rx, marker)
        assert got["tls"]
        wait_log(guest, f"Verified TLS connection established to mx.{z.name}[{rx.ip}]:25")
        assert not guest.queued_for(rcpt)
    finally:
        if rcpt:
            cleanup_queue(guest, rcpt)
        rx.stop()
        web.stop()
        z.remove()


def test_872_unsigned_domain_falls_through_to_mta_sts(guest):
    """The first map has nothing to say for an unsigned domain: the
    harness's example.net is not signed, so its answer is "not found"
    and the next map decides."""
    rc, out = lookup(guest, "example.net", "socketmap:inet:127.0.0.1:8462:dane")
    assert rc == 1 and out == "", f"[{guest.name}] {rc} {out!r}"
