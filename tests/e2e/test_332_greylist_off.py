"""Issue 3, test 9: with greylisting turned off ([spam] greylisting = no
in /etc/vmail/vmail.conf, then "vmailctl setup"), a sender never seen
before gets its message accepted at once, and it is delivered. The
setting is restored afterwards, and then a new sender is greylisted
again."""

import spamfilter
from mailclients import make_message, try_send
from vmail_guest import CLIENT2_IP, token


def test_332_greylisting_off(guest):
    user = guest.add_user("nogrey")
    sender = f"nogrey-{token()}@example.net"
    msg, marker = make_message(sender, user.address, "greylisting off")
    with spamfilter.spam_settings(guest, greylisting="no"):
        code, text = try_send(guest, user.address, msg, sender=sender, source=CLIENT2_IP)
        assert code == 250, \
            f"with greylisting off a new sender got {code} {text!r}\n{guest.explain(marker)}"
        guest.wait_for_message(user.address, marker)

    sender = f"nogrey-{token()}@example.net"
    msg, marker = make_message(sender, user.address, "greylisting on again")
    code, text = try_send(guest, user.address, msg, sender=sender, source=CLIENT2_IP)
    assert 400 <= code < 500 and b"Try again later" in text, \
        f"greylisting back on, a new sender got {code} {text!r}\n{guest.explain(marker)}"
