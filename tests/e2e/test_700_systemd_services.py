"""Issue 7, 1.1: on a server with systemd as PID 1, after install every
daemon vmail needs is enabled (it comes back at boot) and active; after
"vmailctl setup" with [antivirus] enabled = no, clamd and freshclam (and
the unit that starts clamd when signatures arrive) are stopped and
disabled, and mail still flows; with enabled = yes again they are back."""

import antivirus
import spamfilter
from mailclients import deliver

CLAMAV = ("clamav-daemon.service", "clamav-freshclam.service",
          "vmail-clamav-signatures.path")


def _enabled(guest, unit):
    p = guest.run(["systemctl", "is-enabled", unit], check=False)
    return p.stdout.decode().strip()


def _active(guest, unit):
    p = guest.run(["systemctl", "is-active", unit], check=False)
    return p.stdout.decode().strip()


def _state(guest, units):
    return {u: (_enabled(guest, u), _active(guest, u)) for u in units}


def _needed_units(guest):
    """Every unit a vmail server needs running, and at boot."""
    units = ["postfix.service", "dovecot.service", "rspamd.service",
             "redis-server.service", "clamav-daemon.service", "clamav-freshclam.service",
             "rsyslog.service", "vmail-clamav-signatures.path", "nginx.service"]
    # Debian 12: postfix.service is a oneshot wrapper; the master runs in
    # postfix@-.service, which Debian's generator enables ("enabled-runtime")
    if guest.unit("postfix") != "postfix":
        units.append(guest.unit("postfix") + ".service")
    return units


def test_700_every_daemon_is_enabled_and_active(guest):
    antivirus.wait_clamd(guest)
    got = _state(guest, _needed_units(guest))
    bad = {u: st for u, st in got.items()
           if st[1] != "active" or st[0] not in
           (("enabled", "enabled-runtime") if u.startswith("postfix@") else ("enabled",))}
    assert not bad, f"[{guest.suite}] units not enabled and active: {bad} (all: {got})"
    failed = guest.run(["systemctl", "--failed", "--no-legend", "--plain"]).stdout.decode()
    ours = [l for l in failed.splitlines()
            if any(n in l for n in ("postfix", "dovecot", "rspamd", "redis", "clamav-daemon",
                                    "vmail", "rsyslog"))]
    assert not ours, f"[{guest.suite}] failed units: {ours}"


def test_700_antivirus_off_stops_and_disables_clamav(guest):
    antivirus.wait_clamd(guest)
    user = guest.add_user("noav")
    with spamfilter.settings(guest, "antivirus", enabled="no"):
        got = _state(guest, CLAMAV)
        assert got == {u: ("disabled", "inactive") for u in CLAMAV}, \
            f"[{guest.suite}] with [antivirus] enabled = no: {got}"
        assert antivirus.clamd_pid(guest) is None, "clamd still runs"
        marker = deliver(guest, user.address, "antivirus off")
        guest.wait_for_message(user.address, marker)
    # enabled = yes again (the context restored vmail.conf and ran setup)
    antivirus.wait_clamd(guest)
    got = _state(guest, CLAMAV)
    assert got == {u: ("enabled", "active") for u in CLAMAV}, \
        f"[{guest.suite}] with [antivirus] enabled = yes again: {got}"
