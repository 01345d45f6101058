"""Issue 8, "Between servers": two vmail servers mail each other through
the MX records of the test DNS, and the receiving side's
Authentication-Results say spf=pass, dkim=pass and dmarc=pass; a reply
comes back the same way. Header privacy: what a logged-in user sends
leaves without the user's client address or EHLO name, and without the
client's software, in any header (checked on the receiving server).

Server A is the main guest of the suite (mail.example.com, .12 or .13),
with a domain of its own made for the test (srv-RANDOM.dnssec.test: MX
mx.srv-RANDOM.dnssec.test with the guest's address, SPF of that address,
DKIM as "vmailctl dns" prints it, DMARC p=reject, TLSA of the MX).
Server B is the peer of the suite (peer-SUITE.example.org, published by
tests/e2e/run after its install). Both guests have forward-confirmed reverse DNS. The
user's client is the harness (198.18.N.1, rDNS client.example.net) with
an EHLO name made for the test.

TLS, verified both ways, each way by one of the two mechanisms of
outgoing mail:
- A -> B by MTA-STS. The peer was installed with "install.sh --acme" (the
  harness prepared its vmail.conf with an enforced MTA-STS policy and
  DMARC p=reject), so its certificate comes from the test ACME CA
  (pebble); its zone is what its "vmailctl dns" prints. Server A trusts
  pebble's root for the test (as real servers trust Let's Encrypt's):
  its MTA-STS resolver fetches the peer's policy over verified HTTPS,
  and its Postfix logs "Verified TLS connection" to the peer (at the
  opportunistic level it would log "Trusted" at best).
- B -> A by DANE. Server A's test domain is under the DNSSEC-signed test
  zone (srv-RANDOM.dnssec.test, served by knot), with a TLSA 3 1 1
  record of the key server A serves on port 25: the peer's Postfix
  validates it and logs "Verified TLS connection" to A. Server A's
  certificate comes from pebble too, for the duration of the test
  (acmeca.acme_on, which restores the self-signed one after)."""

import email
import email.policy
import email.utils
import json
import os
import re
import secrets
import smtplib
import ssl
import time

import authres
import pytest

import acmeca
from dnssec import SignedDomain
from mailclients import auth_plain, tls_context
from testdns import query
from vmail_guest import HOST_IP, token
from web import get, parse_mta_sts

MAP_DELAY = 15      # rspamd's file-map poll (3 s) with a margin
HARNESS_RDNS = "client.example.net"   # the PTR of HOST_IP (tests/e2e/run)

# What a mail client typically puts in its message that tells about the
# user's machine: all of it must be gone at the receiving end.
CLIENT_HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0",
    "X-Mailer": "Apple Mail (2.3826.300.87.4.3)",
    "X-Originating-IP": f"[{HOST_IP}]",
    "X-Enigmail": "v2.2",
}


def _ptr_name(ip):
    a, b, c, d = ip.split(".")
    return f"{d}.{c}.{b}.{a}.in-addr.arpa"


def _assert_fcrdns(ip, name):
    """ip's PTR is name, and name's A records include ip."""
    rcode, ptrs = query(_ptr_name(ip), "PTR")
    assert [p.rstrip(".") for p in ptrs] == [name], \
        f"PTR of {ip}: {rcode} {ptrs} (expected {name})"
    rcode, addrs = query(name, "A")
    assert ip in addrs, f"A of {name}: {rcode} {addrs} (expected {ip} among them)"


RECORD = re.compile(r"^(\S+)\s+\d+\s+IN\s+(\S+)\s+(.*)$")
PEBBLE_ROOT_IN_GUEST = "/usr/local/share/ca-certificates/vmail-e2e-pebble-root.crt"


def _records(guest, domain):
    """[(name, type, value)] of `vmailctl dns DOMAIN` on guest, names
    without their trailing dot."""
    text = guest.vmailctl("dns", domain).stdout.decode()
    return [(m.group(1).rstrip("."), m.group(2), m.group(3))
            for m in map(RECORD.match, text.splitlines()) if m]


def _txt(value):
    """A TXT value in presentation form ("..." "...") as one string."""
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', value))


