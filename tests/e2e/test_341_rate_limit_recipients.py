"""Issue 3, test 8 (recipients): the hourly limit counts recipients too.
With `vmailctl user limit --recipients 5`, a message to 3 recipients is
accepted; the next one, to 3 more, would make 6 and is refused with
"451 4.7.1 Rate limit reached: ... 5 recipients per hour" (nothing
stored); one to 2 recipients still fits (exactly 5) and is delivered;
after that even a single recipient is refused. rspamd's counters in Redis
say 2 messages, 5 recipients."""

import ratelimit

LIMIT = 5


def _to(rcpt, n, tag):
    """n distinct recipient addresses that all reach rcpt's mailbox."""
    return [f"{rcpt.local}+{tag}{i}@{rcpt.domain}" for i in range(n)]


def test_341_recipients_over_the_hourly_limit_get_4xx(guest):
    wide = guest.add_user("rl-wide")
    rcpt = guest.add_user("rl-many")
    guest.vmailctl("user", "limit", "--recipients", str(LIMIT), wide.address)
    ratelimit.wait_for_map(guest)

    code, text, first = ratelimit.submit(guest, wide, _to(rcpt, 3, "a"), "rl-3")
    assert code == 250, f"3 recipients got {code} {text!r}\n{guest.explain(first)}"
    guest.wait_for_message(rcpt.address, first)

    code, text, over = ratelimit.submit(guest, wide, _to(rcpt, 3, "b"), "rl-3-more")
    assert code == 451 and text.startswith(b"4.7.1 Rate limit reached"), \
        f"3 more recipients got {code} {text!r}\n{guest.explain(over)}"
    assert f"{wide.address} may send to {LIMIT} recipients per hour".encode() in text, text
    assert guest.find_message(rcpt.address, over) is None
    assert guest.queued_for(_to(rcpt, 3, "b")[0]) == []

    code, text, fits = ratelimit.submit(guest, wide, _to(rcpt, 2, "c"), "rl-2")
    assert code == 250, f"2 recipients (5 in all) got {code} {text!r}\n{guest.explain(fits)}"
    guest.wait_for_message(rcpt.address, fits)
    assert ratelimit.counters(guest, wide) == {"messages": 2, "recipients": LIMIT}

    code, text, one = ratelimit.submit(guest, wide, rcpt.address, "rl-1")
    assert code == 451, f"a sixth recipient got {code} {text!r}"
    assert guest.find_message(rcpt.address, one) is None
