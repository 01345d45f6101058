"""Issue 8, backup MX (docs/backup-mx.md): a server installed with
"--role backup-mx --primary primary-SUITE.example.net" (the "backup"
guests) accepts mail for its primary's domains, for the addresses that
exist there and no other, filters it as the primary does, queues it while
the primary is down and hands it over once it is back.

Three guests of one suite: the backup (this test's guest), its primary
(the main guest, paired by tests/e2e/run) and a sender (the "single"
guest, a full vmail server whose Postfix falls back to the MX of lower
preference, as every MTA does). Each test makes its own domain on the
primary, published in the test DNS with MX 10 at the primary and MX 20 at
the backup. "The primary is down" is modelled for the sender and the
backup only (a route "unreachable" to the primary in their network
namespaces: connections fail at once), so that the primary's own tests,
which run meanwhile, are not disturbed.
"""

import contextlib
import json
import re
import subprocess
import time

import pytest

import antivirus
import spamfilter
import testdns
from mailclients import EXTERNAL_SENDER, make_message, smtp
from vmail_guest import _INSTANCE, Guest, token, wait_until

pytestmark = pytest.mark.kind("backup")

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
SFX = "" if _INSTANCE == "0" else "-" + _INSTANCE


def netns(g):
    return f"vmail{SFX}-{g.name}"


@contextlib.contextmanager
def unreachable(primary, *guests):
    """The primary is down as far as guests can tell: their connections to
    it fail at once (No route to host)."""
    for g in guests:
        subprocess.run(["ip", "-n", netns(g), "route", "replace",
                        "unreachable", f"{primary.ip}/32"], check=True)
    try:
        yield
    finally:
        for g in guests:
            subprocess.run(["ip", "-n", netns(g), "route", "del",
                            "unreachable", f"{primary.ip}/32"], check=False)


@pytest.fixture(scope="module")
def trio(guest):
    """(backup, primary, sender), each ready (the primary and the sender
    may be tested by their own pytest process meanwhile: preparing them
    again changes nothing)."""
    try:
        primary, sender = Guest(guest.primary), Guest(guest.sender)
    except FileNotFoundError:
        pytest.fail(f"the backup MX tests need {guest.primary} (the primary) "
                    f"and {guest.sender} (the sender) running: add them to "
                    "VMAIL_E2E_GUESTS")
    for g in (primary, sender):
        antivirus.prepare(g)
        spamfilter.prepare(g)
    # The backup greylists a server it has never seen (as its primary
    # does): not what these tests are about.
    with spamfilter.spam_settings(guest, greylisting="no"):
        yield guest, primary, sender


class Domain:
    """A domain of the primary, with MX 10 primary, MX 20 backup."""

    def __init__(self, backup, primary):
        self.backup, self.primary = backup, primary
        self.name = f"bmx-{token()}.example.org"
        primary.vmailctl("domain", "add", self.name)
        testdns.write_zone(self.name, "\n".join([
            f"$ORIGIN {self.name}.",
            "$TTL 60",
            f"@ IN SOA ns.example.net. hostmaster.{self.name}. 1 3600 600 86400 60",
            "@ IN NS ns.example.net.",
            f"@ IN MX 10 primary-{primary.suite}.example.net.",
            f"@ IN MX 20 backup-{backup.suite}.example.net.",
        ]) + "\n")
        testdns.wait_for(self.name, "MX", testdns.ANY)

    def close(self):
        testdns.remove_zone(self.name)
        self.primary.vmailctl("domain", "del", "--force", self.name, check=False)


@pytest.fixture
def domain(trio):
    backup, primary, _ = trio
    d = Domain(backup, primary)
    yield d
    d.close()
    backup.vmailctl("backup-mx", "sync", check=False)


def sync(backup):
    backup.vmailctl("backup-mx", "sync")


def rcpt_code(backup, address):
    with smtp(backup, 25) as s:
        assert s.mail(EXTERNAL_SENDER)[0] == 250
        return s.rcpt(address)


