"""Issue 7, 3.5: ending a user's sessions ends that user's only.

doveadm kick reads its argument as a mask ('*' and '?' are wildcards).
A mailbox name cannot hold either (Dovecot would refuse it as a login,
so vmailctl refuses to create it: an invalid value, exit 1, nothing
changed); the legacy path for such names already in a directory is in
tests/unit/test_sessions.c. What remains to show here: kicking a user
whose name is a prefix, or a suffix, of another's leaves the other's
sessions open."""

from sessions import OpenSessions
from vmail_guest import token


def test_774_mask_characters_are_refused_in_a_mailbox_name(guest):
    t = token()
    before = guest.db_dump()
    for bad in (f"k*{t}@{guest.domain}", f"k?{t}@{guest.domain}"):
        p = guest.vmailctl("user", "add", "--password-stdin", bad,
                           input="Correct-Horse-42\n", check=False)
        assert p.returncode == 1, f"[{guest.name}] {bad}: exit {p.returncode}"
        assert b"not allowed in a mailbox name" in p.stderr, p.stderr
    assert guest.db_dump() == before, f"[{guest.name}] a refused add changed the directory"


def test_774_a_prefix_or_suffix_name_kicks_no_one_else(guest):
    t = token()
    bystander = guest.add_user(address=f"kz{t}x@{guest.domain}")
    prefix = guest.add_user(address=f"kz{t}@{guest.domain}")
    suffix = guest.add_user(address=f"z{t}x@{guest.domain}")
    with OpenSessions(guest, bystander) as s:
        guest.vmailctl("user", "suspend", prefix.address)
        guest.vmailctl("user", "del", suffix.address)
        guest.vmailctl("user", "del", prefix.address)
        s.assert_open()
