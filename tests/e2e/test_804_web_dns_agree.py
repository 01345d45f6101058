"""Issue 8: what "vmailctl dns" tells the administrator to publish and what
nginx serves agree. The _mta-sts TXT record's id is the first 20 hex digits
of the SHA-256 of the policy served at mta-sts.DOMAIN (so senders refetch
exactly when it changes), before and after a change of [mta_sts]; every name
"vmailctl dns" points at this server for the web front (mta-sts.,
autoconfig., autodiscover.) is in nginx's server_name and answers."""

import hashlib
import json
import re

import web

POLICY = "/.well-known/mta-sts.txt"


def records(guest, domain):
    out = guest.vmailctl("dns", "--json", domain).stdout
    return json.loads(out)


def published_id(guest, domain):
    txt = [r["value"] for r in records(guest, domain)
           if r["type"] == "TXT" and r["name"] == f"_mta-sts.{domain}."]
    assert len(txt) == 1, f"[{guest.name}] _mta-sts TXT records: {txt}"
    m = re.fullmatch(r'"v=STSv1; id=([0-9a-f]{20})"', txt[0])
    assert m, f"[{guest.name}] _mta-sts TXT: {txt[0]}"
    return m.group(1)


def served_id(guest, domain):
    r = web.get(guest, f"mta-sts.{domain}", POLICY)
    assert r.status == 200, f"[{guest.name}] policy: {r.status}"
    return hashlib.sha256(r.body).hexdigest()[:20]


def test_804_mta_sts_id_is_the_served_policy(guest):
    d = guest.domain
    first = published_id(guest, d)
    assert first == served_id(guest, d), \
        f"[{guest.name}] the _mta-sts id does not match the policy served"
    with web.conf_settings(guest, "mta_sts", mode="enforce"):
        now = published_id(guest, d)
        assert now != first, f"[{guest.name}] the id did not change with the policy"
        assert now == served_id(guest, d)
    assert published_id(guest, d) == first == served_id(guest, d)


def test_804_published_web_names_are_served(guest):
    d = guest.domain
    site = guest.read(web.SITE)
    names = re.search(r"^\s*server_name\s+([^;]+);", site, re.M).group(1).split()
    web_names = [r["name"].rstrip(".") for r in records(guest, d)
                 if r["type"] in ("CNAME", "A", "AAAA")
                 and re.match(r"(mta-sts|autoconfig|autodiscover)\.", r["name"])]
    assert sorted(web_names) == sorted(f"{p}.{d}" for p in
                                       ("mta-sts", "autoconfig", "autodiscover")), web_names
    for n in web_names:
        assert n in names, f"[{guest.name}] {n} published but not in server_name {names}"
        path = POLICY if n.startswith("mta-sts.") else "/mail/config-v1.1.xml"
        r = web.get(guest, n, path)
        assert r.status == 200, f"[{guest.name}] https://{n}{path}: {r.status}"
