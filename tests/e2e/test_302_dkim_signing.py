"""Issue 3, tests 5 and 6: a message submitted on 587 leaves with a DKIM
signature that an independent verifier (python3-dkim, on the host) accepts,
with the public key exactly as `vmailctl dkim show` prints it for DNS. The
same for mail from an alias in a second hosted domain: signed with that
domain's key (the From header's domain). After `vmailctl dkim rotate` and
`--activate`, new mail is signed with the new selector and still verifies.

rspamd reads the selectors map vmailctl writes by polling it (every 3 s,
options.inc), so right after `domain add` or
`rotate --activate` the tests keep sending, within MAP_DELAY, until the
mail is signed with the selector they expect; what they then verify is
exact."""

import json
import re
import time

import dkim

from mailclients import make_message, send, submission
import testdns
from vmail_guest import token

MAP_DELAY = 15     # rspamd's file-map poll (3 s) with a margin


def _records(guest, domain):
    """{state: (selector, TXT value)} from `vmailctl dkim show --json`,
    checking that the quoted DNS strings join back to the value."""
    p = guest.vmailctl("dkim", "show", "--json", domain)
    out = {}
    for key in json.loads(p.stdout):
        assert "".join(key["strings"]) == key["value"], key
        assert all(len(s.encode()) <= 255 for s in key["strings"]), key
        out[key["state"]] = (key["selector"], key["value"].encode())
    return out


def _active(guest, domain):
    recs = _records(guest, domain)
    assert "active" in recs, f"{domain} has no active DKIM key: {recs}"
    return recs["active"]


def _send_signed(guest, sender_user, from_addr, what):
    rcpt = guest.add_user(f"{what}-to")
    msg, marker = make_message(from_addr, rcpt.address, what)
    with submission(guest, 587, sender_user) as s:
        send(s, from_addr, rcpt.address, msg)
    _, data = guest.wait_for_message(rcpt.address, marker)
    return data


def _selector(data):
    """The s= tag of the message's DKIM-Signature, or None if unsigned."""
    head = data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    sig = re.search(rb"^DKIM-Signature:(.*(?:\n[ \t].*)*)", head, re.M | re.I)
    if not sig:
        return None
    sel = re.search(rb"\bs=([^;\s]+)", sig.group(1))
    return sel.group(1).decode() if sel else None


def _send_until_selector(guest, sender_user, from_addr, what, selector):
    """Send until rspamd signs with selector (it re-reads its map within
    MAP_DELAY); returns that message."""
    deadline = time.monotonic() + MAP_DELAY
    seen = []
    while True:
        data = _send_signed(guest, sender_user, from_addr, what)
        seen.append(_selector(data))
        if seen[-1] == selector:
            return data
        assert time.monotonic() < deadline, \
            f"no mail signed with selector {selector} within {MAP_DELAY}s; " \
            f"selectors seen: {seen}"
        time.sleep(5)


def _verify(data, domain, key):
    selector, txt = key
    names = {f"{selector}._domainkey.{domain}.".encode(): txt}

    def dnsfunc(name, timeout=5):
        return names.get(name if name.endswith(b".") else name + b".")

    head = data.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in data else data.split(b"\n\n", 1)[0]
    assert b"DKIM-Signature:" in head, f"not signed:\n{head.decode(errors='replace')}"
    sig = [l for l in head.replace(b"\r\n", b"\n").split(b"\n") if b"d=" in l or l.startswith(b"DKIM")]
    assert f"d={domain}".encode() in head and f"s={selector}".encode() in head, \
        f"signed with another domain/selector: {sig}"
    msg = data if b"\r\n" in data else data.replace(b"\n", b"\r\n")
    assert dkim.verify(msg, dnsfunc=dnsfunc), "the DKIM signature does not verify"


def test_302_submission_is_dkim_signed(guest):
    sender = guest.add_user("signer")
    data = _send_signed(guest, sender, sender.address, "dkim")
    _verify(data, guest.domain, _active(guest, guest.domain))


def test_302_alias_in_second_domain_is_signed_with_its_key(guest):
    other = f"d{token()}.example"
    guest.vmailctl("domain", "add", other)   # new domains get a key at once
    sender = guest.add_user("aliasowner")
    alias = f"sales@{other}"
    guest.vmailctl("alias", "add", alias, sender.address)
    key = _active(guest, other)
    data = _send_until_selector(guest, sender, alias, "dkim-alias", key[0])
    _verify(data, other, key)


def test_302_rotation_signs_with_the_new_selector(guest):
    domain = f"rot{token()}.example"
    guest.vmailctl("domain", "add", domain)
    sender = guest.add_user("rotator", domain=domain)
    old = _active(guest, domain)

    guest.vmailctl("dkim", "rotate", domain)
    recs = _records(guest, domain)
    assert recs["active"] == old, "rotate changed the active key before --activate"
    new = recs["pending"]
    assert new[0] != old[0], "the pending key reuses the old selector"
    # the new domain's first key, once rspamd has read the map; the
    # pending key signs nothing
    data = _send_until_selector(guest, sender, sender.address, "dkim-pending", old[0])
    _verify(data, domain, old)

    # --activate waits for DNS to serve the new key (test_860): publish
    # it, as the administrator would
    testdns.write_zone(domain, "$TTL 1\n"
                       f"{domain}. 1 IN SOA ns.example.net. hostmaster.{domain}. 1 3600 600 86400 1\n"
                       f"{domain}. 1 IN NS ns.example.net.\n"
                       f"{new[0]}._domainkey.{domain}. 1 IN TXT "
                       f"{testdns.txt_rdata(new[1].decode())}\n")
    testdns.wait_for(f"{new[0]}._domainkey.{domain}", "TXT", new[1].decode())
    try:
        guest.vmailctl("dkim", "rotate", "--activate", domain)
    finally:
        testdns.remove_zone(domain)
    assert _active(guest, domain) == new
    data = _send_until_selector(guest, sender, sender.address, "dkim-rotated", new[0])
    _verify(data, domain, new)
