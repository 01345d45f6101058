"""Issue 3, test 8: a logged-in user over their (lowered) hourly message
limit gets 4xx on the next message; a second user is unaffected.

`vmailctl user limit --messages 3` lowers one user's limit; once rspamd
has read the map (ratelimit.wait_for_map), that user's first three
messages on 587 are accepted and delivered, the fourth is refused at the
end of DATA with "451 4.7.1 Rate limit reached: ... 3 messages per hour"
and is neither stored, queued nor bounced. rspamd's own counter in Redis
holds the three accepted messages, not the refused one. Another user,
with the server's default limits, sends right after and is delivered.
Postfix's mail.log and rspamd's log name the user and the limit."""

import json

import ratelimit

LIMIT = 3


def test_340_user_over_message_limit_gets_4xx(guest):
    heavy = guest.add_user("rl-heavy")
    other = guest.add_user("rl-other")
    rcpt = guest.add_user("rl-to")
    guest.vmailctl("user", "limit", "--messages", str(LIMIT), heavy.address)
    shown = json.loads(guest.vmailctl("user", "show", "--json", heavy.address).stdout)
    assert (shown["messages_per_hour"], shown["messages_per_hour_default"]) == (LIMIT, False)
    assert (shown["recipients_per_hour"], shown["recipients_per_hour_default"]) == (1000, True)
    ratelimit.wait_for_map(guest)

    for i in range(LIMIT):
        code, text, marker = ratelimit.submit(guest, heavy, rcpt.address, f"rl-{i}")
        assert code == 250, \
            f"message {i + 1} of {LIMIT} got {code} {text!r}\n{guest.explain(marker)}"
        guest.wait_for_message(rcpt.address, marker)
    assert ratelimit.counters(guest, heavy) == {"messages": LIMIT, "recipients": LIMIT}

    code, text, over = ratelimit.submit(guest, heavy, rcpt.address, "rl-over")
    assert code == 451 and text.startswith(b"4.7.1 Rate limit reached"), \
        f"message {LIMIT + 1} got {code} {text!r}\n{guest.explain(over)}"
    assert f"{heavy.address} may send {LIMIT} messages per hour".encode() in text, text
    # Not counted, not stored, not queued, not bounced.
    assert ratelimit.counters(guest, heavy) == {"messages": LIMIT, "recipients": LIMIT}
    assert guest.find_message(rcpt.address, over) is None
    assert guest.queued_for(rcpt.address) == []
    assert guest.mail_files(heavy.address) == {}, "a bounce (or anything) reached the sender"

    # Still over: the next one is refused too; the other user is not.
    code, text, again = ratelimit.submit(guest, heavy, rcpt.address, "rl-again")
    assert code == 451, f"got {code} {text!r}"
    code, text, fine = ratelimit.submit(guest, other, rcpt.address, "rl-other")
    assert code == 250, f"the second user got {code} {text!r}\n{guest.explain(fine)}"
    guest.wait_for_message(rcpt.address, fine)
    assert ratelimit.counters(guest, other) == {"messages": 1, "recipients": 1}

    # Logged, with the user and the limit.
    log = guest.read("/var/log/mail.log").splitlines()
    qids = [l.split(": message-id=")[0].split()[-1] for l in log
            if f"message-id=<{over}@" in l]
    rejects = [l for l in log if qids and f"{qids[0]}: milter-reject:" in l]
    assert rejects and "Rate limit reached" in rejects[0] and heavy.address in rejects[0] \
        and f"{LIMIT} messages per hour" in rejects[0], guest.explain(over, *qids)
    rspamd_log = [l for l in guest.read(guest.log_path("rspamd")).splitlines()
                  if f"{heavy.address} reached the hourly messages limit ({LIMIT})" in l]
    assert len(rspamd_log) == 2, guest.read(guest.log_path("rspamd"))[-3000:]
