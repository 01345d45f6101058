"""test_850 - a certificate from the ACME CA (pebble): issued at setup,
served on every port, extended and shrunk with the hosted domains.

"vmailctl setup --acme EMAIL" turns [tls] acme on: setup gets the first
certificate at once (uacme, HTTP-01 through nginx on port 80) for the
hostname and mta-sts./autoconfig. of every hosted domain whose names
point here. Postfix (25 STARTTLS, 465), Dovecot (993) and nginx (443)
then serve it, signed by pebble's root. The key is the one the server
had (the self-signed certificate's): the TLSA 3 1 1 record of port 25
stays valid. A domain added and "vmailctl cert renew" (as the timer runs
it) extends the certificate by its two names; a domain deleted shrinks
it again. The account's URI is kept in /etc/vmail/acme/account-uri (the
CAA accounturi of "vmailctl dns"). Figures: time to the first
certificate (the whole setup run), renewal time.
"""

import acmeca
from acmeca import AcmeDomain, acme_on, served_cert

PORTS = (25, 465, 993, 443)


def assert_served(guest, acme, names, key_tlsa):
    for port in PORTS:
        s = served_cert(guest, port, acme.root)
        assert s.verified, f"[{guest.name}] port {port} serves {s}: {s.error}"
        assert s.names == sorted(names), \
            f"[{guest.name}] port {port} names {s.names}, wanted {sorted(names)}"
        assert s.tlsa == key_tlsa, \
            f"[{guest.name}] port {port}: the certificate is for another key"


def test_issued_at_setup_and_extended_by_domain_add(guest):
    before = served_cert(guest, 443, acmeca.issuing_root())
    key_before = acmeca.tlsa_of_key(guest)
    assert not before.verified and before.self_signed, \
        f"[{guest.name}] the test needs the self-signed start: {before}"
    with acme_on(guest) as acme:
        print(f"[{guest.name}] first certificate: setup --acme took "
              f"{acme.first_seconds:.1f}s")
        st = acme.status()
        assert not st["self_signed"] and "Pebble" in st["issuer"], st
        assert st["last_run"]["result"] == "issued", st
        # the shared names point here; the other hosted domains (other
        # tests' leftovers, if any) have no records: left out
        assert set(acme.shared.names) <= set(st["names"]), st
        assert_served(guest, acme, st["names"], key_before)
        assert acmeca.tlsa_of_key(guest) == key_before, "the key changed"
        uri = guest.read(acmeca.ACCOUNT_URI).strip()
        assert uri.startswith(f"https://{acmeca.PEBBLE_IP}:14000/my-account/"), uri
        assert st["account_uri"] == uri
        assert guest.run("systemctl is-enabled vmail-cert.timer").stdout.strip() == b"enabled"

        # nothing changed: renew does nothing
        p, secs = acme.renew()
        assert p.stdout == b"", p.stdout
        assert acme.status()["last_run"]["result"] == "current"

        d = AcmeDomain(guest).add()
        try:
            p, secs = acme.renew()
            print(f"[{guest.name}] renewal with a new domain: {secs:.1f}s")
            st = acme.status()
            assert set(d.names) <= set(st["names"]), st
            assert set(acme.shared.names) <= set(st["names"]), st
            assert_served(guest, acme, st["names"], key_before)
        finally:
            d.delete()
        p, secs = acme.renew()
        st = acme.status()
        assert not set(d.names) & set(st["names"]), \
            f"[{guest.name}] domain del: the names stay in {st['names']}"
        assert_served(guest, acme, st["names"], key_before)
    assert not guest.run("systemctl is-enabled vmail-cert.timer",
                         check=False).stdout.strip() == b"enabled"
