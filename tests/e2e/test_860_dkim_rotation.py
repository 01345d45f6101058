"""Issue 8, "DKIM rotation uses it": a rotation never signs with a key DNS
does not serve, and the old key stays published while mail signed with it
may still be on its way.

- `vmailctl dkim rotate --activate` refuses (exit 1, nothing changed, mail
  still signed with the old key) while the test DNS serves nothing for the
  pending selector, and again while it serves another key; the message
  says what it found and prints the record as `vmailctl dns` does. Once
  the `vmailctl dns DOMAIN` records are published, it succeeds and new
  mail is signed with the new selector (python3-dkim verifies it against
  the published zone); the old selector is still in `vmailctl dns`, and
  mail signed with it still verifies.
- The rotation job (`vmailctl dkim rotate --auto`) keeps a retired key
  during its 7 days of grace and removes it (file, row, record) after;
  the key's age is faked by setting its row's time in the store with
  sqlite3 on the host (no test hook in vmailctl).
- Automatic rotation ([dkim] rotate = 1d), run through the real unit
  (vmail-dkim-rotate.service, whose timer setup enabled): nothing while
  the key is young; once it is "2 days old", a pending key and the record
  to publish in the journal and in `vmailctl dns`; waiting (and saying
  so) until DNS serves it; then activated, and mail signed with it.
"""

import os
import re
import subprocess
import time

import dkim

from mailclients import make_message, send, submission
from testdns import query, remove_zone, wait_for, write_zone
from vmail_guest import DB_PATH, STATE, token

MAP_DELAY = 15     # rspamd's file-map poll (3 s) with a margin
VMAIL_CONF = "/etc/vmail/vmail.conf"
RECORD = re.compile(r"^(\S+) (\d+) IN (\S+) (.*)$")
UNIT = "vmail-dkim-rotate.service"


def _records(text):
    return [(m.group(1), m.group(3), m.group(4))
            for m in map(RECORD.match, text.splitlines()) if m]


def _dkim_records(text):
    """{selector: TXT value as printed} of `vmailctl dns` output."""
    return {n.split(".", 1)[0]: v for n, t, v in _records(text)
            if "._domainkey." in n and t == "TXT"}


def _dns(guest, domain):
    p = guest.vmailctl("dns", domain)
    return p.stdout.decode()


