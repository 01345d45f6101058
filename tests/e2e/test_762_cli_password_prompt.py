"""Issue 7, 4.7: on a terminal, a password is typed twice without echo.

"vmailctl user passwd --password ADDRESS" and "user add ADDRESS
--password", run in the guest on a real pseudo-terminal (tests/cli/
ptydrive.py drives "tests/e2e/guest GUEST vmailctl ..."): both prompts
come with the terminal's echo off and the typed text never shows; the
password typed twice logs in over IMAP and the old one no longer does;
two different ones are refused (exit 1) and the old password still works.
Without a terminal, --password fails at once. "setup --admin-password"
asks the same way, before it changes anything."""

import os
import sys

from vmail_guest import GUEST_CMD, token
from mailclients import imap_login_ok

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import ptydrive  # noqa: E402  (tests/cli/ptydrive.py)

CONF = "/etc/vmail/vmail.conf"


def typed(guest, args, *answers, timeout=60):
    """vmailctl ARGS in the guest on a pty, answering its prompts."""
    return ptydrive.drive([GUEST_CMD, guest.name, "vmailctl", *args],
                          [("send", a) for a in answers], timeout=timeout)


def assert_no_echo(res, *secrets):
    assert all(e is False for e in res["echo_at_prompt"]), res
    assert res["echo_after"], f"the terminal was left without echo: {res}"
    for s in secrets:
        assert s not in res["transcript"], f"{s!r} was echoed: {res['transcript']!r}"


def test_762_passwd_typed_twice(guest):
    user = guest.add_user("typed")
    new = f"typed-{token(8)}"
    res = typed(guest, ["user", "passwd", "--password", user.address], new, new)
    assert res["exit"] == 0, res
    assert res["transcript"].count(f"password for {user.address}: ") == 2, res["transcript"]
    assert_no_echo(res, new)
    assert imap_login_ok(guest, user.address, new), "the typed password does not log in"
    assert not imap_login_ok(guest, user.address, user.password), "the old password still works"
    user.password = new

    before = guest.db_dump()
    other, wrong = f"typed-{token(8)}", f"typed-{token(8)}"
    res = typed(guest, ["user", "passwd", user.address, "--password"], other, wrong)
    assert res["exit"] == 1 and "the passwords do not match" in res["transcript"], res
    assert_no_echo(res, other, wrong)
    assert guest.db_dump() == before, "a mismatch changed the directory"
    assert imap_login_ok(guest, user.address, user.password), "a mismatch changed the password"
    assert not imap_login_ok(guest, user.address, other)

    p = guest.vmailctl("user", "passwd", "--password", user.address, check=False)
    assert p.returncode == 1 and b"standard input is not one" in p.stderr, p.stderr
    guest.vmailctl("user", "del", user.address, "--purge")


def test_762_add_typed(guest):
    address = guest.new_address("typed-add")
    pw = f"typed-{token(8)}"
    res = typed(guest, ["user", "add", address, "--password", "--quota", "50M"], pw, pw)
    assert res["exit"] == 0 and "Password for" not in res["transcript"], res
    assert_no_echo(res, pw)
    try:
        assert imap_login_ok(guest, address, pw), "the typed password does not log in"
    finally:
        guest.vmailctl("user", "del", address, "--purge")


def test_762_setup_admin_password_typed(guest):
    admin = f"admin@{guest.domain}"
    conf = guest.run(["cat", CONF]).stdout
    before = guest.db_dump()
    one, two = f"admin-{token(8)}", f"admin-{token(8)}"
    try:
        res = typed(guest, ["setup", "--admin-password", "--default-quota", "3G"], one, two)
        assert res["exit"] == 1 and "the passwords do not match" in res["transcript"], res
        assert_no_echo(res, one, two)
        assert guest.run(["cat", CONF]).stdout == conf, "setup wrote vmail.conf after a mismatch"
        assert guest.db_dump() == before
        assert not imap_login_ok(guest, admin, one)
    finally:
        if guest.run(["cat", CONF]).stdout != conf:   # put it back for the others
            guest.run(["sh", "-c", f"cat > {CONF}"], input=conf)
            guest.vmailctl("setup")

    res = typed(guest, ["setup", "--admin-password"], one, one, timeout=600)
    assert res["exit"] == 0, res["transcript"][-3000:]
    assert_no_echo(res, one)
    assert imap_login_ok(guest, admin, one), "the admin password typed to setup does not log in"
