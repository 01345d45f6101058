"""Issue 7, 3.5: "vmailctl user suspend" closes the mailbox's open IMAP,
POP3 and ManageSieve sessions within seconds; while suspended it cannot
log in, and mail to it, or to an alias that delivers only to it, is
refused at RCPT (550 5.1.1) while an alias that also delivers elsewhere
still delivers there. "vmailctl user resume" brings it all back: login,
delivery, the alias."""

import time

from hostmail import rcpt
from mailclients import deliver
from sessions import OpenSessions, assert_logins


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
