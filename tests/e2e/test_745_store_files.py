"""Issue 7, 4.7: vmailctl refuses directory files it should not trust,
and the commands that only read never create a database.

On the real server, as root: a vmail.db-journal that the vmail user
made (it cannot any more, so here root plants it and hands it over) is
refused with a message that names the file and the fix, and nothing
runs until it is fixed; a symlinked vmail.db-wal likewise. A read-only
command pointed at a database that does not exist says so, exits 1 and
creates nothing."""

from vmail_guest import DB_PATH


def test_745_foreign_or_linked_files_refused(guest):
    journal = DB_PATH + "-journal"
    guest.run(f": > {journal} && chown vmail:vmail {journal}")
    try:
        p = guest.vmailctl("domain", "list", check=False)
        err = p.stderr.decode()
        assert p.returncode == 1, err
        assert f"{journal} belongs to vmail, not to root" in err, err
        assert f"chown root {journal}" in err, err
        p = guest.vmailctl("domain", "add", "never-added.example", check=False)
        assert p.returncode == 1, p.stderr
    finally:
        guest.run(f"rm -f {journal}")
    wal = DB_PATH + "-wal"
    guest.run(f"ln -s /etc/passwd {wal}")
    try:
        p = guest.vmailctl("user", "list", check=False)
        err = p.stderr.decode()
        assert p.returncode == 1 and f"{wal} is a symbolic link (to /etc/passwd)" in err, err
        assert f"remove the link (rm {wal})" in err, err
    finally:
        guest.run(f"rm -f {wal}")
    p = guest.vmailctl("domain", "list")
    assert b"never-added.example" not in p.stdout and guest.domain.encode() in p.stdout


def test_745_read_only_commands_create_nothing(guest):
    missing = "/var/lib/vmail/missing-745.db"
    for cmd in (["domain", "list"], ["user", "list"], ["alias", "list"],
                ["dkim", "list"], ["user", "show", f"admin@{guest.domain}"]):
        p = guest.run(["env", f"VMAIL_DB={missing}", "vmailctl", *cmd], check=False)
        err = p.stderr.decode()
        assert p.returncode == 1, (cmd, err)
        assert f"the directory database {missing} does not exist (run 'vmailctl setup'" in err, err
        assert guest.run(f"ls {missing}*", check=False).returncode != 0, cmd
