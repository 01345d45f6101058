"""sessions - a user's open IMAP, POP3 and ManageSieve sessions, for the
tests of "sessions end with the credentials" (test_77x).

    with OpenSessions(guest, user) as s:     # IMAP IDLE, POP3, ManageSieve
        guest.vmailctl("user", "suspend", user.address)
        s.assert_closed()                     # each got EOF within seconds
    with OpenSessions(guest, other) as s:
        ...
        s.assert_open()                       # still there, and answering

login_ok(guest, proto, address, password) tries one login (IMAPS, POP3S,
or ManageSieve with STARTTLS); assert_logins(guest, user, ok) tries all
three.
"""

import contextlib
import imaplib
import poplib
import socket
import ssl
import time

from mailclients import TIMEOUT, ManageSieve, ManageSieveError, tls_context

PROTOCOLS = ("imap", "pop3", "managesieve")


def login_ok(guest, proto, address, password):
    """True if a login with these credentials succeeds."""
    try:
        if proto == "imap":
            m = imaplib.IMAP4_SSL(guest.ip, 993, ssl_context=tls_context(), timeout=TIMEOUT)
            try:
                m.login(address, password)
            finally:
                with contextlib.suppress(Exception):
                    m.logout()
        elif proto == "pop3":
            p = poplib.POP3_SSL(guest.ip, 995, context=tls_context(), timeout=TIMEOUT)
            try:
                p.user(address)
                p.pass_(password)
            finally:
                with contextlib.suppress(Exception):
                    p.quit()
        else:
            with ManageSieve(guest.ip) as ms:
                ms.starttls()
                ms.authenticate_plain(address, password)
        return True
    except (imaplib.IMAP4.error, poplib.error_proto, ManageSieveError):
        return False


def assert_logins(guest, user, ok, password=None, what=""):
    """Each protocol logs in with user's password (or password) if ok,
    and is refused if not."""
    for proto in PROTOCOLS:
        got = login_ok(guest, proto, user.address, password or user.password)
        assert got == ok, f"[{guest.name}] {proto}: {what or user.address} " \
                          f"{'cannot' if ok else 'can still'} log in"


def _read_until_eof(sock, deadline):
    """(closed, data): what the server sent until it closed the
    connection, or until deadline (closed False)."""
    data = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False, data
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except (socket.timeout, TimeoutError):
            return False, data
        except (ssl.SSLError, ConnectionError, OSError):
            return True, data
        if not chunk:
            return True, data
        data += chunk


class OpenSessions:
    """One session per protocol, logged in as user: IMAP in IDLE on
    INBOX, POP3 in the transaction state, ManageSieve authenticated."""

    def __init__(self, guest, user):
        self.guest, self.user = guest, user
        self.imap = imaplib.IMAP4_SSL(guest.ip, 993, ssl_context=tls_context(),
                                      timeout=TIMEOUT)
        self.imap.login(user.address, user.password)
        typ, data = self.imap.select("INBOX")
        assert typ == "OK", data
        self.idle_tag = self.imap._new_tag().decode()
        self.imap.send(f"{self.idle_tag} IDLE\r\n".encode())
        line = self.imap.readline()
        assert line.startswith(b"+"), f"IDLE refused: {line!r}"
        self.pop = poplib.POP3_SSL(guest.ip, 995, context=tls_context(), timeout=TIMEOUT)
        self.pop.user(user.address)
        self.pop.pass_(user.password)
        self.sieve = ManageSieve(guest.ip)
        self.sieve.starttls()
        self.sieve.authenticate_plain(user.address, user.password)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for s in (self.imap.sock, self.pop.sock, self.sieve.sock):
            with contextlib.suppress(Exception):
                s.close()

    def sockets(self):
        return {"imap": self.imap.sock, "pop3": self.pop.sock,
                "managesieve": self.sieve.sock}

    def assert_closed(self, since=None, within=10):
        """Every session is closed by the server (EOF) at most within
        seconds after since (default: now); IMAP says BYE first."""
        deadline = (since or time.monotonic()) + within
        seen = {}
        for proto, sock in self.sockets().items():
            closed, data = _read_until_eof(sock, deadline)
            assert closed, \
                f"[{self.guest.name}] the {proto} session of {self.user.address} " \
                f"is still open {within}s later (it got {data!r})\n" \
                f"{self.guest.explain(self.user.address)}"
            seen[proto] = data
        assert b"* BYE" in seen["imap"], f"IMAP closed without BYE: {seen['imap']!r}"
        return seen

    def assert_open(self, quiet=2):
        """Every session is still open: nothing arrives for quiet
        seconds, and then each answers a command."""
        deadline = time.monotonic() + quiet
        for proto, sock in self.sockets().items():
            closed, data = _read_until_eof(sock, deadline)
            # Dovecot's IDLE keepalive (every imap_idle_notify_interval,
            # 2 min) is the session going on, not ending.
            data = b"".join(line for line in data.splitlines(keepends=True)
                            if line != b"* OK Still here\r\n")
            assert not closed and not data, \
                f"[{self.guest.name}] the {proto} session of {self.user.address} " \
                f"was ended (it got {data!r})"
        for sock in self.sockets().values():
            sock.settimeout(TIMEOUT)
        self.imap.send(b"DONE\r\n")
        line = self.imap.readline()
        assert line.startswith(f"{self.idle_tag} OK".encode()), f"IDLE DONE: {line!r}"
        assert self.pop.noop().startswith(b"+OK")
        self.sieve.command("NOOP")
