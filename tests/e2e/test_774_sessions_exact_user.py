"""Issue 7, 3.5: ending a user's sessions ends that user's only. doveadm
kick reads its argument as a mask ('*' and '?' are wildcards), and local
parts may contain both: deleting or suspending "k*TOKEN@example.com" must
not close the sessions of "kzTOKEN@example.com", which the mask would
match."""

from sessions import OpenSessions
from vmail_guest import token


def test_774_a_mask_like_name_kicks_no_one_else(guest):
    t = token()
    bystander = guest.add_user(address=f"kz{t}@{guest.domain}")
    masked = guest.add_user(address=f"k*{t}@{guest.domain}")
    questioned = guest.add_user(address=f"k?{t}@{guest.domain}")
    with OpenSessions(guest, bystander) as s:
        guest.vmailctl("user", "suspend", questioned.address)
        guest.vmailctl("user", "del", masked.address)
        guest.vmailctl("user", "del", questioned.address)
        s.assert_open()
