"""spamfilter - the e2e tests' side of rspamd.

prepare(guest) puts the test-environment overrides of tests/e2e/rspamd-override/
into the guest's /etc/rspamd/override.d/ (see the comments there: rspamd
asks the guest's own resolver, or the tests' DNS server where there is
none) and reloads rspamd. "@HOST_IP@" in them becomes the harness's
address on the bridge, "@CLIENT2_IP@" the second client address,
"@DNS_IP@" the test DNS server's, "@NAMESERVER@" the resolver rspamd
asks (nameserver(guest)), "@SERVERS@" the addresses of the vmail servers
of the test world (SERVER_IPS).
conftest.py calls it once per guest before any test runs.

settings(guest, "antivirus", enabled="no") changes a section of vmail.conf
for the duration of a with block (and runs "vmailctl setup" before and
after); spam_settings(guest, greylisting="no") does it for [spam].
"""

import contextlib
import os
import re
import time

from mailclients import EXTERNAL_SENDER, make_message, try_send
from vmail_guest import CLIENT2_IP, DNS_IP, HOST_IP, SERVER_IPS, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
OVERRIDE_SRC = os.path.join(HERE, "rspamd-override")
OVERRIDE_DIR = "/etc/rspamd/override.d"
MILTER_PORT = 11332


def milter_up(guest):
    """True if rspamd's milter port accepts connections."""
    return guest.tcp_open(MILTER_PORT)


def wait_milter(guest, up=True, timeout=60):
    wait_until(lambda: milter_up(guest) == up,
               f"[{guest.suite}] rspamd's milter to come {'up' if up else 'down'}",
               timeout)


def workers(guest):
    """The pids of rspamd's worker processes (children of its main process)."""
    pid = guest.main_pid("rspamd")
    if pid is None:
        return set()
    out = guest.run(["pgrep", "-P", str(pid)], check=False).stdout
    return set(out.split())


def shutting_down(guest):
    """Pids (bytes, as workers() gives them) of rspamd workers that have
    stopped taking connections and wait to end ("worker's shutdown is
    pending" in rspamd's log)."""
    out = guest.run(["sh", "-c", "grep -h \"shutdown is pending\" "
                     f"{guest.log_path('rspamd')} | tail -n 200"],
                    check=False).stdout.decode("utf-8", "replace")
    return {p.encode() for p in re.findall(r"[#\[](\d+)[(\]]", out)}


def wait_workers_replaced(guest, old, timeout=90):
    """Wait until new workers run, the milter answers, and every worker in
    old is gone or takes no more connections. (A reload takes seconds on a
    loaded machine, 3 s on bookworm here: meanwhile the old workers still
    answer, and are then killed with the sessions they hold. A fixed sleep
    raced that. rspamd 3.12.1's milter worker then lingers, idle, for twice
    task_timeout: it miscounts its finished milter sessions, fixed upstream
    after 3.12.1.)"""
    def replaced():
        now = workers(guest)
        lingering = now & old
        return now - old and (not lingering or
                              lingering <= shutting_down(guest))
    wait_until(replaced, f"[{guest.suite}] rspamd's old workers to be replaced", timeout)
    wait_milter(guest)


def reload(guest):
    """SIGHUP rspamd and wait until its new workers answer."""
    old = workers(guest)
    guest.run(["kill", "-HUP", str(guest.main_pid("rspamd"))])
    wait_workers_replaced(guest, old)


def nameserver(guest):
    """The resolver rspamd asks: unbound on 127.0.0.1 where vmail runs it
    (systemd guests, as on a real server: the signed test zone resolves
    and validates), the test DNS server where it does not."""
    return "127.0.0.1" if guest.systemd else DNS_IP


def prepare(guest):
    changed = False
    for name in sorted(os.listdir(OVERRIDE_SRC)):
        with open(os.path.join(OVERRIDE_SRC, name), "rb") as f:
            data = (f.read().replace(b"@HOST_IP@", HOST_IP.encode())
                    .replace(b"@CLIENT2_IP@", CLIENT2_IP.encode())
                    .replace(b"@DNS_IP@", DNS_IP.encode())
                    .replace(b"@NAMESERVER@", nameserver(guest).encode())
                    .replace(b"@SERVERS@", ", ".join(
                        f'"{ip}"' for ip in SERVER_IPS).encode()))
        path = f"{OVERRIDE_DIR}/{name}"
        if guest.run(["cat", path], check=False).stdout != data:
            guest.run(["sh", "-c", f"cat > {path}"], input=data)
            changed = True
    if changed:
        reload(guest)
    else:
        wait_milter(guest)


VMAIL_CONF = "/etc/vmail/vmail.conf"


def mail_flows(guest, timeout=60):
    """Wait until a message from the harness (never greylisted) is
    accepted on port 25: after a reload rspamd may tempfail for a moment."""
    deadline = time.monotonic() + timeout
    while True:
        msg, _ = make_message(EXTERNAL_SENDER, f"postmaster@{guest.domain}", "flowing")
        code, text = try_send(guest, f"postmaster@{guest.domain}", msg)
        if code == 250:
            return
        assert time.monotonic() < deadline, \
            f"[{guest.suite}] mail not accepted after setup: {code} {text!r}"
        time.sleep(1)


def setup_and_wait(guest):
    """Run "vmailctl setup" after a change of [spam] (it reloads rspamd)
    and wait until the new workers took over and mail flows."""
    old = workers(guest)
    guest.vmailctl("setup")
    wait_workers_replaced(guest, old)
    mail_flows(guest)


@contextlib.contextmanager
def settings(guest, section, **values):
    """Set keys of [section] in /etc/vmail/vmail.conf and run "vmailctl
    setup" (waiting until rspamd's new workers took over and mail flows);
    afterwards put the file back as it was and run setup again, so the
    guest is left as it was found."""
    original = guest.run(["cat", VMAIL_CONF]).stdout
    text = original.decode()
    start = text.index(f"\n[{section}]\n")
    end = text.find("\n[", start + 1)
    end = len(text) if end < 0 else end
    for key, value in values.items():
        pattern = re.compile(rf"^{re.escape(key)}\s*=.*$", re.M)
        m = pattern.search(text, start, end)
        assert m, f"[{guest.suite}] no '{key} =' in [{section}] of {VMAIL_CONF}"
        text = text[:m.start()] + f"{key} = {value}" + text[m.end():]
        end = text.find("\n[", start + 1)
        end = len(text) if end < 0 else end
    try:
        guest.run(["sh", "-c", f"cat > {VMAIL_CONF}"], input=text.encode())
        setup_and_wait(guest)
        yield
    finally:
        guest.run(["sh", "-c", f"cat > {VMAIL_CONF}"], input=original)
        setup_and_wait(guest)


def spam_settings(guest, **values):
    """settings(guest, "spam", ...)."""
    return settings(guest, "spam", **values)
