"""Issue 7, section 3, item 1: forged senders on the submission ports.

A logged-in user sends only as themselves. Postfix refuses the empty
envelope sender MAIL FROM:<> (553 5.7.1), which passed every ownership
check before; rspamd refuses a message whose From header is not an
address the user owns (their mailbox, or an alias that delivers to them)
at the end of DATA with 554 5.7.1, logs it with the user and the address,
and signs nothing then. What is accepted is DKIM-signed with the key of
the From header's domain only, and verifies on the host (python3-dkim,
the key as `vmailctl dkim show --json` gives it; see test_302).

The attack the review made: MAIL FROM:<> (or one's own address) with
From: boss@another-hosted-domain got a valid signature of that domain."""

import re
import smtplib
import time

import pytest

import test_302_dkim_signing as t302
from mailclients import make_message, send, submission
from vmail_guest import token

MAP_DELAY = 15     # rspamd re-reads senders.map within ~3 s (options.inc)


def _refused_null_sender(guest, s, rcpt):
    code, text = s.mail("<>")
    if code == 250:
        code, text = s.rcpt(rcpt)
    assert code == 553 and text.startswith(b"5.7.1"), \
        f"[{guest.name}] MAIL FROM:<> got {code} {text!r}\n{guest.explain()}"
    s.rset()


@pytest.mark.parametrize("port", [587, 465])
def test_720_null_sender_is_refused(guest, port):
    user = guest.add_user("nullsnd")
    rcpt = guest.add_user("nullrcpt")
    with submission(guest, port, user) as s:
        _refused_null_sender(guest, s, rcpt.address)
        # the session goes on: the user's own address still works
        msg, marker = make_message(user.address, rcpt.address, "after-null")
        send(s, user.address, rcpt.address, msg)
    guest.wait_for_message(rcpt.address, marker)


def _data_refused(guest, user, envelope, msg, rcpt, port=587):
    """MAIL, RCPT accepted; DATA answered with 554 5.7.1: the text."""
    with submission(guest, port, user) as s:
        code, text = s.mail(envelope)
        assert code == 250, f"MAIL FROM:<{envelope}> got {code} {text!r}"
        code, text = s.rcpt(rcpt)
        assert code == 250, f"RCPT TO:<{rcpt}> got {code} {text!r}"
        try:
            code, text = s.data(msg)
        except smtplib.SMTPDataError as e:
            code, text = e.smtp_code, e.smtp_error
    assert code == 554 and text.startswith(b"5.7.1"), \
        f"[{guest.name}] a forged From got {code} {text!r} at the end of DATA " \
        f"(want 554 5.7.1)\n{guest.explain()}"
    return text


def _assert_not_delivered(guest, marker, *addresses):
    """Nothing with marker in any of the mailboxes, nor queued for them."""
    time.sleep(3)
    for a in addresses:
        assert guest.find_message(a, marker) is None, \
            f"[{guest.name}] the refused message reached {a}"
        assert guest.queued_for(a) == [], \
            f"[{guest.name}] the refused message is queued for {a}"


def _second_domain(guest, what):
    domain = f"{what}{token()}.example"
    guest.vmailctl("domain", "add", domain)
    return domain


@pytest.mark.parametrize("envelope", ["own", "null"])
def test_720_from_another_hosted_domain_is_refused(guest, envelope):
    other = _second_domain(guest, "boss")
    boss = guest.add_user("boss", domain=other)
    user = guest.add_user("forger")
    rcpt = guest.add_user("victim")
    msg, marker = make_message(boss.address, rcpt.address, "forged-from")
    if envelope == "null":
        # the review's attack: refused before DATA now
        with submission(guest, 587, user) as s:
            _refused_null_sender(guest, s, rcpt.address)
    text = _data_refused(guest, user, user.address, msg, rcpt.address)
    assert b"not owned" in text and boss.address.encode() in text, text
    _assert_not_delivered(guest, marker, rcpt.address, boss.address)
    log = guest.read(guest.log_path("rspamd"))
    assert re.search(rf"user {re.escape(user.address)}, From "
                     rf"{re.escape(boss.address)}.*refused", log), \
        f"[{guest.name}] the refusal is not logged with user and address"


