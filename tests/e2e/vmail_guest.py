"""vmail_guest - what the e2e tests do inside a guest.

A Guest is one running Debian root, started and installed by tests/e2e/run.
Every command runs through tests/e2e/guest (nsenter into the guest's mount,
uts, ipc, net and pid namespaces, chrooted in its root). On top of that:
test users (passwords go on stdin, never in argv), the Maildirs, the Postfix
queue and the daemons' log files.

    g = Guest("bookworm", "198.18.0.12")
    user = g.add_user("alice")                 # alice-1a2b3c@example.com
    g.run("postfix check")                     # CompletedProcess, bytes
    path, data = g.wait_for_message(user.address, marker)
"""

import io
import json
import os
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
MAIL_LOG = "/var/log/mail.log"
DOVECOT_LOG = "/var/log/dovecot.log"
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


class Guest:
    def __init__(self, suite, ip):
        self.suite = suite
        self.ip = ip
        self.hostname = HOSTNAME
        self.domain = DOMAIN

    def __repr__(self):
        return f"Guest({self.suite}, {self.ip})"

    # ------------------------------------------------------------ commands
    def run(self, cmd, input=None, check=True, timeout=120):
        """Run cmd (a shell string, or an argv list) in the guest.

        Returns a CompletedProcess with bytes stdout/stderr. Output goes to
        temporary files, not pipes, so a daemon started by cmd that keeps
        its stdio open cannot make us wait for EOF.
        """
        argv = [GUEST_CMD, self.suite]
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
                f"[{self.suite}] command failed (exit {p.returncode}): "
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
                    f"[{self.suite}] no message with {marker!r} reached "
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
                    f"[{self.suite}] nothing in the queue matched ({what}) within "
                    f"{timeout}s; queue: {json.dumps(self.queue(), indent=1)}\n"
                    f"{self.explain()}")
            time.sleep(0.3)

    def drop_from_queue(self, entries):
        """Delete our own test messages from the queue (keeps it tidy)."""
        for q in entries:
            self.run(["postsuper", "-d", q["queue_id"]], check=False)

    # ------------------------------------------------------------ daemons
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
        (or the last lines) of mail.log and dovecot.log."""
        out = []
        for path in (MAIL_LOG, DOVECOT_LOG):
            text = self.read(path).splitlines()
            keys = [m.decode() if isinstance(m, bytes) else m for m in markers if m]
            hits = [l for l in text if any(k in l for k in keys)] if keys else []
            out.append(f"--- {path} ({'matching' if hits else 'last'} lines)")
            out += (hits or text)[-lines:]
        return "\n".join(out)

    # ------------------------------------------------------------ database
    def db_dump(self):
        """sqlite3 .dump of the directory (in the guest when it has the
        sqlite3 shell, else with the host's, on the same file)."""
        p = self.run(["sqlite3", DB_PATH, ".dump"], check=False)
        if p.returncode == 127:
            root = open(os.path.join(STATE, f"{self.suite}.root")).read().strip()
            p = subprocess.run(["sqlite3", root + DB_PATH, ".dump"],
                               capture_output=True, check=False)
        assert p.returncode == 0, f"[{self.suite}] sqlite3 .dump failed: {_show(p.stderr)}"
        return p.stdout
