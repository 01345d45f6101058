"""Issue 8, web front: nginx on ports 80 and 443. Port 80 serves ACME
HTTP-01 challenges (for any name, from /var/lib/vmail/www/acme) and the
Thunderbird autoconfig file, and redirects everything else to https with a
301; port 443 speaks TLS 1.2 and 1.3 only, with the [tls] certificate, sends
HSTS, and nginx names no version anywhere. The packaged default site is
gone, and the site passes "nginx -t"."""

import re
import socket
import ssl

import pytest

import web
from test_13_tls import legacy_client_works  # noqa: F401 (a fixture)
from vmail_guest import token

ACME = web.WWW + "/acme/.well-known/acme-challenge"


def names(guest):
    return [guest.hostname, f"mta-sts.{guest.domain}", f"autoconfig.{guest.domain}",
            f"autodiscover.{guest.domain}"]


@pytest.mark.parametrize("path", ["/", "/some/page?x=1", "/.well-known/mta-sts.txt",
                                  "/mobileconfig?address=a@example.com"])
def test_800_http_redirects_to_https(guest, path):
    for host in names(guest):
        r = web.get(guest, host, path, scheme="http")
        assert r.status == 301, f"[{guest.name}] http://{host}{path}: {r.status}\n{r.text()}"
        assert r.headers["Location"] == f"https://{host}{path}", \
            f"[{guest.name}] http://{host}{path} redirects to {r.headers['Location']}"


def test_800_acme_challenge_served_on_port_80_for_any_name(guest):
    tok = "e2e" + token(8)
    content = f"{tok}.keyauth-{token(8)}"
    guest.run(["sh", "-c", f"mkdir -p {ACME} && cat > {ACME}/{tok}"], input=content)
    try:
        for host in names(guest) + [f"mail.unhosted-{token()}.example.net", guest.ip]:
            r = web.get(guest, host, f"/.well-known/acme-challenge/{tok}", scheme="http")
            assert r.status == 200 and r.text() == content, \
                f"[{guest.name}] challenge for {host}: {r.status} {r.text()!r}"
        missing = web.get(guest, guest.hostname, "/.well-known/acme-challenge/nothere",
                          scheme="http")
        assert missing.status == 404, f"[{guest.name}] missing token: {missing.status}"
    finally:
        guest.run(["rm", "-f", f"{ACME}/{tok}"])


def test_800_acme_webroot_readable_by_nginx_only_there(guest):
    """www-data reaches the webroot but can neither list /var/lib/vmail nor
    read the directory database."""
    guest.run(["setpriv", "--reuid=www-data", "--regid=www-data", "--clear-groups",
               "test", "-r", web.WWW + "/acme"])
    listing = guest.run(["setpriv", "--reuid=www-data", "--regid=www-data",
                         "--clear-groups", "ls", "/var/lib/vmail"], check=False)
    assert listing.returncode != 0, f"[{guest.name}] www-data can list /var/lib/vmail"
    db = guest.run(["setpriv", "--reuid=www-data", "--regid=www-data", "--clear-groups",
                    "head", "-c1", "/var/lib/vmail/vmail.db"], check=False)
    assert db.returncode != 0, f"[{guest.name}] www-data can read the database"


def test_800_hsts_on_https(guest):
    for host in names(guest):
        for path in ["/", "/mail/config-v1.1.xml", "/nothing-here"]:
            r = web.get(guest, host, path)
            hsts = r.headers.get("Strict-Transport-Security", "")
            m = re.fullmatch(r"max-age=(\d+)(;.*)?", hsts)
            assert m and int(m.group(1)) >= 15552000, \
                f"[{guest.name}] https://{host}{path} ({r.status}): HSTS {hsts!r}"


def test_800_no_nginx_version(guest):
    for scheme, path in [("http", "/x"), ("https", "/nothing-here"),
                         ("https", "/mail/config-v1.1.xml")]:
        r = web.get(guest, f"autoconfig.{guest.domain}", path, scheme=scheme)
        server = r.headers.get("Server", "")
        assert server == "nginx", f"[{guest.name}] {scheme} {path}: Server: {server!r}"
        assert not re.search(rb"nginx/\d", r.body), \
            f"[{guest.name}] {scheme} {path}: the version in the body:\n{r.text()}"


def _tls(guest, version, legacy=False):
    ctx = web.unverified_context(minimum=version, maximum=version, legacy=legacy)
    with socket.create_connection((guest.ip, 443), timeout=web.TIMEOUT) as raw:
        with ctx.wrap_socket(raw, server_hostname=f"mta-sts.{guest.domain}") as s:
            return s.version()


def test_800_tls12_and_13_accepted(guest):
    assert _tls(guest, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    assert _tls(guest, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"


def test_800_tls11_and_10_refused(guest, legacy_client_works):
    for v in (ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1):
        with pytest.raises((ssl.SSLError, ConnectionError)):
            got = _tls(guest, v, legacy=True)
            pytest.fail(f"[{guest.name}] port 443 accepted {got}")


def test_800_serves_the_tls_certificate(guest):
    cert = guest.run(["sh", "-c", "openssl x509 -in \"$(sed -n 's/^cert *= *//p' "
                      "/etc/vmail/vmail.conf | head -1)\" -outform DER"]).stdout
    for host in names(guest):
        ctx = web.unverified_context()
        with socket.create_connection((guest.ip, 443), timeout=web.TIMEOUT) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as s:
                served = s.getpeercert(binary_form=True)
        assert served == cert, f"[{guest.name}] {host}: not the [tls] cert certificate"
    # and a client that trusts exactly that certificate accepts it
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=ssl.DER_cert_to_PEM_cert(cert))
    r = web.get(guest, guest.hostname, "/", context=ctx)
    assert r.tls_version in ("TLSv1.2", "TLSv1.3")


def test_800_default_site_gone_and_config_valid(guest):
    assert guest.run(["test", "-e", "/etc/nginx/sites-enabled/default"],
                     check=False).returncode != 0, \
        f"[{guest.name}] the packaged default site is still enabled"
    p = guest.run(["nginx", "-t", "-q"], check=False)
    assert p.returncode == 0 and not p.stderr.strip(), \
        f"[{guest.name}] nginx -t: {p.returncode}\n{p.stderr.decode()}"
    site = guest.read(web.SITE)
    assert "server_tokens off;" in site and "ssl_protocols TLSv1.2 TLSv1.3;" in site
