"""Issue 7, 3.5: sessions end with the credentials. A new password
("vmailctl user passwd") closes the user's open IMAP (in IDLE), POP3 and
ManageSieve sessions within seconds, and the old password no longer logs
in on any of them, at once (Dovecot's auth cache is flushed before the
sessions are kicked); the new one does."""

import secrets
import time

from sessions import OpenSessions, assert_logins


def test_770_new_password_ends_sessions(guest):
    user = guest.add_user("kickpw")
    old = user.password
    with OpenSessions(guest, user) as s:
        t0 = time.monotonic()
        guest.set_password(user, secrets.token_urlsafe(15))
        s.assert_closed(since=t0, within=10)
    assert_logins(guest, user, False, password=old, what="the old password")
    assert_logins(guest, user, True, what="the new password")


def test_770_other_users_keep_their_sessions(guest):
    user, other = guest.add_user("kickpw"), guest.add_user("bystander")
    with OpenSessions(guest, other) as s:
        guest.set_password(user, secrets.token_urlsafe(15))
        s.assert_open()
