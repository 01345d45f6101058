"""Issue 7, 3.4: the mail daemons can read the directory but not write it.

vmail.db has a rollback journal: Postfix's proxymap (user postfix) and
Dovecot's auth-worker (user dovecot) read it and nothing more; dovenull,
vmail and _rspamd cannot even read it; only root (vmailctl) writes it.
Each daemon user is tried for real with setpriv: reading through an
SQLite client (postmap -q on a sqlite: map, Postfix's own lookup code),
writing the file, creating files in its folder. And mail still flows:
Postfix's lookups, Dovecot's logins."""

import shlex

import pytest

from mailclients import deliver, imap_login_ok
from vmail_guest import DB_PATH

DB_DIR = DB_PATH.rsplit("/", 1)[0]
READERS = ("postfix", "dovecot")
OTHERS = ("dovenull", "vmail", "_rspamd")
# A sqlite: map of our own (world-readable, in /tmp), so that every user
# can try the same read that Postfix's proxymap makes.
PROBE_CF = "/tmp/test_740_probe.cf"


def as_user(guest, user, cmd):
    """Run the shell command cmd in the guest as user (its own groups)."""
    return guest.run(["setpriv", f"--reuid={user}", f"--regid={user}",
                      "--init-groups", "/bin/sh", "-c", cmd], check=False)


@pytest.fixture(scope="module")
def probe(guest):
    guest.run(f"printf 'dbpath = {DB_PATH}\\nquery = SELECT name FROM domain "
              f"WHERE name = '\"'\"'%%s'\"'\"'\\n' > {PROBE_CF} && chmod 0644 {PROBE_CF}")
    yield PROBE_CF
    guest.run(f"rm -f {PROBE_CF}")


def test_740_rollback_journal_and_modes(guest):
    p = guest.run(["sqlite3", DB_PATH, "PRAGMA journal_mode"], check=False)
    if p.returncode != 127:
        assert p.stdout.decode().strip() == "delete", p.stdout
    # No WAL files: nothing a reader would have to write.
    p = guest.run(f"ls -ld {DB_DIR} {DB_PATH}*")
    modes = {}
    for line in p.stdout.decode().splitlines():
        f = line.split()
        modes[f[-1]] = " ".join(f[:1] + f[2:4])
    assert set(modes) <= {DB_DIR, DB_PATH, DB_PATH + "-journal"}, modes
    assert modes[DB_DIR] == "drwxr-x---+ root root", modes
    assert modes[DB_PATH] == "-rw-r-----+ root root", modes


@pytest.mark.parametrize("user", READERS + OTHERS)
def test_740_nobody_but_root_writes(guest, user):
    for cmd, what in ((f": >> {DB_PATH}", "append to the database"),
                      (f": > {DB_PATH}-journal", "create a journal"),
                      (f": > {DB_DIR}/probe-{user}", "create a file in its folder"),
                      (f"mkdir {DB_DIR}/probe-{user}.d", "create a folder in it")):
        p = as_user(guest, user, cmd)
        assert p.returncode != 0, f"{user} could {what}: {cmd}"
        assert b"Permission denied" in p.stderr, (user, cmd, p.stderr)
    p = guest.run(f"ls -A {DB_DIR}")
    assert b"probe" not in p.stdout and b"-journal" not in p.stdout, p.stdout


@pytest.mark.parametrize("user", READERS)
def test_740_readers_read(guest, probe, user):
    p = as_user(guest, user, f"postmap -q {shlex.quote(guest.domain)} sqlite:{probe}")
    assert p.returncode == 0 and p.stdout.strip() == guest.domain.encode(), \
        (user, p.returncode, p.stdout, p.stderr)


@pytest.mark.parametrize("user", OTHERS)
def test_740_others_cannot_read(guest, probe, user):
    p = as_user(guest, user, f"postmap -q {shlex.quote(guest.domain)} sqlite:{probe}")
    assert p.returncode != 0 and guest.domain.encode() not in p.stdout, \
        (user, p.returncode, p.stdout, p.stderr)
    p = as_user(guest, user, f"cat {DB_PATH} > /dev/null")
    assert p.returncode != 0 and b"Permission denied" in p.stderr, (user, p.stderr)


def test_740_mail_flows_with_read_only_readers(guest):
    user = guest.add_user("ro")
    marker = deliver(guest, user.address, "read-only directory")
    guest.wait_for_message(user.address, marker)
    assert imap_login_ok(guest, user.address, user.password)
    assert not imap_login_ok(guest, user.address, user.password + "x")
    # The lookups ran as the daemons' own users, which cannot write.
    p = guest.run("ps -eo user=,args= | grep -E '[p]roxymap|[d]ovecot/auth'")
    users = {l.split()[0] for l in p.stdout.decode().splitlines()}
    assert "postfix" in users and "dovecot" in users, p.stdout
    assert "root" not in {l.split()[0] for l in p.stdout.decode().splitlines()
                          if "auth -w" in l or "auth-worker" in l}, p.stdout
