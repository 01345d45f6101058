"""Issue 3, test 9: an authenticated sender is never greylisted. A user
logged in on the submission port, connecting from an address the guest
has never seen (CLIENT2_IP), has a message to a new recipient accepted at
the first attempt, and it is delivered; a message from the same address
without logging in, on port 25, is greylisted (so greylisting was on)."""

from mailclients import make_message, send, submission, try_send
from vmail_guest import CLIENT2_IP, token


def test_331_authenticated_sender_not_greylisted(guest):
    sender = guest.add_user("greysender")
    rcpt = guest.add_user("greyrcpt")
    msg, marker = make_message(sender.address, rcpt.address, "authenticated")
    with submission(guest, 587, sender, source=CLIENT2_IP) as s:
        send(s, sender.address, rcpt.address, msg)
    guest.wait_for_message(rcpt.address, marker)

    other = guest.add_user("greyrcpt2")
    stranger = f"grey-{token()}@example.net"
    msg, marker = make_message(stranger, other.address, "not authenticated")
    code, text = try_send(guest, other.address, msg, sender=stranger, source=CLIENT2_IP)
    assert 400 <= code < 500 and b"Try again later" in text, \
        f"unauthenticated, a new sender got {code} {text!r}\n{guest.explain(marker)}"
    assert guest.find_message(other.address, marker) is None
