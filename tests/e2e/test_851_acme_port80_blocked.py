"""test_851 - why a certificate could not be had, said in one sentence;
the self-signed certificate stays.

Port 80 blocked: a firewall rule in the guest's network namespace
(nftables, set from the host as a provider's firewall would be) rejects
TCP to port 80, so pebble's HTTP-01 validation cannot connect. "vmailctl
cert renew" fails (exit 1) and says port 80 is unreachable; setup
--acme only warns and succeeds. The hostname pointing elsewhere in DNS:
refused before the CA is asked, saying DNS does not point here. The CA's rate
limit (pebble has none: fakeacme.py answers every new order with 429
rateLimited, as Let's Encrypt does): says the rate limit was hit and
quotes the CA. In each case every port still serves the self-signed
certificate.
"""

import subprocess

import acmeca
from acmeca import acme_on, served_cert
from fakeacme import RateLimitedCA

PORTS = (25, 465, 993, 443)


def netns(guest):
    sfx = "" if acmeca._INSTANCE == "0" else f"-{acmeca._INSTANCE}"
    return f"vmail{sfx}-{guest.name}"


def nft(guest, *args):
    subprocess.run(["ip", "netns", "exec", netns(guest), "nft", *args], check=True)


def assert_self_signed(guest, root):
    for port in PORTS:
        s = served_cert(guest, port, root)
        assert s.self_signed and not s.verified, \
            f"[{guest.name}] port {port} serves {s}, not the self-signed one"


def test_port_80_blocked(guest):
    nft(guest, "add", "table", "inet", "e2e_acme")
    try:
        nft(guest, "add", "chain", "inet", "e2e_acme", "input",
            "{ type filter hook input priority -10 ; }")
        nft(guest, "add", "rule", "inet", "e2e_acme", "input",
            "tcp", "dport", "80", "reject", "with", "tcp", "reset")
        with acme_on(guest) as acme:
            err = acme.setup.stderr.decode()
            assert "port 80 is unreachable" in err, \
                f"[{guest.name}] setup --acme said: {err}"
            p, _ = acme.renew(check=False)
            assert p.returncode == 1, p
            err = p.stderr.decode()
            print(f"[{guest.name}] renew said: {err.strip()}")
            assert "port 80 is unreachable" in err, err
            assert "the installed one stays" in err, err
            st = acme.status()
            assert st["self_signed"], st
            assert st["last_run"]["result"] == "failed", st
            assert "port 80 is unreachable" in st["last_run"]["message"], st
            assert_self_signed(guest, acme.root)
            # port 80 open again: the next run gets it
            nft(guest, "flush", "table", "inet", "e2e_acme")
            p, secs = acme.renew()
            assert not acme.status()["self_signed"]
            print(f"[{guest.name}] once port 80 is open: {secs:.1f}s")
    finally:
        nft(guest, "delete", "table", "inet", "e2e_acme")


def test_hostname_points_elsewhere(guest):
    with acme_on(guest, enable=False, hostname_ip=acmeca.PEBBLE_IP) as acme:
        p = guest.vmailctl("setup", "--acme", "admin@example.com",
                           "--acme-directory", acmeca.DIRECTORY)
        err = p.stderr.decode()
        assert "DNS does not point here" in err and guest.hostname in err and \
            acmeca.PEBBLE_IP in err, f"[{guest.name}] setup said: {err}"
        p, _ = acme.renew(check=False)
        assert p.returncode == 1
        err = p.stderr.decode()
        assert f"DNS does not point here: {guest.hostname} points to " \
            f"{acmeca.PEBBLE_IP}, not to this server ({guest.ip})" in err, err
        assert acme.status()["self_signed"]
        assert_self_signed(guest, acme.root)


def test_rate_limited(guest):
    with RateLimitedCA(guest) as ca, \
            acme_on(guest, directory=ca.directory) as acme:
        err = acme.setup.stderr.decode()
        assert "rate limit was hit" in err, f"[{guest.name}] setup --acme said: {err}"
        p, _ = acme.renew(check=False)
        assert p.returncode == 1, p
        err = p.stderr.decode()
        print(f"[{guest.name}] renew said: {err.strip()}")
        assert "the CA's rate limit was hit" in err and "too many certificates" in err, err
        assert "the installed one stays" in err, err
        assert ca.orders >= 2, f"the CA saw {ca.orders} orders"
        st = acme.status()
        assert st["self_signed"], st
        assert st["last_run"]["result"] == "failed", st
        assert "rate limit" in st["last_run"]["message"], st
        assert_self_signed(guest, acme.root)
