"""Behaviour 3: an unknown local recipient gets 550 5.1.1 at RCPT."""

from vmail_guest import token
from mailclients import EXTERNAL_SENDER, smtp


def test_03_unknown_recipient_rejected(guest):
    known = guest.add_user("known")
    unknown = f"nobody-{token()}@{guest.domain}"

    with smtp(guest, 25) as s:
        code, text = s.mail(EXTERNAL_SENDER)
        assert code == 250, (code, text)
        code, text = s.rcpt(unknown)
        assert code == 550 and text.startswith(b"5.1.1"), \
            f"RCPT TO:<{unknown}> got {code} {text!r}\n" + guest.explain(unknown)
        # the session goes on: a known recipient is still accepted
        code, text = s.rcpt(known.address)
        assert code == 250, f"RCPT TO:<{known.address}> got {code} {text!r}"

    assert guest.queued_for(unknown) == []
