"""mailclients - protocol clients for the e2e tests (Python stdlib only).

SMTP (smtplib), IMAP (imaplib), POP3 (poplib) with TLS contexts that accept
the guest's self-signed certificate (test 13 checks the certificate itself),
a test-message builder, and a small ManageSieve client (RFC 5804):

    with smtp(guest, 25) as s:            # connected, EHLO done
        code, text = s.rcpt(...)
    with submission(guest, 587, user):    # STARTTLS + AUTH PLAIN done
    with imap(guest, user) as m:          # IMAPS 993, logged in
    with ManageSieve(guest.ip) as ms:
        ms.starttls(); ms.authenticate_plain(user, password)
        ms.putscript("name", "..."); ms.setactive("name")
"""

import base64
import contextlib
import email.utils
import imaplib
import poplib
import re
import secrets
import smtplib
import socket
import ssl
import time

TIMEOUT = 20
CLIENT_NAME = "client.example.net"        # our EHLO name
EXTERNAL_SENDER = "e2e-sender@example.net"


# ---------------------------------------------------------------- TLS
def tls_context(minimum=None, maximum=None, legacy=False):
    """A client context that does not verify the (self-signed) peer.

    legacy=True lowers OpenSSL's security level so that this client can
    offer TLS 1.0/1.1: a refused handshake then proves the server refuses.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if legacy:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if minimum is not None:
        ctx.minimum_version = minimum
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx


# ---------------------------------------------------------------- messages
def make_message(sender, to, subject="e2e", body=None, headers=()):
    """(bytes, marker): an RFC 5322 message with CRLF line ends whose
    Subject and Message-ID carry a unique marker."""
    marker = "e2e-" + secrets.token_hex(8)
    lines = [
        f"From: <{sender}>",
        f"To: <{to}>" if isinstance(to, str) else "To: " + ", ".join(f"<{t}>" for t in to),
        f"Subject: {subject} {marker}",
        f"Message-ID: <{marker}@e2e.example.net>",
        f"Date: {email.utils.formatdate(localtime=False)}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
        *headers,
        "",
    ]
    if body is None:
        body = [
            f"Test message {marker}.",
            ".a line that starts with a dot (SMTP and POP3 dot-stuffing)",
            "..two dots",
            "From the start of a line (mbox quoting must not happen)",
            "trailing spaces   ",
            "\ttab-indented line",
            "x" * 900,
            "",
            "-- ",
            "end",
        ]
    return ("\r\n".join(lines + list(body)) + "\r\n").encode("ascii"), marker


def padded_message(sender, to, size, subject="e2e"):
    """(bytes, marker): a message of size bytes, give or take a line."""
    head, marker = make_message(sender, to, subject, body=[])
    line = "y" * 76
    n = max(0, (size - len(head)) // (len(line) + 2))
    msg, marker = make_message(sender, to, subject, body=[line] * n)
    return msg, marker


# ---------------------------------------------------------------- SMTP
@contextlib.contextmanager
def smtp(guest, port=25, starttls=False, source=None, timeout=TIMEOUT):
    """An SMTP session (EHLO done; STARTTLS + EHLO again if asked). Port
    465 is implicit TLS. source: the client address to connect from
    (vmail_guest.CLIENT2_IP), default the harness's own. timeout: for
    each reply (a real MTA waits minutes for the one after DATA)."""
    addr = (source, 0) if source else None
    if port == 465:
        s = smtplib.SMTP_SSL(guest.ip, port, local_hostname=CLIENT_NAME,
                             timeout=timeout, context=tls_context(),
                             source_address=addr)
    else:
        s = smtplib.SMTP(guest.ip, port, local_hostname=CLIENT_NAME, timeout=timeout,
                         source_address=addr)
    try:
        s.ehlo()
        if starttls:
            s.starttls(context=tls_context())
            s.ehlo()
        yield s
    finally:
        with contextlib.suppress(Exception):
            s.quit()
        with contextlib.suppress(Exception):
            s.close()


def auth_plain(s, address, password):
    """AUTH PLAIN on an open session: (code, text)."""
    cred = base64.b64encode(f"\0{address}\0{password}".encode()).decode()
    return s.docmd("AUTH", "PLAIN " + cred)


@contextlib.contextmanager
def submission(guest, port, user, source=None):
    """An authenticated submission session on 587 (STARTTLS) or 465."""
    with smtp(guest, port, starttls=(port != 465), source=source) as s:
        code, text = auth_plain(s, user.address, user.password)
        assert code == 235, f"[{guest.suite}] AUTH as {user.address} on {port}: {code} {text!r}"
        yield s


def send(s, sender, recipients, msg, mail_options=()):
    """MAIL, RCPT..., DATA on an open session, asserting every step is
    accepted; returns the DATA reply text (has the queue id)."""
    code, text = s.mail(sender, list(mail_options))
    assert code == 250, f"MAIL FROM:<{sender}> got {code} {text!r}"
    for r in [recipients] if isinstance(recipients, str) else recipients:
        code, text = s.rcpt(r)
        assert code == 250, f"RCPT TO:<{r}> got {code} {text!r}"
    code, text = s.data(msg)
    assert code == 250, f"DATA got {code} {text!r}"
    return text


def try_send(guest, to, msg, port=25, sender=EXTERNAL_SENDER, source=None,
             timeout=TIMEOUT):
    """One unauthenticated transaction, as a sending MTA makes it: the
    first reply of 400 or more (MAIL, RCPT or DATA), or DATA's 250."""
    with smtp(guest, port, source=source, timeout=timeout) as s:
        code, text = s.mail(sender)
        if code >= 400:
            return code, text
        code, text = s.rcpt(to)
        if code >= 400:
            return code, text
        try:
            return s.data(msg)
        except smtplib.SMTPDataError as e:
            return e.smtp_code, e.smtp_error


