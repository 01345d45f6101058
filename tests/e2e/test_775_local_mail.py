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

from mailclients import deliver, smtp
from vmail_guest import token


def sendmail_as(guest, account, group, sender, recipient, marker):
    """sendmail -f sender recipient, run as account:group (root: as is)."""
    msg = f"From: <{sender}>\nTo: <{recipient}>\nSubject: {marker}\n\n{marker}\n"
    argv = ["/usr/sbin/sendmail", "-f", sender, recipient]
    if account != "root":
        argv = ["setpriv", f"--reuid={account}", f"--regid={group}",
                "--clear-groups"] + argv
    return guest.run(argv, input=msg, check=False)


def test_775_only_root_and_vmail_may_submit(guest):
    user = guest.add_user("local")
    marker = f"e2e-nobody-{token()}"
    p = sendmail_as(guest, "nobody", "nogroup", user.address, user.address, marker)
    assert p.returncode != 0 and b"not allowed to submit mail" in p.stderr, \
        f"[{guest.name}] sendmail as nobody: exit {p.returncode}, {p.stderr!r}"
    for account in ("vmail", "root"):
        ok = f"e2e-{account}-{token()}"
        p = sendmail_as(guest, account, account, user.address, user.address, ok)
        assert p.returncode == 0, f"[{guest.name}] sendmail as {account}: {p.stderr!r}"
        guest.wait_for_message(user.address, ok)
    assert guest.find_message(user.address, marker) is None
    assert not [q for q in guest.queue() if q.get("sender") == user.address], \
        f"[{guest.name}] something is still queued from {user.address}"


@pytest.mark.parametrize("local", ["nobody", "daemon", "www-data", "vmail"])
def test_775_system_accounts_unknown(guest, local):
    with smtp(guest) as s:
        s.mail("e2e-sender@example.net")
        code, text = s.rcpt(f"{local}@{guest.hostname}")
    assert code == 550 and text.startswith(b"5.1.1"), \
        f"[{guest.name}] RCPT {local}@{guest.hostname}: {code} {text!r}"


def test_775_role_addresses_reach_the_admin(guest):
    admin = f"admin@{guest.domain}"
    for local in ("root", "postmaster", "abuse"):
        marker = deliver(guest, f"{local}@{guest.hostname}", f"role {local}")
        guest.wait_for_message(admin, marker)
    marker = f"e2e-cron-{token()}"
    guest.run(["/usr/sbin/sendmail", "root"],
              input=f"Subject: cron output {marker}\n\n{marker}\n")
    guest.wait_for_message(admin, marker)
