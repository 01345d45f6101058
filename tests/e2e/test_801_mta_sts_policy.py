"""Issue 8, MTA-STS: https://mta-sts.DOMAIN/.well-known/mta-sts.txt is served
for every hosted domain, as RFC 8461 3.2 says (200 over https, text/plain,
CRLF lines, version STSv1 first), with the mode and max_age of [mta_sts] in
vmail.conf and the hostname as mx. Changing them and running "vmailctl
setup" changes the policy at once; mode = none serves none (404). Over http
there is no policy, only the redirect."""

import re

import web

POLICY = "/.well-known/mta-sts.txt"


def _conf_value(guest, section, key):
    text = guest.read(web.VMAIL_CONF)
    start = text.index(f"\n[{section}]\n")
    end = text.find("\n[", start + 1)
    m = re.search(rf"^{key}\s*=\s*(\S+)", text[start:end if end > 0 else None], re.M)
    assert m, f"no {key} in [{section}]"
    return m.group(1)


def _seconds(value):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    m = re.fullmatch(r"(\d+)([smhdw]?)", value)
    assert m, f"cannot read the period {value!r}"
    return int(m.group(1)) * units[m.group(2) or "s"]


def fetch_policy(guest, domain=None):
    r = web.get(guest, f"mta-sts.{domain or guest.domain}", POLICY)
    assert r.status == 200, f"[{guest.name}] {POLICY}: {r.status}\n{r.text()}"
    ctype = r.headers.get("Content-Type", "")
    assert re.fullmatch(r"text/plain(;.*)?", ctype), \
        f"[{guest.name}] the policy's Content-Type is {ctype!r}"
    return web.parse_mta_sts(r.body.decode("ascii"))


def test_801_policy_matches_config(guest):
    policy = fetch_policy(guest)
    assert policy["mode"] == _conf_value(guest, "mta_sts", "mode") == "testing"
    assert policy["max_age"] == _seconds(_conf_value(guest, "mta_sts", "max_age"))
    # the hostname, then the backup MX servers ([server] backup_mx: the
    # harness makes the main guests primaries of the backup guests)
    assert policy["mx"] == web.mx_names(guest), policy
    assert policy["version"] == "STSv1"


def test_801_policy_only_over_https(guest):
    r = web.get(guest, f"mta-sts.{guest.domain}", POLICY, scheme="http")
    assert r.status == 301 and r.headers["Location"].startswith("https://"), \
        f"[{guest.name}] http policy: {r.status} {r.text()!r}"


def test_801_no_policy_for_unhosted_domain(guest):
    r = web.get(guest, "mta-sts.not-hosted.example.net", POLICY)
    assert r.status == 404, f"[{guest.name}] policy of an unhosted domain: {r.status}"


def test_801_mode_and_max_age_follow_config(guest):
    with web.conf_settings(guest, "mta_sts", mode="enforce", max_age="2w"):
        policy = fetch_policy(guest)
        assert policy["mode"] == "enforce" and policy["max_age"] == 14 * 86400, policy
    policy = fetch_policy(guest)
    assert policy["mode"] == "testing", policy


def test_801_mode_none_serves_no_policy(guest):
    with web.conf_settings(guest, "mta_sts", mode="none"):
        r = web.get(guest, f"mta-sts.{guest.domain}", POLICY)
        assert r.status == 404, f"[{guest.name}] mode none still serves: {r.text()!r}"
        assert guest.run(["test", "-e", f"{web.WWW}/domains/{guest.domain}{POLICY}"],
                         check=False).returncode != 0
    fetch_policy(guest)
