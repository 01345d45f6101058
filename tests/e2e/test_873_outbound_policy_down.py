"""Issue 8, outgoing mail: a policy lookup that cannot be asked is no
reason to send unprotected.

With postfix-mta-sts-resolver stopped, or vmail's first policy map
(vmail-tls-policy.socket and the connections it serves) stopped, Postfix
cannot learn whether the destination wants DANE or MTA-STS: mail to the
outside waits in the queue (deferred, never bounced, never sent; Postfix
calls it a "client TLS configuration problem" and logs the failed
lookup), and goes out once the lookup answers again.
"""

import pytest

from fakemx import MailCA, Receiver
from outbound import (cleanup_queue, reasons, send_out, stays_queued,
                      wait_deferred, wait_delivered, wait_log)
from test_871_outbound_mta_sts import StsDomain, new_name


# unit -> (what to stop, the map Postfix then cannot ask)
UNITS = {
    "postfix-mta-sts-resolver": (["postfix-mta-sts-resolver"],
                                 "socketmap:inet:127.0.0.1:8461:postfix"),
    # (Postfix keeps its connection open: the running lookups go too)
    "vmail-tls-policy.socket": (["vmail-tls-policy.socket", "vmail-tls-policy@*.service"],
                                "socketmap:inet:127.0.0.1:8462:dane"),
}


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_873_policy_lookup_down_mail_waits(guest, unit):
    stop, table = UNITS[unit]
    ca = MailCA()
    name = new_name("down")
    rx = Receiver(guest, 2, ca.self_signed(f"mx.{name}"))
    d = rcpt = None
    stopped = False
    try:
        d = StsDomain(name, rx.ip)
        guest.run(["systemctl", "stop"] + stop)
        stopped = True
        rcpt = f"someone@{d.name}"
        marker = send_out(guest, rcpt)
        entries = wait_deferred(guest, rcpt)
        why = reasons(entries, rcpt)
        assert why and all("client TLS configuration problem" in w for w in why), \
            f"[{guest.name}] deferred, but why? {why}"
        wait_log(guest, f"warning: {table} lookup error for \"{d.name}\"")
        wait_log(guest, f"warning: TLS policy lookup for {d.name}/{d.mx}: "
                 "client TLS configuration problem")
        stays_queued(guest, rcpt, rx)
        guest.run(["systemctl", "start", unit])
        stopped = False
        guest.run(["postqueue", "-i", entries[0]["queue_id"]])
        got = wait_delivered(guest, rx, marker)
        assert got["tls"]
    finally:
        if stopped:
            guest.run(["systemctl", "start", unit], check=False)
        if rcpt:
            cleanup_queue(guest, rcpt)
        rx.stop()
        if d:
            d.unpublish()
