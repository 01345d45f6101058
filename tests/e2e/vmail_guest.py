"""vmail_guest - what the e2e tests do inside a guest.

A Guest is one running Debian root, started and installed by tests/e2e/run:
booted with systemd as PID 1 (every guest but "direct"), or started
without an init (the direct-start path). Every command runs through
tests/e2e/guest (nsenter into all of the guest's namespaces and its root).
On top of that: test users (passwords go on stdin, never in argv), the
Maildirs, the Postfix queue, the daemons (through systemd where it runs,
directly otherwise) and their logs.

    g = Guest("bookworm")                      # what tests/e2e/run wrote
    user = g.add_user("alice")                 # alice-1a2b3c@example.com
    g.run("postfix check")                     # CompletedProcess, bytes
    path, data = g.wait_for_message(user.address, marker)
    g.stop("dovecot"); g.start("dovecot")      # systemctl, or directly
    g.reboot()                                 # halt and boot the root again
"""

import difflib
import io
import json
import os
import re
import secrets
import shlex
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass

HOSTNAME = "mail.example.com"
DOMAIN = "example.com"
MAIL_ROOT = "/var/vmail"
DB_PATH = "/var/lib/vmail/vmail.db"
# Where the daemons log. With systemd: the journal and, through rsyslog,
# /var/log/mail.log (every mail daemon logs as facility "mail"). Without
# systemd: their own files (Postfix's postlogd writes mail.log).
MAIL_LOG = "/var/log/mail.log"
DOVECOT_LOG = "/var/log/dovecot.log"
DIRECT_LOGS = {
    "postfix": MAIL_LOG,
    "dovecot": DOVECOT_LOG,
    "rspamd": "/var/log/rspamd/rspamd.log",
    "spamd": "/var/log/spamd.log",
    "clamd": "/var/log/clamav/clamav.log",
}
# systemd unit of each daemon (as vmailctl's service layer names them)
UNITS = {
    "postfix": "postfix",      # or postfix@- (see Guest.unit)
    "dovecot": "dovecot",
    "rspamd": "rspamd",
    "redis": "redis-server",
    "clamd": "clamav-daemon",
    "freshclam": "clamav-freshclam",
    "spamd": "spamd",
    "nginx": "nginx",
}
POSTFIX_PID = "/var/spool/postfix/pid/master.pid"
DOVECOT_PID = "/run/dovecot/master.pid"
_INSTANCE = os.environ.get("VMAIL_E2E_INSTANCE", "0")
STATE = os.environ.get("VMAIL_E2E_STATE",
                       "/run/vmail-e2e" + ("" if _INSTANCE == "0" else "-" + _INSTANCE))
# The host's addresses on the guests' bridge (see tests/e2e/run): the
# harness's own, and a second client the guests have never seen.
HOST_IP = os.environ.get("VMAIL_E2E_HOST_IP", f"198.18.{_INSTANCE}.1")
CLIENT2_IP = os.environ.get("VMAIL_E2E_CLIENT2_IP", f"198.18.{_INSTANCE}.2")
# The tests' authoritative DNS server (tests/e2e/dnsserver.py, started by
# tests/e2e/run) and the directory of its zone files (see testdns.py).
DNS_IP = os.environ.get("VMAIL_E2E_DNS_IP", f"198.18.{_INSTANCE}.53")
DNS_ZONES = os.environ.get("VMAIL_E2E_DNS_ZONES", os.path.join(STATE, "dns", "zones"))

HERE = os.path.dirname(os.path.abspath(__file__))
GUEST_CMD = os.environ.get("VMAIL_E2E_GUEST_CMD", os.path.join(HERE, "guest"))
RUN_CMD = os.environ.get("VMAIL_E2E_RUN", os.path.join(HERE, "run"))


def token(n=3):
    """A short random lower-case hex string, to make names unique."""
    return secrets.token_hex(n)


@dataclass
class User:
    address: str
    password: str

    @property
    def local(self):
        return self.address.split("@", 1)[0]

    @property
    def domain(self):
        return self.address.split("@", 1)[1]