def _publish_server_domain(guest, domain):
    """Server A's test domain in the signed zone: MX, A of the MX host,
    SPF of the guest's address, DKIM (the record "vmailctl dns" prints),
    DMARC p=reject, and the TLSA 3 1 1 of the key the guest serves on
    port 25 (what a DANE-validating sender checks)."""
    served = acmeca.served_cert(guest, 25, acmeca.issuing_root())
    dkim = [(n, v) for n, t, v in _records(guest, domain.name)
            if t == "TXT" and "._domainkey." in n]
    assert len(dkim) == 1, f"DKIM records of {domain.name}: {dkim}"
    domain.add("mx", "A", guest.ip)
    domain.add("", "TXT", f'"v=spf1 ip4:{guest.ip} -all"')
    domain.add("_dmarc", "TXT",
               f'"v=DMARC1; p=reject; rua=mailto:postmaster@{domain.name}"')
    domain.add(dkim[0][0][:-len(domain.name) - 1], "TXT", dkim[0][1])
    domain.add("_25._tcp.mx", "TLSA", f"3 1 1 {served.tlsa}")
    domain.add("", "MX", f"10 mx.{domain.name}.")


@pytest.fixture
def pebble_root(guest):
    """Server A trusts the root pebble signs with, for the test (as a real
    server trusts Let's Encrypt's through ca-certificates): Postfix's
    smtp_tls_CApath and the MTA-STS resolver's HTTPS both use it."""
    root = acmeca.issuing_root()
    guest.run(["sh", "-c", f"cat > {PEBBLE_ROOT_IN_GUEST} && "
               "update-ca-certificates >/dev/null"], input=root.encode())
    yield root
    guest.run(["sh", "-c", f"rm -f {PEBBLE_ROOT_IN_GUEST} && "
               "update-ca-certificates --fresh >/dev/null"], check=False)


def _message(sender, to, subject, extra=()):
    """(bytes, marker): a message as a desktop mail client writes it, with
    the headers of CLIENT_HEADERS and a MIME-Version comment."""
    marker = "e2e-" + secrets.token_hex(8)
    lines = [
        f"From: <{sender}>",
        f"To: <{to}>",
        f"Subject: {subject} {marker}",
        f"Message-ID: <{marker}@{sender.split('@', 1)[1]}>",
        f"Date: {email.utils.formatdate(localtime=False)}",
        *[f"{k}: {v}" for k, v in CLIENT_HEADERS.items()],
        "MIME-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.300.87.4.3\\))",
        "Content-Type: text/plain; charset=us-ascii",
        *extra,
        "",
        f"Hello, this is {marker}.",
        "",
        "-- ",
        "sent between two vmail servers",
    ]
    return ("\r\n".join(lines) + "\r\n").encode(), marker


def _submit(server, user, to, msg, ehlo):
    """Submit msg on server's port 587 as user, from the harness, saying
    ehlo in EHLO (STARTTLS, AUTH PLAIN)."""
    with smtplib.SMTP(server.ip, 587, local_hostname=ehlo, timeout=30) as s:
        s.ehlo()
        s.starttls(context=tls_context())
        s.ehlo()
        code, text = auth_plain(s, user.address, user.password)
        assert code == 235, f"[{server.name}] AUTH as {user.address}: {code} {text!r}"
        s.sendmail(user.address, [to], msg)


def _wait_signed(guest, user, domain):
    """rspamd of guest signs the mail of domain with its active selector:
    after "domain add" it reads its selectors map within MAP_DELAY. Mail
    from user to user until the signature shows (local delivery)."""
    deadline = time.monotonic() + MAP_DELAY
    while True:
        msg, marker = _message(user.address, user.address, "signed?")
        _submit(guest, user, user.address, msg, "wait.example.net")
        _, data = guest.wait_for_message(user.address, marker)
        if re.search(rb"^DKIM-Signature:.*\bd=" + re.escape(domain.encode()),
                     data.split(b"\r\n\r\n", 1)[0].replace(b"\r\n\t", b" ")
                     .replace(b"\n\t", b" "), re.M | re.I):
            return
        assert time.monotonic() < deadline, \
            f"[{guest.name}] mail of {domain} not DKIM-signed within {MAP_DELAY}s"
        time.sleep(3)


def _header_block(data):
    return data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("utf-8", "replace")


