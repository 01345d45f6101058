"""fakeacme - an ACME server that refuses every order with the CA's
rate limit, for the one failure pebble cannot produce (test_851).

Pebble has no rate limits. This server speaks just enough of RFC 8555 for
uacme to get there: the directory, nonces (a Replay-Nonce on every
answer), an account (created, then found again), and a new order, which
it answers as Let's Encrypt does when a limit is hit: 429 with an
application/problem+json document of type
urn:ietf:params:acme:error:rateLimited and a Retry-After. It signs
nothing and checks no signature: nothing it answers is a certificate.

It runs on the harness's address on the bridge (HOST_IP), on a port of
its own, over TLS with a certificate of the tests' CA (fakemx.MailCA, for
that address); the guest trusts that CA while the server runs.

    with RateLimitedCA(guest) as ca:
        guest.vmailctl("setup", "--acme", EMAIL, "--acme-directory", ca.directory)
        ca.orders                        # how many orders were refused
"""

import base64
import http.server
import json
import secrets
import ssl
import threading

from fakemx import MailCA
from vmail_guest import HOST_IP

PROBLEM = {
    "type": "urn:ietf:params:acme:error:rateLimited",
    "detail": "Error creating new order :: too many certificates (5) already "
              "issued for this exact set of domains in the last 168h0m0s "
              "(vmail e2e: fakeacme.py)",
    "status": 429,
}


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "fakeacme"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def _answer(self, code, body=None, ctype="application/json", headers=()):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Replay-Nonce", secrets.token_urlsafe(16))
        self.send_header("Cache-Control", "no-store")
        if body is not None:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _base(self):
        return self.server.base

    def do_HEAD(self):
        self._answer(200 if self.path == "/nonce" else 404)

    def do_GET(self):
        b = self._base()
        if self.path == "/dir":
            self._answer(200, {"newNonce": b + "/nonce", "newAccount": b + "/account",
                               "newOrder": b + "/order", "revokeCert": b + "/revoke",
                               "keyChange": b + "/key-change"})
        elif self.path == "/nonce":
            self._answer(204)
        else:
            self._answer(404, {"type": "urn:ietf:params:acme:error:malformed",
                               "detail": "not here", "status": 404},
                         "application/problem+json")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        b = self._base()
        if self.path == "/account":
            # a lookup ({"onlyReturnExisting": true}) finds the account
            # once it was made; anything else makes it
            jws = json.loads(self.rfile.read(n) or b"{}")
            p = jws.get("payload", "")
            payload = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) or b"{}")
            if payload.get("onlyReturnExisting") and not self.server.accounts:
                self._answer(400, {"type": "urn:ietf:params:acme:error:accountDoesNotExist",
                                   "detail": "no such account", "status": 400},
                             "application/problem+json")
                return
            created = not payload.get("onlyReturnExisting")
            self.server.accounts += created
            self._answer(201 if created else 200,
                         {"status": "valid", "orders": b + "/acct/1/orders"},
                         headers=[("Location", b + "/acct/1")])
            return
        if n:
            self.rfile.read(n)
        if self.path == "/order":
            self.server.orders += 1
            self._answer(429, PROBLEM, "application/problem+json",
                         headers=[("Retry-After", "3600")])
        elif self.path.startswith("/acct/"):
            self._answer(200, {"status": "valid", "orders": b + "/acct/1/orders"})
        else:
            self._answer(404, {"type": "urn:ietf:params:acme:error:malformed",
                               "detail": "not here", "status": 404},
                         "application/problem+json")


class RateLimitedCA:
    def __init__(self, guest):
        self.guest = guest
        self.ca = MailCA()
        self.cert = self.ca.issue("acme.example.net", ip=HOST_IP)
        self.httpd = http.server.ThreadingHTTPServer((HOST_IP, 0), _Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert.cert, self.cert.key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        port = self.httpd.server_address[1]
        self.httpd.base = f"https://{HOST_IP}:{port}"
        self.httpd.accounts = 0
        self.httpd.orders = 0
        self.directory = self.httpd.base + "/dir"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def orders(self):
        return self.httpd.orders

    def __enter__(self):
        self.ca.install(self.guest)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.ca.uninstall(self.guest)
