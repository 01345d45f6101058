"""acmeca - the e2e tests' side of the test ACME CA (pebble).

tests/e2e/run starts Debian's pebble in a network namespace of its own on
the bridge (PEBBLE_IP, 198.18.N.80): the ACME directory at
https://PEBBLE_IP:14000/dir, the management API on port 15000. Pebble
resolves the names it validates through the test DNS server and fetches
the HTTP-01 challenge from port 80 of the address it finds, as a real CA
does. Its API's TLS certificate comes from a CA the harness made
(PEBBLE_CA); a guest trusts it once trust_pebble() put it in the guest's
trust store. What pebble issues is signed by a root of its own, made at
every start: issuing_root() fetches it, and the tests verify the served
certificates against it.

    with acme_on(guest) as acme:          # ACME on, self-signed restored after
        acme.names                         # what pebble can validate
        served_cert(guest, 993, acme.root)  # verified against pebble's root

The names. Both main guests are mail.example.com and host example.com, on
different addresses, and their tests run in parallel against one DNS
server. Each guest sees mail.example.com, mta-sts.example.com and
autoconfig.example.com point at itself (the harness's views, see
dnsserver.py), but the CA can see them point at one guest at a time.
SharedNames makes that explicit: a test that needs them takes a lock (a
file in the harness's state directory, flock) and publishes the three
names with its own guest's address in the CA's view; the other guest's
test waits for the lock. Domains a test adds get random
names of their own (AcmeDomain), published without a lock.
"""

import contextlib
import fcntl
import json
import os
import secrets
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request

import testdns
from vmail_guest import STATE, _INSTANCE

PEBBLE_IP = os.environ.get("VMAIL_E2E_PEBBLE_IP", f"198.18.{_INSTANCE}.80")
PEBBLE_CA = os.environ.get("VMAIL_E2E_PEBBLE_CA",
                           os.path.join(STATE, "pebble", "api-ca.pem"))
DIRECTORY = f"https://{PEBBLE_IP}:14000/dir"
MANAGEMENT = f"https://{PEBBLE_IP}:15000"
TLS_CERT = "/etc/vmail/tls/cert.pem"
TLS_KEY = "/etc/vmail/tls/key.pem"
NEXT_KEY = "/etc/vmail/tls/next-key.pem"
ACME_DIR = "/etc/vmail/acme"
ACCOUNT_URI = ACME_DIR + "/account-uri"
TRUST_FILE = "/usr/local/share/ca-certificates/vmail-e2e-pebble.crt"
LOCK = os.path.join(STATE, "acme-shared-names.lock")


def _api_context():
    return ssl.create_default_context(cafile=PEBBLE_CA)


def issuing_root():
    """PEM of the root pebble signs certificates with (management API)."""
    with urllib.request.urlopen(MANAGEMENT + "/roots/0", context=_api_context(),
                                timeout=10) as r:
        return r.read().decode()


def trust_pebble(guest):
    """Put the CA of pebble's API in the guest's trust store (as a real
    server trusts Let's Encrypt's API through the system's CA bundle)."""
    with open(PEBBLE_CA) as f:
        pem = f.read()
    if guest.read(TRUST_FILE) != pem:
        guest.run(f"cat > {TRUST_FILE} && update-ca-certificates >/dev/null",
                  input=pem)


def tlsa_of_key(guest, path=TLS_KEY):
    """The TLSA 3 1 1 digest of a private key in the guest (openssl in the
    guest: the key never leaves it)."""
    out = guest.run(f"openssl pkey -in {path} -pubout -outform DER | "
                    "openssl dgst -sha256 -r").stdout.decode()
    return out.split()[0]


def tlsa_of_der(der):
    p = subprocess.run(["openssl", "x509", "-inform", "DER", "-pubkey", "-noout"],
                       input=der, capture_output=True, check=True)
    d = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"],
                       input=p.stdout, capture_output=True, check=True)
    return subprocess.run(["openssl", "dgst", "-sha256", "-r"], input=d.stdout,
                          capture_output=True, check=True).stdout.decode().split()[0]


