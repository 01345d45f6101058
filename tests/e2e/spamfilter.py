"""spamfilter - the e2e tests' side of rspamd.

prepare(guest) puts the test-environment overrides of tests/e2e/rspamd-override/
into the guest's /etc/rspamd/override.d/ (see the comments there: rspamd
asks the tests' own DNS server) and reloads rspamd. "@HOST_IP@" in them
becomes the harness's address on the bridge, "@DNS_IP@" the test DNS
server's. conftest.py calls it once per guest before any test runs.
"""

import os
import time

from vmail_guest import DNS_IP, HOST_IP

HERE = os.path.dirname(os.path.abspath(__file__))
OVERRIDE_SRC = os.path.join(HERE, "rspamd-override")
OVERRIDE_DIR = "/etc/rspamd/override.d"
RSPAMD_PID = "/run/rspamd/rspamd.pid"
MILTER_PORT = 11332


def milter_up(guest):
    """True if rspamd's milter port accepts connections."""
    return guest.run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{MILTER_PORT}"],
                     check=False).returncode == 0


def wait_milter(guest, up=True, timeout=60):
    deadline = time.monotonic() + timeout
    while milter_up(guest) != up:
        assert time.monotonic() < deadline, \
            f"[{guest.suite}] rspamd's milter did not come {'up' if up else 'down'}"
        time.sleep(0.3)


def workers(guest):
    """The pids of rspamd's worker processes (children of its main process)."""
    out = guest.run(["sh", "-c", f"pgrep -P $(cat {RSPAMD_PID})"], check=False).stdout
    return set(out.split())


def reload(guest, timeout=90):
    """SIGHUP rspamd and wait until all of its workers are new ones and the
    milter answers. (Waiting a fixed time is not enough on a loaded machine:
    the main process may re-read its configuration seconds later and then
    drop the connections the old workers still hold.)"""
    old = workers(guest)
    guest.run(f"kill -HUP $(cat {RSPAMD_PID})")
    deadline = time.monotonic() + timeout
    while True:
        now = workers(guest)
        if now and not (now & old):
            break
        assert time.monotonic() < deadline, \
            f"[{guest.suite}] rspamd's workers were not replaced after SIGHUP"
        time.sleep(0.3)
    wait_milter(guest)


def prepare(guest):
    changed = False
    for name in sorted(os.listdir(OVERRIDE_SRC)):
        with open(os.path.join(OVERRIDE_SRC, name), "rb") as f:
            data = (f.read().replace(b"@HOST_IP@", HOST_IP.encode())
                    .replace(b"@DNS_IP@", DNS_IP.encode()))
        path = f"{OVERRIDE_DIR}/{name}"
        if guest.run(["cat", path], check=False).stdout != data:
            guest.run(["sh", "-c", f"cat > {path}"], input=data)
            changed = True
    if changed:
        reload(guest)
    else:
        wait_milter(guest)
