"""Issue 3: our own outgoing mail is never scored as spam by our own filter.

A message that scores between the add_header and reject thresholds (the
tests' own rule in tests/e2e/rspamd-override/multimap.conf: the header
"X-Vmail-E2E-Score: spam" scores 8) is filed into Junk with "X-Spam: Yes"
when it comes from outside (the control case: proves the rule scores), but
lands in INBOX without the header when one of our users sends it on 587
after logging in, or when it is submitted on the server itself with
sendmail (cron jobs, scripts).

(rspamd's GTUBE test strings are the exception: they force their action
whoever sends them, which is what they are for.)"""

from mailclients import EXTERNAL_SENDER, make_message, send, smtp, submission

SPAMMY = "X-Vmail-E2E-Score: spam"


def _delivered_to(guest, address, marker):
    path, data = guest.wait_for_message(address, marker)
    return path.split("/")[0], b"X-Spam: Yes" in data


def test_305_spammy_mail_from_outside_goes_to_junk(guest):
    rcpt = guest.add_user("ownctl")
    msg, marker = make_message(EXTERNAL_SENDER, rcpt.address, "outside",
                               headers=[SPAMMY])
    with smtp(guest, 25) as s:
        send(s, EXTERNAL_SENDER, rcpt.address, msg)
    assert _delivered_to(guest, rcpt.address, marker) == (".Junk", True), \
        f"[{guest.suite}] the tests' score rule did not work\n{guest.explain(marker)}"


def test_305_submitted_mail_is_not_spam(guest):
    sender = guest.add_user("ownsender")
    rcpt = guest.add_user("ownrcpt")
    msg, marker = make_message(sender.address, rcpt.address, "own mail",
                               headers=[SPAMMY])
    with submission(guest, 587, sender) as s:
        send(s, sender.address, rcpt.address, msg)
    folder, flagged = _delivered_to(guest, rcpt.address, marker)
    assert folder in ("new", "cur") and not flagged, \
        f"[{guest.suite}] our user's mail went to {folder}, X-Spam: {flagged}"


def test_305_local_sendmail_is_not_spam(guest):
    rcpt = guest.add_user("ownlocal")
    msg, marker = make_message("root@mail.example.com", rcpt.address, "cron output",
                               headers=[SPAMMY])
    guest.run(["/usr/sbin/sendmail", "-i", "-f", "root@mail.example.com", rcpt.address],
              input=msg)
    folder, flagged = _delivered_to(guest, rcpt.address, marker)
    assert folder in ("new", "cur") and not flagged, \
        f"[{guest.suite}] locally submitted mail went to {folder}, X-Spam: {flagged}"
