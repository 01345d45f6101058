"""Behaviour 6: an authenticated user sending as another user's address is
rejected (553 5.7.1); sending as one of their own aliases is accepted."""

import pytest

from vmail_guest import token
from mailclients import make_message, send, submission


def _refused(guest, s, sender, rcpt):
    """MAIL FROM sender then RCPT; the 553 5.7.1 may come at either."""
    code, text = s.mail(sender)
    if code == 250:
        code, text = s.rcpt(rcpt)
    assert code == 553 and text.startswith(b"5.7.1"), \
        f"sending as <{sender}> got {code} {text!r}\n" + guest.explain(sender)
    s.rset()


@pytest.mark.parametrize("port", [587, 465])
def test_06_sender_must_own_address(guest, port):
    user = guest.add_user("owner")
    other = guest.add_user("other")
    rcpt = guest.add_user("rcpt")
    alias = guest.new_address("myalias")
    guest.vmailctl("alias", "add", alias, user.address)

    with submission(guest, port, user) as s:
        _refused(guest, s, other.address, rcpt.address)
        _refused(guest, s, f"nobody-{token()}@{guest.domain}", rcpt.address)
        _refused(guest, s, f"someone-{token()}@example.net", rcpt.address)

    # own mailbox and own alias are fine
    for sender in (user.address, alias):
        msg, marker = make_message(sender, rcpt.address, "own-address")
        with submission(guest, port, user) as s:
            send(s, sender, rcpt.address, msg)
        guest.wait_for_message(rcpt.address, marker)
