"""dnssec - the e2e tests' side of DNSSEC: the signed test zone and the
guests' validating resolver.

tests/e2e/run starts knot (knotd) in the DNS namespace on DNSSEC_IP
(198.18.N.54), serving the signed zone DNSSEC_ZONE ("dnssec.test.") with
online signing and dynamic updates, and writes the zone's DNSKEY (the
trust anchor) to DNSSEC_ANCHOR.

prepare(guest) makes the guest's unbound use the test world
(tests/e2e/unbound-override/vmail-e2e.conf: "." forwarded to the unsigned
test DNS, DNSSEC_ZONE to knot, validated with its anchor, no cache) and
diverts Debian's root trust anchor file away (dpkg-divert: it stays away
when unbound is installed or upgraded later, as on the upgrade guests).
conftest.py calls it once per guest before any test.

A test adds records under a name of its own, so that the tests of both
guests, which run in parallel, never collide:

    z = SignedDomain("dane")                  # dane-1a2b3c.dnssec.test
    z.add("mx", "A", "198.18.5.60")
    z.add("_25._tcp.mx", "TLSA", "3 1 1 " + digest)
    ...
    z.remove()                                # every record it added
"""

import json
import os
import secrets
import subprocess
import time

from vmail_guest import DNS_IP, STATE

_INSTANCE = os.environ.get("VMAIL_E2E_INSTANCE", "0")
DNSSEC_IP = os.environ.get("VMAIL_E2E_DNSSEC_IP", f"198.18.{_INSTANCE}.54")
DNSSEC_ZONE = os.environ.get("VMAIL_E2E_DNSSEC_ZONE", "dnssec.test")
DNSSEC_ANCHOR = os.environ.get("VMAIL_E2E_DNSSEC_ANCHOR",
                               os.path.join(STATE, "dns", DNSSEC_ZONE + ".anchor"))
HERE = os.path.dirname(os.path.abspath(__file__))
OVERRIDE = os.path.join(HERE, "unbound-override", "vmail-e2e.conf")
GUEST_CONF = "/etc/unbound/unbound.conf.d/vmail-e2e.conf"
ROOT_ANCHOR_CONF = "/etc/unbound/unbound.conf.d/root-auto-trust-anchor-file.conf"
ROOT_ANCHOR_DIVERTED = "/etc/unbound/root-auto-trust-anchor-file.conf.vmail-e2e"
TTL = 60


def anchor():
    with open(DNSSEC_ANCHOR) as f:
        return f.read().strip()


def bogus_domain(guest):
    """The domain whose MX's TLSA record the guest's unbound finds bogus
    (a trust anchor of a key nobody signs with, in the override)."""
    return f"bogus-{guest.name}.{DNSSEC_ZONE}"


def override_text(guest):
    with open(OVERRIDE) as f:
        text = f.read()
    for k, v in (("@DNS_IP@", DNS_IP), ("@DNSSEC_IP@", DNSSEC_IP),
                 ("@DNSSEC_ZONE@", DNSSEC_ZONE), ("@ANCHOR@", anchor()),
                 ("@GUEST@", guest.name)):
        text = text.replace(k, v)
    return text


def prepare(guest):
    """The test world's unbound configuration in the guest (before or
    after unbound is installed); unbound restarted if it runs."""
    if not guest.systemd:
        return
    diverted = guest.run(["dpkg-divert", "--list", ROOT_ANCHOR_CONF],
                         check=False).stdout
    if ROOT_ANCHOR_DIVERTED.encode() not in diverted:
        guest.run(["dpkg-divert", "--local", "--rename", "--divert",
                   ROOT_ANCHOR_DIVERTED, "--add", ROOT_ANCHOR_CONF])
    guest.run(["mkdir", "-p", os.path.dirname(GUEST_CONF)])
    text = override_text(guest).encode()
    if guest.run(["cat", GUEST_CONF], check=False).stdout != text:
        guest.run(["sh", "-c", f"cat > {GUEST_CONF}"], input=text)
    # (once per session: unbound may have started before the override,
    # at install time, with the root anchor and no way out)
    if unbound_active(guest):
        guest.run(["systemctl", "restart", "unbound"])
    wait_resolver(guest)


def unbound_active(guest):
    return guest.run(["systemctl", "is-active", "--quiet", "unbound"],
                     check=False).returncode == 0


