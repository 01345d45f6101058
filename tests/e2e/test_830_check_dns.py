"""Issue 8, live checks: `vmailctl check dns DOMAIN` against the tests' DNS.

Each test adds a domain of its own in the guest (`vmailctl domain add`) and
publishes, in the test DNS server (testdns.py), every record `vmailctl dns
DOMAIN` prints for it (MX, SPF, DKIM, DMARC and its report authorization,
MTA-STS, TLS-RPT, SRV, CNAMEs, CAA, the host name's A and TLSA), plus the
PTR of the guest's address (forward-confirmed reverse DNS). The guest's
resolver is the test DNS server, so `check` sees exactly these records.

- the correct zone: every line "ok", exit 0 (the run time is printed);
- then one mistake per test, each named on its own line with what is
  wrong, exit 2: no DKIM record; SPF without this server; an MX that
  points elsewhere; a DKIM value with one character changed; no PTR; the
  guest's address listed in a test blocklist zone ([dns] blocklists set to
  it for the test, restored after);
- a missing SRV record is a warning (exit 1), a TLSA record that is not
  the key's an error (exit 2).

Both guests are "mail.example.com": each publishes its own A record of
that name in a file of its own (the server merges them), so the name has
both addresses, as a host name served by two machines would.
"""

import json
import re
import time

import pytest

import testdns
from vmail_guest import token

CONF = "/etc/vmail/vmail.conf"


def _reverse(ip):
    return ".".join(reversed(ip.split("."))) + ".in-addr.arpa"


RECORD = re.compile(r"^(\S+)\s+\d+\s+IN\s+(\S+)\s+(.*)$")


class Zone:
    """A test domain hosted by the guest, and its records in the test DNS
    as `vmailctl dns DOMAIN` prints them."""

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
        text = guest.vmailctl("dns", self.domain).stdout.decode()
        self.records = [RECORD.match(l).groups() for l in text.splitlines()
                        if RECORD.match(l)]
        kinds = {(n, t) for n, t, _ in self.records}
        for want in ((f"{self.domain}.", "MX"), (f"{self.dkim_name}.", "TXT"),
                     (f"_dmarc.{self.domain}.", "TXT"),
                     (f"{guest.hostname}.", "A")):
            assert want in kinds, (want, text)

    @property
    def dkim_name(self):
        return f"{self.selector}._domainkey.{self.domain}"

    @property
    def file(self):
        return f"check-{self.guest.name}-{self.domain}"

    def publish(self, replace=None, drop=()):
        """Write the records (those of (name, type) in replace with its
        value instead, those in drop left out) with an SOA and NS for the
        domain; wait until the server serves the change."""
        replace = replace or {}
        d = self.domain
        lines = [f"{d}. 60 IN SOA ns.example.net. hostmaster.{d}. 1 3600 600 86400 60",
                 f"{d}. 60 IN NS ns.example.net."]
        done = set()
        for name, rtype, value in self.records:
            key = (name.rstrip("."), rtype)
            if key in drop:
                continue
            if key in replace:
                if key in done:
                    continue
                done.add(key)
                value = replace[key]
            lines.append(f"{name} 60 IN {rtype} {value}")
        testdns.write_zone(self.file, "\n".join(lines) + "\n")
        testdns.wait_for(d, "SOA", testdns.ANY)
        for (name, rtype), value in replace.items():
            if rtype == "TXT":
                value = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', value))
            testdns.wait_for(name, rtype, value)
        if (self.dkim_name, "TXT") not in drop and \
                (self.dkim_name, "TXT") not in replace:
            testdns.wait_for(self.dkim_name, "TXT", self.dkim)

    def remove(self):
        testdns.remove_zone(self.file)
        self.guest.vmailctl("domain", "del", self.domain, check=False)


def publish_host(guest, ptr=True):
    """The PTR of the guest's address (the host name's A record is among
    the domain's records), or none."""
    name = f"check-host-{guest.name}"
    if ptr:
        testdns.remove_zone(f"view-{guest.ip}--check-no-ptr")
        testdns.write_zone(name, f"{_reverse(guest.ip)}. 60 IN PTR "
                                 f"{guest.hostname}.\n")
        testdns.wait_for(_reverse(guest.ip), "PTR", f"{guest.hostname}.")
    else:
        # the harness gives the main guests a PTR (tests/e2e/run):
        # hidden from this guest only (a view of the test DNS server,
        # read on every query)
        testdns.remove_zone(name)
        testdns.write_zone(f"view-{guest.ip}--check-no-ptr",
                           f";; hide {_reverse(guest.ip)}. PTR\n")


