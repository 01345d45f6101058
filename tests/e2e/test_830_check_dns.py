"""Issue 8, live checks: `vmailctl check dns DOMAIN` against the tests' DNS.

Each test adds a domain of its own in the guest (`vmailctl domain add`) and
publishes, in the test DNS server (testdns.py), a zone for it built from
what the guest says it needs: the MX to the host name, an SPF record that
lets the guest's address send, the DKIM record exactly as `vmailctl dkim
show --json` gives it, DMARC with the configured policy, TLS-RPT and
MTA-STS; and, for the server, the host name's A record and the PTR of the
guest's address (forward-confirmed reverse DNS). The guest's resolver is
the test DNS server, so `check` sees exactly these records.

- the correct zone: every line "ok", exit 0 (the run time is printed);
- then one mistake per test, each named on its own line with what is
  wrong, exit 2: no DKIM record; SPF without this server; an MX that
  points elsewhere; a DKIM value with one character changed; no PTR; the
  guest's address listed in a test blocklist zone ([dns] blocklists set to
  it for the test, restored after).

Both guests are "mail.example.com": each publishes its own A record of
that name in a file of its own (the server merges them), so the name has
both addresses, as a host name served by two machines would.
"""

import json
import time

import pytest

import testdns
from vmail_guest import token

CONF = "/etc/vmail/vmail.conf"


def _reverse(ip):
    return ".".join(reversed(ip.split("."))) + ".in-addr.arpa"


class Zone:
    """A test domain hosted by the guest and its records in the test DNS."""

    def __init__(self, guest):
        self.guest = guest
        self.domain = f"chk-{token()}.net"
        guest.vmailctl("domain", "add", self.domain)
        keys = json.loads(guest.vmailctl("dkim", "show", "--json",
                                         self.domain).stdout)
        active = [k for k in keys if k["state"] == "active"]
        assert len(active) == 1, keys
        self.selector = active[0]["selector"]
        self.dkim = active[0]["value"]
        self.records = {
            "MX": f"10 {guest.hostname}.",
            "SPF": "v=spf1 mx -all",
            "DKIM": self.dkim,
            "DMARC": "v=DMARC1; p=quarantine; rua=mailto:admin@example.com",
            "TLSRPT": "v=TLSRPTv1; rua=mailto:admin@example.com",
            "MTASTS": "v=STSv1; id=20261201000000",
        }

    @property
    def dkim_name(self):
        return f"{self.selector}._domainkey.{self.domain}"

    def publish(self, **changes):
        """Write the zone with the records changed (None: left out) and
        wait until the server serves it."""
        r = dict(self.records, **changes)
        d = self.domain
        lines = [
            f"$ORIGIN {d}.",
            "$TTL 60",
            f"@ IN SOA ns.example.net. hostmaster.{d}. 1 3600 600 86400 60",
            "@ IN NS ns.example.net.",
        ]
        if r["MX"]:
            lines.append(f"@ IN MX {r['MX']}")
        if r["SPF"]:
            lines.append(f"@ IN TXT {testdns.txt_rdata(r['SPF'])}")
        if r["DKIM"]:
            lines.append(f"{self.selector}._domainkey IN TXT "
                         f"{testdns.txt_rdata(r['DKIM'])}")
        if r["DMARC"]:
            lines.append(f"_dmarc IN TXT {testdns.txt_rdata(r['DMARC'])}")
        lines.append(f"_smtp._tls IN TXT {testdns.txt_rdata(r['TLSRPT'])}")
        lines.append(f"_mta-sts IN TXT {testdns.txt_rdata(r['MTASTS'])}")
        testdns.write_zone(self.file, "\n".join(lines) + "\n")
        testdns.wait_for(d, "SOA", testdns.ANY)
        if r["DKIM"]:
            testdns.wait_for(self.dkim_name, "TXT", r["DKIM"])
        else:
            testdns.wait_for(self.dkim_name, "TXT", None)
        if r["MX"]:
            testdns.wait_for(d, "MX", r["MX"])

    @property
    def file(self):
        return f"check-{self.guest.name}-{self.domain}"

    def remove(self):
        testdns.remove_zone(self.file)
        self.guest.vmailctl("domain", "del", self.domain, check=False)


def publish_host(guest, ptr=True):
    """The host name's A record with the guest's address, and its PTR."""
    name = f"check-host-{guest.name}"
    lines = [f"{guest.hostname}. 60 IN A {guest.ip}"]
    if ptr:
        lines.append(f"{_reverse(guest.ip)}. 60 IN PTR {guest.hostname}.")
    testdns.write_zone(name, "\n".join(lines) + "\n")
    testdns.wait_for(guest.hostname, "A", guest.ip)
    testdns.wait_for(_reverse(guest.ip), "PTR",
                     f"{guest.hostname}." if ptr else None)


@pytest.fixture
def zone(guest):
    publish_host(guest)
    z = Zone(guest)
    z.publish()
    yield z
    z.remove()
    publish_host(guest)


def check(guest, *args):
    """Run `vmailctl check ARGS`: (exit code, [lines], seconds)."""
    t0 = time.monotonic()
    p = guest.vmailctl("check", *args, check=False)
    secs = time.monotonic() - t0
    out = p.stdout.decode()
    assert p.returncode in (0, 1, 2), (p.returncode, out, p.stderr)
    return p.returncode, out.splitlines(), secs, p.stderr.decode()