def verified_rcpt_code(backup, address, timeout=60):
    """rcpt_code() for an address the backup verifies with the primary:
    Postfix waits a few seconds for its probe, then answers 450 "in
    progress" (the sender would retry); ask again until the probe's
    answer is there."""
    deadline = time.monotonic() + timeout
    while True:
        code, text = rcpt_code(backup, address)
        if code != 450 or b"in progress" not in text.lower() or \
                time.monotonic() > deadline:
            return code, text
        time.sleep(2)


def test_890_backup_is_paired_and_lean(trio):
    """The harness paired the backup: its list is the primary's; the
    timer that refreshes it is on; it has no mailboxes and says so."""
    backup, primary, _ = trio
    listed = backup.vmailctl("backup-mx", "list").stdout.decode()
    assert listed.startswith("vmail-recipients 1\n") and "\ndomain example.com\n" in listed, listed
    assert backup.run(["systemctl", "is-enabled", "vmail-backup-mx-sync.timer"],
                      check=False).stdout.strip() == b"enabled"
    assert primary.run(["systemctl", "is-active", "vmail-backup-mx.socket"],
                       check=False).stdout.strip() == b"active"
    p = backup.vmailctl("user", "add", "--password-stdin", "x@example.com",
                        input="secret-password-1\n", check=False)
    assert p.returncode == 1 and b"backup MX" in p.stderr and \
        f"primary-{backup.suite}.example.net".encode() in p.stderr, p.stderr
    assert backup.run("postconf -h relay_transport").stdout.strip() == \
        f"vmail-primary:[primary-{backup.suite}.example.net]:25".encode()
    assert backup.run("postconf -h maximal_queue_lifetime").stdout.strip() == b"7d"
    st = json.loads(backup.vmailctl("backup-mx", "status", "--json").stdout)
    assert st["paired"] is True and st["primary"] == f"primary-{backup.suite}.example.net"
    assert st["domains"] >= 1 and st["addresses"] >= 1, st
    assert st["synced"] is not None and time.time() - st["synced"] < 3600, st
    # no mailboxes, no logins: Dovecot does not run
    assert backup.run(["systemctl", "is-active", "dovecot"],
                      check=False).stdout.strip() == b"inactive"


def test_891_list_follows_user_add(trio, domain):
    """A mailbox added on the primary is accepted by the backup at once,
    before the next sync: an address not in the list is verified with the
    primary (a probe at RCPT). After the sync it is in the list."""
    backup, primary, _ = trio
    sync(backup)
    # (another address: the backup remembers a refusal for a while)
    assert verified_rcpt_code(backup, f"never-{token()}@{domain.name}")[0] == 550
    address = f"late-{token()}@{domain.name}"
    primary.add_user(address=address)
    listed = backup.vmailctl("backup-mx", "list").stdout.decode()
    assert f"rcpt {address}\n" not in listed, "the list changed without a sync"
    code, text = verified_rcpt_code(backup, address)
    assert code == 250, ("a new address refused before a sync", code, text)
    sync(backup)
    assert f"rcpt {address}\n" in backup.vmailctl("backup-mx", "list").stdout.decode()
    assert rcpt_code(backup, address)[0] == 250


def test_892_unknown_recipient_550(trio, domain):
    """The backup refuses, at RCPT, an address the primary does not have
    (no backscatter), and mail for a domain that is not the primary's."""
    backup, primary, _ = trio
    user = primary.add_user("known", domain=domain.name)
    sync(backup)
    code, text = verified_rcpt_code(backup, f"nobody-{token()}@{domain.name}")
    assert code == 550, (code, text)
    with smtp(backup, 25) as s:
        assert s.mail(EXTERNAL_SENDER)[0] == 250
        assert s.rcpt(user.address)[0] == 250
        code, text = s.rcpt(f"someone@not-hosted-{token()}.example.org")
        assert code in (454, 554) and b"Relay access denied" in text, (code, text)
    # a subdomain of a listed domain is not listed (Postfix's parent
    # domain matching is off for relay_domains and access maps), not even
    # under a catch-all, which is "DOMAIN OK" in the access map (a new
    # session: an smtpd process reads texthash maps when it starts)
    primary.vmailctl("alias", "add", f"@{domain.name}", user.address)
    sync(backup)
    assert f"rcpt @{domain.name}\n" in backup.vmailctl("backup-mx", "list").stdout.decode()
    with smtp(backup, 25) as s:
        assert s.mail(EXTERNAL_SENDER)[0] == 250
        code, text = s.rcpt(f"someone@sub.{domain.name}")
        assert code in (454, 554) and b"Relay access denied" in text, (code, text)
        assert s.rcpt(f"anyone-{token()}@{domain.name}")[0] == 250, "catch-all"


