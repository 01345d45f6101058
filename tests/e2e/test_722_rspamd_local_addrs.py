"""Issue 7, section 3, item 3: rspamd trusts only this machine.

rspamd's default local_addrs is every private range; a "local" client
is exempt from SPF and DMARC, greylisting and Authentication-Results,
and gets its mail DKIM-signed. A host on the same LAN, behind NAT or a
Docker bridge would be trusted like the server itself. vmail sets it to
127.0.0.0/8 and ::1 only (local_addrs.inc, read by options.inc in place
of rspamd's list).

The effective value is read back with `rspamadm configdump`; and a
client on another address of the test bridge (198.18.N.2, never this
machine) is greylisted, then, on its retry, gets its SPF checked and an
Authentication-Results header."""

import email
import email.policy
import ipaddress
import json
import re
import time

import spamfilter
import testdns
from mailclients import make_message, try_send
from vmail_guest import CLIENT2_IP

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]
DELAY = 10          # seconds, [spam] greylist_delay during the test


def test_722_local_addrs_is_this_machine_only(guest):
    p = guest.run(["rspamadm", "configdump", "-j", "options"])
    out = p.stdout.decode()
    options = json.loads(out[out.index("{"):])
    addrs = options["local_addrs"]
    addrs = [addrs] if isinstance(addrs, str) else addrs
    assert addrs, options
    for a in addrs:
        net = ipaddress.ip_network(a, strict=False)
        assert any(net.version == lo.version and net.subnet_of(lo) for lo in LOOPBACK), \
            f"[{guest.name}] rspamd treats {a} as this machine: local_addrs = {addrs}"
    for private in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fd00::/8"):
        assert private not in addrs, addrs


def test_722_client_on_the_lan_is_checked(guest):
    user = guest.add_user("lanrcpt")
    d = testdns.SenderDomain("lan")
    d.publish(spf=f"v=spf1 ip4:{CLIENT2_IP} -all")
    try:
        sender = f"lan@{d.name}"
        msg, marker = make_message(sender, user.address, "from the lan")
        with spamfilter.spam_settings(guest, greylist_delay=f"{DELAY}s"):
            first = time.monotonic()
            code, text = try_send(guest, user.address, msg, sender=sender,
                                  source=CLIENT2_IP)
            assert 400 <= code < 500 and b"Try again later" in text, \
                f"[{guest.name}] {CLIENT2_IP} was not greylisted: {code} {text!r}"
            time.sleep(max(0.0, first + DELAY + 2 - time.monotonic()))
            code, text = try_send(guest, user.address, msg, sender=sender,
                                  source=CLIENT2_IP)
            assert code == 250, f"[{guest.name}] the retry got {code} {text!r}"
            _, data = guest.wait_for_message(user.address, marker)
    finally:
        d.unpublish()
    m = email.message_from_bytes(data, policy=email.policy.compat32)
    ar = " ".join(" ".join(m.get_all("Authentication-Results") or []).split())
    assert re.search(rf"\bspf=pass\b[^;]*smtp\.mailfrom=\S*{re.escape(d.name)}", ar), \
        f"[{guest.name}] no SPF verdict for a client on the LAN: {ar!r}"
