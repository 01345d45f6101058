"""fakemx - receiving mail servers of the outside world, on the host,
for the tests of outgoing mail (DANE, MTA-STS: test_87x).

Each receiver is an aiosmtpd server (python3-aiosmtpd) with STARTTLS on
port 25 of an address of its own, added to the guests' bridge for the
test (inside 198.18.N.0/24, never outside 198.18.0.0/15): the guest's
Postfix finds it through the MX and A records a test publishes.

    ca = MailCA()                             # the tests' own CA
    ca.install(guest)                         # into the guest's trust store
    rx = Receiver(guest, slot=0, cert=ca.issue("mx.example.test"))
    ...                                       # rx.ip, rx.messages
    rx.stop()

    web = PolicyServer(guest, ca)             # HTTPS, for MTA-STS
    web.publish("sts-1a2b.net", "version: STSv1\\r\\nmode: enforce ...")

Addresses: each guest has a block of its own (ADDR_BASE + 4 * (its last
octet - 12)), so the tests of bookworm and trixie, which run in
parallel, never share one. The CA's files live in a temporary
directory of the pytest process.
"""

import asyncio
import base64
import hashlib
import os
import ssl
import subprocess
import tempfile
import threading
import http.server

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from vmail_guest import wait_until

_INSTANCE = os.environ.get("VMAIL_E2E_INSTANCE", "0")
NET = f"198.18.{_INSTANCE}"
BRIDGE = f"vmailbr{_INSTANCE}"
ADDR_BASE = 150
CA_IN_GUEST = "/usr/local/share/ca-certificates/vmail-e2e-test-ca.crt"


def _openssl(*args, input=None):
    r = subprocess.run(["openssl", *args], input=input, capture_output=True)
    assert r.returncode == 0, f"openssl {' '.join(args)}: {r.stderr.decode()}"
    return r.stdout


class Cert:
    """A key and certificate (PEM files) and the TLSA digests of them."""

    def __init__(self, key, cert):
        self.key, self.cert = key, cert

    def spki_sha256(self):
        """Hex SHA-256 of the certificate's public key (TLSA 3 1 1)."""
        der = _openssl("x509", "-in", self.cert, "-noout", "-pubkey")
        der = _openssl("pkey", "-pubin", "-outform", "DER", input=der)
        return hashlib.sha256(der).hexdigest()

    def context(self):
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx


class MailCA:
    """The tests' own certificate authority (an EC P-256 key)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vmail-e2e-ca-")
        self.key = os.path.join(self.dir, "ca.key")
        self.cert = os.path.join(self.dir, "ca.pem")
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-nodes", "-keyout", self.key,
                 "-out", self.cert, "-days", "2", "-subj",
                 "/CN=vmail e2e test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self.n = 0

    def issue(self, name, ip=None):
        """A certificate for name (and the address ip, if given: its
        subjectAltNames), signed by this CA."""
        self.n += 1
        base = os.path.join(self.dir, f"{self.n}-{name}")
        key, csr, cert = base + ".key", base + ".csr", base + ".pem"
        ext = base + ".ext"
        with open(ext, "w") as f:
            f.write(f"subjectAltName=DNS:{name}{f',IP:{ip}' if ip else ''}\n"
                    "extendedKeyUsage=serverAuth\n"
                    "basicConstraints=CA:FALSE\n")
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
        _openssl("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key,
                 "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext)
        return Cert(key, cert)

    def self_signed(self, name):
        """A self-signed certificate for name (no CA trusts it)."""
        self.n += 1
        base = os.path.join(self.dir, f"{self.n}-self-{name}")
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-nodes", "-keyout", base + ".key",
                 "-out", base + ".pem", "-days", "2", "-subj", f"/CN={name}")
        return Cert(base + ".key", base + ".pem")

    def install(self, guest):
        """Make the guest trust this CA (update-ca-certificates: Postfix's
        smtp_tls_CApath /etc/ssl/certs, and the system bundle that
        postfix-mta-sts-resolver checks the policy host against)."""
        with open(self.cert, "rb") as f:
            pem = f.read()
        guest.run(["sh", "-c", f"mkdir -p {os.path.dirname(CA_IN_GUEST)} && "
                   f"cat > {CA_IN_GUEST} && update-ca-certificates >/dev/null"],
                  input=pem)

    def uninstall(self, guest):
        guest.run(["sh", "-c", f"rm -f {CA_IN_GUEST} && "
                   "update-ca-certificates --fresh >/dev/null"], check=False)


def guest_addr(guest, slot):
    """Address number slot (0-3) of the guest's block on the bridge."""
    octet = int(guest.ip.rsplit(".", 1)[1])
    assert 0 <= slot < 4
    return f"{NET}.{ADDR_BASE + 4 * (octet - 12) + slot}"


def add_addr(ip):
    subprocess.run(["ip", "addr", "replace", f"{ip}/24", "dev", BRIDGE], check=True)


def del_addr(ip):
    subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", BRIDGE],
                   capture_output=True)


class _Handler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({
            "tls": session.ssl is not None,
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "data": envelope.content,
        })
        return "250 2.0.0 accepted by the e2e receiver"


class Receiver:
    """An SMTP server with STARTTLS (cert) on port 25 of the guest's
    address number slot."""

    def __init__(self, guest, slot, cert):
        self.ip = guest_addr(guest, slot)
        add_addr(self.ip)
        self.handler = _Handler()
        self.controller = Controller(
            self.handler, hostname=self.ip, port=25,
            server_hostname=f"rx{slot}.e2e.invalid",
            tls_context=cert.context(), require_starttls=False)
        self.controller.start()

    @property
    def messages(self):
        return self.handler.messages

    def got(self, marker):
        return [m for m in self.messages if marker.encode() in m["data"]]

    def stop(self):
        try:
            self.controller.stop()
        finally:
            del_addr(self.ip)


class PolicyServer:
    """HTTPS on port 443 of the guest's address number 3: serves
    https://mta-sts.DOMAIN/.well-known/mta-sts.txt for every DOMAIN given
    to publish(), each with a certificate for mta-sts.DOMAIN from the
    test CA (chosen by SNI)."""

    SLOT = 3

    def __init__(self, guest, ca):
        self.ca = ca
        self.ip = guest_addr(guest, self.SLOT)
        self.policies = {}      # host name -> policy text
        self.contexts = {}      # host name -> SSLContext
        self.fetches = []       # host names fetched
        add_addr(self.ip)
        default = ca.issue("policy.e2e.invalid").context()
        default.sni_callback = self._sni
        server = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                host = (self.headers.get("Host") or "").split(":")[0].lower()
                body = server.policies.get(host)
                server.fetches.append((host, self.path))
                if self.path != "/.well-known/mta-sts.txt" or body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((self.ip, 443), H)
        # (the handshake in the handler's thread, not in accept())
        self.httpd.socket = default.wrap_socket(self.httpd.socket, server_side=True,
                                                do_handshake_on_connect=False)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def _sni(self, sslsock, name, ctx):
        c = self.contexts.get((name or "").lower())
        if c is not None:
            sslsock.context = c

    def publish(self, domain, policy):
        host = f"mta-sts.{domain}"
        self.contexts[host] = self.ca.issue(host).context()
        self.policies[host] = policy

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        del_addr(self.ip)
