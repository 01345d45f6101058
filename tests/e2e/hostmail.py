"""hostmail - mail to and from this host itself, for the tests of local
submission, the hostname's addresses and the hostname as a hosted domain
(test_775, test_777, test_780).

    code, text = rcpt(guest, "nobody@mail.example.com")   # one RCPT TO
    assert_role_addresses_reach_admin(guest)   # root@, postmaster@, abuse@
                                               # the hostname, and cron's
                                               # mail to plain "root"
"""

from mailclients import EXTERNAL_SENDER, deliver, smtp
from vmail_guest import token


def rcpt(guest, address):
    """(code, text) of RCPT TO:<address> from outside, on port 25."""
    with smtp(guest) as s:
        code, text = s.mail(EXTERNAL_SENDER)
        assert code == 250, f"MAIL FROM got {code} {text!r}"
        return s.rcpt(address)


def sendmail(guest, recipient, account="root", group=None, sender=None):
    """Submit a fresh message with sendmail in the guest, as account
    (setpriv; root: as is). Returns (CompletedProcess, marker)."""
    marker = f"e2e-sendmail-{token()}"
    argv = ["/usr/sbin/sendmail"] + (["-f", sender] if sender else []) + [recipient]
    if account != "root":
        argv = ["setpriv", f"--reuid={account}", f"--regid={group or account}",
                "--clear-groups"] + argv
    msg = f"To: <{recipient}>\nSubject: {marker}\n\n{marker}\n"
    return guest.run(argv, input=msg, check=False), marker


def assert_role_addresses_reach_admin(guest):
    admin = f"admin@{guest.domain}"
    for local in ("root", "postmaster", "abuse"):
        marker = deliver(guest, f"{local}@{guest.hostname}", f"role {local}")
        guest.wait_for_message(admin, marker)
    p, marker = sendmail(guest, "root")
    assert p.returncode == 0, f"[{guest.name}] sendmail root: {p.stderr!r}"
    guest.wait_for_message(admin, marker)
