"""Behaviour 11: live changes, no restart. A user added while everything
runs can receive mail and log in at once; a deleted user is rejected at RCPT
and cannot log in; a changed password takes effect at once.

"At once" means no retries: each check is made once, right after vmailctl
returns. Logins are tried before each change too, so that a stale entry in
Dovecot's auth cache (positive or negative) would show."""

import secrets

from mailclients import (EXTERNAL_SENDER, auth_plain, deliver, imap_login_ok,
                         smtp)


def _rcpt(guest, address):
    with smtp(guest, 25) as s:
        s.mail(EXTERNAL_SENDER)
        return s.rcpt(address)


def test_11_added_user_works_at_once(guest):
    address = guest.new_address("live")
    password = secrets.token_urlsafe(15)
    assert not imap_login_ok(guest, address, password)   # primes a negative cache entry
    assert _rcpt(guest, address)[0] == 550

    user = guest.add_user(address=address)
    code, text = _rcpt(guest, user.address)
    assert code == 250, f"RCPT to a just-added user got {code} {text!r}"
    assert imap_login_ok(guest, user.address, user.password), \
        "a just-added user cannot log in\n" + guest.explain(user.address)
    marker = deliver(guest, user.address, "live-add")
    guest.wait_for_message(user.address, marker)


def test_11_deleted_user_rejected_at_once(guest):
    user = guest.add_user("gone")
    assert imap_login_ok(guest, user.address, user.password)   # primes the cache
    marker = deliver(guest, user.address, "before-delete")
    guest.wait_for_message(user.address, marker)

    guest.vmailctl("user", "del", user.address)
    code, text = _rcpt(guest, user.address)
    assert code == 550 and text.startswith(b"5.1.1"), \
        f"RCPT to a deleted user got {code} {text!r}"
    assert not imap_login_ok(guest, user.address, user.password), \
        "a deleted user can still log in"


def test_11_changed_password_at_once(guest):
    user = guest.add_user("passwd")
    old = user.password
    assert imap_login_ok(guest, user.address, old)   # primes the cache
    new = secrets.token_urlsafe(15)
    guest.set_password(user, new)

    assert imap_login_ok(guest, user.address, new), \
        "the new password does not work\n" + guest.explain(user.address)
    assert not imap_login_ok(guest, user.address, old), "the old password still works"
    with smtp(guest, 587, starttls=True) as s:
        code, text = auth_plain(s, user.address, old)
        assert code == 535, f"SMTP AUTH with the old password: {code} {text!r}"
    with smtp(guest, 587, starttls=True) as s:
        code, text = auth_plain(s, user.address, new)
        assert code == 235, f"SMTP AUTH with the new password: {code} {text!r}"
