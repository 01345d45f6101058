"""Issue 7, 4.1: the hostname as the hosted domain, from the start: the
single-domain server installed with "./install.sh --hostname example.com
--domain example.com" (the "single" guests). Mail to a mailbox of
example.com is delivered by Dovecot, over port 25 and through sendmail;
root@, postmaster@ and abuse@example.com reach the administrator (cron's
mail to plain "root" too); system accounts (nobody@, daemon@) and
unknown local parts get 550 5.1.1."""

import pytest

from hostmail import assert_role_addresses_reach_admin, rcpt, sendmail
from mailclients import deliver
from vmail_guest import token

pytestmark = pytest.mark.kind("single")


def test_780_hostname_is_the_domain(guest):
    assert guest.hostname == guest.domain, \
        f"[{guest.name}] not a single-domain guest: {guest.hostname} / {guest.domain}"
    p = guest.run(["postconf", "-h", "myhostname"])
    assert p.stdout.decode().strip() == guest.hostname


def test_780_mailboxes_delivered_by_dovecot(guest):
    user = guest.add_user("single")
    marker = deliver(guest, user.address, "single-domain delivery")
    guest.wait_for_message(user.address, marker)
    p, marker = sendmail(guest, user.address)
    assert p.returncode == 0, p.stderr
    guest.wait_for_message(user.address, marker)


def test_780_role_addresses_reach_the_admin(guest):
    assert_role_addresses_reach_admin(guest)


@pytest.mark.parametrize("local", ["nobody", "daemon", "unknown"])
def test_780_others_unknown(guest, local):
    address = f"{local}{'-' + token() if local == 'unknown' else ''}@{guest.hostname}"
    code, text = rcpt(guest, address)
    assert code == 550 and text.startswith(b"5.1.1"), \
        f"[{guest.name}] RCPT {address}: {code} {text!r}"