def _publish(domain, text):
    """Publish the domain's own records of `vmailctl dns` text in the test
    DNS and wait until it serves them. TTLs of 1 s (and a negative TTL of
    1 s in the SOA), so that a caching resolver in the guest cannot keep
    an earlier answer for the next step."""
    own = [re.sub(r"^(\S+) \d+ IN ", r"\1 1 IN ", line) for line in text.splitlines()
           if RECORD.match(line) and RECORD.match(line).group(1).endswith(f"{domain}.")]
    write_zone(domain, "$TTL 1\n"
               f"{domain}. 1 IN SOA ns.example.net. hostmaster.{domain}. 1 3600 600 86400 1\n"
               f"{domain}. 1 IN NS ns.example.net.\n" + "\n".join(own) + "\n")
    for name, rtype, value in _records("\n".join(own)):
        if rtype == "TXT":
            wait_for(name.rstrip("."), "TXT",
                     "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', value)))


def _dnsfunc(name, timeout=5):
    rcode, vals = query(name.decode().rstrip("."), "TXT")
    return vals[0].encode() if vals else None


def _selector(data):
    head = data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    sig = re.search(rb"^DKIM-Signature:(.*(?:\n[ \t].*)*)", head, re.M | re.I)
    sel = sig and re.search(rb"\bs=([^;\s]+)", sig.group(1))
    return sel.group(1).decode() if sel else None


def _mail(guest, sender, what):
    rcpt = guest.add_user(f"{what}-to")
    msg, marker = make_message(sender.address, rcpt.address, what)
    with submission(guest, 587, sender) as s:
        send(s, sender.address, rcpt.address, msg)
    _, data = guest.wait_for_message(rcpt.address, marker)
    return data if b"\r\n" in data else data.replace(b"\n", b"\r\n")


def _signed_with(guest, sender, selector, what):
    """Submit until rspamd signs with selector (its map poll)."""
    deadline = time.monotonic() + MAP_DELAY
    seen = []
    while True:
        data = _mail(guest, sender, what)
        seen.append(_selector(data))
        if seen[-1] == selector:
            return data
        assert time.monotonic() < deadline, \
            f"[{guest.name}] no mail signed with {selector} within {MAP_DELAY}s: {seen}"
        time.sleep(3)


def _keys(guest, domain):
    """{selector: state} from `vmailctl dkim list --json`."""
    import json
    p = guest.vmailctl("dkim", "list", "--json", domain)
    return {k["selector"]: k["state"] for k in json.loads(p.stdout)}


def _sql(guest, sql):
    """sqlite3 on the host, on the guest's store (the guest has none)."""
    root = open(os.path.join(STATE, f"{guest.name}.root")).read().strip()
    p = subprocess.run(["sqlite3", root + DB_PATH, sql], capture_output=True)
    assert p.returncode == 0, p.stderr
    return p.stdout.decode().strip()


def _selectors_map(guest):
    return guest.run(["cat", "/etc/vmail/dkim/selectors.map"]).stdout.decode()


def test_860_activate_waits_until_dns_serves_the_key(guest):
    domain = f"rot{token()}.example"
    guest.vmailctl("domain", "add", domain)
    try:
        sender = guest.add_user("rot", domain=domain)
        text = _dns(guest, domain)
        (old,) = _dkim_records(text)
        _publish(domain, text)
        old_mail = _signed_with(guest, sender, old, "rot-old")
        assert dkim.verify(old_mail, dnsfunc=_dnsfunc)

        guest.vmailctl("dkim", "rotate", domain)
        text = _dns(guest, domain)
        recs = _dkim_records(text)
        (new,) = [s for s in recs if s != old]
        new_line = [line for line in text.splitlines()
                    if line.startswith(f"{new}._domainkey.{domain}. ")]
        assert len(new_line) == 1, text

        # DNS serves nothing for the new selector: refused, nothing changed
        before = guest.db_dump()
        p = guest.vmailctl("dkim", "rotate", "--activate", domain, check=False)
        err = p.stderr.decode()
        assert p.returncode == 1, f"[{guest.name}] --activate without DNS: {p.returncode} {err}"
        assert f"{new}._domainkey.{domain} TXT serves nothing" in err, err
        assert new_line[0] in err.splitlines(), \
            f"the refusal does not print the record as `vmailctl dns` does:\n{err}"
        assert guest.db_dump() == before
        assert _keys(guest, domain) == {old: "active", new: "pending"}
        assert f"{domain} {old}" in _selectors_map(guest).splitlines()
        assert _selector(_mail(guest, sender, "rot-still-old")) == old

        # DNS serves another key under the new selector: refused
        _publish(domain, text.replace(recs[new], recs[old]))
        p = guest.vmailctl("dkim", "rotate", "--activate", domain, check=False)
        err = p.stderr.decode()
        assert p.returncode == 1 and "serves a different key" in err, \
            f"[{guest.name}] --activate with another key: {p.returncode} {err}"
        assert _keys(guest, domain) == {old: "active", new: "pending"}

        # published as `vmailctl dns` prints it: activated
        _publish(domain, text)
        p = guest.vmailctl("dkim", "rotate", "--activate", domain)
        assert not p.stdout and not p.stderr, p
        assert _keys(guest, domain) == {new: "active", old: "retired"}
        new_mail = _signed_with(guest, sender, new, "rot-new")
        assert dkim.verify(new_mail, dnsfunc=_dnsfunc), \
            "mail signed with the new key does not verify against the published zone"

        # the old selector is still in `vmailctl dns` (its TXT stays), and
        # mail it signed still verifies
        text = _dns(guest, domain)
        recs_after = _dkim_records(text)
        assert set(recs_after) == {old, new}, recs_after
        assert recs_after[old] == recs[old]
        _publish(domain, text)
        assert dkim.verify(old_mail, dnsfunc=_dnsfunc)

        # the rotation job: within the grace period nothing (quiet) ...
        _sql(guest, f"UPDATE dkim_key SET changed = datetime('now', '-6 days') "
                    f"WHERE domain = '{domain}' AND selector = '{old}'")
        p = guest.vmailctl("dkim", "rotate", "--auto", domain)
        assert not p.stdout and not p.stderr, p
        assert set(_dkim_records(_dns(guest, domain))) == {old, new}
        guest.run(["test", "-f", f"/etc/vmail/dkim/{domain}.{old}.key"])
        # ... after 7 days the retired key goes: file, row, record
        _sql(guest, f"UPDATE dkim_key SET changed = datetime('now', '-8 days') "
                    f"WHERE domain = '{domain}' AND selector = '{old}'")
        p = guest.vmailctl("dkim", "rotate", "--auto")
        assert f"{domain}: removed the retired DKIM key {old} " in p.stdout.decode(), p
        assert set(_dkim_records(_dns(guest, domain))) == {new}
        assert _keys(guest, domain) == {new: "active"}
        assert guest.run(["test", "-e", f"/etc/vmail/dkim/{domain}.{old}.key"],
                         check=False).returncode == 1
        p = guest.vmailctl("dkim", "rotate", "--auto", domain)
        assert not p.stdout and not p.stderr, "a second run is not quiet"
    finally:
        remove_zone(domain)
        guest.vmailctl("domain", "del", domain, check=False)


def _set_rotate(guest, value):
    """[dkim] rotate = value in vmail.conf (None: as it was); returns the
    original text."""
    original = guest.run(["cat", VMAIL_CONF]).stdout.decode()
    text = original
    m = re.search(r"^\[dkim\]\n", text, re.M)
    if m:
        sec_end = text.find("\n[", m.end())
        sec_end = len(text) if sec_end < 0 else sec_end
        body = re.sub(r"^rotate\s*=.*\n?", "", text[m.end():sec_end], flags=re.M)
        text = text[:m.end()] + f"rotate = {value}\n" + body + text[sec_end:]
    else:
        text = text.rstrip("\n") + f"\n\n[dkim]\nrotate = {value}\n"
    guest.run(["sh", "-c", f"cat > {VMAIL_CONF}"], input=text.encode())
    return original


def _run_job(guest):
    """Start the real unit once; what it wrote to the journal."""
    cursor = guest.journal_cursor()
    guest.run(["systemctl", "start", UNIT], timeout=120)
    time.sleep(1)          # journald may write a moment later
    return "\n".join(guest.journal_since(cursor, UNIT))


def test_860_automatic_rotation(guest):
    p = guest.run(["systemctl", "is-enabled", "vmail-dkim-rotate.timer"], check=False)
    assert p.stdout.decode().strip() == "enabled", \
        f"[{guest.name}] the rotation timer is not enabled: {p.stdout!r} {p.stderr!r}"
    domain = f"auto{token()}.example"
    guest.vmailctl("domain", "add", domain)
    original = _set_rotate(guest, "1d")
    try:
        sender = guest.add_user("auto", domain=domain)
        text = _dns(guest, domain)
        (old,) = _dkim_records(text)
        _publish(domain, text)

        # a young key: nothing to do, nothing said about the domain
        log = _run_job(guest)
        assert domain not in log, log
        assert _keys(guest, domain) == {old: "active"}

        # two days old: a pending key, and the record to publish
        _sql(guest, f"UPDATE dkim_key SET created = datetime('now', '-2 days') "
                    f"WHERE domain = '{domain}' AND selector = '{old}'")
        log = _run_job(guest)
        keys = _keys(guest, domain)
        (new,) = [s for s in keys if s != old]
        assert keys == {old: "active", new: "pending"}
        text = _dns(guest, domain)
        recs = _dkim_records(text)
        assert set(recs) == {old, new}
        assert f"{domain}: the DKIM key {old} has signed for 2 days" in log, log
        assert f"made the pending key {new}" in log and \
            f"{new}._domainkey.{domain}. 3600 IN TXT {recs[new]}" in log, log

        # not published yet: it waits, says so, signs with the old key
        log = _run_job(guest)
        assert f"{domain}: waiting for DNS" in log and "serves nothing" in log, log
        assert _keys(guest, domain) == {old: "active", new: "pending"}
        assert f"{domain} {old}" in _selectors_map(guest).splitlines()

        # published: activated; the old one retired and still published
        _publish(domain, text)
        log = _run_job(guest)
        assert f"{domain}: DNS serves the pending DKIM key {new}" in log, log
        assert _keys(guest, domain) == {new: "active", old: "retired"}
        assert set(_dkim_records(_dns(guest, domain))) == {old, new}
        data = _signed_with(guest, sender, new, "auto-new")
        assert dkim.verify(data, dnsfunc=_dnsfunc)

        # the next day: nothing to do
        log = _run_job(guest)
        assert domain not in log, log
    finally:
        guest.run(["sh", "-c", f"cat > {VMAIL_CONF}"], input=original.encode())
        remove_zone(domain)
        guest.vmailctl("domain", "del", domain, check=False)
