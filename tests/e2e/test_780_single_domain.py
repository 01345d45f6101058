"""Issue 7, 4.1: the hostname as the hosted domain, from the start: the
single-domain server installed with "./install.sh --hostname example.com
--domain example.com" (the "single" guests). Mail to a mailbox of
example.com is delivered by Dovecot, over port 25 and through sendmail;
root@, postmaster@ and abuse@example.com reach the administrator (cron's
mail to plain "root" too); system accounts (nobody@, daemon@) and
unknown local parts get 550 5.1.1."""

import pytest

from mailclients import deliver, smtp
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
    path, _ = guest.wait_for_message(user.address, marker)
    marker = f"e2e-sendmail-{token()}"
    guest.run(["/usr/sbin/sendmail", user.address],
              input=f"Subject: {marker}\n\n{marker}\n")
    guest.wait_for_message(user.address, marker)


def test_780_role_addresses_reach_the_admin(guest):
    admin = f"admin@{guest.domain}"
    for local in ("root", "postmaster", "abuse"):
        marker = deliver(guest, f"{local}@{guest.hostname}", f"role {local}")
        guest.wait_for_message(admin, marker)
    marker = f"e2e-cron-{token()}"
    guest.run(["/usr/sbin/sendmail", "root"], input=f"Subject: {marker}\n\n{marker}\n")
    guest.wait_for_message(admin, marker)


@pytest.mark.parametrize("local", ["nobody", "daemon", "unknown"])
def test_780_others_unknown(guest, local):
    address = f"{local}{'-' + token() if local == 'unknown' else ''}@{guest.hostname}"
    with smtp(guest) as s:
        s.mail("e2e-sender@example.net")
        code, text = s.rcpt(address)
    assert code == 550 and text.startswith(b"5.1.1"), \
        f"[{guest.name}] RCPT {address}: {code} {text!r}"
