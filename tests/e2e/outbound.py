"""outbound - helpers of the tests of outgoing mail's TLS (test_87x):
a message to an outside address and what became of it.

    marker = send_out(guest, "someone@dane-1a2b3c.dnssec.test")
    wait_delivered(guest, receiver, marker)      # the fake MX got it
    entries = wait_deferred(guest, rcpt)         # postqueue -j, deferred
    cleanup_queue(guest, rcpt)                   # postsuper -d, ours only
    wait_policy(guest, domain, mx)               # the MTA-STS resolver has it
"""

import time

from hostmail import sendmail
from vmail_guest import MAIL_LOG, wait_until


def send_out(guest, rcpt):
    """A message from the administrator to rcpt, submitted with sendmail
    in the guest; its marker."""
    p, marker = sendmail(guest, rcpt, sender=f"admin@{guest.domain}")
    assert p.returncode == 0, f"[{guest.name}] sendmail {rcpt}: {p.stderr!r}"
    return marker


def log_lines(guest, needle):
    out = guest.run(["grep", "-F", "--", needle, MAIL_LOG], check=False).stdout
    return out.decode("utf-8", "replace").splitlines()


def wait_log(guest, needle, timeout=60):
    """The mail.log lines containing needle, once there is one."""
    wait_until(lambda: log_lines(guest, needle),
               f"[{guest.name}] '{needle}' in {MAIL_LOG}", timeout)
    return log_lines(guest, needle)


def wait_delivered(guest, receiver, marker, timeout=90):
    """The receiver's copy of the message with marker (over TLS)."""
    wait_until(lambda: receiver.got(marker),
               f"[{guest.name}] the message {marker} at the receiver {receiver.ip}; "
               f"queue: {guest.queue()}", timeout)
    got = receiver.got(marker)
    assert len(got) == 1, f"[{guest.name}] {len(got)} copies of {marker}"
    return got[0]


def deferred_for(guest, rcpt):
    """The queue entries for rcpt in the deferred queue with a reason."""
    return [q for q in guest.queued_for(rcpt) if q.get("queue_name") == "deferred"
            and any(r.get("address") == rcpt and r.get("delay_reason")
                    for r in q.get("recipients", []))]


def wait_deferred(guest, rcpt, timeout=90):
    wait_until(lambda: deferred_for(guest, rcpt),
               f"[{guest.name}] a deferred message for {rcpt}; queue: {guest.queue()}",
               timeout)
    return deferred_for(guest, rcpt)


def reasons(entries, rcpt):
    return [r["delay_reason"] for q in entries for r in q["recipients"]
            if r.get("address") == rcpt]


def stays_queued(guest, rcpt, receiver, seconds=5):
    """For a while: still in the queue, nothing at the receiver."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert guest.queued_for(rcpt), f"[{guest.name}] {rcpt} left the queue"
        assert not receiver.messages, \
            f"[{guest.name}] the receiver got mail it must not: {receiver.messages}"
        time.sleep(1)


def cleanup_queue(guest, rcpt):
    guest.drop_from_queue(guest.queued_for(rcpt))


def policy_lookup(guest, domain):
    """What postfix-mta-sts-resolver answers Postfix for domain."""
    r = guest.run(["postmap", "-q", domain, "socketmap:inet:127.0.0.1:8461:postfix"],
                  check=False)
    return r.returncode, r.stdout.decode().strip()


def wait_policy(guest, domain, mx):
    """Until the resolver has the domain's policy (then cached: Postfix's
    own lookups get it too). Its first fetch can run out of its 4 s
    (timeout in mta-sts-daemon.yml) on a loaded test machine, and is
    then "not found"."""
    seen = []

    def secure():
        seen.append(policy_lookup(guest, domain))
        rc, answer = seen[-1]
        return rc == 0 and answer.startswith("secure") and f"match={mx}" in answer
    wait_until(secure, f"[{guest.name}] the MTA-STS policy of {domain} "
               f"(answers: {seen})", timeout=60, interval=1)
