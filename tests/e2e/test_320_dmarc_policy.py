"""Issue 3: a sender domain's DMARC policy is honoured.

Each test publishes its own sender domain in the tests' DNS server
(testdns.py): an SPF record that does not list the harness's address (so
SPF fails for mail sent from it), a DMARC record, and a DKIM key whose
private half only the test has (python3-dkim signs with it). Then, on
port 25 from the harness:

- p=reject, unsigned: 554 5.7.1 at the end of DATA, nothing stored;
- p=reject, with a DKIM signature that does not verify (the body was
  changed after signing): likewise refused;
- p=reject, validly signed: delivered to INBOX, dkim=pass and dmarc=pass;
- p=quarantine, unsigned: delivered, but into Junk with X-Spam: Yes;
- p=none, unsigned: delivered to INBOX, dmarc=fail (policy=none).

Our own mail is not checked: a hosted domain that publishes p=reject and
"-all" (and no key for the selector the server signs with) still gets its
users' mail through on 587 and this machine's (sendmail) through.
"""

import email
import email.policy
import time

import pytest

import testdns
from mailclients import make_message, send, submission, try_send

SPF_ELSEWHERE = "v=spf1 ip4:192.0.2.1 -all"    # not the harness's address


def _authres(data, guest):
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    ours = [" ".join(v.split()) for v in msg.get_all("Authentication-Results") or []
            if v.strip().startswith(guest.hostname + ";")]
    assert len(ours) == 1, f"our Authentication-Results: {ours}"
    return ours[0]


def _folder(path):
    """'INBOX' or the folder name of a Maildir++ path (.Junk/new/x)."""
    first = path.split("/", 1)[0]
    return "INBOX" if first in ("new", "cur") else first.lstrip(".")


def _assert_not_stored(guest, address, marker):
    time.sleep(2)      # give a wrongly accepted message time to arrive
    assert guest.find_message(address, marker) is None, \
        f"[{guest.suite}] a refused message was stored"
    assert guest.queued_for(address) == [], f"[{guest.suite}] a refused message was queued"


@pytest.fixture
def sender_domain():
    made = []

    def make(prefix, dmarc, dkim_key=True):
        d = testdns.SenderDomain(prefix)
        d.publish(spf=SPF_ELSEWHERE, dmarc=dmarc, dkim_key=dkim_key)
        made.append(d)
        return d
    yield make
    for d in made:
        d.unpublish()


def _message(domain, rcpt, what):
    return make_message(f"news@{domain.name}", rcpt.address, what)


def test_320_reject_policy_refuses_unauthenticated_mail(guest, sender_domain):
    d = sender_domain("dmarc-reject", "v=DMARC1; p=reject")
    rcpt = guest.add_user("dmarc-rej")
    msg, marker = _message(d, rcpt, "dmarc-reject")
    code, text = try_send(guest, rcpt.address, msg, sender=f"news@{d.name}")
    assert code == 554 and b"5.7.1" in text and b"DMARC" in text, \
        f"[{guest.suite}] p=reject, SPF fail, no DKIM: got {code} {text!r}\n" \
        f"{guest.explain(marker)}"
    _assert_not_stored(guest, rcpt.address, marker)


def test_320_reject_policy_refuses_a_broken_signature(guest, sender_domain):
    d = sender_domain("dmarc-forged", "v=DMARC1; p=reject")
    rcpt = guest.add_user("dmarc-forged")
    msg, marker = _message(d, rcpt, "dmarc-forged")
    signed = d.dkim_sign(msg)
    forged = signed.replace(b"Test message", b"Changed message", 1)
    assert forged != signed
    code, text = try_send(guest, rcpt.address, forged, sender=f"news@{d.name}")
    assert code == 554 and b"5.7.1" in text and b"DMARC" in text, \
        f"[{guest.suite}] p=reject, SPF fail, DKIM fail: got {code} {text!r}"
    _assert_not_stored(guest, rcpt.address, marker)


def test_320_reject_policy_accepts_a_valid_signature(guest, sender_domain):
    d = sender_domain("dmarc-signed", "v=DMARC1; p=reject")
    rcpt = guest.add_user("dmarc-signed")
    msg, marker = _message(d, rcpt, "dmarc-signed")
    signed = d.dkim_sign(msg)
    code, text = try_send(guest, rcpt.address, signed, sender=f"news@{d.name}")
    assert code == 250, f"[{guest.suite}] validly signed mail refused: {code} {text!r}"
    path, data = guest.wait_for_message(rcpt.address, marker)
    assert _folder(path) == "INBOX", f"[{guest.suite}] filed into {path}"
    ar = _authres(data, guest)
    assert "spf=fail" in ar, ar
    assert f"dkim=pass header.d={d.name}" in ar, ar
    assert "dmarc=pass" in ar and "policy=reject" in ar, ar


def test_320_quarantine_policy_files_into_junk(guest, sender_domain):
    d = sender_domain("dmarc-quar", "v=DMARC1; p=quarantine")
    rcpt = guest.add_user("dmarc-quar")
    msg, marker = _message(d, rcpt, "dmarc-quarantine")
    code, text = try_send(guest, rcpt.address, msg, sender=f"news@{d.name}")
    assert code == 250, f"[{guest.suite}] p=quarantine mail refused: {code} {text!r}"
    path, data = guest.wait_for_message(rcpt.address, marker)
    assert _folder(path) == "Junk", f"[{guest.suite}] p=quarantine mail filed into {path}"
    assert b"\nX-Spam: Yes" in data.replace(b"\r\n", b"\n"), "no X-Spam header"
    ar = _authres(data, guest)
    assert "dmarc=fail" in ar and "policy=quarantine" in ar, ar


def test_320_none_policy_delivers_failing_mail(guest, sender_domain):
    d = sender_domain("dmarc-none", "v=DMARC1; p=none")
    rcpt = guest.add_user("dmarc-none")
    msg, marker = _message(d, rcpt, "dmarc-none")
    code, text = try_send(guest, rcpt.address, msg, sender=f"news@{d.name}")
    assert code == 250, f"[{guest.suite}] p=none mail refused: {code} {text!r}"
    path, data = guest.wait_for_message(rcpt.address, marker)
    assert _folder(path) == "INBOX", f"[{guest.suite}] filed into {path}"
    ar = _authres(data, guest)
    assert "spf=fail" in ar and "dmarc=fail" in ar and "policy=none" in ar, ar


def test_320_own_mail_is_not_held_to_our_own_reject_policy(guest):
    # A hosted domain whose published policy its own mail "fails" here:
    # SPF -all, p=reject, and the selector the server signs with has no
    # key in DNS (so a DKIM check would fail too).
    d = testdns.SenderDomain("own-reject")
    guest.vmailctl("domain", "add", d.name)
    d.publish(spf="v=spf1 -all", dmarc="v=DMARC1; p=reject")
    try:
        sender = guest.add_user("own-dmarc", domain=d.name)
        rcpt = guest.add_user("own-dmarc-to")
        # submission (587, logged in)
        msg, marker = make_message(sender.address, rcpt.address, "own-dmarc-587")
        with submission(guest, 587, sender) as s:
            send(s, sender.address, rcpt.address, msg)
        guest.wait_for_message(rcpt.address, marker)
        # this machine (sendmail, from 127.0.0.1 through the milter)
        msg, marker = make_message(sender.address, rcpt.address, "own-dmarc-local")
        guest.run(["/usr/sbin/sendmail", "-f", sender.address, "-i", rcpt.address],
                  input=msg.replace(b"\r\n", b"\n"))
        guest.wait_for_message(rcpt.address, marker)
    finally:
        d.unpublish()
