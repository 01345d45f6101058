"""Issue 7, 3.5: deleting a mailbox ("vmailctl user del") closes its open
IMAP, POP3 and ManageSieve sessions within seconds, and it cannot log in
again."""

import time

from sessions import OpenSessions, assert_logins


def test_772_delete_ends_sessions(guest):
    user = guest.add_user("kickdel")
    with OpenSessions(guest, user) as s:
        t0 = time.monotonic()
        guest.vmailctl("user", "del", user.address)
        s.assert_closed(since=t0, within=10)
    assert_logins(guest, user, False, what="a deleted mailbox")