class Served:
    """What a port served: the leaf (DER), its subjectAltName DNS names,
    issuer CN, whether it verified against the given root, the SPKI digest."""

    def __init__(self, der, verified, error):
        self.der = der
        self.verified = verified
        self.error = error
        self.tlsa = tlsa_of_der(der)
        text = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout",
                               "-ext", "subjectAltName", "-issuer", "-serial"],
                              input=der, capture_output=True, check=True).stdout.decode()
        self.names = sorted(n.strip()[4:] for n in text.replace("\n", ",").split(",")
                            if n.strip().startswith("DNS:"))
        self.issuer = next((l for l in text.splitlines() if l.startswith("issuer=")), "")
        self.serial = next((l for l in text.splitlines() if l.startswith("serial=")), "")

    @property
    def self_signed(self):
        return "Pebble" not in self.issuer

    def __repr__(self):
        return f"Served({self.issuer}, {self.serial}, {self.names}, verified={self.verified})"


def _handshake(guest, port, ctx, server_name):
    raw = socket.create_connection((guest.ip, port), timeout=15)
    try:
        if port == 25:
            f = raw.makefile("rb")
            f.readline()
            raw.sendall(b"EHLO client.example.net\r\n")
            while True:
                line = f.readline()
                if line[3:4] != b"-":
                    break
            raw.sendall(b"STARTTLS\r\n")
            assert f.readline().startswith(b"220"), "STARTTLS refused"
        s = ctx.wrap_socket(raw, server_hostname=server_name)
        der = s.getpeercert(binary_form=True)
        s.close()
        return der
    finally:
        raw.close()


def served_cert(guest, port, root_pem, server_name=None):
    """The certificate the guest serves on port (25: after STARTTLS), and
    whether it verifies for server_name (default the hostname) against
    root_pem."""
    name = server_name or guest.hostname
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
        f.write(root_pem)
        f.flush()
        ctx = ssl.create_default_context(cafile=f.name)
        try:
            return Served(_handshake(guest, port, ctx, name), True, None)
        except ssl.SSLCertVerificationError as e:
            error = str(e)
    loose = ssl.create_default_context()
    loose.check_hostname = False
    loose.verify_mode = ssl.CERT_NONE
    return Served(_handshake(guest, port, loose, name), False, error)


class SharedNames:
    """mail.example.com, mta-sts.example.com and autoconfig.example.com
    pointing to this guest, while the lock is held (see the module's
    comment). hostname_ip: where the hostname points instead (a test of
    "DNS does not point here")."""

    def __init__(self, guest, hostname_ip=None, timeout=900):
        self.guest = guest
        self.hostname_ip = hostname_ip or guest.ip
        self.timeout = timeout
        self.fd = None
        self.names = [guest.hostname, f"mta-sts.{guest.domain}",
                      f"autoconfig.{guest.domain}"]

    def publish(self, hostname_ip=None):
        """The names as the CA sees them (a view of the test DNS server
        for the CA's address, see dnsserver.py), and, when the hostname
        is to point elsewhere, as the guest sees it too (each guest
        otherwise sees its own name point at itself: the harness's
        view-IP--0-self zones). The server reads the files on every
        query, so they count from the next one."""
        if hostname_ip:
            self.hostname_ip = hostname_ip
        lines = ["$TTL 60",
                 f"{self.guest.hostname}. IN A {self.hostname_ip}",
                 f"mta-sts.{self.guest.domain}. IN A {self.guest.ip}",
                 f"autoconfig.{self.guest.domain}. IN A {self.guest.ip}"]
        testdns.write_zone(f"view-{PEBBLE_IP}--acme-shared-names",
                           "\n".join(lines) + "\n")
        if self.hostname_ip != self.guest.ip:
            testdns.write_zone(f"view-{self.guest.ip}--acme-shared-names",
                               f"$TTL 60\n{self.guest.hostname}. IN A "
                               f"{self.hostname_ip}\n")
        else:
            testdns.remove_zone(f"view-{self.guest.ip}--acme-shared-names")

    def __enter__(self):
        self.fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, \
                    f"the other guest held {LOCK} for over {self.timeout}s"
                time.sleep(0.5)
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{self.guest.name} {os.getpid()}\n".encode())
        self.publish()
        return self

    def __exit__(self, *exc):
        testdns.remove_zone(f"view-{PEBBLE_IP}--acme-shared-names")
        testdns.remove_zone(f"view-{self.guest.ip}--acme-shared-names")
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


