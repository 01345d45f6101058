"""Behaviour 12: re-running is safe. A second install.sh run changes no
file and restarts nothing, and mail keeps flowing; postfix check is clean
and doveconf -n gives no warnings."""

import pytest

# on the main guests, and on the direct-start guest (no systemd)
pytestmark = pytest.mark.kind("main", "direct")

from vmail_guest import RestartWatch, snapshot_diff
from mailclients import deliver

INSTALL = "cd /root/vmail && ./install.sh --hostname mail.example.com --domain example.com"
# None of them may be restarted or reloaded.
DAEMONS = ("postfix", "dovecot", "rspamd", "redis", "clamd", "nginx")


@pytest.fixture(scope="module")
def rerun(guest):
    """Snapshot, run install.sh again, snapshot: shared by the tests here."""
    before = guest.config_snapshot()
    db_before = guest.db_dump()
    watch = RestartWatch(guest, DAEMONS)
    p = guest.run(INSTALL, check=False, timeout=1200)
    after = guest.config_snapshot()
    db_after = guest.db_dump()
    return dict(before=before, after=after, proc=p, watch=watch,
                db_before=db_before, db_after=db_after)


def test_12_rerun_install_succeeds(guest, rerun):
    p = rerun["proc"]
    assert p.returncode == 0, \
        f"second install.sh run failed ({p.returncode}):\n{p.stdout.decode()[-3000:]}" \
        f"\n{p.stderr.decode()[-3000:]}"


def test_12_rerun_install_changes_no_file(guest, rerun):
    diff = snapshot_diff(rerun["before"], rerun["after"])
    assert not diff, "the second install.sh run changed files:\n" + diff


def test_12_rerun_install_changes_no_directory_entry(guest, rerun):
    diff = snapshot_diff(rerun["db_before"].decode(), rerun["db_after"].decode())
    assert not diff, "the second install.sh run changed the database:\n" + diff


def test_12_rerun_install_restarts_nothing(guest, rerun):
    pids = rerun["watch"].pids
    assert None not in pids.values(), f"a daemon did not run before the rerun: {pids}"
    hits = rerun["watch"].hits()
    assert not hits, "the second run restarted or reloaded:\n" + "\n".join(hits)


def test_12_mail_flows_after_rerun(guest, rerun):
    user = guest.add_user("rerun")
    marker = deliver(guest, user.address, "after-rerun")
    guest.wait_for_message(user.address, marker)


def test_12_postfix_check_is_clean(guest, rerun):
    p = guest.run("postfix check", check=False)
    assert (p.returncode, p.stdout, p.stderr) == (0, b"", b""), \
        f"postfix check (exit {p.returncode}):\n{p.stdout.decode()}{p.stderr.decode()}"


def test_12_doveconf_has_no_warnings(guest, rerun):
    p = guest.run("doveconf -n", check=False)
    assert p.returncode == 0 and p.stderr == b"", \
        f"doveconf -n (exit {p.returncode}) said on stderr:\n{p.stderr.decode()}"
