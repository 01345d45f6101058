"""Helpers for the outbound-limit tests (test_340, test_341): submitting
as a logged-in user and reading the reply, rspamd's own counters in Redis,
and waiting until rspamd has read the map of users' own limits.

rspamd re-reads /etc/vmail/ratelimit.map by polling it (every 3 s,
options.inc). wait_for_map() gives a probe user a limit of one
message and submits as the probe until the second message is refused:
from then on rspamd has read a map that holds every limit set before the
probe's."""

import smtplib
import time

from mailclients import make_message, submission

MAP_DELAY = 15          # rspamd's file-map poll (3 s) with a margin
REDIS_SOCKET = "/run/redis/redis-server.sock"
KEY_PREFIX = "vmail_rl:"


def submit(guest, user, recipients, subject):
    """One message from user on 587: (code, text, marker), where code and
    text are the first reply of 400 or more (MAIL, RCPT or DATA), or
    DATA's 250. recipients is one address or a list."""
    rcpts = [recipients] if isinstance(recipients, str) else list(recipients)
    msg, marker = make_message(user.address, rcpts, subject)
    with submission(guest, 587, user) as s:
        code, text = s.mail(user.address)
        if code >= 400:
            return code, text, marker
        for r in rcpts:
            code, text = s.rcpt(r)
            if code >= 400:
                return code, text, marker
        try:
            code, text = s.data(msg)
        except smtplib.SMTPDataError as e:
            code, text = e.smtp_code, e.smtp_error
    return code, text, marker


def counters(guest, user):
    """rspamd's counters of user for the current hour, from Redis:
    {"messages": N, "recipients": N} ({} before its first message)."""
    p = guest.run(["redis-cli", "-s", REDIS_SOCKET, "--raw", "HGETALL",
                   KEY_PREFIX + user.address])
    f = p.stdout.decode().split()
    return {f[i]: int(f[i + 1]) for i in range(0, len(f) - 1, 2)}


def wait_for_map(guest):
    """Return once rspamd applies the limits set so far (see above)."""
    probe = guest.add_user("rl-probe")
    guest.vmailctl("user", "limit", "--messages", "1", probe.address)
    deadline = time.monotonic() + MAP_DELAY
    replies = []
    while True:
        code, text, _ = submit(guest, probe, probe.address, "rl-probe")
        replies.append((code, text))
        if code == 451:
            return
        assert code == 250, f"[{guest.suite}] the probe got {code} {text!r}"
        assert time.monotonic() < deadline, \
            f"[{guest.suite}] rspamd did not apply the probe's limit of one " \
            f"message per hour within {MAP_DELAY}s: {len(replies)} messages " \
            f"accepted\n{guest.read('/etc/vmail/ratelimit.map')}"
        time.sleep(2)
