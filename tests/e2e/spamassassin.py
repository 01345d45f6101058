"""spamassassin - the e2e tests' side of [spam] engine = spamassassin.

use_engine(guest, "spamassassin" | "rspamd") switches the engine the way an
administrator does: `./install.sh --spam ENGINE` (which installs spamd and
spamc the first time, then runs `vmailctl setup --spam ENGINE`), and waits
until the filter answers. Before SpamAssassin is selected, the test
environment's SpamAssassin settings of tests/e2e/spamassassin-override/ go
into the guest's /etc/spamassassin/ (no DNS in the guests; a rule only
SpamAssassin knows). The engine stays selected until a test that does not
ask for it runs: conftest.py switches back to rspamd before such a test, so
the SpamAssassin tests (test_35x) share one switch.

Also: what the tests look at to tell who scored a message (rspamd's log line
for it: SPAMD carries SpamAssassin's score and rule names), spamd's state,
and SpamAssassin's Bayes counters.
"""

import os
import re
import time

import spamfilter
from vmail_guest import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
OVERRIDE_SRC = os.path.join(HERE, "spamassassin-override")
OVERRIDE_DIR = "/etc/spamassassin"
INSTALL = "cd /root/vmail && ./install.sh"
CONF = "/etc/vmail/vmail.conf"
SPAMD_PORT = 783
SPAMD_USER = "debian-spamd"
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
# Words that rules of the test environment score (never in real mail):
SA_ONLY = "vmail-e2e-sa-only-rule"          # SpamAssassin: 20 (spamassassin-override)
SA_JUNK = "vmail-e2e-sa-junk-rule"          # SpamAssassin: 8
RSPAMD_ONLY = "vmail-e2e-rspamd-only-rule"  # rspamd: 30 (rspamd-override)


def engine(guest):
    """[spam] engine of the guest's vmail.conf ("rspamd" when unset)."""
    m = re.search(r"^\s*\[spam\][^\[]*?^\s*engine\s*=\s*(\S+)", guest.read(CONF), re.M | re.S)
    return m.group(1) if m else "rspamd"


def spamd_up(guest):
    """True if spamd's port accepts connections."""
    return guest.tcp_open(SPAMD_PORT)


def spamd_pid(guest):
    return guest.main_pid("spamd")


def wait_spamd(guest, up=True, timeout=120):
    wait_until(lambda: spamd_up(guest) == up,
               f"[{guest.suite}] spamd to come {'up' if up else 'down'}", timeout, 0.5)


def stop_spamd(guest):
    if spamd_pid(guest):
        guest.stop("spamd")
    wait_spamd(guest, up=False, timeout=30)


def install_overrides(guest):
    """The test environment's SpamAssassin settings; spamd re-reads them
    (SIGHUP) if it runs and they changed."""
    changed = False
    guest.run(["mkdir", "-p", OVERRIDE_DIR])
    for name in sorted(os.listdir(OVERRIDE_SRC)):
        with open(os.path.join(OVERRIDE_SRC, name), "rb") as f:
            data = f.read()
        path = f"{OVERRIDE_DIR}/{name}"
        if guest.run(["cat", path], check=False).stdout != data:
            guest.run(["sh", "-c", f"cat > {path}"], input=data)
            changed = True
    if changed and spamd_pid(guest):
        guest.run(["kill", "-HUP", str(spamd_pid(guest))])
        time.sleep(2)
        wait_spamd(guest)


def install(guest, *args, timeout=1200):
    """Run ./install.sh ARGS in the guest; returns the finished process."""
    return guest.run(" ".join([INSTALL, *args]), check=False, timeout=timeout)


def use_engine(guest, name):
    """Select the spam engine (no-op if it is selected already)."""
    if name == "spamassassin":
        install_overrides(guest)
    if engine(guest) == name and (name == "rspamd" or spamd_up(guest)):
        return
    old = spamfilter.workers(guest)
    p = install(guest, "--spam", name)
    assert p.returncode == 0, \
        f"[{guest.suite}] install.sh --spam {name} failed ({p.returncode}):\n" \
        f"{p.stdout.decode()[-3000:]}\n{p.stderr.decode()[-3000:]}"
    assert engine(guest) == name, f"[{guest.suite}] vmail.conf: {guest.read(CONF)}"
    if name == "spamassassin":
        wait_spamd(guest)
    spamfilter.wait_workers_replaced(guest, old)


def rspamd_verdict(guest, marker, timeout=20):
    """rspamd's log line for the message whose Message-ID has marker:
    "(default: T (reject): [1001.50/15.00] [SPAMD(1001.50){GTUBE,...},...]"."""
    deadline = time.monotonic() + timeout
    while True:
        hits = [l for l in guest.read(guest.log_path("rspamd")).splitlines()
                if marker in l and "(default:" in l]
        if hits or time.monotonic() > deadline:
            return hits[-1] if hits else None
        time.sleep(0.5)


def symbols(verdict):
    """{symbol: score} of an rspamd log line."""
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r"[\[,]\s*([A-Z0-9_]+)\((-?[0-9.]+)\)", verdict or "")}


def bayes_counts(guest):
    """(nspam, nham) of SpamAssassin's Bayes database, as spamd's user
    sees it (sa-learn --dump magic)."""
    p = guest.run(["setpriv", f"--reuid={SPAMD_USER}", f"--regid={SPAMD_USER}",
                   "--init-groups", "env", "HOME=/var/lib/spamassassin",
                   "sa-learn", "--dump", "magic"], check=False)
    out = p.stdout.decode()
    nums = {m.group(2): int(m.group(1))
            for m in re.finditer(r"^\S+\s+\S+\s+(\d+)\s+\S+\s+non-token data: (nspam|nham)$",
                                 out, re.M)}
    return nums.get("nspam", 0), nums.get("nham", 0)
