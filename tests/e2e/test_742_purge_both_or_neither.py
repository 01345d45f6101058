"""Issue 7, 4.3: "user del --purge" removes the mailbox and its mail
together, or neither.

The mail directory is removed as its owner, vmail; a directory of
root's inside it is one vmail cannot empty, so the purge cannot finish.
Then nothing has changed: the mailbox still logs in and receives, every
message file is where it was, nothing is left aside. Once that directory
is gone the purge takes both."""

import shlex

from mailclients import deliver, imap_login_ok


def test_742_purge_that_cannot_finish_changes_nothing(guest):
    user = guest.add_user("purge")
    marker = deliver(guest, user.address, "purge-both-or-neither")
    guest.wait_for_message(user.address, marker)
    maildir = guest.maildir(user.address)
    # (Not a mail folder: Dovecot's quota count would trip over it.)
    pinned = f"{maildir}/pinned-by-root"
    guest.run(f"mkdir {shlex.quote(pinned)} && echo x > {shlex.quote(pinned)}/file")
    before = guest.mail_files(user.address)
    assert before, before

    p = guest.vmailctl("user", "del", "--purge", user.address, check=False)
    err = p.stderr.decode()
    assert p.returncode == 1, err
    assert f"its mail directory {maildir} cannot be removed completely" in err, err
    assert "pinned-by-root: Permission denied" in err, err

    assert guest.vmailctl("user", "show", user.address, check=False).returncode == 0
    assert imap_login_ok(guest, user.address, user.password)
    assert guest.mail_files(user.address) == before
    assert guest.read(f"{pinned}/file") == "x\n"
    domain_dir = maildir.rsplit("/", 1)[0]
    assert b".purge-" not in guest.run(f"ls -A {shlex.quote(domain_dir)}").stdout
    marker2 = deliver(guest, user.address, "still-delivered")
    guest.wait_for_message(user.address, marker2)

    guest.run(f"rm -rf {shlex.quote(pinned)}")
    guest.vmailctl("user", "del", "--purge", user.address)
    assert guest.vmailctl("user", "show", user.address, check=False).returncode == 1
    assert guest.run(f"test -e {shlex.quote(maildir)}", check=False).returncode == 1
    assert not imap_login_ok(guest, user.address, user.password)
