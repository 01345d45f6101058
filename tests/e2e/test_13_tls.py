"""Behaviour 13: TLS. The certificate names the hostname; TLS 1.0 and 1.1
are refused; TLS 1.2 and 1.3 work on 465, 587, 993 and 995."""

import contextlib
import imaplib
import poplib
import smtplib
import socket
import ssl
import subprocess
import threading

import pytest

from mailclients import CLIENT_NAME, TIMEOUT, ManageSieve, tls_context

# every TLS endpoint, and how TLS starts there
ENDPOINTS = {25: "smtp", 465: "implicit", 587: "smtp", 143: "imap",
             993: "implicit", 110: "pop3", 995: "implicit", 4190: "sieve"}
OLD = {"TLSv1": ssl.TLSVersion.TLSv1, "TLSv1.1": ssl.TLSVersion.TLSv1_1}
NEW = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}


class TLSRefused(Exception):
    """The TCP connection and the plaintext phase worked; TLS did not."""


@contextlib.contextmanager
def _tls_step():
    try:
        yield
    except (ssl.SSLError, ConnectionError, EOFError, smtplib.SMTPServerDisconnected) as e:
        raise TLSRefused(repr(e)) from e


def handshake(ip, port, ctx):
    """Connect, start TLS the port's way with ctx; returns (version, DER
    certificate). Raises TLSRefused if the TLS handshake fails; anything
    else (port closed, no STARTTLS) raises as itself."""
    kind = ENDPOINTS[port]
    if kind == "implicit":
        with socket.create_connection((ip, port), timeout=TIMEOUT) as raw:
            with _tls_step():
                s = ctx.wrap_socket(raw)
            with s:
                return s.version(), s.getpeercert(binary_form=True)
    if kind == "smtp":
        s = smtplib.SMTP(ip, port, local_hostname=CLIENT_NAME, timeout=TIMEOUT)
        try:
            s.ehlo()
            with _tls_step():
                s.starttls(context=ctx)
            return s.sock.version(), s.sock.getpeercert(binary_form=True)
        finally:
            with contextlib.suppress(Exception):
                s.close()
    if kind == "imap":
        m = imaplib.IMAP4(ip, port, timeout=TIMEOUT)
        try:
            with _tls_step():
                m.starttls(ssl_context=ctx)
            return m.sock.version(), m.sock.getpeercert(binary_form=True)
        finally:
            with contextlib.suppress(Exception):
                m.shutdown()
    if kind == "pop3":
        p = poplib.POP3(ip, port, timeout=TIMEOUT)
        try:
            with _tls_step():
                p.stls(context=ctx)
            return p.sock.version(), p.sock.getpeercert(binary_form=True)
        finally:
            with contextlib.suppress(Exception):
                p.close()
    if kind == "sieve":
        ms = ManageSieve(ip, port)
        try:
            with _tls_step():
                ms.starttls(ctx)
            return ms.sock.version(), ms.sock.getpeercert(binary_form=True)
        finally:
            ms.sock.close()
    raise AssertionError(kind)


@pytest.fixture(scope="module")
def legacy_client_works(tmp_path_factory):
    """Prove this client can speak TLS 1.0/1.1 at all (to a local server
    that allows them), so that a refusal below is the server's doing."""
    d = tmp_path_factory.mktemp("legacy")
    key, cert = str(d / "key.pem"), str(d / "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=legacy.test", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    server_ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    server_ctx.minimum_version = ssl.TLSVersion.TLSv1
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    ok = {}

    def serve():
        for _ in OLD:
            conn, _ = listener.accept()
            with contextlib.suppress(Exception):
                with server_ctx.wrap_socket(conn, server_side=True) as s:
                    s.recv(1)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    for name, version in OLD.items():
        ctx = tls_context(minimum=version, maximum=version, legacy=True)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                with ctx.wrap_socket(raw) as s:
                    ok[name] = s.version()
        except (ssl.SSLError, OSError) as e:
            ok[name] = repr(e)
    listener.close()
    if ok != {"TLSv1": "TLSv1", "TLSv1.1": "TLSv1.1"}:
        pytest.skip(f"this host's OpenSSL cannot offer TLS 1.0/1.1 ({ok}): "
                    "a refusal would prove nothing")


def test_13_certificate_names_hostname(guest, tmp_path):
    certs = {port: handshake(guest.ip, port, tls_context())[1] for port in ENDPOINTS}
    first = certs[465]
    assert all(c == first for c in certs.values()), \
        "not every port serves the same certificate"
    pem = tmp_path / "cert.pem"
    pem.write_text(ssl.DER_cert_to_PEM_cert(first))
    text = subprocess.run(["openssl", "x509", "-in", str(pem), "-noout", "-subject",
                           "-ext", "subjectAltName"], capture_output=True, text=True,
                          check=True).stdout
    assert f"DNS:{guest.hostname}" in text, \
        f"the certificate's subjectAltName does not name {guest.hostname}:\n{text}"
    # and a client that trusts exactly this certificate accepts it for the hostname
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=ssl.DER_cert_to_PEM_cert(first))
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    with socket.create_connection((guest.ip, 465), timeout=TIMEOUT) as raw:
        with ctx.wrap_socket(raw, server_hostname=guest.hostname) as s:
            assert s.version()


@pytest.mark.parametrize("version", list(OLD))
@pytest.mark.parametrize("port", list(ENDPOINTS))
def test_13_old_tls_refused(guest, port, version, legacy_client_works):
    ctx = tls_context(minimum=OLD[version], maximum=OLD[version], legacy=True)
    try:
        got, _ = handshake(guest.ip, port, ctx)
    except TLSRefused:
        return
    pytest.fail(f"port {port} accepted {version} (negotiated {got})")


@pytest.mark.parametrize("version", list(NEW))
@pytest.mark.parametrize("port", [465, 587, 993, 995])
def test_13_modern_tls_works(guest, port, version):
    ctx = tls_context(minimum=NEW[version], maximum=NEW[version])
    got, _ = handshake(guest.ip, port, ctx)
    assert got == version
