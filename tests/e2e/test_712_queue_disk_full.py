"""Issue 7, 2: the queue disk is nearly full. /var/spool/postfix is moved onto
a small filesystem (a tmpfs, Postfix and Dovecot stopped meanwhile) that
holds a message accepted earlier (for an outside address: it waits in the
queue). The filesystem is then filled until less than queue_minfree is
left: new mail gets "452 4.3.1" at MAIL FROM (senders retry), and the
message accepted before is still there. Once space is freed, mail is
accepted and delivered again."""

from mailclients import EXTERNAL_SENDER, make_message, send, smtp, submission
from vmail_guest import wait_until

SPOOL = "/var/spool/postfix"
SAVED = "/var/tmp/vmail-e2e-spool"
TMPFS_MB = 300


def _minfree(guest):
    return int(guest.run(["postconf", "-h", "queue_minfree"]).stdout)


def _free(guest):
    out = guest.run(["df", "-B1", "--output=avail", SPOOL]).stdout.decode().split()
    return int(out[-1])


def _identity(guest, recipient):
    """The queued messages for recipient, by what survives a move of the
    queue: arrival time and sender (Postfix renames a queue file whose
    inode changed, so its queue id changes)."""
    return sorted((q["arrival_time"], q["sender"]) for q in guest.queued_for(recipient))


def _spool_on_tmpfs(guest):
    """Stop Postfix and Dovecot (its sockets live in the spool), copy the
    spool onto a tmpfs mounted over it, start them again."""
    guest.stop("dovecot")
    guest.stop("postfix")
    guest.run(f"rm -rf {SAVED} && cp -a {SPOOL} {SAVED} && "
              f"mount -t tmpfs -o size={TMPFS_MB}m,mode=0755 tmpfs {SPOOL} && "
              f"cp -a {SAVED}/. {SPOOL}/")
    guest.start("postfix")
    guest.start("dovecot")
    wait_until(lambda: guest.tcp_open(25), "Postfix on port 25")


def _spool_back(guest):
    guest.stop("dovecot")
    guest.stop("postfix")
    guest.run(f"umount {SPOOL} || umount -l {SPOOL}", check=False)
    guest.run(f"rm -rf {SAVED}")
    guest.start("postfix")
    guest.start("dovecot")
    wait_until(lambda: guest.tcp_open(25), "Postfix on port 25")


def test_712_nearly_full_queue_disk_refuses_new_mail_with_452(guest):
    user = guest.add_user("qfull")
    outside = f"far-{user.local}@example.net"       # its MX does not answer
    held, held_marker = make_message(user.address, outside, "accepted before")
    with submission(guest, 587, user) as s:
        send(s, user.address, outside, held)
    wait_until(lambda: guest.queued_for(outside), f"the message for {outside} in the queue")
    held_id = _identity(guest, outside)

    _spool_on_tmpfs(guest)
    try:
        assert _identity(guest, outside) == held_id
        minfree = _minfree(guest)
        assert _free(guest) > minfree, "the tmpfs is too small for the test"
        # leave less than queue_minfree (and than 1.5 x message_size_limit)
        fill = _free(guest) - minfree // 2
        guest.run(["fallocate", "-l", str(fill), f"{SPOOL}/filler"])
        assert _free(guest) < minfree

        msg, marker = make_message(EXTERNAL_SENDER, user.address, "queue disk full")
        with smtp(guest, 25) as s:
            code, text = s.mail(EXTERNAL_SENDER)
        assert code == 452 and text.startswith(b"4.3.1"), \
            f"[{guest.suite}] MAIL FROM with the queue disk nearly full: {code} {text!r}"
        assert _identity(guest, outside) == held_id, \
            "the message accepted before is gone from the queue"

        guest.run(["rm", "-f", f"{SPOOL}/filler"])
        with smtp(guest, 25) as s:
            send(s, EXTERNAL_SENDER, user.address, msg)
        guest.wait_for_message(user.address, marker)
        assert _identity(guest, outside) == held_id
    finally:
        guest.run(["rm", "-f", f"{SPOOL}/filler"])
        # the test's own message goes; the spool on disk has it as before
        _spool_back(guest)
    assert _identity(guest, outside) == held_id
    guest.drop_from_queue(guest.queued_for(outside))
