"""Issue 7, 4.7: a password with a NUL byte in it is refused.

C strings end at a NUL byte, so "goodpassword\\0evil" on standard input
would quietly set "goodpassword". vmailctl refuses the whole line with
a clear error, exit 1, and changes nothing: for "user passwd
--password-stdin" and "user add --password-stdin" (the old password
still logs in, the cut one does not; no mailbox appears), and for
"setup --admin-password-stdin", which reads the password before it
writes anything (a --default-quota given with it is not saved)."""

from vmail_guest import token
from mailclients import imap_login_ok

CONF = "/etc/vmail/vmail.conf"


def test_761_nul_in_password_refused(guest):
    user = guest.add_user("nul")
    before = guest.db_dump()
    for raw in (b"a\0b\n", b"goodpassword-761\0evil\n", b"\0goodpassword-761\n",
                b"goodpassword-761\0"):
        p = guest.vmailctl("user", "passwd", "--password-stdin", user.address,
                           input=raw, check=False)
        assert p.returncode == 1, f"{raw!r}: exit {p.returncode}"
        assert b"the password on standard input contains a NUL byte" in p.stderr, p.stderr
        assert p.stdout == b""
        address = guest.new_address("nul-add")
        p = guest.vmailctl("user", "add", address, "--password-stdin", input=raw,
                           check=False)
        assert p.returncode == 1 and b"NUL byte" in p.stderr, (raw, p.stderr)
    assert guest.db_dump() == before, "a refused password changed the directory"
    assert imap_login_ok(guest, user.address, user.password), "the old password stopped working"
    assert not imap_login_ok(guest, user.address, "goodpassword-761"), \
        "the part before the NUL byte became the password"
    guest.vmailctl("user", "del", user.address, "--purge")


def test_761_setup_admin_password_nul_changes_nothing(guest):
    conf = guest.run(["cat", CONF]).stdout
    before = guest.db_dump()
    try:
        p = guest.vmailctl("setup", "--default-quota", "3G", "--admin-password-stdin",
                           input=b"admin-password-761\0x\n", check=False)
        assert p.returncode == 1, f"exit {p.returncode}: {p.stderr!r}"
        assert b"the password on standard input contains a NUL byte" in p.stderr, p.stderr
        assert guest.run(["cat", CONF]).stdout == conf, \
            "setup wrote vmail.conf before it refused the password"
        assert guest.db_dump() == before, "setup changed the directory"
        # too short: refused at the same point, before anything changes
        p = guest.vmailctl("setup", "--default-quota", "3G", "--admin-password-stdin",
                           input=f"x{token(1)}\n", check=False)
        assert p.returncode == 1 and b"shorter than 8" in p.stderr, p.stderr
        assert guest.run(["cat", CONF]).stdout == conf
    finally:
        if guest.run(["cat", CONF]).stdout != conf:   # put it back for the others
            guest.run(["sh", "-c", f"cat > {CONF}"], input=conf)
            guest.vmailctl("setup")
