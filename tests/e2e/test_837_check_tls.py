"""Issue 8, live checks: `vmailctl check tls` on a fresh install.

setup made a self-signed certificate for the host name, and every port
serves it: 25 and 587 after STARTTLS, 465, 993 and 995 from the first
byte, 143 (IMAP STARTTLS) and 110 (POP3 STLS). `check tls` says, for each,
"warning" with the reason (self-signed), the names and the days left, and
exits 1 (warnings only). Port 443 belongs to the web front; where nothing
listens there, that is a warning too, never an error.

Then the certificate is replaced (same key, the guest's openssl, daemons
reloaded) by one for another name: every mail port says "wrong ... does
not name HOST: it names other.example", exit 2; and by one that expires
in 10 days: "self-signed ... expires in 9 days" (whole days left), exit 1.
The original is restored after.
"""

import time

import pytest

MAIL_PORTS = (25, 587, 465, 143, 993, 110, 995)
CERT = "/etc/vmail/tls/cert.pem"
KEY = "/etc/vmail/tls/key.pem"


def check_tls(guest):
    t0 = time.monotonic()
    p = guest.vmailctl("check", "tls", check=False)
    secs = time.monotonic() - t0
    return p.returncode, p.stdout.decode().splitlines(), secs, p.stderr.decode()


def port_line(lines, port):
    hits = [l for l in lines if l.split()[1:3] == ["port", str(port)]]
    assert len(hits) == 1, (port, lines)
    return hits[0]


def reload_daemons(guest):
    guest.run("systemctl reload postfix dovecot")
    time.sleep(2)


def test_837_self_signed_is_a_warning(guest):
    rc, lines, secs, err = check_tls(guest)
    print(f"[{guest.name}] check tls: {secs:.2f}s")
    assert rc == 1, "\n".join(lines) + err
    for port in MAIL_PORTS:
        line = port_line(lines, port)
        assert line.startswith("warning "), line
        assert "self-signed" in line, line
        assert guest.hostname in line and "days left" in line, line
    line = port_line(lines, 443)
    assert line.split()[0] in ("warning",), line
    others = [l for l in lines if l.split()[1] not in ("port", "TLS-RPT")]
    assert not others, "\n".join(lines)
    assert [l for l in lines if l.split()[1] == "TLS-RPT"], \
        f"no TLS-RPT line:\n" + "\n".join(lines)


@pytest.fixture
def own_cert(guest):
    guest.run(f"cp -p {CERT} {CERT}.check-test")
    yield
    guest.run(f"mv {CERT}.check-test {CERT}")
    reload_daemons(guest)


def _replace_cert(guest, san, days):
    """A self-signed certificate for san, valid for days, on the same key."""
    guest.run(f"openssl req -x509 -key {KEY} -subj '/CN={san}' "
              f"-addext subjectAltName=DNS:{san} -days {days} "
              f"-out /tmp/check-cert.pem && cat /tmp/check-cert.pem > {CERT}")
    reload_daemons(guest)


def test_838_wrong_name_and_expiring(guest, own_cert):
    _replace_cert(guest, "other.example", 30)
    rc, lines, _, err = check_tls(guest)
    assert rc == 2, "\n".join(lines) + err
    for port in MAIL_PORTS:
        line = port_line(lines, port)
        assert line.startswith("wrong "), line
        assert f"does not name {guest.hostname}: it names other.example" \
            in line, line

    _replace_cert(guest, guest.hostname, 10)
    rc, lines, _, err = check_tls(guest)
    assert rc == 1, "\n".join(lines) + err
    for port in MAIL_PORTS:
        line = port_line(lines, port)
        assert line.startswith("warning "), line
        assert "self-signed" in line and "expires in 9 days" in line, line
