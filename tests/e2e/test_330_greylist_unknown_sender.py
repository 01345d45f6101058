"""Issue 3, test 9: greylisting is on by default, and a sender never seen
before gets 4xx ("Try again later") even for a clean message that scores
far below every threshold; a retry before the delay is refused again, the
retry after the delay ([spam] greylist_delay, lowered for the test) is
accepted and delivered.

The sender is the second client address (CLIENT2_IP), which the guest has
never seen; the harness's own address is exempt from greylisting."""

import time

import spamfilter
from mailclients import make_message, try_send
from vmail_guest import CLIENT2_IP, token

DELAY = 10          # seconds, [spam] greylist_delay during the test


def test_330_unknown_sender_is_greylisted(guest):
    user = guest.add_user("grey")
    sender = f"grey-{token()}@example.net"
    msg, marker = make_message(sender, user.address, "greylisted")
    with spamfilter.spam_settings(guest, greylist_delay=f"{DELAY}s"):
        first = time.monotonic()
        code, text = try_send(guest, user.address, msg, sender=sender, source=CLIENT2_IP)
        assert 400 <= code < 500 and b"Try again later" in text, \
            f"a new sender got {code} {text!r}\n{guest.explain(marker)}"
        assert guest.find_message(user.address, marker) is None
        assert guest.queued_for(user.address) == [], "greylisted mail was queued"

        code, text = try_send(guest, user.address, msg, sender=sender, source=CLIENT2_IP)
        assert 400 <= code < 500 and time.monotonic() - first < DELAY, \
            f"a retry before the delay got {code} {text!r}\n{guest.explain(marker)}"

        time.sleep(max(0.0, first + DELAY + 2 - time.monotonic()))
        code, text = try_send(guest, user.address, msg, sender=sender, source=CLIENT2_IP)
        assert code == 250, \
            f"the retry after the delay got {code} {text!r}\n{guest.explain(marker)}"
        guest.wait_for_message(user.address, marker)
