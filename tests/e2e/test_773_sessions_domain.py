"""Issue 7, 3.5: a domain's changes end its users' sessions. "vmailctl
domain suspend" closes the open sessions of every mailbox of the domain
(and of no other domain's), its mailboxes cannot log in, and mail for the
domain is refused as for any domain not hosted here (554 5.7.1); "domain
resume" brings them back. "domain del --force" closes the sessions of the
mailboxes it deletes."""

import time

from hostmail import rcpt
from mailclients import deliver
from sessions import OpenSessions, assert_logins, login_ok
from vmail_guest import token


def test_773_domain_suspend_and_resume(guest):
    domain = f"susp-{token()}.example.org"
    guest.vmailctl("domain", "add", domain)
    try:
        a, b = guest.add_user("da", domain=domain), guest.add_user("db", domain=domain)
        outsider = guest.add_user("dout")
        with OpenSessions(guest, a) as sa, OpenSessions(guest, b) as sb, \
                OpenSessions(guest, outsider) as so:
            t0 = time.monotonic()
            guest.vmailctl("domain", "suspend", domain)
            sa.assert_closed(since=t0, within=10)
            sb.assert_closed(since=t0, within=10)
            so.assert_open()
        assert_logins(guest, a, False, what="a mailbox of a suspended domain")
        code, text = rcpt(guest, a.address)
        assert code == 554 and text.startswith(b"5.7.1"), \
            f"[{guest.name}] RCPT to a suspended domain: {code} {text!r}"

        guest.vmailctl("domain", "resume", domain)
        assert login_ok(guest, "imap", a.address, a.password)
        marker = deliver(guest, a.address, "domain resumed")
        guest.wait_for_message(a.address, marker)
    finally:
        guest.vmailctl("domain", "del", "--force", domain, check=False)


def test_773_domain_delete_ends_sessions(guest):
    domain = f"gone-{token()}.example.org"
    guest.vmailctl("domain", "add", domain)
    user = guest.add_user("dgone", domain=domain)
    with OpenSessions(guest, user) as s:
        t0 = time.monotonic()
        guest.vmailctl("domain", "del", "--force", domain)
        s.assert_closed(since=t0, within=10)
    assert not login_ok(guest, "imap", user.address, user.password)
