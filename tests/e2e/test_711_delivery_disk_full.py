"""Issue 7, 2: the delivery disk fills up. The Maildirs of one domain live on
a small filesystem (a tmpfs mounted over /var/vmail/DOMAIN) that is then
filled. Mail for it is accepted and kept in Postfix's queue (Dovecot
refuses the delivery with 4xx), never bounced; the user gets a clear IMAP
error when saving (no corruption: what was there is still readable); once
space is freed, the queued mail is delivered (Postfix retries by itself
within its backoff; "postqueue -f", as docs/operations.md says, makes it
now)."""

import imaplib

from mailclients import EXTERNAL_SENDER, deliver, imap, imap_fetch_by_marker, make_message, \
    send, smtp
from vmail_guest import MAIL_LOG, token, wait_until

SIZE = "1m"


def test_711_full_delivery_disk_keeps_mail_queued(guest):
    domain = f"fulldisk-{token()}.example"
    guest.vmailctl("domain", "add", domain)
    mnt = f"/var/vmail/{domain}"
    guest.run(f"mkdir -p {mnt} && mount -t tmpfs -o size={SIZE},mode=0700,uid=vmail,gid=vmail "
              f"tmpfs {mnt}")
    user = None
    try:
        user = guest.add_user("full", domain=domain, quota="0")
        first = deliver(guest, user.address, "before the disk is full")
        guest.wait_for_message(user.address, first)
        # fill it up, as the mail user (dd stops at ENOSPC)
        guest.run(f"setpriv --reuid=vmail --regid=vmail --init-groups "
                  f"dd if=/dev/zero of={mnt}/filler bs=4k 2>/dev/null; df -k {mnt}", check=False)

        msg, marker = make_message(EXTERNAL_SENDER, user.address, "while the disk is full")
        with smtp(guest, 25) as s:
            send(s, EXTERNAL_SENDER, user.address, msg)      # 250: queued
        queued = guest.wait_for_queue(
            lambda q: q.get("queue_name") == "deferred" and
            any(r.get("address") == user.address for r in q.get("recipients", [])),
            f"the message for {user.address} deferred while the disk is full", timeout=60)
        reason = queued[0]["recipients"][0].get("delay_reason", "")
        assert " 4." in reason or "said: 4" in reason, f"not a temporary failure: {reason}"
        assert guest.find_message(user.address, marker) is None

        # IMAP: what is there still reads; saving says why it cannot
        with imap(guest, user, None) as m:
            typ, _ = m.select("INBOX")
            assert typ == "OK"
            assert imap_fetch_by_marker(m, first), "the old message is not readable"
            msg2, _ = make_message(user.address, user.address, "append while full",
                                   body=["z" * 200] * 40)
            try:
                typ, data = m.append("INBOX", None, None, msg2)
            except imaplib.IMAP4.error as e:
                typ, data = "NO", [str(e).encode()]
            text = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        assert typ == "NO", f"[{guest.suite}] APPEND on a full disk: {typ} {data}"
        assert "OVERQUOTA" in text or "disk space" in text.lower() or "quota" in text.lower(), \
            f"[{guest.suite}] APPEND's error does not say why: {text!r}"

        # space again: delivered, nothing bounced
        guest.run(["rm", "-f", f"{mnt}/filler"])
        guest.run("postqueue -f")
        guest.wait_for_message(user.address, marker, timeout=60)
        qid = queued[0]["queue_id"]
        log = guest.read(MAIL_LOG).splitlines()
        assert not [l for l in log if qid in l and "status=bounced" in l], "it bounced"
        assert guest.queued_for(EXTERNAL_SENDER) == [], "a bounce is queued for the sender"
        with imap(guest, user, "INBOX") as m:
            assert imap_fetch_by_marker(m, first) and imap_fetch_by_marker(m, marker)
    finally:
        # the tmpfs goes with its mail: drop the test's own leftovers
        guest.drop_from_queue([q for q in guest.queue()
                               if user and any(r.get("address") == user.address
                                               for r in q.get("recipients", []))])
        guest.run(f"umount -l {mnt} && rmdir {mnt}", check=False)
        guest.vmailctl("domain", "del", "--force", domain, check=False)
