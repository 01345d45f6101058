"""Behaviour 8: a mailbox with a small quota accepts mail until full; then
RCPT gets 552 5.2.2 (no accept-then-bounce), and the 80% warning mail
arrives in that mailbox.

Like any MTA sending to us, the client announces SIZE= in MAIL FROM: that is
how Dovecot's quota-status policy can refuse a message that would not fit.
"""

import re
import time

from vmail_guest import MAIL_LOG, token
from mailclients import padded_message, smtp

QUOTA = "100K"
LIMIT = 100 * 1024
# Small enough steps that no message crosses both of Dovecot's warning
# thresholds (80% and 95%, 15 KB apart here) at once, which would send only
# the 95% warning: the server adds 1-3 KB of headers to each message
# (Received, Authentication-Results, an ARC set).
SIZE = 12000


def test_08_quota_enforced_at_rcpt_with_warning(guest):
    user = guest.add_user("quota", quota=QUOTA)
    sender = f"quota-{token()}@example.net"
    accepted, refusal = [], None

    for _ in range(12):
        msg, marker = padded_message(sender, user.address, SIZE, "quota-fill")
        with smtp(guest, 25) as s:
            assert "size" in s.esmtp_features, "port 25 does not announce SIZE"
            code, text = s.mail(sender, [f"SIZE={len(msg)}"])
            assert code == 250, f"MAIL FROM got {code} {text!r}"
            code, text = s.rcpt(user.address)
            if code != 250:
                refusal = (code, text)
                break
            code, text = s.data(msg)
            assert code == 250, f"DATA got {code} {text!r}"
        # accepted means delivered: nothing may bounce later
        guest.wait_for_message(user.address, marker)
        accepted.append(marker)

    assert refusal is not None, \
        f"{len(accepted)} messages of {SIZE} bytes accepted into a {QUOTA} mailbox " \
        f"without a refusal\n" + guest.explain(user.address)
    assert refusal[0] == 552 and refusal[1].startswith(b"5.2.2"), \
        f"the full mailbox's RCPT got {refusal[0]} {refusal[1]!r}, not 552 5.2.2\n" \
        + guest.explain(user.address)
    # as many as fit at the size they were stored with (the server's
    # headers included)
    stored = max(len(d) for d in guest.mail_files(user.address).values()
                 if any(m.encode() in d for m in accepted))
    fit = LIMIT // stored
    assert len(accepted) >= fit, \
        f"refused after {len(accepted)} messages; {fit} fit in {QUOTA}"

    # no accept-then-bounce: no bounce logged, none queued for the sender
    bounced = [l for l in guest.read(MAIL_LOG).splitlines()
               if "status=bounced" in l and user.address in l]
    assert bounced == [], f"bounces for {user.address}: {bounced}"
    assert guest.queued_for(sender) == [], "a bounce to the sender is queued"

    # the 80% warning: a message we did not send, mentioning 80%
    deadline = time.monotonic() + 30
    while True:
        ours = [m.encode() for m in accepted]
        others = [d for d in guest.mail_files(user.address).values()
                  if not any(m in d for m in ours)]
        if any(re.search(rb"\b80 ?%", d) for d in others):
            break
        assert time.monotonic() < deadline, \
            f"no 80% quota warning in {user.address}; other messages: " \
            f"{[d[:600] for d in others]}\n" + guest.explain("quota", user.address)
        time.sleep(0.5)