def wait_until(predicate, what, timeout=30, interval=0.3):
    """Poll predicate() until it is true; fail the test after timeout
    seconds, saying what was awaited."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(interval)


def _show(b, limit=3000):
    s = b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)
    return s if len(s) <= limit else "...\n" + s[-limit:]


# What a restart or reload looks like in each daemon's own log (the guests
# without systemd, see RestartWatch). (An old rspamd worker finishing late
# after an earlier reload is "do not respawn process ...": not a reload.)
DIRECT_RESTART_LINES = {
    "postfix": re.compile(r"postfix/master\[\d+\]: (reload|daemon started|terminating)"),
    "dovecot": re.compile(r"SIGHUP received|Dovecot v\S+ .*starting up|master: .*shutting down", re.I),
    "rspamd": re.compile(r"^(?!.*do not respawn).*\(main\).*(terminating|hup|reload|spawn process)", re.I),
    "spamd": re.compile(r"server (started|pid|hit by|killed)|SIG(HUP|TERM)", re.I),
}
# systemd's own lines about a unit it reloads, restarts, stops or starts
SYSTEMD_RESTART_LINES = re.compile(r"^(Reloading|Reloaded|Starting|Started|Stopping|Stopped) ")


class RestartWatch:
    """Did any of the daemons restart or reload since the watch began?

        w = RestartWatch(guest, ["postfix", "dovecot", "rspamd", "redis"])
        ...                                   # e.g. install.sh again
        assert not w.hits()

    Main pids are compared (a restart); with systemd, the journal of each
    unit since the watch began is searched for systemd's own "Reloading",
    "Starting", "Stopping" lines (a reload keeps the main pid); without
    systemd, each daemon's log file for its own lines of the kind."""

    def __init__(self, guest, daemons):
        self.guest, self.daemons = guest, list(daemons)
        self.pids = {d: guest.main_pid(d) for d in self.daemons}
        if guest.systemd:
            self.cursor = guest.journal_cursor()
        else:
            self.sizes = {d: guest.log_size(guest.log_path(d))
                          for d in self.daemons if d in DIRECT_RESTART_LINES}

    def hits(self):
        """Lines ("daemon: evidence") that show a restart or reload."""
        g, out = self.guest, []
        for d in self.daemons:
            now = g.main_pid(d)
            if now != self.pids[d]:
                out.append(f"{d}: main pid {self.pids[d]} -> {now}")
            if g.systemd:
                lines = g.journal_since(self.cursor, g.unit(d))
                out += [f"{d}: {l}" for l in lines if SYSTEMD_RESTART_LINES.search(l)]
            elif d in self.sizes:
                path = g.log_path(d)
                new = g.run(["tail", "-c", f"+{self.sizes[d] + 1}", path],
                            check=False).stdout.decode("utf-8", "replace")
                out += [f"{d}: {l}" for l in new.splitlines()
                        if DIRECT_RESTART_LINES[d].search(l)]
        return out


# What a re-run of install.sh must leave alone: the configuration vmail
# writes (systemd drop-ins and units included), and what "make install"
# put in place.
WATCHED = ("/etc/postfix", "/etc/dovecot", "/etc/vmail", "/etc/rspamd", "/etc/redis",
           "/etc/clamav", "/etc/spamassassin", "/etc/default", "/etc/systemd/system",
           "/usr/local/sbin/vmailctl", "/usr/local/share/vmail",
           "/etc/nginx", "/var/lib/vmail/www")


def snapshot_diff(before, after, limit=60):
    """The lines that differ between two Guest.config_snapshot()s."""
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(),
                                     "before", "after", lineterm="", n=0))
    return "\n".join(diff[:limit])


def _state(name, what, default=None):
    try:
        with open(os.path.join(STATE, f"{name}.{what}")) as f:
            return f.read().strip()
    except FileNotFoundError:
        if default is None:
            raise
        return default


