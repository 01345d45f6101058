"""Issue 7, 2: the delivery disk fills up. The Maildirs of one domain live on
a small filesystem (a tmpfs mounted over /var/vmail/DOMAIN) that is then
filled, but for a few pages (a disk is seldom full to the last byte: what
no longer fits is the next message). Mail for it is accepted and kept in
Postfix's queue (Dovecot refuses the delivery with 4xx), never bounced; the
user gets a clear IMAP error when saving: the APPEND fails with a tagged NO
(Dovecot 2.3 and 2.4 word a full disk as "[SERVERBUG] Internal error
occurred", with the time to look up; the log line says "No space left on
device"), and nothing is corrupted: what was there still reads, and after
space is freed the mailbox's index agrees with its files. Once space is
freed, the queued mail is delivered (Postfix retries by itself within its
backoff; "postqueue -f", as docs/operations.md says, makes it now)."""

import imaplib

from mailclients import EXTERNAL_SENDER, deliver, imap, imap_fetch_by_marker, make_message, \
    send, smtp
from vmail_guest import MAIL_LOG, token, wait_until

SIZE = "2m"
LEFT = 64 * 1024           # what the filler leaves free
BODY = ["z" * 76] * 4000   # about 300 KB: does not fit in LEFT


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
        # fill it up, as the mail user, but for LEFT bytes
        avail = int(guest.run(["df", "-B1", "--output=avail", mnt]).stdout.split()[-1])
        guest.run(["setpriv", "--reuid=vmail", "--regid=vmail", "--init-groups",
                   "fallocate", "-l", str(avail - LEFT), f"{mnt}/filler"])

        msg, marker = make_message(EXTERNAL_SENDER, user.address, "while the disk is full",
                                   body=BODY)
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
                                   body=BODY)
            try:
                typ, data = m.append("INBOX", None, None, msg2)
            except imaplib.IMAP4.error as e:
                typ, data = "NO", [str(e).encode()]
            text = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        assert typ == "NO", f"[{guest.suite}] APPEND on a full disk: {typ} {data}"
        assert "[OVERQUOTA]" in text or "[SERVERBUG]" in text, \
            f"[{guest.suite}] APPEND's error is not a clear server-side failure: {text!r}"
        wait_until(lambda: any(user.address in l and "No space left on device" in l
                               for l in guest.read(MAIL_LOG).splitlines()),
                   f"[{guest.suite}] the log saying why the save failed")

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
            typ, data = m.append("INBOX", None, None, msg2)
            assert typ == "OK", f"APPEND once there is space: {typ} {data}"
        # the index agrees with the files: as many messages as files
        st = guest.run(["doveadm", "-f", "flow", "mailbox", "status", "-u", user.address,
                        "messages", "INBOX"]).stdout.decode()
        files = [p for p in guest.mail_files(user.address) if p.split("/")[0] in ("new", "cur")]
        assert st.split() == ["INBOX", f"messages={len(files)}"], \
            f"[{guest.suite}] INBOX index says {st.strip()!r}, {len(files)} files: {files}"
    finally:
        # the tmpfs goes with its mail: drop the test's own leftovers
        guest.drop_from_queue([q for q in guest.queue()
                               if user and any(r.get("address") == user.address
                                               for r in q.get("recipients", []))])
        guest.run(f"umount -l {mnt} && rmdir {mnt}", check=False)
        guest.vmailctl("domain", "del", "--force", domain, check=False)
