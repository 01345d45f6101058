"""Issue 8, "the records": `vmailctl dns` run inside the guest prints
records that are right, not only well-formed.

- The output of `vmailctl dns` (every domain) and of `vmailctl dns DOMAIN`
  passes named-checkzone on the host once an SOA and an NS are put before
  it; `--json` holds the same records.
- The hostname's A record is the guest's address, found at run time
  (install.sh sets no [server] ipv4), and its PTR is the advisory comment.
- The TLSA 3 1 1 record is the SHA-256 of the public key of the
  certificate Postfix presents on port 25 after STARTTLS.
- The DKIM record is what rspamd signs with: the records printed for a
  new domain are published in the test DNS server as they are
  (testdns.write_zone), a message submitted from that domain is signed,
  and python3-dkim verifies the signature with keys looked up in that
  DNS server. After `dkim rotate` both keys are printed and published;
  after `--activate` new mail verifies against the other one.
- Settings shape the records: with a copy of vmail.conf naming two backup
  MX, fixed addresses and MTA-STS mode none, and a next key for a TLSA
  rollover, the MX come at 10, 20, 30, the A/AAAA/PTR are the configured
  addresses, no MTA-STS record is printed and both TLSA records are.
"""

import hashlib
import json
import re
import smtplib
import ssl
import subprocess
import time

import dkim

from mailclients import make_message, send, submission, tls_context
import web
from testdns import query, remove_zone, wait_for, write_zone
from vmail_guest import token

MAP_DELAY = 15     # rspamd's file-map poll (3 s) with a margin
RECORD = re.compile(r"^(\S+) (\d+) IN (\S+) (.*)$")


def _records(text):
    """[(name, type, value)] of the record lines of zone text (comments
    and headings left out)."""
    out = []
    for line in text.splitlines():
        m = RECORD.match(line)
        if m:
            out.append((m.group(1), m.group(3), m.group(4)))
    return out


def _checkzone(tmp_path, origin, text):
    zone = tmp_path / f"{origin}.zone"
    zone.write_text(
        "$TTL 3600\n"
        f"@ IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 300\n"
        f"@ IN NS ns.{origin}.\n"
        "ns IN A 192.0.2.53\n" + text)
    p = subprocess.run(["named-checkzone", "-k", "fail", "-n", "fail", "-m", "fail",
                        "-M", "fail", "-S", "fail", "-r", "fail", "-i", "local",
                        origin, str(zone)], capture_output=True, text=True)
    assert p.returncode == 0, \
        f"named-checkzone {origin} refused the output:\n{p.stdout}{p.stderr}\n{text}"


def _dns(guest, *args):
    p = guest.vmailctl("dns", *args)
    assert not p.stderr, f"[{guest.name}] vmailctl dns {args} said: {p.stderr!r}"
    return p.stdout.decode()


def test_820_zone_passes_checker_and_json_agrees(guest, tmp_path):
    text = _dns(guest)
    _checkzone(tmp_path, guest.domain, text)
    recs = _records(text)
    host = guest.hostname + "."
    # the server's records, once, with the address found at run time
    assert [v for n, t, v in recs if t == "A"] == [guest.ip], recs
    assert (host, "A", guest.ip) in recs
    rev = ".".join(reversed(guest.ip.split("."))) + ".in-addr.arpa."
    assert f"; {rev} 3600 IN PTR {host}" in text.splitlines(), \
        "no advisory PTR comment for the guest's address"
    assert (f"{guest.domain}.", "MX", f"10 {host}") in recs
    assert (f"{guest.domain}.", "TXT", '"v=spf1 mx -all"') in recs
    assert (f"_submissions._tcp.{guest.domain}.", "SRV", f"0 1 465 {host}") in recs
    assert (f"_imap._tcp.{guest.domain}.", "SRV", "0 0 0 .") in recs
    # every record after a comment saying why
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if RECORD.match(line):
            assert i and lines[i - 1].startswith("; "), f"no why before {line}"

    js = json.loads(_dns(guest, "--json"))
    assert all(set(r) == {"name", "type", "value", "ttl", "why", "scope", "advisory"}
               for r in js), js[:2]
    from_json = sorted((r["name"], r["type"], r["value"]) for r in js if not r["advisory"])
    assert from_json == sorted(recs), "--json and the zone text differ"
    assert [r["type"] for r in js if r["advisory"]] == ["PTR"] * len(
        [r for r in js if r["advisory"]]) and any(r["advisory"] for r in js)


