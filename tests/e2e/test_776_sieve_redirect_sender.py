"""Issue 7, 3.6: a Sieve "redirect" keeps a safe envelope sender. Mail
from an outside sender that a user's script redirects to an outside
address leaves with the user's own (hosted) address as its envelope
sender, not the original sender's: sending as a stranger's domain would
fail its SPF, and bounces would go to the stranger. (The outside domain's
MX points where nothing listens, so the redirect waits in the queue,
where its envelope can be read.)"""

from mailclients import EXTERNAL_SENDER, ManageSieve, deliver
from vmail_guest import token


def test_776_redirect_uses_the_users_address(guest):
    user = guest.add_user("redir")
    target = f"redir-{token()}@example.net"
    with ManageSieve(guest.ip) as ms:
        ms.starttls()
        ms.authenticate_plain(user.address, user.password)
        ms.putscript("fwd", f'redirect "{target}";\n')
        ms.setactive("fwd")
    deliver(guest, user.address, "to be redirected", sender=EXTERNAL_SENDER)
    queued = guest.wait_for_queue(
        lambda q: any(r.get("address") == target for r in q.get("recipients", [])),
        f"the redirect to {target}")
    try:
        senders = {q.get("sender") for q in queued}
        assert senders == {user.address}, \
            f"[{guest.name}] the redirect's envelope sender is {senders}, " \
            f"not {user.address}"
    finally:
        guest.drop_from_queue(queued)