@pytest.fixture
def zone(guest):
    publish_host(guest)
    z = Zone(guest)
    z.publish()
    testdns.wait_for(guest.hostname, "A", guest.ip)
    yield z
    z.remove()
    testdns.remove_zone(f"check-host-{guest.name}")
    testdns.remove_zone(f"view-{guest.ip}--check-no-ptr")


def check(guest, *args):
    """Run `vmailctl check ARGS`: (exit code, [lines], seconds)."""
    t0 = time.monotonic()
    p = guest.vmailctl("check", *args, check=False)
    secs = time.monotonic() - t0
    out = p.stdout.decode()
    assert p.returncode in (0, 1, 2), (p.returncode, out, p.stderr)
    return p.returncode, out.splitlines(), secs, p.stderr.decode()


def line_of(lines, check_name, name):
    """The line of one check: STATE CHECK NAME MESSAGE (the first, for a
    name with several records of the type, such as CAA)."""
    hits = [l for l in lines if l.split()[1:2] == check_name.split()[:1]
            and l.split()[2] == name]
    assert hits, (check_name, name, lines)
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
                       ("blocklist", "zen.spamhaus.org"),
                       ("MTA-STS", f"_mta-sts.{zone.domain}"),
                       ("TLS-RPT", f"_smtp._tls.{zone.domain}"),
                       ("SRV", f"_imaps._tcp.{zone.domain}"),
                       ("CNAME", f"autoconfig.{zone.domain}"),
                       ("CAA", zone.domain),
                       ("TLSA", f"_25._tcp.{guest.hostname}")):
        line_of(lines, what, name)
    # Operands in any order, and the JSON form says the same.
    p = guest.vmailctl("check", zone.domain, "--json", "dns", check=False)
    assert p.returncode == 0, p.stdout
    j = json.loads(p.stdout)
    assert j["errors"] == 0 and j["warnings"] == 0, j
    spf = [c for c in j["checks"] if c["check"] == "SPF"]
    assert spf[0]["status"] == "ok" and spf[0]["found"] == "v=spf1 mx -all"


def test_831_missing_dkim(guest, zone):
    zone.publish(drop={(zone.dkim_name, "TXT")})
    testdns.wait_for(zone.dkim_name, "TXT", None)
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
    zone.publish(replace={(zone.domain, "TXT"): testdns.txt_rdata(spf)})
    rc, lines, _, err = check(guest, "dns", zone.domain)
    assert rc == 2, "\n".join(lines) + err
    line = line_of(lines, "SPF", zone.domain)
    assert line.startswith("wrong "), line
    assert f"does not include this server ({guest.ip})" in line, line
    assert f'found "{spf}"' in line, line
    assert "'-all' matches" in line, line


def test_833_wrong_mx(guest, zone):
    zone.publish(replace={(zone.domain, "MX"): "10 mx.elsewhere.example."})
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
    zone.publish(replace={(zone.dkim_name, "TXT"): testdns.txt_rdata(typo)})
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


def test_840_missing_srv_is_a_warning_wrong_tlsa_an_error(guest, zone):
    srv = f"_imaps._tcp.{zone.domain}"
    tlsa = f"_25._tcp.{guest.hostname}"
    zone.publish(drop={(srv, "SRV")})
    testdns.wait_for(srv, "SRV", None)
    rc, lines, _, err = check(guest, "dns", zone.domain)
    assert rc == 1, "\n".join(lines) + err
    line = line_of(lines, "SRV", srv)
    assert line.startswith("missing ") and "no SRV record (NXDOMAIN)" in line
    assert f"publish {srv}. IN SRV 0 1 993 {guest.hostname}." in line, line

    wrong = "3 1 1 " + "00" * 32
    zone.publish(replace={(tlsa, "TLSA"): wrong})
    testdns.wait_for(tlsa, "TLSA", wrong.upper())
    rc, lines, _, err = check(guest, "dns", zone.domain)
    assert rc == 2, "\n".join(lines) + err
    line = line_of(lines, "TLSA", tlsa)
    assert line.startswith("wrong "), line
    want = [v for n, t, v in zone.records if t == "TLSA"][0]
    assert f"expected {want}" in line, line
