"""Issue 7, 4.1: the hostname as a hosted domain, added later. After
"vmailctl domain add HOSTNAME" (no setup run), mail to a mailbox there is
delivered by Dovecot, over port 25 and through sendmail; root@,
postmaster@ and abuse@ the hostname still reach the administrator, and an
unknown local part is refused (550 5.1.1). "vmailctl domain del" of it
brings the old behaviour back: the hostname is this host again, its role
addresses reach the administrator, anything else is refused."""

from hostmail import assert_role_addresses_reach_admin, rcpt, sendmail
from mailclients import deliver
from vmail_guest import token


def test_777_hostname_added_and_removed(guest):
    host = guest.hostname
    assert host != guest.domain, f"[{guest.name}] the hostname is hosted already"
    guest.vmailctl("domain", "add", host)
    try:
        user = guest.add_user("onhost", domain=host)
        marker = deliver(guest, user.address, "to the hostname's mailbox")
        guest.wait_for_message(user.address, marker)
        p, marker = sendmail(guest, user.address)
        assert p.returncode == 0, p.stderr
        guest.wait_for_message(user.address, marker)
        assert_role_addresses_reach_admin(guest)
        code, text = rcpt(guest, f"nobody-{token()}@{host}")
        assert code == 550 and text.startswith(b"5.1.1"), \
            f"[{guest.name}] unknown local part of the hosted hostname: {code} {text!r}"
    finally:
        guest.vmailctl("domain", "del", "--force", host)

    code, text = rcpt(guest, user.address)
    assert code == 550 and b"local recipient table" in text, \
        f"[{guest.name}] after domain del, {user.address}: {code} {text!r}"
    assert_role_addresses_reach_admin(guest)
