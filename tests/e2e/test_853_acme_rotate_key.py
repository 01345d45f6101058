"""test_853 - rotating the key of port 25: the next TLSA record first,
activation only once DNS serves it.

"vmailctl cert rotate-key" makes /etc/vmail/tls/next-key.pem (0600) and
prints its TLSA 3 1 1 record first ("_25._tcp.HOSTNAME. IN TLSA 3 1 1
HEX"); the server keeps using the current key. "--activate" is refused
while the test DNS does not serve that record, and once it does, gets a
certificate from pebble for the next key and makes it the current one:
every port then serves a certificate for the new key, next-key.pem is
gone.
"""

import os

import acmeca
import testdns
from acmeca import acme_on, served_cert

PORTS = (25, 465, 993, 443)


def test_rotate_key(guest):
    with acme_on(guest) as acme:
        current = acmeca.tlsa_of_key(guest)
        p = guest.vmailctl("cert", "rotate-key", "--activate", check=False)
        assert p.returncode == 1 and b"there is no next key" in p.stderr, p

        p = guest.vmailctl("cert", "rotate-key")
        first = p.stdout.decode().splitlines()[0]
        nxt = acmeca.tlsa_of_key(guest, acmeca.NEXT_KEY)
        assert first == f"_25._tcp.{guest.hostname}. IN TLSA 3 1 1 {nxt}", p.stdout
        assert nxt != current
        mode = guest.run(["stat", "-c", "%a %U", acmeca.NEXT_KEY]).stdout.split()
        assert mode == [b"600", b"root"], mode
        assert acme.status()["next_key_tlsa"] == nxt
        # again: the same key, the same record
        again = guest.vmailctl("cert", "rotate-key").stdout.decode().splitlines()[0]
        assert again == first

        p = guest.vmailctl("cert", "rotate-key", "--activate", check=False)
        assert p.returncode == 1 and b"DNS does not serve the next key's TLSA" in p.stderr, p
        for port in PORTS:
            assert served_cert(guest, port, acme.root).tlsa == current

        name = f"_25._tcp.{guest.hostname}"
        testdns.write_zone("acme-shared-tlsa", "\n".join([
            "$TTL 60",
            f"{name}. IN TLSA 3 1 1 {current}",
            f"{name}. IN TLSA 3 1 1 {nxt}"]) + "\n")
        try:
            testdns.wait_for(name, "TLSA", f"3 1 1 {nxt.upper()}")
            p = guest.vmailctl("cert", "rotate-key", "--activate")
            assert b"The next key is now" in p.stdout, p.stdout
        finally:
            testdns.remove_zone("acme-shared-tlsa")
        assert acmeca.tlsa_of_key(guest) == nxt
        assert guest.run(["test", "-e", acmeca.NEXT_KEY], check=False).returncode == 1
        for port in PORTS:
            s = served_cert(guest, port, acme.root)
            assert s.verified and s.tlsa == nxt, f"[{guest.name}] port {port}: {s}"
        st = acme.status()
        assert st["tlsa"] == nxt and st["next_key_tlsa"] is None and st["key_matches_cert"], st
