"""Issue 7, 3.5: sessions end with the credentials. A new password
("vmailctl user passwd") closes the user's open IMAP (in IDLE), POP3 and
ManageSieve sessions within seconds, and the old password no longer logs
in on any of them, at once (Dovecot's auth cache is flushed before the
sessions are kicked); the new one does."""

import secrets
import time

from sessions import PROTOCOLS, OpenSessions, login_ok


def test_770_new_password_ends_sessions(guest):
    user = guest.add_user("kickpw")
    old = user.password
    with OpenSessions(guest, user) as s:
        t0 = time.monotonic()
        guest.set_password(user, secrets.token_urlsafe(15))
        s.assert_closed(since=t0, within=10)
    for proto in PROTOCOLS:
        assert not login_ok(guest, proto, user.address, old), \
            f"[{guest.name}] {proto}: the old password still logs in"
        assert login_ok(guest, proto, user.address, user.password), \
            f"[{guest.name}] {proto}: the new password does not log in"


def test_770_other_users_keep_their_sessions(guest):
    user, other = guest.add_user("kickpw"), guest.add_user("bystander")
    with OpenSessions(guest, other) as s:
        guest.set_password(user, secrets.token_urlsafe(15))
        s.assert_open()
