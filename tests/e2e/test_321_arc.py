"""Issue 3: ARC (RFC 8617), checked on incoming mail and added to mail we
forward.

Checking: the test plays a forwarding server of its own domain (published
in the tests' DNS server with a DKIM/ARC key, testdns.py): it records its
Authentication-Results and seals the message with python3-dkim's
arc_sign, then sends it on port 25. A valid chain gives "arc=pass" in our
Authentication-Results; the same chain after the body was changed in
transit gives "arc=fail", and our own seal on top says so (cv=fail).

Sealing: a hosted address that is an alias of an external address
forwards the message; the copy waiting in the queue carries our ARC set
(i=1, d=the hosted domain, its active DKIM selector), which python3-dkim's
arc_verify accepts with the key `vmailctl dkim show` prints, and whose
ARC-Authentication-Results records the sender's passing DKIM signature.
"""

import email
import email.policy
import json
import re

import dkim
import pytest

import testdns
from mailclients import make_message, try_send
from vmail_guest import token

ORIGINAL_SENDER = "author@example.net"     # no SPF/DKIM/DMARC records


def _header_values(data, name):
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    return [" ".join(v.split()) for v in msg.get_all(name) or []]


def _our_authres(data, guest):
    ours = [v for v in _header_values(data, "Authentication-Results")
            if v.startswith(guest.hostname + ";")]
    assert len(ours) == 1, f"our Authentication-Results: {ours}"
    return ours[0]


@pytest.fixture
def forwarder():
    d = testdns.SenderDomain("arc-fwd")
    d.publish(dkim_key=True)
    yield d
    d.unpublish()


def _forwarded(forwarder, rcpt, what):
    """(message as the forwarder sends it on, marker)."""
    msg, marker = make_message(ORIGINAL_SENDER, rcpt.address, what)
    sealed = forwarder.arc_seal(
        msg, f"mx.{forwarder.name}",
        f"spf=pass smtp.mailfrom={ORIGINAL_SENDER}; dkim=none; dmarc=none")
    return sealed, marker


def test_321_valid_arc_chain_passes(guest, forwarder):
    rcpt = guest.add_user("arc-ok")
    msg, marker = _forwarded(forwarder, rcpt, "arc-pass")
    code, text = try_send(guest, rcpt.address, msg, sender=f"bounce@{forwarder.name}")
    assert code == 250, f"[{guest.suite}] {code} {text!r}"
    _, data = guest.wait_for_message(rcpt.address, marker)
    ar = _our_authres(data, guest)
    assert re.search(r"\barc=pass\b", ar), ar


def test_321_broken_arc_chain_fails(guest, forwarder):
    rcpt = guest.add_user("arc-bad")
    msg, marker = _forwarded(forwarder, rcpt, "arc-fail")
    broken = msg.replace(b"Test message", b"Changed message", 1)
    assert broken != msg
    code, text = try_send(guest, rcpt.address, broken, sender=f"bounce@{forwarder.name}")
    assert code == 250, f"[{guest.suite}] {code} {text!r}"
    _, data = guest.wait_for_message(rcpt.address, marker)
    ar = _our_authres(data, guest)
    assert re.search(r"\barc=fail\b", ar), ar
    # our own seal on top records the broken chain (RFC 8617 5.1.1: cv=fail)
    seals = [v for v in _header_values(data, "ARC-Seal") if re.search(r"\bi=2;", v)]
    assert len(seals) == 1 and re.search(r"\bcv=fail;", seals[0]) and \
        re.search(rf"\bd={re.escape(guest.domain)};", seals[0]), \
        f"[{guest.suite}] our ARC-Seal: {seals}"


def _active_key(guest, domain):
    """(selector, TXT value) of domain's active DKIM key, as `vmailctl dkim
    show --json` prints it for DNS."""
    for key in json.loads(guest.vmailctl("dkim", "show", "--json", domain).stdout):
        if key["state"] == "active":
            return key["selector"], key["value"]
    raise AssertionError(f"{domain} has no active DKIM key")


def _queued_message(guest, queue_id):
    """The message (headers and body, as it will be sent) of a queue entry."""
    p = guest.run(["postcat", "-h", "-b", "-q", queue_id])
    out = p.stdout.replace(b"\r\n", b"\n")
    # postcat frames the sections with "*** ... ***" lines
    lines = [l for l in out.split(b"\n") if not l.startswith(b"*** ")]
    return b"\r\n".join(lines).rstrip(b"\r\n") + b"\r\n"


def test_321_forwarded_mail_is_arc_sealed(guest):
    sender = testdns.SenderDomain("arc-author")
    sender.publish(dkim_key=True)
    external = f"arc-dest-{token()}@example.net"
    alias = guest.new_address("arc-fwd")
    guest.vmailctl("alias", "add", alias, external)
    try:
        msg, marker = make_message(f"author@{sender.name}", alias, "arc-seal")
        signed = sender.dkim_sign(msg)
        code, text = try_send(guest, alias, signed, sender=f"author@{sender.name}")
        assert code == 250, f"[{guest.suite}] {code} {text!r}"
        queued = guest.wait_for_queue(
            lambda q: any(r.get("address") == external for r in q.get("recipients", [])),
            f"recipient {external}")
        data = _queued_message(guest, queued[0]["queue_id"])
        guest.drop_from_queue(queued)
        assert marker.encode() in data, data[:2000]

        selector, value = _active_key(guest, guest.domain)
        seals = _header_values(data, "ARC-Seal")
        assert len(seals) == 1, f"[{guest.suite}] ARC-Seal headers: {seals}"
        assert re.search(rf"\bd={re.escape(guest.domain)};", seals[0]) and \
            re.search(rf"\bs={re.escape(selector)};", seals[0]) and \
            re.search(r"\bi=1;", seals[0]) and re.search(r"\bcv=none;", seals[0]), seals[0]
        aar = _header_values(data, "ARC-Authentication-Results")
        assert len(aar) == 1 and f"dkim=pass header.d={sender.name}" in aar[0], aar

        keys = {f"{selector}._domainkey.{guest.domain}.": value.encode()}

        def dnsfunc(name, timeout=5):
            name = name.decode()
            name = name if name.endswith(".") else name + "."
            return keys.get(name)
        cv, results, reason = dkim.arc_verify(data, dnsfunc=dnsfunc)
        assert cv == dkim.CV_Pass, \
            f"[{guest.suite}] our ARC set does not verify: {cv} {reason} {results}"
        # the sender's own signature survived the forwarding
        assert dkim.verify(data, dnsfunc=sender.dnsfunc), "the original DKIM signature broke"
    finally:
        sender.unpublish()