class AcmeDomain:
    """A hosted domain of the test's own (random name), with mta-sts. and
    autoconfig. pointing to the guest."""

    def __init__(self, guest, prefix="acme"):
        self.guest = guest
        self.name = f"{prefix}-{secrets.token_hex(3)}.net"
        self.names = [f"mta-sts.{self.name}", f"autoconfig.{self.name}"]

    def publish(self):
        lines = [f"$ORIGIN {self.name}.", "$TTL 60",
                 f"@ IN SOA ns.example.net. hostmaster.{self.name}. 1 3600 600 86400 60",
                 "@ IN NS ns.example.net.",
                 f"mta-sts IN A {self.guest.ip}",
                 f"autoconfig IN A {self.guest.ip}"]
        testdns.write_zone(self.name, "\n".join(lines) + "\n")
        for n in self.names:
            testdns.wait_for(n, "A", self.guest.ip)

    def add(self):
        self.publish()
        self.guest.vmailctl("domain", "add", self.name)
        return self

    def delete(self):
        self.guest.vmailctl("domain", "del", self.name, check=False)
        testdns.remove_zone(self.name)


class AcmeState:
    """What acme_on() hands the test."""

    def __init__(self, guest, shared, root):
        self.guest = guest
        self.shared = shared
        self.root = root
        self.first_seconds = None
        self.setup = None

    def status(self):
        return json.loads(self.guest.vmailctl("cert", "status", "--json").stdout)

    def renew(self, *args, check=True):
        t0 = time.monotonic()
        p = self.guest.vmailctl("cert", "renew", *args, check=check)
        return p, time.monotonic() - t0


def reload_daemons(guest):
    for unit in ("postfix", "dovecot", "nginx"):
        guest.run(f"systemctl reload {unit}" if guest.systemd else "true", check=False)


@contextlib.contextmanager
def acme_on(guest, enable=True, hostname_ip=None, directory=DIRECTORY):
    """[tls] acme = yes with pebble (or the ACME server at directory) as
    the CA, for the test; the shared names held (SharedNames). Afterwards: ACME off, uacme's state gone,
    the guest's own key and self-signed certificate back, the daemons
    reloaded."""
    trust_pebble(guest)
    saved = {p: guest.run(["cat", p]).stdout for p in (TLS_CERT, TLS_KEY)}
    guest.run(f"rm -rf {ACME_DIR} {NEXT_KEY}")
    with SharedNames(guest, hostname_ip=hostname_ip) as shared:
        state = AcmeState(guest, shared, issuing_root())
        try:
            if enable:
                t0 = time.monotonic()
                state.setup = guest.vmailctl(
                    "setup", "--acme", "admin@example.com",
                    "--acme-directory", directory)
                state.first_seconds = time.monotonic() - t0
            yield state
        finally:
            guest.vmailctl("setup", "--no-acme", check=False)
            for p, data in saved.items():
                guest.run(f"cat > {p}.e2e && chmod {'600' if p == TLS_KEY else '644'} "
                          f"{p}.e2e && mv {p}.e2e {p}", input=data)
            guest.run(f"rm -rf {ACME_DIR} {NEXT_KEY}")
            reload_daemons(guest)
