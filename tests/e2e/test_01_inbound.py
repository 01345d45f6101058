"""Behaviour 1: an unauthenticated client on port 25, from the veth address
(not a trusted network), sends to a local mailbox; the mail lands in INBOX
and reads back byte-identical over IMAPS (993) and POP3S (995)."""

from mailclients import (EXTERNAL_SENDER, imap, imap_fetch_by_marker,
                         make_message, pop3, pop3_fetch_by_marker, send, smtp)


def test_01_inbound_local_delivery(guest):
    user = guest.add_user("inbound")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "inbound")

    with smtp(guest, 25) as s:
        assert "auth" not in s.esmtp_features
        send(s, EXTERNAL_SENDER, user.address, msg)

    path, stored = guest.wait_for_message(user.address, marker)
    # INBOX is the Maildir root itself: /var/vmail/DOMAIN/LOCAL/{new,cur}/
    assert path.split("/")[0] in ("new", "cur"), \
        f"delivered to {guest.maildir(user.address)}/{path}, not to INBOX"

    with imap(guest, user, "INBOX") as m:
        via_imap = imap_fetch_by_marker(m, marker)
    with pop3(guest, user) as p:
        via_pop3 = pop3_fetch_by_marker(p, marker)

    assert via_imap is not None, "the message is not visible over IMAPS"
    assert via_pop3 is not None, "the message is not visible over POP3S"
    assert via_imap == via_pop3, "IMAPS and POP3S return different bytes"
    assert via_imap.replace(b"\r\n", b"\n") == stored.replace(b"\r\n", b"\n"), \
        "IMAPS returns other bytes than the Maildir file holds"
    # Only trace headers (Received, Return-Path, Delivered-To) may be added
    # in front: the message as sent is the unchanged tail.
    assert via_imap.endswith(msg), \
        f"the message was altered in transit:\n{via_imap.decode(errors='replace')}"