def test_893_gtube_refused(trio, domain):
    """The backup filters as the primary does: GTUBE gets 5.7.1 at the end
    of DATA, and nothing is queued."""
    backup, primary, _ = trio
    user = primary.add_user("gtube", domain=domain.name)
    sync(backup)
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "gtube",
                               body=["This is spam.", GTUBE])
    with smtp(backup, 25) as s:
        assert s.mail(EXTERNAL_SENDER)[0] == 250
        assert s.rcpt(user.address)[0] == 250
        code, text = s.data(msg)
    assert code == 554 and text.startswith(b"5.7.1"), \
        f"DATA with GTUBE got {code} {text!r}\n{backup.explain(marker)}"
    assert backup.queued_for(user.address) == []


def test_894_queued_while_primary_down_delivered_once(trio, domain):
    """Primary down: the sender's Postfix falls back to the backup (MX 20),
    which queues the mail. Primary back: the backup hands it over, and it
    is delivered exactly once."""
    backup, primary, sender = trio
    user = primary.add_user("bmx", domain=domain.name)
    sync(backup)
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "backup mx")
    with unreachable(primary, sender, backup):
        sender.run(["/usr/sbin/sendmail", "-i", "-f", EXTERNAL_SENDER,
                    user.address], input=msg)
        backup.wait_for_queue(
            lambda q: any(r.get("address") == user.address
                          for r in q.get("recipients", [])),
            f"the message for {user.address} in the backup's queue", timeout=120)
        # accepted by the backup: not waiting at the sender
        wait_until(lambda: sender.queued_for(user.address) == [],
                   "the sender's queue to hand the message to the backup", 60)
        time.sleep(2)
        assert primary.find_message(user.address, marker) is None
    # back: the backup's next try (now, instead of its backoff) delivers it
    backup.run("postqueue -f")
    path, data = primary.wait_for_message(user.address, marker, timeout=120)
    assert f"backup-{backup.suite}.example.net".encode() in data, \
        "no Received line of the backup"
    wait_until(lambda: backup.queued_for(user.address) == [],
               "the backup's queue to empty", 60)
    # handed over over TLS, verified by the primary's pinned key
    assert re.search(rf"vmail-primary/smtp\[\d+\]: Verified TLS connection "
                     rf"established to primary-{backup.suite}\.example\.net".encode(),
                     backup.run(["tail", "-n", "3000", "/var/log/mail.log"]).stdout), \
        "no verified TLS hand-over in the backup's log"
    time.sleep(3)
    copies = [p for p, d in primary.mail_files(user.address).items()
              if marker.encode() in d]
    assert len(copies) == 1, f"delivered {len(copies)} times: {copies}"


def test_895_list_kept_while_primary_down(trio, domain):
    """When the primary cannot be reached, a sync fails and says why, and
    the backup keeps accepting what the last good list holds: exactly
    when that list is needed."""
    backup, primary, _ = trio
    user = primary.add_user("kept", domain=domain.name)
    sync(backup)
    before = backup.vmailctl("backup-mx", "list").stdout
    synced = json.loads(backup.vmailctl("backup-mx", "status", "--json").stdout)["synced"]
    time.sleep(1)
    with unreachable(primary, backup):
        p = backup.vmailctl("backup-mx", "sync", check=False)
        assert p.returncode == 1 and b"stays in use" in p.stderr, p.stderr
        assert backup.vmailctl("backup-mx", "list").stdout == before
        assert json.loads(backup.vmailctl("backup-mx", "status", "--json")
                          .stdout)["synced"] == synced
        assert rcpt_code(backup, user.address)[0] == 250
        # an address the list does not have cannot be verified now: 450,
        # so that the sender retries (it may be new on the primary), never
        # 550 (a bounce) nor 250 (a message the backup might only bounce)
        code, text = rcpt_code(backup, f"unlisted-{token()}@{domain.name}")
        assert code == 450, (code, text)