def _check_received(receiver, sender, data, domain, user_address, ehlo):
    """What the receiving server got: from the sending server over TLS,
    spf/dkim/dmarc pass for domain, no trace of the user's client."""
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    head = _header_block(data)

    # Authentication-Results of the receiving server (its own, on top)
    values = msg.get_all("Authentication-Results") or []
    assert len(values) == 1, f"Authentication-Results headers: {values}\n{head}"
    ar = authres.AuthenticationResultsHeader.parse(
        "Authentication-Results: " + " ".join(values[0].split()))
    assert ar.authserv_id == receiver.hostname, ar
    results = {r.method: r for r in ar.results}
    for method in ("spf", "dkim", "dmarc"):
        assert method in results and results[method].result == "pass", \
            f"[{receiver.name}] {method} is not pass: {values[0]}"

    def prop(method, ptype, name):
        for p in results[method].properties:
            if p.type == ptype and p.name == name:
                return p.value
        return None
    assert prop("spf", "smtp", "mailfrom") == user_address, values[0]
    assert prop("dkim", "header", "d") == domain, values[0]
    assert prop("dmarc", "header", "from") == domain, values[0]

    # The receiving server's Received (Dovecot's LMTP one aside): from
    # the sending server, over TLS; then the sending server's own hop,
    # still on record, without the client; nothing before it.
    received = [" ".join(r.split()) for r in msg.get_all("Received") or []
                if " with LMTP " not in " ".join(r.split())]
    assert len(received) == 2, f"Received headers (LMTP aside): {received}\n{head}"
    top, hop = received
    assert top.startswith("from ") and f"[{sender.ip}])" in top, \
        f"top Received not from {sender.ip}: {top}"
    assert f"by {receiver.hostname} (Postfix) with ESMTPS " in top, \
        f"not received over TLS (ESMTPS): {top}"
    assert re.match(rf"from authenticated-user by {re.escape(sender.hostname)} "
                    r"\(Postfix\) with (ESMTPSA|UTF8SMTPSA) id \w+; \S", hop), \
        f"the sending server's Received: {hop!r}\n{head}"

    # Header privacy: the client's address, its reverse DNS name, its EHLO
    # name and its software appear nowhere in the headers.
    ip_re = re.compile(r"(?<![\d.])" + re.escape(HOST_IP) + r"(?![\d])")
    assert not ip_re.search(head), f"the client's address {HOST_IP} leaked:\n{head}"
    for name in (ehlo, HARNESS_RDNS):
        assert name.lower() not in head.lower(), f"{name} leaked:\n{head}"
    for h in CLIENT_HEADERS:
        assert msg.get(h) is None, f"{h} leaked: {msg.get(h)}"
    assert msg.get("MIME-Version") == "1.0", msg.get("MIME-Version")

    # Good mail between two well set-up servers is not spam.
    assert msg.get("X-Spam") is None, f"marked as spam:\n{head}"


def _mail_between(sender, user, receiver, rcpt, domain, ehlo, mx, mx_ip,
                  subject, extra=()):
    """user, logged in on server sender from a machine saying ehlo, writes
    to rcpt of server receiver: it arrives in the inbox as _check_received
    wants it, and sender's Postfix logged a verified TLS connection to mx
    (mx_ip) for it. Returns the message's marker."""
    msg, marker = _message(user.address, rcpt.address, subject, extra=extra)
    seen = len(sender.read("/var/log/mail.log"))
    _submit(sender, user, rcpt.address, msg, ehlo)
    _, data = receiver.wait_for_message(rcpt.address, marker, timeout=90)
    path, _ = receiver.find_message(rcpt.address, marker)
    assert not path.startswith(".Junk"), f"[{receiver.name}] filed as {path}"
    _check_received(receiver, sender, data, domain, user.address, ehlo)
    log = sender.read("/var/log/mail.log")[seen:]
    assert re.search(r"Verified TLS connection established to "
                     rf"{re.escape(mx)}\[{re.escape(mx_ip)}\]:25", log), \
        f"[{sender.name}] no verified TLS connection to {mx} logged"
    return marker


