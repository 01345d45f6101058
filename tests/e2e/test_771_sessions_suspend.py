"""Issue 7, 3.5: "vmailctl user suspend" closes the mailbox's open IMAP,
POP3 and ManageSieve sessions within seconds; while suspended it cannot
log in, and mail to it, or to an alias that delivers only to it, is
refused at RCPT (550 5.1.1) while an alias that also delivers elsewhere
still delivers there. "vmailctl user resume" brings it all back: login,
delivery, the alias."""

import re
import time

from hostmail import rcpt, sendmail
from mailclients import deliver
from sessions import OpenSessions, assert_logins
from vmail_guest import token, wait_until


def test_771_suspend_and_resume(guest):
    user, other = guest.add_user("susp"), guest.add_user("suspother")
    only = guest.new_address("susp-only")
    both = guest.new_address("susp-both")
    guest.vmailctl("alias", "add", only, user.address)
    guest.vmailctl("alias", "add", both, user.address, other.address)

    with OpenSessions(guest, user) as s:
        t0 = time.monotonic()
        guest.vmailctl("user", "suspend", user.address)
        s.assert_closed(since=t0, within=10)
    assert_logins(guest, user, False, what="a suspended mailbox")
    for address in (user.address, only):
        code, text = rcpt(guest, address)
        assert code == 550 and text.startswith(b"5.1.1"), \
            f"[{guest.name}] RCPT {address} of a suspended mailbox: {code} {text!r}"
    marker = deliver(guest, both, "alias while suspended")
    guest.wait_for_message(other.address, marker)
    assert guest.find_message(user.address, marker) is None
    assert guest.queued_for(user.address) == []

    guest.vmailctl("user", "resume", user.address)
    assert_logins(guest, user, True, what="a resumed mailbox")
    marker = deliver(guest, only, "after resume")
    guest.wait_for_message(user.address, marker)


def test_771_suspended_behind_aliases_and_a_catch_all(guest):
    """Deep aliases and a catch-all: a suspended mailbox's mail is refused
    (550 5.1.1), never sent to the catch-all instead; an alias two levels
    above it is refused too; an alias with another, live path delivers
    there only, and nothing bounces. Submitted on the machine (sendmail:
    no RCPT to refuse), mail for the suspended mailbox goes back to its
    sender, not to the catch-all."""
    t = token()
    domain = f"susp{t}.example"
    guest.vmailctl("domain", "add", domain)
    user = guest.add_user("susp", domain=domain)
    other = guest.add_user("catch", domain=domain)
    mid, top, wide = (f"{n}{t}@{domain}" for n in ("mid", "top", "wide"))
    guest.vmailctl("alias", "add", mid, user.address)
    guest.vmailctl("alias", "add", top, mid)
    guest.vmailctl("alias", "add", wide, mid, other.address)
    guest.vmailctl("alias", "add", f"@{domain}", other.address)

    guest.vmailctl("user", "suspend", user.address)
    for address in (user.address, f"{user.local}+tag@{domain}", mid, top):
        code, text = rcpt(guest, address)
        assert code == 550 and text.startswith(b"5.1.1"), \
            f"[{guest.name}] RCPT {address}, which leads only to a suspended mailbox: {code} {text!r}"
    sender = f"susp-{t}@example.net"
    marker = deliver(guest, wide, "deep alias while suspended", sender=sender)
    guest.wait_for_message(other.address, marker)
    time.sleep(3)   # a bounce for the dead branch would be queued by now
    assert guest.find_message(user.address, marker) is None
    assert guest.queued_for(sender) == [], f"[{guest.name}] a bounce for the dead branch"
    assert guest.queued_for(user.address) == [] and guest.queued_for(mid) == []
    assert len(guest.mail_files(other.address)) == 1, \
        f"[{guest.name}] the catch-all owner got more than the one message"

    p, marker = sendmail(guest, user.address)
    assert p.returncode == 0, p.stderr
    log = guest.log_path("postfix")
    wait_until(lambda: re.search(rf"to=<{re.escape(user.address)}>.*status=bounced",
                                 guest.read(log)),
               f"[{guest.name}] sendmail to the suspended mailbox to be returned")
    assert guest.find_message(other.address, marker) is None, \
        f"[{guest.name}] mail for the suspended mailbox reached the catch-all"

    guest.vmailctl("user", "resume", user.address)
    marker = deliver(guest, top, "deep alias after resume", sender=sender)
    guest.wait_for_message(user.address, marker)
