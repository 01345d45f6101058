"""Issue 7, 1.2: a reboot loses nothing. A message is accepted while Dovecot
is stopped (it waits in Postfix's queue); then the guest is rebooted (the
container is powered off cleanly and started again from the same root: /run
starts empty, the disk keeps its state). After the reboot every service is
back without anyone running anything, and the message is delivered. The
test prints how long the reboot took until mail flowed again."""

import time

import antivirus
from mailclients import EXTERNAL_SENDER, deliver, make_message, send, smtp
from vmail_guest import MAIL_LOG, wait_until

# what must run after a boot, by itself
UNITS = ("postfix", "dovecot", "rspamd", "redis", "clamd", "freshclam")


def test_703_reboot_delivers_what_waited(guest):
    antivirus.wait_clamd(guest)
    user = guest.add_user("reboot")
    guest.stop("dovecot")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "before the reboot")
    with smtp(guest, 25) as s:
        send(s, EXTERNAL_SENDER, user.address, msg)
    queued = guest.wait_for_queue(
        lambda q: q.get("queue_name") == "deferred" and
        any(r.get("address") == user.address for r in q.get("recipients", [])),
        f"the message for {user.address} deferred while Dovecot is down")

    t0 = time.monotonic()
    booted = guest.reboot()
    wait_until(lambda: all(guest.active(d) for d in UNITS),
               f"[{guest.suite}] every service active after the reboot "
               f"({ {d: guest.active(d) for d in UNITS} })", timeout=180, interval=1)
    all_up = time.monotonic() - t0
    guest.wait_for_message(user.address, marker, timeout=120)
    waited_delivered = time.monotonic() - t0
    # and new mail flows, end to end
    marker2 = deliver(guest, user.address, "after the reboot")
    guest.wait_for_message(user.address, marker2, timeout=60)
    flows = time.monotonic() - t0
    print(f"[{guest.suite}] reboot: booted {booted:.1f}s, all services active {all_up:.1f}s, "
          f"queued message delivered {waited_delivered:.1f}s, new mail delivered {flows:.1f}s")

    qid = queued[0]["queue_id"]
    bounced = [l for l in guest.read(MAIL_LOG).splitlines()
               if qid in l and "status=bounced" in l]
    assert bounced == [], f"the message bounced: {bounced}"
    assert guest.queued_for(user.address) == [], "the message is still queued"