def test_720_missing_or_double_from_is_refused(guest):
    user = guest.add_user("nofrom")
    rcpt = guest.add_user("nofromrcpt")
    msg, marker = make_message(user.address, rcpt.address, "no-from")
    no_from = re.sub(rb"^From: .*\r\n", b"", msg, count=1, flags=re.M)
    assert b"\r\nFrom:" not in b"\r\n" + no_from.split(b"\r\n\r\n")[0]
    _data_refused(guest, user, user.address, no_from, rcpt.address)
    two = msg.replace(b"\r\nTo:", f"\r\nFrom: <{user.address}>\r\nTo:".encode(), 1)
    _data_refused(guest, user, user.address, two, rcpt.address)
    _assert_not_delivered(guest, marker, rcpt.address)


def _dkim_domain(data):
    head = data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    sigs = re.findall(rb"^DKIM-Signature:.*(?:\n[ \t].*)*", head, re.M | re.I)
    return [re.search(rb"\bd=([^;\s]+)", s).group(1).decode() for s in sigs]


def test_720_own_address_is_signed_with_own_domain(guest):
    user = guest.add_user("ownfrom")
    rcpt = guest.add_user("ownfromrcpt")
    msg, marker = make_message(user.address, rcpt.address, "own-from")
    with submission(guest, 465, user) as s:
        send(s, user.address, rcpt.address, msg)
    _, data = guest.wait_for_message(rcpt.address, marker)
    assert _dkim_domain(data) == [guest.domain], _dkim_domain(data)
    t302._verify(data, guest.domain, t302._active(guest, guest.domain))


def test_720_owned_alias_in_second_domain_is_signed_with_its_domain(guest):
    """MAIL FROM the user's own mailbox, From an alias of theirs in another
    hosted domain: accepted (the From is owned), signed d=that domain."""
    other = _second_domain(guest, "alias")
    user = guest.add_user("aliasfrom")
    rcpt = guest.add_user("aliasfromrcpt")
    alias = f"sales-{token()}@{other}"
    guest.vmailctl("alias", "add", alias, user.address)
    key = t302._active(guest, other)
    deadline = time.monotonic() + MAP_DELAY
    while True:
        msg, marker = make_message(alias, rcpt.address, "alias-from")
        with submission(guest, 587, user) as s:
            s.mail(user.address)
            s.rcpt(rcpt.address)
            try:
                code, text = s.data(msg)
            except smtplib.SMTPDataError as e:
                code, text = e.smtp_code, e.smtp_error
        if code == 250:
            _, data = guest.wait_for_message(rcpt.address, marker)
            if t302._selector(data) == key[0]:
                break
        else:
            # rspamd has not re-read senders.map (or the selectors) yet
            assert code == 554, f"[{guest.name}] {code} {text!r}"
        assert time.monotonic() < deadline, \
            f"[{guest.name}] From <{alias}> was not accepted and signed " \
            f"within {MAP_DELAY}s: {code} {text!r}"
        time.sleep(5)
    assert _dkim_domain(data) == [other], _dkim_domain(data)
    t302._verify(data, other, key)


def test_720_refused_message_gets_no_signature(guest):
    """Asked directly (rspamc, as the milter would for a logged-in user),
    rspamd refuses the forged From and adds no DKIM-Signature; the same
    message with an owned From gets one."""
    other = _second_domain(guest, "nosig")
    boss = guest.add_user("nosigboss", domain=other)
    user = guest.add_user("nosiguser")

    def scan(from_addr):
        msg, _ = make_message(from_addr, "someone@example.net", "rspamc")
        p = guest.run(["rspamc", "--json", f"--user={user.address}",
                       "--ip=127.0.0.1", f"--from={user.address}",
                       "--rcpt=someone@example.net", "--mime"], input=msg,
                      check=False)
        return p.stdout.decode("utf-8", "replace")

    deadline = time.monotonic() + MAP_DELAY
    while "DKIM-Signature" not in scan(user.address):
        assert time.monotonic() < deadline, "own From was never signed"
        time.sleep(5)
    forged = scan(boss.address)
    assert "DKIM-Signature" not in forged, forged[:3000]
    assert "VMAIL_FROM_NOT_OWNED" in forged or "not owned" in forged, forged[:3000]
