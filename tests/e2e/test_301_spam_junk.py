"""Issue 3, test 2: a message scoring between add_header and reject is
delivered into Junk, not INBOX, and carries "X-Spam: Yes".

It uses rspamd's add-header test pattern (a GTUBE variant, "YJS*..."), which
the test environment enables (tests/e2e/rspamd-override/options.inc); rspamd
gives it the add_header action, as a score between the two thresholds would.
The filing is done by the global Sieve script of vmail's Dovecot
configuration (sieve_after)."""

import email
import email.policy

from mailclients import EXTERNAL_SENDER, imap, imap_fetch_by_marker, make_message, send, smtp

GTUBE_ADD_HEADER = "YJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def test_301_spam_is_filed_into_junk(guest):
    user = guest.add_user("junk")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "probably spam",
                               body=["Cheap watches.", GTUBE_ADD_HEADER])
    with smtp(guest, 25) as s:
        send(s, EXTERNAL_SENDER, user.address, msg)

    path, data = guest.wait_for_message(user.address, marker)
    assert path.startswith(".Junk/"), f"delivered to {path}, not to Junk"
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    assert msg.get_all("X-Spam") == ["Yes"], \
        f"X-Spam headers: {msg.get_all('X-Spam')}\n{data.decode(errors='replace')}"
    with imap(guest, user, "INBOX") as m:
        assert imap_fetch_by_marker(m, marker) is None, "the spam is in INBOX"
    with imap(guest, user, "Junk") as m:
        assert imap_fetch_by_marker(m, marker) is not None


def test_301_clean_mail_stays_in_inbox(guest):
    user = guest.add_user("ham")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "meeting")
    with smtp(guest, 25) as s:
        send(s, EXTERNAL_SENDER, user.address, msg)
    path, data = guest.wait_for_message(user.address, marker)
    assert path.split("/")[0] in ("new", "cur"), f"delivered to {path}"
    assert b"X-Spam: Yes" not in data
