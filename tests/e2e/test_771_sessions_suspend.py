"""Issue 7, 3.5: "vmailctl user suspend" closes the mailbox's open IMAP,
POP3 and ManageSieve sessions within seconds; while suspended it cannot
log in, and mail to it, or to an alias that delivers only to it, is
refused at RCPT (550 5.1.1) while an alias that also delivers elsewhere
still delivers there. "vmailctl user resume" brings it all back: login,
delivery, the alias."""

import time

from mailclients import deliver, smtp
from sessions import PROTOCOLS, OpenSessions, login_ok


def rcpt(guest, address):
    with smtp(guest) as s:
        code, text = s.mail("e2e-sender@example.net")
        assert code == 250, text
        return s.rcpt(address)


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
    for proto in PROTOCOLS:
        assert not login_ok(guest, proto, user.address, user.password), \
            f"[{guest.name}] {proto}: a suspended mailbox logs in"
    for address in (user.address, only):
        code, text = rcpt(guest, address)
        assert code == 550 and text.startswith(b"5.1.1"), \
            f"[{guest.name}] RCPT {address} of a suspended mailbox: {code} {text!r}"
    marker = deliver(guest, both, "alias while suspended")
    guest.wait_for_message(other.address, marker)
    assert guest.find_message(user.address, marker) is None
    assert guest.queued_for(user.address) == []

    guest.vmailctl("user", "resume", user.address)
    for proto in PROTOCOLS:
        assert login_ok(guest, proto, user.address, user.password), \
            f"[{guest.name}] {proto}: a resumed mailbox does not log in"
    marker = deliver(guest, only, "after resume")
    guest.wait_for_message(user.address, marker)