def retry_send(guest, to, msg, timeout=90, sender=EXTERNAL_SENDER):
    """try_send() as a real MTA retries: again after each 4xx answer (a
    daemon just started may take a moment), until a final answer or
    timeout seconds; returns the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        code, text = try_send(guest, to, msg, sender=sender)
        if not 400 <= code < 500 or time.monotonic() > deadline:
            return code, text
        time.sleep(3)


def deliver(guest, recipients, subject="e2e", sender=EXTERNAL_SENDER):
    """Send a fresh message from outside on port 25; returns its marker."""
    msg, marker = make_message(sender, recipients, subject)
    with smtp(guest, 25) as s:
        send(s, sender, recipients, msg)
    return marker


# ---------------------------------------------------------------- IMAP/POP3
@contextlib.contextmanager
def imap(guest, user, folder=None):
    """IMAPS (993), logged in; folder selected read-only when given."""
    m = imaplib.IMAP4_SSL(guest.ip, 993, ssl_context=tls_context(), timeout=TIMEOUT)
    try:
        m.login(user.address, user.password)
        if folder:
            typ, data = m.select(folder, readonly=True)
            assert typ == "OK", f"SELECT {folder}: {typ} {data}"
        yield m
    finally:
        with contextlib.suppress(Exception):
            m.logout()


def imap_login_ok(guest, address, password):
    """True if an IMAPS login with these credentials succeeds."""
    m = imaplib.IMAP4_SSL(guest.ip, 993, ssl_context=tls_context(), timeout=TIMEOUT)
    try:
        m.login(address, password)
        return True
    except imaplib.IMAP4.error:
        return False
    finally:
        with contextlib.suppress(Exception):
            m.logout()


def imap_fetch_by_marker(m, marker):
    """The raw message (BODY.PEEK[]) in the selected folder whose
    Message-ID carries marker, or None."""
    typ, data = m.search(None, "HEADER", "Message-ID", marker)
    assert typ == "OK", data
    ids = data[0].split()
    if not ids:
        return None
    assert len(ids) == 1, f"{len(ids)} messages with {marker}"
    typ, data = m.fetch(ids[0], "(BODY.PEEK[])")
    assert typ == "OK", data
    return data[0][1]


@contextlib.contextmanager
def pop3(guest, user):
    """POP3S (995), logged in."""
    p = poplib.POP3_SSL(guest.ip, 995, context=tls_context(), timeout=TIMEOUT)
    try:
        p.user(user.address)
        p.pass_(user.password)
        yield p
    finally:
        with contextlib.suppress(Exception):
            p.quit()


def pop3_fetch_by_marker(p, marker):
    """The raw message (RETR, dot-unstuffed, CRLF) containing marker."""
    count, _ = p.stat()
    for i in range(1, count + 1):
        _, lines, _ = p.retr(i)
        data = b"\r\n".join(lines) + b"\r\n"
        if marker.encode() in data:
            return data
    return None


# ---------------------------------------------------------------- ManageSieve
class ManageSieveError(Exception):
    pass


class ManageSieve:
    """A minimal ManageSieve client (RFC 5804): greeting, STARTTLS,
    AUTHENTICATE PLAIN, PUTSCRIPT, SETACTIVE, LISTSCRIPTS, LOGOUT."""

    def __init__(self, host, port=4190, timeout=TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.file = self.sock.makefile("rb")
        self.capabilities = self._capabilities(self._response("greeting"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(Exception):
            self.command("LOGOUT")
        self.sock.close()

    # Each response: lines (strings, literals inlined) then OK/NO/BYE.
    def _readline(self):
        line = self.file.readline()
        if not line:
            raise ManageSieveError("connection closed")
        return line.rstrip(b"\r\n").decode("utf-8", "replace")

    def _response(self, what):
        lines = []
        while True:
            line = self._readline()
            m = re.search(r"\{(\d+)\+?\}$", line)
            if m:
                data = self.file.read(int(m.group(1)))
                line = line[:m.start()] + data.decode("utf-8", "replace")
                lines.append(line)
                continue
            word = line.split(" ", 1)[0].upper()
            if word in ("OK", "NO", "BYE"):
                if word != "OK":
                    raise ManageSieveError(f"{what}: {line}")
                return lines, line
            lines.append(line)

    @staticmethod
    def _capabilities(resp):
        caps = {}
        for line in resp[0]:
            m = re.match(r'"([^"]*)"(?:\s+"([^"]*)")?', line)
            if m:
                caps[m.group(1).upper()] = m.group(2) or ""
        return caps

    def _send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def command(self, line):
        self._send(line + "\r\n")
        return self._response(line.split(" ", 1)[0])

    def starttls(self, context=None):
        self.command("STARTTLS")
        self.sock = (context or tls_context()).wrap_socket(self.sock)
        self.file = self.sock.makefile("rb")
        # RFC 5804: the server sends its capabilities again after TLS.
        self.capabilities = self._capabilities(self._response("capabilities after STARTTLS"))

    def authenticate_plain(self, user, password):
        cred = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        return self.command(f'AUTHENTICATE "PLAIN" "{cred}"')

    def putscript(self, name, script):
        data = script.encode()
        self._send(f'PUTSCRIPT "{name}" {{{len(data)}+}}\r\n'.encode() + data + b"\r\n")
        return self._response("PUTSCRIPT")

    def setactive(self, name):
        return self.command(f'SETACTIVE "{name}"')

    def listscripts(self):
        return self.command("LISTSCRIPTS")[0]
