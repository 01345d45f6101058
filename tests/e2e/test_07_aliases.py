"""Behaviour 7: alias forms. An alias delivers to a mailbox; an alias with
two mailboxes delivers to both; a catch-all receives mail for unknown local
parts of its domain; user+tag@ reaches user; an alias to an external
address is queued for forwarding."""

from vmail_guest import token
from mailclients import deliver


def test_07_alias_to_one_mailbox(guest):
    user = guest.add_user("al1")
    alias = guest.new_address("alias1")
    guest.vmailctl("alias", "add", alias, user.address)
    marker = deliver(guest, alias, "alias-one")
    guest.wait_for_message(user.address, marker)


def test_07_alias_to_two_mailboxes(guest):
    a, b = guest.add_user("al2a"), guest.add_user("al2b")
    alias = guest.new_address("alias2")
    guest.vmailctl("alias", "add", alias, a.address, b.address)
    marker = deliver(guest, alias, "alias-two")
    guest.wait_for_message(a.address, marker)
    guest.wait_for_message(b.address, marker)


def test_07_catch_all(guest):
    domain = f"catchall-{token()}.example.com"
    guest.vmailctl("domain", "add", domain)
    user = guest.add_user("catcher")
    guest.vmailctl("alias", "add", f"@{domain}", user.address)
    marker = deliver(guest, f"anything-{token()}@{domain}", "catch-all")
    guest.wait_for_message(user.address, marker)


def test_07_plus_addressing(guest):
    user = guest.add_user("plus")
    tagged = f"{user.local}+tag{token()}@{user.domain}"
    marker = deliver(guest, tagged, "plus-address")
    guest.wait_for_message(user.address, marker)


def test_07_alias_to_external_is_queued(guest):
    alias = guest.new_address("fwd")
    external = f"fwd-{token()}@example.net"
    guest.vmailctl("alias", "add", alias, external)
    deliver(guest, alias, "alias-external")
    queued = guest.wait_for_queue(
        lambda q: any(r.get("address") == external for r in q.get("recipients", [])),
        f"recipient {external}")
    guest.drop_from_queue(queued)
