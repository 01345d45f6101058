"""Issue 8, web front: the names follow the hosted domains, and the
administrator's own nginx snippets survive. "vmailctl domain add" makes the
new domain's mta-sts., autoconfig. and autodiscover. names served (in the
site's server_name, with its own files) as soon as it returns; "domain del"
takes them away. A snippet in /etc/vmail/local/nginx/https.d/ (or http.d/)
is in effect after "vmailctl setup", stays through further runs (which then
change no file and reload nothing), and an edit of it is picked up by the
next run; a broken one is refused by "nginx -t" on the candidate, and the
live site and nginx stay as they were."""

import re

import pytest

import web
from vmail_guest import RestartWatch, token


def server_names(guest):
    site = guest.read(web.SITE)
    lists = re.findall(r"^\s*server_name\s+([^;]+);", site, re.M)
    assert len(lists) == 2 and lists[0] == lists[1], lists
    return lists[0].split()


def test_803_domain_add_and_del(guest):
    domain = f"web{token()}.example.net"
    guest.vmailctl("domain", "add", domain)
    try:
        names = server_names(guest)
        for n in (f"mta-sts.{domain}", f"autoconfig.{domain}", f"autodiscover.{domain}"):
            assert n in names, f"[{guest.name}] {n} not in server_name {names}"
        assert guest.hostname in names and f"autoconfig.{guest.domain}" in names
        # served at once, with the new domain's own files
        r = web.get(guest, f"autoconfig.{domain}", "/mail/config-v1.1.xml")
        assert r.status == 200 and f'<emailProvider id="{domain}">' in r.text(), \
            f"[{guest.name}] {r.status}\n{r.text()}"
        r = web.get(guest, f"mta-sts.{domain}", "/.well-known/mta-sts.txt")
        assert r.status == 200 and web.parse_mta_sts(r.text())["mx"] == web.mx_names(guest)
        r = web.get(guest, f"autoconfig.{domain}", f"/mobileconfig?address=u@{domain}")
        assert r.status == 200 and f"u@{domain}".encode() in r.body
        r = web.request(guest, f"autodiscover.{domain}", "/autodiscover/autodiscover.xml",
                        method="POST", body=b"<Autodiscover/>")
        assert r.status == 200 and guest.hostname.encode() in r.body
    finally:
        guest.vmailctl("domain", "del", domain)
    names = server_names(guest)
    assert not [n for n in names if n.endswith(domain)], names
    for host, path in [(f"autoconfig.{domain}", "/mail/config-v1.1.xml"),
                       (f"mta-sts.{domain}", "/.well-known/mta-sts.txt")]:
        r = web.get(guest, host, path)
        assert r.status == 404, f"[{guest.name}] {host}{path} after domain del: {r.status}"
    assert guest.run(["test", "-e", f"{web.WWW}/domains/{domain}"],
                     check=False).returncode != 0


def _put_snippet(guest, directory, name, text):
    guest.run(["sh", "-c", f"mkdir -p {directory} && cat > {directory}/{name}"], input=text)


def _remove_snippets(guest, *paths):
    guest.run(["rm", "-f", *paths])
    guest.vmailctl("setup")


@pytest.fixture
def override(guest):
    name = f"e2e-{token()}.conf"
    yield name
    _remove_snippets(guest, f"{web.LOCAL_HTTPS}/{name}", f"{web.LOCAL_HTTP}/{name}")


def _snippet(path, marker):
    return (f"location = {path} {{\n    default_type text/plain;\n"
            f"    return 200 \"{marker}\\n\";\n}}\n")


def test_803_override_survives_setup(guest, override):
    marker = "override-" + token(6)
    _put_snippet(guest, web.LOCAL_HTTPS, override, _snippet("/e2e-local", marker))
    _put_snippet(guest, web.LOCAL_HTTP, override, _snippet("/e2e-local-http", marker))
    guest.vmailctl("setup")
    r = web.get(guest, guest.hostname, "/e2e-local")
    assert r.status == 200 and r.text() == marker + "\n", f"[{guest.name}] {r.status}"
    r = web.get(guest, guest.hostname, "/e2e-local-http", scheme="http")
    assert r.status == 200 and r.text() == marker + "\n", f"[{guest.name}] {r.status}"

    # another run: nothing written, nginx not reloaded, the snippet in effect
    before = guest.config_snapshot()
    watch = RestartWatch(guest, ["nginx"])
    guest.vmailctl("setup")
    assert before == guest.config_snapshot(), "setup rewrote files with nothing to do"
    assert not watch.hits(), watch.hits()
    assert web.get(guest, guest.hostname, "/e2e-local").text() == marker + "\n"

    # an edit is taken by the next run
    marker2 = marker + "-edited"
    _put_snippet(guest, web.LOCAL_HTTPS, override, _snippet("/e2e-local", marker2))
    guest.vmailctl("setup")
    r = web.get(guest, guest.hostname, "/e2e-local")
    assert r.text() == marker2 + "\n", f"[{guest.name}] after the edit: {r.text()!r}"


def test_803_broken_override_refused(guest, override):
    site = guest.read(web.SITE)
    watch = RestartWatch(guest, ["nginx"])
    _put_snippet(guest, web.LOCAL_HTTPS, override, "location = /broken {\n  retrun 200;\n}\n")
    p = guest.vmailctl("setup", check=False)
    err = p.stderr.decode()
    assert p.returncode != 0, f"[{guest.name}] setup accepted a broken snippet"
    assert "nginx -t" in err and "retrun" in err, err
    assert guest.read(web.SITE) == site, "the live site was changed"
    assert not watch.hits(), watch.hits()
    r = web.get(guest, f"autoconfig.{guest.domain}", "/mail/config-v1.1.xml")
    assert r.status == 200, f"[{guest.name}] nginx stopped serving: {r.status}"
