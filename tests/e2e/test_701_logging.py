"""Issue 7, 1.4: Postfix, Dovecot, rspamd and ClamAV log where an
administrator looks: the journal ("journalctl -u UNIT") and
/var/log/mail.log. One message from outside is followed through every
daemon by its Message-ID and queue id, in both places; a virus shows up in
clamd's lines, in both places."""

import re

import antivirus
from mailclients import EXTERNAL_SENDER, make_message, send, smtp, try_send
from vmail_guest import MAIL_LOG, wait_until


def _lines(text, *needles):
    return [l for l in text.splitlines() if all(n in l for n in needles)]


def _in_both(guest, unit, *needles, timeout=30):
    """Wait until a line with all needles is in the unit's journal and in
    mail.log (rsyslog writes a moment later); returns the mail.log line."""
    found = {}

    def both():
        found["journal"] = _lines("\n".join(guest.run(
            ["journalctl", "--no-pager", "--quiet", "--output=cat", f"--unit={unit}"]
        ).stdout.decode("utf-8", "replace").splitlines()[-3000:]), *needles)
        found["mail.log"] = _lines(guest.read(MAIL_LOG), *needles)
        return found["journal"] and found["mail.log"]
    wait_until(both, f"[{guest.suite}] {needles} in 'journalctl -u {unit}' and {MAIL_LOG} "
               f"(journal: {found.get('journal')}, mail.log: {found.get('mail.log')})",
               timeout)
    return found["mail.log"][-1]


def test_701_a_message_is_logged_by_every_daemon(guest):
    user = guest.add_user("logs")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "logging")
    with smtp(guest, 25) as s:
        reply = send(s, EXTERNAL_SENDER, user.address, msg).decode()
    qid = re.search(r"queued as ([0-9A-F]+)", reply).group(1)
    guest.wait_for_message(user.address, marker)
    msgid = f"{marker}@e2e.example.net"

    postfix = guest.unit("postfix")
    _in_both(guest, postfix, f"{qid}: message-id=<{msgid}>")          # cleanup
    _in_both(guest, postfix, f"{qid}: to=<{user.address}>", "status=sent")  # lmtp
    _in_both(guest, "dovecot", f"msgid=<{msgid}>", "stored mail into mailbox 'INBOX'")
    _in_both(guest, "rspamd", f"id: <{msgid}>", f"qid: <{qid}>")


def test_701_a_virus_is_logged_by_clamd(guest):
    antivirus.wait_clamd(guest)
    user = guest.add_user("logsav")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "logging virus",
                               body=["Here it comes:", antivirus.EICAR])
    code, text = try_send(guest, user.address, msg)
    assert code == 554, f"the virus got {code} {text!r}\n{guest.explain(marker)}"
    _in_both(guest, "clamav-daemon", "Vmail-E2E-EICAR", "FOUND")