def _served_spki_sha256(guest, tmp_path):
    with smtplib.SMTP(guest.ip, 25, timeout=30) as s:
        s.ehlo("tlsa.example.net")
        s.starttls(context=tls_context())
        der = s.sock.getpeercert(binary_form=True)
    pem = tmp_path / "served.pem"
    pem.write_text(ssl.DER_cert_to_PEM_cert(der))
    pub = subprocess.run(["openssl", "x509", "-in", str(pem), "-noout", "-pubkey"],
                         capture_output=True, check=True).stdout
    spki = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                          capture_output=True, check=True).stdout
    return hashlib.sha256(spki).hexdigest()


def test_820_tlsa_matches_the_certificate_on_port_25(guest, tmp_path):
    recs = _records(_dns(guest, guest.domain))
    tlsa = [v for n, t, v in recs if t == "TLSA"]
    assert [n for n, t, v in recs if t == "TLSA"] == [f"_25._tcp.{guest.hostname}."], recs
    want = _served_spki_sha256(guest, tmp_path)
    assert tlsa == [f"3 1 1 {want}"], \
        f"TLSA {tlsa} is not the served key's 3 1 1 {want}"


def _publish(domain, text):
    """Publish the records of domain from `vmailctl dns DOMAIN` output as
    they are, in a zone of their own; wait until the server has them."""
    own = [line for line in text.splitlines()
           if RECORD.match(line) and RECORD.match(line).group(1).endswith(f"{domain}.")]
    write_zone(domain, "$TTL 60\n"
               f"{domain}. 60 IN SOA ns.example.net. hostmaster.{domain}. 1 3600 600 86400 60\n"
               f"{domain}. 60 IN NS ns.example.net.\n" + "\n".join(own) + "\n")
    for name, rtype, value in _records("\n".join(own)):
        if rtype == "TXT":
            wait_for(name.rstrip("."), "TXT",
                     "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', value)))


def _dnsfunc(name, timeout=5):
    """python3-dkim's key lookup, answered by the test DNS server."""
    rcode, vals = query(name.decode().rstrip("."), "TXT")
    return vals[0].encode() if vals else None


def _selector(data):
    head = data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    sig = re.search(rb"^DKIM-Signature:(.*(?:\n[ \t].*)*)", head, re.M | re.I)
    sel = sig and re.search(rb"\bs=([^;\s]+)", sig.group(1))
    return sel.group(1).decode() if sel else None


def _signed_with(guest, sender, selector, what):
    """Submit from sender until rspamd signs with selector (its map poll);
    the message as delivered."""
    deadline = time.monotonic() + MAP_DELAY
    seen = []
    while True:
        rcpt = guest.add_user(f"{what}-to")
        msg, marker = make_message(sender.address, rcpt.address, what)
        with submission(guest, 587, sender) as s:
            send(s, sender.address, rcpt.address, msg)
        _, data = guest.wait_for_message(rcpt.address, marker)
        seen.append(_selector(data))
        if seen[-1] == selector:
            return data if b"\r\n" in data else data.replace(b"\n", b"\r\n")
        assert time.monotonic() < deadline, \
            f"no mail signed with {selector} within {MAP_DELAY}s: {seen}"
        time.sleep(3)


def test_820_dkim_record_verifies_what_rspamd_signs(guest):
    domain = f"dns{token()}.example"
    guest.vmailctl("domain", "add", domain)
    try:
        sender = guest.add_user("dnsdkim", domain=domain)
        text = _dns(guest, domain)
        keys = [(n, v) for n, t, v in _records(text) if "._domainkey." in n]
        assert len(keys) == 1, f"expected the active key only: {keys}"
        active = keys[0][0].split(".", 1)[0]
        _publish(domain, text)
        # the MX as published: the hostname, then the backup MX
        assert sorted(query(domain, "MX")[1]) == sorted(
            f"{10 * (i + 1)} {n}." for i, n in enumerate(web.mx_names(guest)))
        data = _signed_with(guest, sender, active, "dns-dkim")
        assert dkim.verify(data, dnsfunc=_dnsfunc), \
            "the DKIM signature does not verify against the published record"

        # a rotation: both keys printed; published, the new one verifies
        guest.vmailctl("dkim", "rotate", domain)
        text = _dns(guest, domain)
        keys = [n.split(".", 1)[0] for n, t, v in _records(text) if "._domainkey." in n]
        assert len(keys) == 2 and keys[0] == active, keys
        _publish(domain, text)
        guest.vmailctl("dkim", "rotate", "--activate", domain)
        data = _signed_with(guest, sender, keys[1], "dns-dkim-rotated")
        assert dkim.verify(data, dnsfunc=_dnsfunc), \
            "mail signed with the rotated key does not verify against its record"
        # and the old key's value under the new selector fails: the
        # check can fail
        vals = {n.split(".", 1)[0]: v for n, t, v in _records(text)
                if "._domainkey." in n}
        wrong = text.replace(vals[keys[1]], vals[keys[0]])
        assert wrong != text
        _publish(domain, wrong)
        assert not dkim.verify(data, dnsfunc=_dnsfunc), \
            "a damaged record still verified: the check proves nothing"
    finally:
        remove_zone(domain)


def test_820_settings_shape_the_records(guest, tmp_path):
    """A copy of the guest's vmail.conf with a backup MX, fixed addresses
    and MTA-STS off, and a next key for a TLSA rollover: the records
    follow (the guest's own settings stay as they are)."""
    conf = f"/tmp/dns-{token()}.conf"
    nextkey = f"/tmp/next-key-{token()}.pem"
    guest.run(f"sed -e 's/^backup_mx = .*/backup_mx = mx2.example.net mx3.example.net/' "
              f"-e 's/^ipv4 = .*/ipv4 = 203.0.113.25/' -e 's/^ipv6 = .*/ipv6 = 2001:db8::25/' "
              f"-e '/^\\[mta_sts\\]/,/^\\[/s/^mode = .*/mode = none/' "
              f"/etc/vmail/vmail.conf >{conf} && "
              f"openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {nextkey} "
              f"2>/dev/null")
    try:
        p = guest.run(["env", f"VMAIL_CONF={conf}", f"VMAIL_TLS_NEXT_KEY={nextkey}",
                       "vmailctl", "dns", guest.domain])
        text = p.stdout.decode()
        _checkzone(tmp_path, guest.domain, text)
        recs = _records(text)
        host = guest.hostname + "."
        assert [v for n, t, v in recs if t == "MX"] == \
            [f"10 {host}", "20 mx2.example.net.", "30 mx3.example.net."], recs
        assert (host, "A", "203.0.113.25") in recs
        assert (host, "AAAA", "2001:db8::25") in recs
        assert not [r for r in recs if "mta-sts" in r[0]], "MTA-STS records with mode none"
        pub = guest.run(f"openssl pkey -in {nextkey} -pubout -outform DER | sha256sum")
        nxt = pub.stdout.decode().split()[0]
        tlsa = [v for n, t, v in recs if t == "TLSA"]
        assert len(tlsa) == 2 and f"3 1 1 {nxt}" in tlsa, tlsa
        assert f"; 25.113.0.203.in-addr.arpa. 3600 IN PTR {host}" in text.splitlines()
    finally:
        guest.run(["rm", "-f", conf, nextkey])
    # the guest's own settings: its backup MX (the harness pairs one),
    # MTA-STS in testing mode
    recs = _records(_dns(guest, guest.domain))
    assert [v for n, t, v in recs if t == "MX"] == [
        f"{10 * (i + 1)} {n}." for i, n in enumerate(web.mx_names(guest))]
    assert [n for n, t, v in recs if n.startswith("_mta-sts.")]
