"""Issue 3, test 10 with SpamAssassin as the engine: the same filing by IMAP
trains SpamAssassin's Bayes instead of rspamd's (the learning Sieve scripts
run "spamc -L spam|ham", which hands the message to spamd).

- A message MOVEd and one COPYed from INBOX into Junk are learned as spam.
- A message MOVEd out of Junk into INBOX is learned as ham.
- Moved from Junk into Trash, or APPENDed to Junk: nothing is learned.

The proof is SpamAssassin's own statistics: nspam and nham of
"sa-learn --dump magic" (spamd's Bayes database, read as its user) rise by
exactly 2 and 1. They are written at once, so there is nothing to wait for
beyond the IMAP commands themselves.
"""

import spamassassin as sa
from test_345_learning import deliver, file_two_spam_one_ham


def test_353_filing_trains_spamassassin(spamassassin):
    guest = spamassassin
    user = guest.add_user("salearn")
    moved, copied = deliver(guest, user), deliver(guest, user)
    nspam, nham = sa.bayes_counts(guest)
    file_two_spam_one_ham(guest, user, moved, copied)

    got, want = sa.bayes_counts(guest), (nspam + 2, nham + 1)
    assert got == want, (
        f"[{guest.suite}] sa-learn --dump magic: (nspam, nham) {got}, expected "
        f"{want} (before the moves: {(nspam, nham)}).  Spam should be the message "
        f"moved and the one copied into Junk; ham only the one moved from Junk "
        f"to INBOX\n" + guest.explain(user.address, "spamc"))