def test_896_list_needs_the_token(trio):
    """The primary serves its list only to a client that presents a
    backup's token, over TLS; a wrong token gets "NO" and nothing else."""
    import socket
    import ssl
    _, primary, _ = trio
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((primary.ip, 8025), timeout=30) as raw:
        with ctx.wrap_socket(raw) as s:
            s.sendall(b"LIST " + b"0" * 64 + b"\n")
            got = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
    assert got.startswith(b"NO") and b"rcpt" not in got, got
    assert re.search(rb"refused: no valid token", primary.run(
        "journalctl -u 'vmail-backup-mx@*' --no-pager -n 50").stdout)
    # and a refused client leaves no failed unit behind
    time.sleep(2)
    failed = primary.run(["systemctl", "--failed", "--no-legend", "--plain"]).stdout
    assert b"vmail-backup-mx" not in failed, failed


def test_898_serve_waits_for_the_network_unprivileged(trio):
    """Privilege separation: "backup-mx serve" reads its secrets and the
    directory as root, then becomes _vmail-bmx before it reads a byte from
    the network. A client that connects and sends nothing finds it
    waiting for the TLS handshake as _vmail-bmx (real, effective, saved
    and file-system IDs), with no capability and no group but its own."""
    import socket
    _, primary, _ = trio
    pw = primary.run(["getent", "passwd", "_vmail-bmx"]).stdout.decode().split(":")
    uid, gid = pw[2], pw[3]
    assert uid != "0" and gid != "0", pw
    with socket.create_connection((primary.ip, 8025), timeout=30):
        deadline = time.monotonic() + 10
        while True:
            pids = primary.run(["pgrep", "-f", "vmailctl backup-mx serve"],
                               check=False).stdout.decode().split()
            status = [primary.read(f"/proc/{p}/status") for p in pids]
            status = [st for st in status if st]
            if status and all(re.search(rf"^Uid:\t{uid}\t{uid}\t{uid}\t{uid}$", st, re.M)
                              for st in status):
                break
            assert time.monotonic() < deadline, \
                f"serve does not wait as _vmail-bmx ({uid}): {status}"
            time.sleep(0.2)
        for st in status:
            assert re.search(rf"^Gid:\t{gid}\t{gid}\t{gid}\t{gid}$", st, re.M), st
            assert re.search(rf"^Groups:\t{gid} ?$", st, re.M), st
            for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
                assert re.search(rf"^{cap}:\t0+$", st, re.M), (cap, st)
            assert re.search(r"^NoNewPrivs:\t1$", st, re.M), st


def test_897_handover_only_to_the_pinned_key(trio, domain):
    """The backup hands mail over only to the primary's pinned key: with
    another pin in its TLS policy the mail stays queued (never sent
    unverified); the next sync puts the right pin back, and it goes."""
    backup, primary, _ = trio
    user = primary.add_user("pin", domain=domain.name)
    sync(backup)
    policy = "/var/lib/vmail/backup-mx/tls-policy"
    good = backup.run(["cat", policy]).stdout
    assert f"[primary-{backup.suite}.example.net]:25 fingerprint match=".encode() in good, good
    wrong = re.sub(rb"match=\S+", b"match=" + b":".join([b"00"] * 32), good)
    backup.run(["sh", "-c", f"cat > {policy} && postfix reload"], input=wrong)
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "pinned")
    with smtp(backup, 25) as s:
        assert s.mail(EXTERNAL_SENDER)[0] == 250
        assert s.rcpt(user.address)[0] == 250
        assert s.data(msg)[0] == 250
    try:
        wait_until(lambda: any("fingerprint" in (r.get("delay_reason") or "").lower()
                               or "certificate" in (r.get("delay_reason") or "").lower()
                               for q in backup.queued_for(user.address)
                               for r in q.get("recipients", [])),
                   "the hand-over to be refused for the wrong key", 120)
        assert primary.find_message(user.address, marker) is None
    finally:
        sync(backup)
    assert backup.run(["cat", policy]).stdout == good
    backup.run("postqueue -f")
    primary.wait_for_message(user.address, marker, timeout=120)