def test_900_world_is_real(guest, peer):
    """The peer looks like a real server on the internet: its DNS is what
    its "vmailctl dns" prints (MX, SPF, DKIM of its own key, DMARC
    p=reject from its vmail.conf, the MTA-STS id), both servers have
    forward-confirmed reverse DNS, and its certificate, which install.sh
    --acme got, is pebble's and names the hostname and the mta-sts. and
    autoconfig. names of its domain, on every port."""
    d = peer.domain
    recs = _records(peer, d)
    want = {(n, t): v for n, t, v in recs if t in ("MX", "TXT")}
    assert (d, "MX") in want and (f"_mta-sts.{d}", "TXT") in want, recs
    for (name, rtype), value in want.items():
        rcode, got = query(name, rtype)
        expected = _txt(value) if rtype == "TXT" else value
        assert got == [expected], \
            f"{name} {rtype} in the test DNS: {rcode} {got}; vmailctl dns: {expected}"
    assert want[(d, "MX")] == f"10 {peer.hostname}.", want
    assert _txt(want[(f"_dmarc.{d}", "TXT")]).startswith("v=DMARC1; p=reject;"), want
    _assert_fcrdns(peer.ip, peer.hostname)
    _assert_fcrdns(guest.ip, guest.hostname)

    status = json.loads(peer.vmailctl("cert", "status", "--json").stdout)
    assert status["acme"] and not status["self_signed"], status
    assert status["last_run"] and status["last_run"]["result"] in ("issued", "current"), status
    root = acmeca.issuing_root()
    names = sorted([peer.hostname, f"mta-sts.{d}", f"autoconfig.{d}"])
    for port, sni in ((25, peer.hostname), (465, peer.hostname), (993, peer.hostname),
                      (443, f"mta-sts.{d}"), (443, f"autoconfig.{d}")):
        served = acmeca.served_cert(peer, port, root, server_name=sni)
        assert served.verified, f"[{peer.name}] port {port} ({sni}): {served.error}"
        assert served.names == names, f"[{peer.name}] port {port}: {served}"

    ctx = ssl.create_default_context(cadata=root)
    policy = parse_mta_sts(get(peer, f"mta-sts.{d}", "/.well-known/mta-sts.txt",
                               context=ctx).text())
    assert policy["mode"] == "enforce" and policy["mx"] == [peer.hostname], policy


def test_900_mail_and_reply_between_servers(guest, peer, pebble_root):
    # Server A's certificate comes from pebble as well, for the test (the
    # names both main guests share are held meanwhile: acmeca.SharedNames).
    with acmeca.acme_on(guest) as acme:
        served = acmeca.served_cert(guest, 25, acme.root)
        assert served.verified and guest.hostname in served.names, \
            f"[{guest.name}] port 25 serves {served}: {served.error}"
        domain = SignedDomain("srv")
        guest.vmailctl("domain", "add", domain.name)
        try:
            _publish_server_domain(guest, domain)
            alice = guest.add_user("alice", domain=domain.name)
            bob = peer.add_user("bob", domain=peer.domain)
            _wait_signed(guest, alice, domain.name)

            # A -> B: alice, logged in on A from her laptop, writes to bob;
            # A's Postfix verified the peer's certificate (MTA-STS enforce,
            # pebble's certificate) ...
            marker = _mail_between(guest, alice, peer, bob, domain.name,
                                   f"laptop-{token()}.home.example.net",
                                   peer.hostname, peer.ip, "between servers")
            # ... and it was MTA-STS that asked for it: A's policy maps
            # (vmailctl tls-policy first: no DANE for the unsigned domain)
            for port, map_name, want in (("8462", "dane", None),
                                         ("8461", "postfix", "secure match=")):
                p = guest.run(["postmap", "-q", peer.domain,
                               f"socketmap:inet:127.0.0.1:{port}:{map_name}"],
                              check=False)
                got = p.stdout.decode().strip()
                assert (want in got) if want else (p.returncode == 1 and not got), \
                    f"[{guest.name}] {map_name} policy of {peer.domain}: {p.returncode} {got!r}"

            # B -> A: bob replies from his phone, through his server, whose
            # Postfix verified A by DANE.
            _mail_between(peer, bob, guest, alice, peer.domain,
                          f"phone-{token()}.mobile.example.org",
                          f"mx.{domain.name}", guest.ip, "Re: between servers",
                          extra=[f"In-Reply-To: <{marker}@{domain.name}>"])
        finally:
            domain.remove()


def test_900_docs_postmap_command(guest):
    """security.md's way to see what header privacy does to a header
    works as shown (test_795 runs no postmap commands)."""
    doc = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "..", "docs", "security.md")
    lines = open(doc).read().splitlines()
    i = next(n for n, l in enumerate(lines)
             if l.strip().startswith("# postmap -q") and "submission-header-checks" in l)
    command, shown = lines[i].strip()[2:], lines[i + 1].strip()
    out = guest.run(["sh", "-c", command]).stdout.decode().strip()
    assert out == shown, f"'{command}' printed {out!r}, security.md shows {shown!r}"
