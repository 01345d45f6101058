"""Issue 7, 2: nothing is lost when a daemon is killed. While 200 messages
stream in on port 25, the Postfix master, then Dovecot, then rspamd, then
Redis are killed with SIGKILL, one after the other, each once the one before
is back. systemd brings each back by itself (vmail's drop-ins add Restart=
where Debian's unit has none). The test client retries every message that
was refused with 4xx or whose session broke, as an MTA would; every message
that got 250 at the end of DATA must be delivered (counted by Message-ID in
the Maildir, not by log lines) and none may bounce. Messages in flight at
the moment of a kill may be delivered twice; the test reports how many
were, and the time each daemon took to come back."""

import queue
import smtplib
import threading
import time

from mailclients import CLIENT_NAME, EXTERNAL_SENDER, TIMEOUT, make_message
from vmail_guest import MAIL_LOG, wait_until

MESSAGES = 200
SESSIONS = 3
# kill the next daemon once this many messages got 250 (and the one before
# is back)
KILLS = (("postfix", 40), ("dovecot", 80), ("rspamd", 120), ("redis", 160))
RETRY_DELAY = 2.0


class Stream:
    """SESSIONS threads sending MESSAGES messages, each retried until it
    gets 250 (or a 5xx, which is a failure)."""

    def __init__(self, guest, user):
        self.guest, self.user = guest, user
        self.todo = queue.Queue()
        self.lock = threading.Lock()
        self.accepted = {}        # marker -> number of 250s (1, unless resent)
        self.rejected = {}        # marker -> final 5xx
        self.tempfails = 0        # 4xx answers
        self.broken = 0           # sessions that broke (connection lost)
        self.unsure = set()       # markers whose DATA was sent, reply lost
        self.messages = {}
        for i in range(MESSAGES):
            msg, marker = make_message(EXTERNAL_SENDER, user.address, f"drill {i}")
            self.messages[marker] = msg
            self.todo.put(marker)
        self.threads = [threading.Thread(target=self._work, daemon=True)
                        for _ in range(SESSIONS)]

    def start(self):
        for t in self.threads:
            t.start()

    def done(self):
        with self.lock:
            return len(self.accepted) + len(self.rejected) >= MESSAGES

    def count(self):
        with self.lock:
            return len(self.accepted)

    def _work(self):
        while not self.done():
            try:
                marker = self.todo.get(timeout=1)
            except queue.Empty:
                continue
            self._send(marker)

    def _send(self, marker):
        data_sent = False
        try:
            s = smtplib.SMTP(self.guest.ip, 25, local_hostname=CLIENT_NAME, timeout=TIMEOUT)
            try:
                code, text = s.ehlo()
                if code == 250:
                    code, text = s.mail(EXTERNAL_SENDER)
                if code == 250:
                    code, text = s.rcpt(self.user.address)
                if code == 250:
                    data_sent = True
                    code, text = s.data(self.messages[marker])
            finally:
                try:
                    s.quit()
                except Exception:
                    s.close()
        except (OSError, smtplib.SMTPException):
            with self.lock:
                self.broken += 1
                if data_sent:
                    self.unsure.add(marker)
            self._retry(marker)
            return
        with self.lock:
            if code == 250:
                self.accepted[marker] = self.accepted.get(marker, 0) + 1
                return
            if 400 <= code < 500:
                self.tempfails += 1
            else:
                self.rejected[marker] = (code, text)
                return
        self._retry(marker)

    def _retry(self, marker):
        time.sleep(RETRY_DELAY)
        self.todo.put(marker)


def _back(guest, daemon, old_pid):
    """Is the daemon running again, as a new process, and answering?"""
    pid = guest.main_pid(daemon)
    if pid is None or pid == old_pid or not guest.active(daemon):
        return False
    if daemon == "postfix":
        return guest.tcp_open(25)
    if daemon == "dovecot":
        return guest.tcp_open(993)
    if daemon == "rspamd":
        return guest.tcp_open(11332)
    return guest.run(["test", "-S", "/run/redis/redis-server.sock"], check=False).returncode == 0


def test_710_kill_drill_loses_nothing(guest):
    user = guest.add_user("drill", quota="0")
    stream = Stream(guest, user)
    stream.start()
    recovery = {}
    for daemon, after in KILLS:
        wait_until(lambda: stream.count() >= after or stream.done(),
                   f"[{guest.suite}] {after} messages accepted", timeout=300, interval=0.2)
        old = guest.main_pid(daemon)
        assert old, f"[{guest.suite}] {daemon} does not run before its kill"
        guest.run(["kill", "-KILL", str(old)])
        t0 = time.monotonic()
        wait_until(lambda: _back(guest, daemon, old),
                   f"[{guest.suite}] {daemon} back after kill -9", timeout=120, interval=0.2)
        recovery[daemon] = time.monotonic() - t0
    wait_until(stream.done, f"[{guest.suite}] all {MESSAGES} messages answered",
               timeout=600, interval=0.5)
    assert not stream.rejected, f"[{guest.suite}] messages refused for good: {stream.rejected}"

    # Every accepted message is delivered; count them by Message-ID.
    def delivered():
        files = guest.mail_files(user.address)
        counts = {}
        for data in files.values():
            for marker in stream.accepted:
                if f"Message-ID: <{marker}@".encode() in data:
                    counts[marker] = counts.get(marker, 0) + 1
        return counts
    counts = {}

    def all_there():
        counts.update(delivered())
        return len(counts) == len(stream.accepted)
    # What Postfix deferred while Dovecot was down is delivered by the
    # flush Dovecot's unit runs once it is back; Postfix does not take the
    # refused LMTP connections for a dead site that it would hold for
    # minimal_backoff_time (5 minutes: main.cf, failed_cohort_limit). So
    # all of it is there within seconds, not minutes (150 s allowed: a
    # hold for the backoff takes 300 to 600 s).
    t_wait = time.monotonic()
    try:
        wait_until(all_there, "every accepted message in the Maildir", timeout=150, interval=1)
    finally:
        missing = sorted(set(stream.accepted) - set(counts))
        twice = {m: n for m, n in counts.items() if n > 1}
        print(f"[{guest.suite}] kill drill: {len(stream.accepted)} accepted, "
              f"{len(counts)} delivered, {len(twice)} delivered more than once, "
              f"{len(missing)} missing; 4xx answers {stream.tempfails}, broken sessions "
              f"{stream.broken} ({len(stream.unsure)} after DATA); back after kill -9: "
              + ", ".join(f"{d} {t:.1f}s" for d, t in recovery.items())
              + f"; the last delivered {time.monotonic() - t_wait:.1f}s after the "
              "last 250")
    assert not missing, f"[{guest.suite}] accepted but never delivered: {missing[:10]}"
    bounced = [l for l in guest.read(MAIL_LOG).splitlines()
               if "status=bounced" in l and user.address in l]
    assert bounced == [], f"[{guest.suite}] bounced: {bounced[:5]}"
    assert guest.queued_for(user.address) == [], "messages still queued"
    # Only messages in flight at a kill may come twice: those whose 250 was
    # lost (the client sent them again), or which Postfix was handing to
    # Dovecot (at most its LMTP concurrency) when one of the two was killed.
    assert len(twice) <= len(stream.unsure) + 2 * 20, \
        f"[{guest.suite}] {len(twice)} duplicates, more than were in flight: {twice}"