def line_of(lines, check_name, name):
    """The line of one check: STATE CHECK NAME MESSAGE."""
    hits = [l for l in lines if l.split()[1:2] == check_name.split()[:1]
            and name in l.split()]
    assert len(hits) == 1, (check_name, name, lines)
    return hits[0]


def test_830_correct_zone_all_ok(guest, zone):
    rc, lines, secs, err = check(guest, "dns", zone.domain)
    print(f"[{guest.name}] check dns {zone.domain}: {secs:.2f}s")
    assert rc == 0, "\n".join(lines) + err
    assert lines, "no output"
    assert all(l.startswith("ok ") for l in lines), "\n".join(lines)
    for what, name in (("MX", zone.domain), ("SPF", zone.domain),
                       ("DKIM", zone.dkim_name),
                       ("DMARC", f"_dmarc.{zone.domain}"),
                       ("A", guest.hostname),
                       ("PTR", _reverse(guest.ip)),
                       ("blocklist", "zen.spamhaus.org")):
        line_of(lines, what, name)
    # Operands in any order, and the JSON form says the same.
    p = guest.vmailctl("check", zone.domain, "--json", "dns", check=False)
    assert p.returncode == 0, p.stdout
    j = json.loads(p.stdout)
    assert j["errors"] == 0 and j["warnings"] == 0, j
    spf = [c for c in j["checks"] if c["check"] == "SPF"]
    assert spf[0]["status"] == "ok" and spf[0]["found"] == "v=spf1 mx -all"


def test_831_missing_dkim(guest, zone):
    zone.publish(DKIM=None)
    rc, lines, _, err = check(guest, "dns", zone.domain)
    assert rc == 2, "\n".join(lines) + err
    line = line_of(lines, "DKIM", zone.dkim_name)
    assert line.startswith("missing "), line
    assert f"selector {zone.selector}" in line and "not published" in line
    assert "NXDOMAIN" in line, line
    others = [l for l in lines if l not in (line,)]
    assert all(l.startswith("ok ") for l in others), "\n".join(lines)


def test_832_spf_without_this_server(guest, zone):
    spf = "v=spf1 ip4:192.0.2.1 -all"
    zone.publish(SPF=spf)
    rc, lines, _, err = check(guest, "dns", zone.domain)
    assert rc == 2, "\n".join(lines) + err
    line = line_of(lines, "SPF", zone.domain)
    assert line.startswith("wrong "), line
    assert f"does not include this server ({guest.ip})" in line, line
    assert f'found "{spf}"' in line, line
    assert "'-all' matches" in line, line


def test_833_wrong_mx(guest, zone):
    zone.publish(MX="10 mx.elsewhere.example.")
    rc, lines, _, err = check(guest, "dns", zone.domain)
    assert rc == 2, "\n".join(lines) + err
    line = line_of(lines, "MX", zone.domain)
    assert line.startswith("wrong "), line
    assert "does not point here" in line, line
    assert "found 10 mx.elsewhere.example." in line, line
    assert f"expected 10 {guest.hostname}." in line, line


def test_834_dkim_typo(guest, zone):
    v = zone.dkim
    i = v.index("p=") + 2 + 100        # a character inside the key
    typo = v[:i] + ("A" if v[i] != "A" else "B") + v[i + 1:]
    zone.publish(DKIM=typo)
    rc, lines, _, err = check(guest, "dns", zone.domain)
    assert rc == 2, "\n".join(lines) + err
    line = line_of(lines, "DKIM", zone.dkim_name)
    assert line.startswith("wrong "), line
    assert f"selector {zone.selector}" in line, line
    assert "the p= key differs from the signing key at character 101" \
        in line, line


def test_835_no_ptr(guest, zone):
    publish_host(guest, ptr=False)
    rc, lines, _, err = check(guest, "dns", zone.domain)
    assert rc == 2, "\n".join(lines) + err
    line = line_of(lines, "PTR", _reverse(guest.ip))
    assert line.startswith("missing "), line
    assert f"no reverse DNS for {guest.ip}" in line, line
    assert f"{guest.ip} PTR {guest.hostname}." in line, line


def test_836_listed_in_blocklist(guest, zone):
    bl = f"bl-{token()}.test"
    listed = f"{_reverse(guest.ip).replace('.in-addr.arpa', '')}.{bl}"
    testdns.write_zone(f"check-{guest.name}-{bl}", "\n".join([
        f"$ORIGIN {bl}.",
        "$TTL 60",
        f"@ IN SOA ns.example.net. hostmaster.{bl}. 1 3600 600 86400 60",
        f"{listed}. IN A 127.0.0.2",
        f'{listed}. IN TXT "listed by the vmail test suite"',
    ]) + "\n")
    testdns.wait_for(listed, "A", "127.0.0.2")
    guest.run(f"cp -p {CONF} {CONF}.check-test && sed -i "
              f"'s/^blocklists = .*/blocklists = zen.spamhaus.org {bl}/' {CONF}")
    try:
        rc, lines, _, err = check(guest, "dns", zone.domain)
    finally:
        guest.run(f"mv {CONF}.check-test {CONF}")
        testdns.remove_zone(f"check-{guest.name}-{bl}")
    assert rc == 2, "\n".join(lines) + err
    line = line_of(lines, "blocklist", bl)
    assert line.startswith("listed "), line
    assert f"{guest.ip} is listed (127.0.0.2): listed by the vmail test " \
        "suite" in line, line
    line_of(lines, "blocklist", "zen.spamhaus.org").startswith("ok ")
    # And restored: back to all ok.
    rc, lines, _, _ = check(guest, "dns", zone.domain)
    assert rc == 0, "\n".join(lines)
