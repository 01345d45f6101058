"""Issue 7, section 3, item 2: SMTP smuggling (CVE-2023-51764).

An attacker ends a message with a non-standard end-of-data sequence and
puts a whole second transaction (MAIL, RCPT, DATA, a message) behind
it. A server that takes the odd sequence for the end of DATA runs the
second transaction as if it came from the same client: on port 25 a
forged message, on 587 one that slips past the sender checks of the
first. Postfix is set explicitly (smtpd_forbid_bare_newline = normalize,
whatever the release's default): only <CR><LF>.<CR><LF> ends DATA.

Each known pattern (<LF>.<CR><LF>, <LF>.<LF>, <CR>.<CR>) is sent raw, on
port 25 and on 587 after STARTTLS and AUTH. What happens: the first
message is accepted once, at the real end of DATA, with the smuggled
lines as text of its body (normalised); the second mailbox never gets
anything."""

import time

import pytest

from mailclients import EXTERNAL_SENDER, make_message, smtp, submission

PATTERNS = {
    "lf-dot-crlf": b"\n.\r\n",
    "lf-dot-lf": b"\n.\n",
    "cr-dot-cr": b"\r.\r",
}


def _smuggle(s, sender, first_rcpt, smuggled_rcpt, pattern):
    """One transaction whose DATA hides a second one behind pattern.
    Returns (reply to the real end of DATA, the markers)."""
    msg1, marker1 = make_message(sender, first_rcpt, "smuggle-carrier")
    msg2, marker2 = make_message(sender, smuggled_rcpt, "smuggled")
    code, text = s.mail(sender)
    assert code == 250, f"MAIL got {code} {text!r}"
    code, text = s.rcpt(first_rcpt)
    assert code == 250, f"RCPT got {code} {text!r}"
    code, text = s.docmd("DATA")
    assert code == 354, f"DATA got {code} {text!r}"
    payload = (msg1.rstrip(b"\r\n") + pattern +
               f"MAIL FROM:<{sender}>\r\nRCPT TO:<{smuggled_rcpt}>\r\n"
               "DATA\r\n".encode() + msg2 + b".\r\n")
    s.send(payload)
    return s.getreply(), marker1, marker2


def _check(guest, reply, first, marker1, second, marker2, smuggled_rcpt):
    code, text = reply
    assert code == 250, \
        f"[{guest.name}] the end of DATA got {code} {text!r}\n{guest.explain()}"
    _, data = guest.wait_for_message(first.address, marker1)
    # the smuggled transaction is only text in the first message
    assert f"RCPT TO:<{smuggled_rcpt}>".encode() in data, data[-600:]
    time.sleep(3)
    assert guest.find_message(second.address, marker2) is None, \
        f"[{guest.name}] the smuggled message was delivered to {second.address}"
    assert guest.queued_for(second.address) == [], \
        f"[{guest.name}] the smuggled message is queued"


def test_721_bare_newline_is_set_explicitly(guest):
    set_here = guest.run(["postconf", "-n", "smtpd_forbid_bare_newline",
                          "smtpd_forbid_bare_newline_exclusions"]).stdout.decode()
    assert "smtpd_forbid_bare_newline = normalize" in set_here, set_here
    assert "smtpd_forbid_bare_newline_exclusions = $mynetworks" in set_here, set_here


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_721_no_smuggling_on_port_25(guest, pattern):
    first = guest.add_user("carrier25")
    second = guest.add_user("smuggled25")
    with smtp(guest, 25) as s:
        reply, m1, m2 = _smuggle(s, EXTERNAL_SENDER, first.address,
                                 second.address, PATTERNS[pattern])
    _check(guest, reply, first, m1, second, m2, second.address)


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_721_no_smuggling_on_port_587(guest, pattern):
    user = guest.add_user("sender587")
    first = guest.add_user("carrier587")
    second = guest.add_user("smuggled587")
    with submission(guest, 587, user) as s:
        reply, m1, m2 = _smuggle(s, user.address, first.address,
                                 second.address, PATTERNS[pattern])
    _check(guest, reply, first, m1, second, m2, second.address)
