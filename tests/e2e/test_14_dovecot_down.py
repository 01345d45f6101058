"""Behaviour 14: nothing is lost when Dovecot is down. Mail accepted while
Dovecot is stopped waits in the queue, and is delivered once Dovecot is
started again. Nothing bounces."""

from vmail_guest import MAIL_LOG, token, wait_until
from mailclients import make_message, send, smtp


def test_14_mail_waits_while_dovecot_is_down(guest):
    user = guest.add_user("down")
    sender = f"down-{token()}@example.net"
    assert guest.main_pid("dovecot"), "Dovecot is not running before the test"
    guest.stop("dovecot")
    try:
        wait_until(lambda: not guest.main_pid("dovecot"), "Dovecot to stop")

        msg, marker = make_message(sender, user.address, "dovecot-down")
        with smtp(guest, 25) as s:
            send(s, sender, user.address, msg)   # accepted: 250 at RCPT and DATA

        queued = guest.wait_for_queue(
            lambda q: q.get("queue_name") == "deferred" and
            any(r.get("address") == user.address for r in q.get("recipients", [])),
            f"a deferred message for {user.address}")
        assert guest.find_message(user.address, marker) is None
    finally:
        if not guest.main_pid("dovecot"):
            guest.start("dovecot")
    wait_until(lambda: guest.main_pid("dovecot"), "Dovecot to start")

    guest.run("postqueue -f")
    guest.wait_for_message(user.address, marker, timeout=60)

    queue_id = queued[0]["queue_id"]
    log = guest.read(MAIL_LOG).splitlines()
    bounced = [l for l in log if queue_id in l and "status=bounced" in l]
    assert bounced == [], f"the message bounced: {bounced}"
    assert guest.queued_for(sender) == [], "a bounce to the sender is queued"
    assert guest.queued_for(user.address) == [], "the message is still queued"