def wait_resolver(guest, timeout=30):
    """Once unbound runs: it answers the signed zone's SOA, validated."""
    if not unbound_active(guest):
        return
    deadline = time.monotonic() + timeout
    while True:
        out = resolve(guest, DNSSEC_ZONE, "SOA")
        if out["ad"] and out["rcode"] == "NOERROR":
            return
        assert time.monotonic() < deadline, \
            f"[{guest.suite}] unbound does not validate {DNSSEC_ZONE} SOA: {out}"
        time.sleep(0.5)


# Run in the guest (python3 is there: postfix-mta-sts-resolver needs it):
# one query to 127.0.0.1 with the AD and DO bits (RFC 6840 5.7, 4035),
# its rcode, AD bit and answer count as JSON.
_QUERY = r"""
import json, os, random, socket, struct, sys
name, qtype = sys.argv[1], int(sys.argv[2])
qid = random.randrange(65536)
q = struct.pack(">HHHHHH", qid, 0x0120, 1, 0, 0, 1)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.strip(".").split(".")) + b"\0"
q += struct.pack(">HH", qtype, 1)
q += b"\0" + struct.pack(">HHIH", 41, 4096, 0x8000, 0)   # OPT, DO
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(q, ("127.0.0.1", 53))
r = s.recv(65535)
_, flags, _, an, _, _ = struct.unpack(">HHHHHH", r[:12])
print(json.dumps({"rcode": ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN"][flags & 15]
                  if flags & 15 < 4 else str(flags & 15),
                  "ad": bool(flags & 0x20), "answers": an}))
"""
QTYPES = {"A": 1, "NS": 2, "SOA": 6, "MX": 15, "TXT": 16, "TLSA": 52}


def resolve(guest, name, qtype="A"):
    """Ask the guest's own resolver (unbound on 127.0.0.1): {"rcode",
    "ad" (validated), "answers" (count)}."""
    r = guest.run(["python3", "-c", _QUERY, name, str(QTYPES[qtype])], check=False)
    if r.returncode != 0:
        return {"rcode": "no answer", "ad": False, "answers": 0,
                "error": r.stderr.decode("utf-8", "replace")[-300:]}
    return json.loads(r.stdout)


def nsupdate(commands):
    """Send one dynamic update (knsupdate) to knot."""
    script = f"server {DNSSEC_IP} 53\nzone {DNSSEC_ZONE}.\n" + \
        "".join(c + "\n" for c in commands) + "send\n"
    r = subprocess.run(["knsupdate"], input=script.encode(),
                       capture_output=True, timeout=30)
    assert r.returncode == 0, f"knsupdate failed: {r.stderr.decode()}\n{script}"


def kdig(name, qtype):
    """The records knot serves for name/qtype (rdata as text)."""
    r = subprocess.run(["kdig", "+short", "+time=2", "+retry=1",
                        f"@{DNSSEC_IP}", name, qtype],
                       capture_output=True, timeout=30)
    return [l.strip() for l in r.stdout.decode().splitlines() if l.strip()]


class SignedDomain:
    """A domain under the signed zone, with a random label:
    PREFIX-1a2b3c.dnssec.test.  add() publishes a record (and waits until
    knot serves it, signed); remove() deletes every name it added."""

    def __init__(self, prefix=None, name=None):
        self.name = name or f"{prefix}-{secrets.token_hex(3)}.{DNSSEC_ZONE}"
        self.owners = set()

    def __repr__(self):
        return f"SignedDomain({self.name})"

    def fqdn(self, rel):
        return self.name if rel in ("", "@") else f"{rel}.{self.name}"

    def add(self, rel, rtype, rdata):
        owner = self.fqdn(rel)
        nsupdate([f"update add {owner}. {TTL} {rtype} {rdata}"])
        self.owners.add(owner)
        deadline = time.monotonic() + 10
        while not kdig(owner, rtype):
            assert time.monotonic() < deadline, f"knot does not serve {owner} {rtype}"
            time.sleep(0.2)

    def replace(self, rel, rtype, rdata):
        owner = self.fqdn(rel)
        nsupdate([f"update delete {owner}. {rtype}",
                  f"update add {owner}. {TTL} {rtype} {rdata}"])
        self.owners.add(owner)

    def remove(self):
        if self.owners:
            nsupdate([f"update delete {o}." for o in sorted(self.owners)])
        self.owners.clear()
