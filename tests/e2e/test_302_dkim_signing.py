"""Issue 3, test 5: a message submitted on 587 leaves with a DKIM signature
that an independent verifier (python3-dkim, on the host) accepts, with the
public key as the DNS TXT record would give it. The same for mail from an
alias in a second hosted domain: signed with that domain's key (the From
header's domain).

The keys: `vmailctl dkim show --json` when this vmailctl has it; until then
the test makes them by hand exactly as the DKIM contract lays them out
(/etc/vmail/dkim/DOMAIN.SELECTOR.key, 0640 root:_rspamd, and the line
"DOMAIN SELECTOR" in /etc/vmail/dkim/selectors.map) and reloads rspamd."""

import json

import dkim
import pytest

import spamfilter
from mailclients import make_message, send, submission
from vmail_guest import token

DKIM_DIR = "/etc/vmail/dkim"
SELECTOR = "vme2e"


def _record_from_vmailctl(guest, domain):
    p = guest.vmailctl("dkim", "show", "--json", domain, check=False)
    if p.returncode != 0:
        return None
    for key in json.loads(p.stdout):
        if key.get("state") == "active":
            return key["selector"], key["value"].encode()
    return None


def _record_by_hand(guest, domain):
    """Make a key the way the contract lays it out; return (selector, TXT)."""
    key = f"{DKIM_DIR}/{domain}.{SELECTOR}.key"
    guest.run(f"""set -e
        install -d -m 0750 -o root -g _rspamd {DKIM_DIR}
        [ -e {key} ] || openssl genrsa -out {key} 2048 2>/dev/null
        chown root:_rspamd {key}; chmod 0640 {key}
        touch {DKIM_DIR}/selectors.map
        grep -q '^{domain} ' {DKIM_DIR}/selectors.map ||
            echo '{domain} {SELECTOR}' >> {DKIM_DIR}/selectors.map
        chgrp _rspamd {DKIM_DIR}/selectors.map; chmod 0640 {DKIM_DIR}/selectors.map""")
    pub = guest.run(f"openssl rsa -in {key} -pubout -outform DER 2>/dev/null | base64 -w0")
    return SELECTOR, b"v=DKIM1; k=rsa; p=" + pub.stdout.strip()


@pytest.fixture(scope="module")
def keys(guest):
    """{domain: (selector, TXT value)}, filled by key_for()."""
    return {}


def key_for(guest, keys, domain):
    if domain not in keys:
        rec = _record_from_vmailctl(guest, domain)
        if rec is None:
            rec = _record_by_hand(guest, domain)
            spamfilter.reload(guest)
        keys[domain] = rec
    return keys[domain]


def _verify(guest, keys, data, domain):
    selector, txt = keys[domain]
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


def test_302_submission_is_dkim_signed(guest, keys):
    key_for(guest, keys, guest.domain)
    sender = guest.add_user("signer")
    rcpt = guest.add_user("signed-to")
    msg, marker = make_message(sender.address, rcpt.address, "dkim")
    with submission(guest, 587, sender) as s:
        send(s, sender.address, rcpt.address, msg)
    _, data = guest.wait_for_message(rcpt.address, marker)
    _verify(guest, keys, data, guest.domain)


def test_302_alias_in_second_domain_is_signed_with_its_key(guest, keys):
    other = f"d{token()}.example"
    guest.vmailctl("domain", "add", other)
    key_for(guest, keys, other)
    sender = guest.add_user("aliasowner")
    alias = f"sales@{other}"
    guest.vmailctl("alias", "add", alias, sender.address)
    rcpt = guest.add_user("alias-to")
    msg, marker = make_message(alias, rcpt.address, "dkim-alias")
    with submission(guest, 587, sender) as s:
        send(s, alias, rcpt.address, msg)
    _, data = guest.wait_for_message(rcpt.address, marker)
    _verify(guest, keys, data, other)