class Guest:
    """A guest as tests/e2e/run describes it in its state directory.

    name      "bookworm", "trixie", "direct", "upgrade-trixie", ...
    suite     its Debian suite ("bookworm" or "trixie")
    systemd   True when systemd is its PID 1
    kind      "main" (the systemd guests every test runs on), "direct"
              (no systemd), "upgrade" or "single" (see tests/e2e/run)
    """

    def __init__(self, name, ip=None):
        self.name = name
        self.ip = ip or _state(name, "ip")
        self.suite = _state(name, "suite", name)
        self.systemd = _state(name, "init", "direct") == "systemd"
        install = _state(name, "kind", "readme")
        self.kind = ("direct" if not self.systemd else
                     "main" if install == "readme" else install)
        self.hostname = _state(name, "hostname", HOSTNAME)
        self.domain = DOMAIN

    def __repr__(self):
        return f"Guest({self.name}, {self.ip})"

    # ------------------------------------------------------------ commands
    def run(self, cmd, input=None, check=True, timeout=120):
        """Run cmd (a shell string, or an argv list) in the guest.

        Returns a CompletedProcess with bytes stdout/stderr. Output goes to
        temporary files, not pipes, so a daemon started by cmd that keeps
        its stdio open cannot make us wait for EOF.
        """
        argv = [GUEST_CMD, self.name]
        argv += ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        if isinstance(input, str):
            input = input.encode()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            p = subprocess.run(argv, input=input,
                               stdin=None if input is not None else subprocess.DEVNULL,
                               stdout=out, stderr=err, timeout=timeout)
            out.seek(0)
            err.seek(0)
            p.stdout, p.stderr = out.read(), err.read()
        if check and p.returncode != 0:
            raise AssertionError(
                f"[{self.name}] command failed (exit {p.returncode}): "
                f"{cmd if isinstance(cmd, str) else shlex.join(cmd)}\n"
                f"--- stdout\n{_show(p.stdout)}\n--- stderr\n{_show(p.stderr)}")
        return p

    def vmailctl(self, *args, input=None, check=True):
        return self.run(["vmailctl", *args], input=input, check=check)

    # ------------------------------------------------------------ users
    def new_address(self, prefix, domain=DOMAIN):
        return f"{prefix}-{token()}@{domain}"

    def add_user(self, prefix="u", quota=None, domain=DOMAIN, address=None):
        """Create a mailbox with a random password (given on stdin)."""
        address = address or self.new_address(prefix, domain)
        password = secrets.token_urlsafe(15)
        args = ["user", "add", "--password-stdin"]
        if quota is not None:
            args += ["--quota", quota]
        self.vmailctl(*args, address, input=password + "\n")
        return User(address, password)

    def set_password(self, user, password):
        self.vmailctl("user", "passwd", "--password-stdin", user.address,
                      input=password + "\n")
        user.password = password

    # ------------------------------------------------------------ mailboxes
    def maildir(self, address):
        local, domain = address.split("@", 1)
        return f"{MAIL_ROOT}/{domain}/{local}"

    def mail_files(self, address):
        """{path relative to the Maildir root: bytes} for every message
        file (any folder) of the mailbox; {} if it has none yet."""
        d = self.maildir(address)
        p = self.run(f"cd {shlex.quote(d)} 2>/dev/null || exit 0; "
                     "find . -type f \\( -path '*/new/*' -o -path '*/cur/*' \\) "
                     "-print0 | tar --null -T - -cf -", check=False)
        if p.returncode != 0 or not p.stdout:
            return {}
        files = {}
        with tarfile.open(fileobj=io.BytesIO(p.stdout)) as tar:
            for m in tar.getmembers():
                if m.isfile():
                    files[os.path.normpath(m.name)] = tar.extractfile(m).read()
        return files

    def find_message(self, address, marker):
        """(path, bytes) of the message of address containing marker."""
        marker = marker.encode() if isinstance(marker, str) else marker
        for path, data in sorted(self.mail_files(address).items()):
            if marker in data:
                return path, data
        return None

    def wait_for_message(self, address, marker, timeout=30):
        """Poll until a message containing marker is in address's Maildir."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.find_message(address, marker)
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"[{self.name}] no message with {marker!r} reached "
                    f"{address} within {timeout}s\n{self.explain(marker)}")
            time.sleep(0.3)

    # ------------------------------------------------------------ queue
    def queue(self):
        """The Postfix queue: a list of postqueue -j objects."""
        p = self.run("postqueue -j")
        return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]

    def queued_for(self, recipient):
        """Queue entries with recipient among their recipients."""
        return [q for q in self.queue()
                if any(r.get("address") == recipient for r in q.get("recipients", []))]

    def wait_for_queue(self, predicate, what, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            found = [q for q in self.queue() if predicate(q)]
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"[{self.name}] nothing in the queue matched ({what}) within "
                    f"{timeout}s; queue: {json.dumps(self.queue(), indent=1)}\n"
                    f"{self.explain()}")
            time.sleep(0.3)

    def drop_from_queue(self, entries):
        """Delete our own test messages from the queue (keeps it tidy)."""
        for q in entries:
            self.run(["postsuper", "-d", q["queue_id"]], check=False)

    # ------------------------------------------------------------ daemons
    def unit(self, daemon):
        """The systemd unit that runs the daemon. Postfix: postfix.service
        from Postfix 3.9's packaging on (trixie), postfix@-.service where
        postfix.service is a oneshot wrapper of it (bookworm)."""
        if daemon == "postfix":
            if not hasattr(self, "_postfix_unit"):
                t = self.run(["systemctl", "show", "--property=Type", "--value",
                              "postfix.service"]).stdout.decode().strip()
                self._postfix_unit = "postfix@-" if t == "oneshot" else "postfix"
            return self._postfix_unit
        return UNITS[daemon]

    def active(self, daemon):
        """True if systemd has the daemon's unit active (systemd guests)."""
        assert self.systemd, f"[{self.name}] active() needs systemd"
        return self.run(["systemctl", "is-active", "--quiet", self.unit(daemon)],
                        check=False).returncode == 0

    def stop(self, daemon):
        """Stop a daemon the way an administrator would: systemctl stop
        (systemd then does not restart it), or its own command."""
        if self.systemd:
            self.run(["systemctl", "stop", self.unit(daemon)])
            return
        direct = {
            "postfix": "postfix stop",
            "dovecot": "doveadm stop",
            "rspamd": "kill $(cat /run/rspamd/rspamd.pid)",
            "redis": "kill $(cat /run/redis/redis-server.pid)",
            "spamd": "kill $(cat /run/spamd.pid)",
        }
        self.run(direct[daemon])

    def start(self, daemon):
        """Start a stopped daemon: systemctl start, or "vmailctl setup"
        (which starts whatever is not running) without systemd."""
        if self.systemd:
            self.run(["systemctl", "start", self.unit(daemon)])
        else:
            self.vmailctl("setup")

    # Without systemd: where each daemon's master writes its pid. (Postfix
    # and Dovecot write theirs under systemd too.)
    PIDFILES = {
        "postfix": POSTFIX_PID,
        "dovecot": DOVECOT_PID,
        "rspamd": "/run/rspamd/rspamd.pid",
        "redis": "/run/redis/redis-server.pid",
        "spamd": "/run/spamd.pid",
        "nginx": "/run/nginx.pid",
    }

    def main_pid(self, daemon):
        """The pid of the daemon's main process, or None if it does not
        run: systemd's MainPID of its unit, or its pid file without
        systemd (Postfix: its own pid file, on both)."""
        if daemon == "clamd":
            out = self.run("for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = clamd ]"
                           " && echo ${p#/proc/}; done; true").stdout.split()
            return int(out[0]) if out else None
        if self.systemd and daemon != "postfix":
            p = self.run(["systemctl", "show", "--property=MainPID", "--value",
                          self.unit(daemon)], check=False)
            pid = p.stdout.decode().strip()
            return int(pid) if pid.isdigit() and pid != "0" else None
        pidfile = self.PIDFILES[daemon]
        return self.pid_of(pidfile) if self.running(pidfile) else None

    def reboot(self, timeout=300):
        """Power the guest off cleanly and boot its root again (a systemd
        guest: /run starts empty, the disk keeps its state). Returns the
        seconds until it had booted."""
        assert self.systemd, f"[{self.name}] reboot() needs systemd"
        t0 = time.monotonic()
        p = subprocess.run([RUN_CMD, "reboot", self.name], capture_output=True,
                           timeout=timeout)
        assert p.returncode == 0, \
            f"[{self.name}] reboot failed ({p.returncode}):\n{_show(p.stdout)}\n{_show(p.stderr)}"
        return time.monotonic() - t0

    def journal_cursor(self):
        """A cursor at the end of the guest's journal (systemd guests)."""
        out = self.run(["journalctl", "--quiet", "--no-pager", "--show-cursor",
                        "--lines=0"]).stdout.decode()
        m = re.search(r"^-- cursor: (\S+)", out, re.M)
        assert m, f"[{self.name}] no journal cursor in {out!r}"
        return m.group(1)

    def journal_since(self, cursor, unit=None):
        """The messages (text only) of the journal after cursor, of one
        unit (what systemd says about it, and what it logs) or of all."""
        argv = ["journalctl", "--quiet", "--no-pager", "--output=cat",
                f"--after-cursor={cursor}"]
        if unit:
            argv.append(f"--unit={unit}")
        return self.run(argv, check=False).stdout.decode("utf-8", "replace").splitlines()

    def log_path(self, daemon):
        """The file the daemon's log lines land in."""
        return MAIL_LOG if self.systemd else DIRECT_LOGS[daemon]

    def tcp_open(self, port):
        """True if something in the guest accepts connections on
        127.0.0.1:port."""
        return self.run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"],
                        check=False).returncode == 0

    def pid_of(self, pidfile):
        p = self.run(f"cat {pidfile} 2>/dev/null", check=False)
        s = p.stdout.decode().strip()
        return int(s) if s.isdigit() else None

    def running(self, pidfile):
        pid = self.pid_of(pidfile)
        return pid is not None and self.run(f"kill -0 {pid}", check=False).returncode == 0

    # ------------------------------------------------------------ logs
    def read(self, path):
        p = self.run(["cat", path], check=False)
        return p.stdout.decode("utf-8", "replace") if p.returncode == 0 else ""

    def log_size(self, path):
        p = self.run(["stat", "-c", "%s", path], check=False)
        return int(p.stdout) if p.returncode == 0 else 0

    def explain(self, *markers, lines=25):
        """Evidence for an assertion message: log lines mentioning markers
        (or the last lines) of mail.log (and, without systemd, of
        dovecot.log)."""
        out = []
        for path in (MAIL_LOG,) if self.systemd else (MAIL_LOG, DOVECOT_LOG):
            text = self.read(path).splitlines()
            keys = [m.decode() if isinstance(m, bytes) else m for m in markers if m]
            hits = [l for l in text if any(k in l for k in keys)] if keys else []
            out.append(f"--- {path} ({'matching' if hits else 'last'} lines)")
            out += (hits or text)[-lines:]
        return "\n".join(out)

    def config_snapshot(self):
        """Type, mode, owner, mtime, path and link target of everything in
        WATCHED, then a hash of every file: two snapshots are equal only
        if nothing was written."""
        w = " ".join(WATCHED)
        return self.run(f"find {w} -printf '%y %m %u:%g %T@ %p -> %l\\n' 2>/dev/null | sort; "
                        f"find {w} -type f -exec sha256sum {{}} + 2>/dev/null | sort -k2"
                        ).stdout.decode()

    # ------------------------------------------------------------ database
    def db_dump(self):
        """sqlite3 .dump of the directory (in the guest when it has the
        sqlite3 shell, else with the host's, on the same file)."""
        p = self.run(["sqlite3", DB_PATH, ".dump"], check=False)
        if p.returncode == 127:
            root = _state(self.name, "root")
            p = subprocess.run(["sqlite3", root + DB_PATH, ".dump"],
                               capture_output=True, check=False)
        assert p.returncode == 0, f"[{self.name}] sqlite3 .dump failed: {_show(p.stderr)}"
        return p.stdout
