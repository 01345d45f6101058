"""Issue 7, 4.4: a new owner of an address never silently inherits the
mail of the earlier one.

After "user del" (without --purge) the Maildir stays; "user add" of the
same address is refused, naming the folder and both ways out. With
--keep-mail the new mailbox adopts the old mail (seen over IMAP); after
"user del --purge" the address starts empty."""

import secrets

from mailclients import deliver, imap, imap_fetch_by_marker
from vmail_guest import User


def add(guest, address, *options, check=True):
    password = secrets.token_urlsafe(15)
    p = guest.vmailctl("user", "add", "--password-stdin", *options, address,
                       input=password + "\n", check=check)
    return p, User(address, password)


def test_743_reused_address(guest):
    old = guest.add_user("reuse")
    marker = deliver(guest, old.address, "mail-of-the-first-owner")
    guest.wait_for_message(old.address, marker)
    guest.vmailctl("user", "del", old.address)

    p, _ = add(guest, old.address, check=False)
    err = p.stderr.decode()
    assert p.returncode == 1, err
    assert guest.maildir(old.address) in err, err
    assert "--keep-mail" in err and f"vmailctl user del --purge {old.address}" in err, err
    assert guest.vmailctl("user", "show", old.address, check=False).returncode == 1

    _, kept = add(guest, old.address, "--keep-mail")
    with imap(guest, kept, "INBOX") as m:
        assert imap_fetch_by_marker(m, marker) is not None

    guest.vmailctl("user", "del", "--purge", kept.address)
    _, fresh = add(guest, old.address)
    with imap(guest, fresh, "INBOX") as m:
        typ, data = m.search(None, "ALL")
        assert typ == "OK" and data[0].split() == [], data
