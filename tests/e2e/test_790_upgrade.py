"""Issue 7, 4.5: the upgrade path. The guests "upgrade-bookworm" and
"upgrade-trixie" were installed by tests/e2e/run with vmail's first landed
release (a git archive of FIRST_RELEASE, its own install.sh, the README's
command). Here, that release's vmailctl makes domains, mailboxes, aliases
and a catch-all, and mail is delivered to them; then HEAD is installed over
it with the README's command (cd /root/vmail && ./install.sh ...). After
that, everything still works: the same logins and their mail, the aliases,
DKIM with the same key, mail in and out; the directory was copied before
its schema was migrated; and running install.sh once more changes no file
and restarts nothing."""

import json
import os

import pytest

from mailclients import EXTERNAL_SENDER, deliver, imap, imap_fetch_by_marker, make_message, \
    send, submission
from vmail_guest import DB_PATH, STATE, RestartWatch, User, snapshot_diff, token

pytestmark = pytest.mark.kind("upgrade")

INSTALL = "cd /root/vmail && ./install.sh --hostname mail.example.com --domain example.com"
DAEMONS = ("postfix", "dovecot", "rspamd", "redis", "clamd")


def _old_user(guest, address):
    password = "old-" + token(8)
    guest.vmailctl("user", "add", "--password-stdin", address, input=password + "\n")
    return User(address, password)


def _host_sqlite(guest, path, sql):
    """sqlite3 on the host, on the guest's file (the guest has no sqlite3)."""
    import subprocess
    root = open(os.path.join(STATE, f"{guest.name}.root")).read().strip()
    p = subprocess.run(["sqlite3", "-readonly", root + path, sql], capture_output=True)
    assert p.returncode == 0, p.stderr
    return p.stdout.decode().strip()


@pytest.fixture(scope="module")
def upgraded(guest):
    org = f"old-{token()}.example"
    guest.vmailctl("domain", "add", org)
    alice = _old_user(guest, f"alice@{org}")
    bob = _old_user(guest, f"bob@{org}")
    carol = _old_user(guest, f"carol-{token()}@example.com")
    guest.vmailctl("alias", "add", f"sales@{org}", alice.address, bob.address)
    guest.vmailctl("alias", "add", f"@{org}", alice.address)
    before = {
        "alice": deliver(guest, alice.address, "before the upgrade"),
        "sales": deliver(guest, f"sales@{org}", "before the upgrade, to the alias"),
        "catchall": deliver(guest, f"nobody-{token()}@{org}", "before, catch-all"),
        "carol": deliver(guest, carol.address, "before the upgrade"),
    }
    guest.wait_for_message(alice.address, before["alice"])
    guest.wait_for_message(alice.address, before["sales"])
    guest.wait_for_message(bob.address, before["sales"])
    guest.wait_for_message(alice.address, before["catchall"])
    guest.wait_for_message(carol.address, before["carol"])
    dkim_before = json.loads(guest.vmailctl("dkim", "show", "--json", org).stdout)
    schema_before = int(_host_sqlite(guest, DB_PATH, "PRAGMA user_version"))

    p = guest.run(INSTALL, check=False, timeout=1500)
    return dict(org=org, alice=alice, bob=bob, carol=carol, before=before, proc=p,
                dkim_before=dkim_before, schema_before=schema_before)


def test_790_install_over_the_first_release_succeeds(guest, upgraded):
    p = upgraded["proc"]
    assert p.returncode == 0, \
        f"[{guest.name}] install.sh of HEAD over the first release failed ({p.returncode}):\n" \
        f"{p.stdout.decode()[-4000:]}\n{p.stderr.decode()[-3000:]}"


def test_790_the_directory_was_copied_before_its_migration(guest, upgraded):
    schema_now = int(_host_sqlite(guest, DB_PATH, "PRAGMA user_version"))
    before = upgraded["schema_before"]
    assert schema_now > before, f"the schema did not move ({before} -> {schema_now})"
    copies = guest.run(f"ls {DB_PATH}.pre-v{before}-*", check=False).stdout.decode().split()
    assert copies, f"[{guest.name}] no copy of the v{before} directory next to {DB_PATH}"
    assert _host_sqlite(guest, copies[-1], "PRAGMA user_version") == str(before)
    mode = guest.run(["stat", "-c", "%a %U", copies[-1]]).stdout.decode().split()
    assert mode == ["600", "root"], f"the copy is {mode}"


def test_790_logins_mail_and_aliases_survive(guest, upgraded):
    u, b = upgraded, upgraded["before"]
    with imap(guest, u["alice"], "INBOX") as m:
        for key in ("alice", "sales", "catchall"):
            assert imap_fetch_by_marker(m, b[key]), f"alice's old message {key} is gone"
    with imap(guest, u["bob"], "INBOX") as m:
        assert imap_fetch_by_marker(m, b["sales"])
    with imap(guest, u["carol"], "INBOX") as m:
        assert imap_fetch_by_marker(m, b["carol"])
    org = u["org"]
    after = deliver(guest, f"sales@{org}", "after the upgrade, to the alias")
    guest.wait_for_message(u["alice"].address, after)
    guest.wait_for_message(u["bob"].address, after)
    catch = deliver(guest, f"someone-{token()}@{org}", "after, catch-all")
    guest.wait_for_message(u["alice"].address, catch)


def test_790_dkim_signs_with_the_same_key(guest, upgraded):
    org = upgraded["org"]
    now = json.loads(guest.vmailctl("dkim", "show", "--json", org).stdout)
    old = upgraded["dkim_before"]

    def active(keys):
        return [(k["selector"], k["value"]) for k in keys if k.get("state") == "active"]
    assert active(now) == active(old) and len(active(now)) == 1, \
        f"the active DKIM key of {org} changed: {old} -> {now}"
    alice = upgraded["alice"]
    msg, marker = make_message(alice.address, upgraded["carol"].address, "signed after")
    with submission(guest, 587, alice) as s:
        send(s, alice.address, upgraded["carol"].address, msg)
    _, data = guest.wait_for_message(upgraded["carol"].address, marker)
    sel = active(now)[0][0]
    assert f"d={org}".encode() in data and f"s={sel}".encode() in data, \
        f"not signed by {org}'s key: {data[:1500]!r}"


def test_790_outside_mail_still_flows(guest, upgraded):
    marker = deliver(guest, upgraded["carol"].address, "after the upgrade",
                     sender=EXTERNAL_SENDER)
    guest.wait_for_message(upgraded["carol"].address, marker)


def test_790_running_install_again_changes_nothing(guest, upgraded):
    before = guest.config_snapshot()
    db_before = guest.db_dump()
    watch = RestartWatch(guest, DAEMONS)
    p = guest.run(INSTALL, check=False, timeout=1200)
    assert p.returncode == 0, p.stdout.decode()[-3000:] + p.stderr.decode()[-2000:]
    diff = snapshot_diff(before, guest.config_snapshot())
    assert not diff, f"[{guest.name}] the second run changed files:\n{diff}"
    diff = snapshot_diff(db_before.decode(), guest.db_dump().decode())
    assert not diff, f"[{guest.name}] the second run changed the directory:\n{diff}"
    hits = watch.hits()
    assert not hits, f"[{guest.name}] the second run restarted or reloaded:\n" + "\n".join(hits)
