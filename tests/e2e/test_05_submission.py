"""Behaviour 5: an authenticated user can send to a local mailbox
(delivered) and to an external address (queued for delivery)."""

import pytest

from vmail_guest import token
from mailclients import make_message, send, submission


@pytest.mark.parametrize("port", [587, 465])
def test_05_authenticated_send(guest, port):
    sender = guest.add_user(f"sub{port}")
    local = guest.add_user("subrcpt")
    external = f"ext-{token()}@example.net"

    msg, marker = make_message(sender.address, local.address, "to-local")
    with submission(guest, port, sender) as s:
        send(s, sender.address, local.address, msg)
    guest.wait_for_message(local.address, marker)

    msg, marker = make_message(sender.address, external, "to-external")
    with submission(guest, port, sender) as s:
        send(s, sender.address, external, msg)
    queued = guest.wait_for_queue(
        lambda q: any(r.get("address") == external for r in q.get("recipients", [])),
        f"recipient {external}")
    assert queued[0]["sender"] == sender.address
    guest.drop_from_queue(queued)
