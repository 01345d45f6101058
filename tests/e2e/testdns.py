"""testdns - the e2e tests' side of the test DNS server.

tests/e2e/run starts an authoritative DNS server (dnsserver.py) on the
bridge, DNS_IP (198.18.N.53); the guests' rspamd asks it and nothing else.
It serves the *.zone files of DNS_ZONES and re-reads them when they change,
so a test publishes records by writing a zone file:

    d = SenderDomain("dmarc-reject")         # dmarc-reject-1a2b3c.net
    d.publish(spf="v=spf1 -all", dmarc="v=DMARC1; p=reject", dkim=True)
    signed = d.dkim_sign(message)            # python3-dkim, key in d's zone
    ...
    d.unpublish()

Every test makes its own domains (random names), so tests of both guests,
which run in parallel, never write the same file. publish() returns once
the server answers with the new records.
"""

import base64
import os
import secrets
import subprocess
import tempfile
import time

import dkim
from dnslib import DNSRecord, QTYPE, RCODE

from vmail_guest import DNS_IP, DNS_ZONES

TTL = 60
ANY = object()


def txt_rdata(value):
    """A TXT value in zone-file syntax: quoted strings of at most 255 bytes."""
    raw = value.encode()
    parts = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
    out = []
    for p in parts:
        s = p.decode().replace("\\", "\\\\").replace('"', '\\"')
        out.append(f'"{s}"')
    return " ".join(out)


def write_zone(name, text):
    """Put DNS_ZONES/name.zone in place atomically (write, then rename)."""
    os.makedirs(DNS_ZONES, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=DNS_ZONES, prefix=".tmp-", suffix=".part")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.rename(tmp, os.path.join(DNS_ZONES, name + ".zone"))


def remove_zone(name):
    try:
        os.unlink(os.path.join(DNS_ZONES, name + ".zone"))
    except FileNotFoundError:
        pass


def query(name, qtype="TXT", timeout=3):
    """(rcode name, [rdata as text]) from the test DNS server (over TCP: no
    size limits)."""
    q = DNSRecord.question(name, qtype)
    r = DNSRecord.parse(q.send(DNS_IP, 53, tcp=True, timeout=timeout))
    want = getattr(QTYPE, qtype)
    vals = []
    for rr in r.rr:
        if rr.rtype != want:
            continue
        if rr.rtype == QTYPE.TXT:
            vals.append(b"".join(rr.rdata.data).decode())
        else:
            vals.append(str(rr.rdata))
    return RCODE.get(r.header.rcode), vals


def wait_for(name, qtype, value, timeout=10):
    """Poll the server until name/qtype answers value (None: NXDOMAIN;
    ANY: any record)."""
    deadline = time.monotonic() + timeout
    while True:
        rcode, vals = query(name, qtype)
        if ((value is None and rcode == "NXDOMAIN") or (value is ANY and vals)
                or value in vals):
            return
        assert time.monotonic() < deadline, \
            f"test DNS ({DNS_IP}) did not serve {name} {qtype} = {value!r} " \
            f"within {timeout}s: {rcode} {vals}"
        time.sleep(0.2)


def rsa_key():
    """(PKCS#1 PEM private key, base64 DER public key) of a new RSA-2048
    key, made with the host's openssl."""
    pem = subprocess.run(["openssl", "genrsa", "-traditional", "2048"],
                         capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"],
                         input=pem, capture_output=True, check=True).stdout
    return pem, base64.b64encode(der).decode()


class SenderDomain:
    """A domain of the outside world, published in the test DNS, with an
    optional DKIM key (selector "s1") that its methods sign with."""

    def __init__(self, prefix):
        self.name = f"{prefix}-{secrets.token_hex(3)}.net"
        self.selector = "s1"
        self.key = None
        self.pubkey = None

    def __repr__(self):
        return f"SenderDomain({self.name})"

    @property
    def dkim_name(self):
        return f"{self.selector}._domainkey.{self.name}"

    def publish(self, spf=None, dmarc=None, dkim_key=False):
        """Write the domain's zone: SOA, NS, and the SPF (TXT at the
        apex), DMARC (_dmarc TXT) and DKIM (s1._domainkey TXT) records
        given; wait until the server answers with them."""
        lines = [
            f"$ORIGIN {self.name}.",
            f"$TTL {TTL}",
            f"@ IN SOA ns.example.net. hostmaster.{self.name}. 1 3600 600 86400 {TTL}",
            "@ IN NS ns.example.net.",
        ]
        if spf:
            lines.append(f"@ IN TXT {txt_rdata(spf)}")
        if dmarc:
            lines.append(f"_dmarc IN TXT {txt_rdata(dmarc)}")
        if dkim_key:
            if self.key is None:
                self.key, self.pubkey = rsa_key()
            lines.append(f"{self.selector}._domainkey IN TXT "
                         f"{txt_rdata(self.dkim_record)}")
        write_zone(self.name, "\n".join(lines) + "\n")
        if spf:
            wait_for(self.name, "TXT", spf)
        if dmarc:
            wait_for(f"_dmarc.{self.name}", "TXT", dmarc)
        if dkim_key:
            wait_for(self.dkim_name, "TXT", self.dkim_record)
        wait_for(self.name, "SOA", ANY)

    @property
    def dkim_record(self):
        return f"v=DKIM1; k=rsa; p={self.pubkey}"

    def unpublish(self):
        remove_zone(self.name)

    def dnsfunc(self, name, timeout=5):
        """A python3-dkim dnsfunc that asks the test DNS server."""
        name = name.decode() if isinstance(name, bytes) else name
        _, vals = query(name.rstrip("."), "TXT")
        return vals[0].encode() if vals else None

    def dkim_sign(self, message):
        """message (bytes, CRLF) with a DKIM-Signature of this domain on top."""
        sig = dkim.sign(message, self.selector.encode(), self.name.encode(),
                        self.key, include_headers=[b"from", b"to", b"subject",
                                                   b"date", b"message-id"])
        return sig + message

    def arc_seal(self, message, authserv_id, results):
        """message as this domain's mail server would forward it: with its
        Authentication-Results (authserv_id; results) and an ARC set (i=1)
        sealed with its key (python3-dkim's arc_sign)."""
        ar = f"Authentication-Results: {authserv_id}; {results}\r\n".encode()
        message = ar + message
        arc = dkim.arc_sign(message, self.selector.encode(), self.name.encode(),
                            self.key, authserv_id.encode(),
                            include_headers=[b"from", b"to", b"subject",
                                             b"date", b"message-id"])
        assert arc, "arc_sign made no ARC set"
        return b"".join(arc) + message
