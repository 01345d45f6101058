"""Issue 7, 3.6: local submission and this host's own addresses.

Only root and the mail system (vmail, the user Dovecot delivers as:
Sieve redirects, vacation replies) may submit mail with sendmail: another
local account (nobody, run with setpriv in the guest) is refused and
nothing is queued or delivered, even with a hosted address as sender.

Mail to system accounts of the hostname (nobody@, daemon@) is refused at
RCPT with 550 5.1.1; root@, postmaster@ and abuse@ the hostname still
reach the administrator, and so does mail to plain "root" from this
machine (cron)."""

import pytest

from hostmail import assert_role_addresses_reach_admin, rcpt, sendmail


def test_775_only_root_and_vmail_may_submit(guest):
    user = guest.add_user("local")
    p, refused = sendmail(guest, user.address, "nobody", "nogroup", sender=user.address)
    assert p.returncode != 0 and b"not allowed to submit mail" in p.stderr, \
        f"[{guest.name}] sendmail as nobody: exit {p.returncode}, {p.stderr!r}"
    for account in ("vmail", "root"):
        p, marker = sendmail(guest, user.address, account, sender=user.address)
        assert p.returncode == 0, f"[{guest.name}] sendmail as {account}: {p.stderr!r}"
        guest.wait_for_message(user.address, marker)
    assert guest.find_message(user.address, refused) is None
    assert not [q for q in guest.queue() if q.get("sender") == user.address], \
        f"[{guest.name}] something is still queued from {user.address}"


@pytest.mark.parametrize("local", ["nobody", "daemon", "www-data", "vmail"])
def test_775_system_accounts_unknown(guest, local):
    code, text = rcpt(guest, f"{local}@{guest.hostname}")
    assert code == 550 and text.startswith(b"5.1.1"), \
        f"[{guest.name}] RCPT {local}@{guest.hostname}: {code} {text!r}"


def test_775_role_addresses_reach_the_admin(guest):
    assert_role_addresses_reach_admin(guest)
