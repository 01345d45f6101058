"""Issue 7, 4.7: vmailctl takes options and operands in any order, and
"--" ends the options.

On the server, as an administrator types it: "vmailctl user add ADDRESS
--quota 100K --password-stdin" makes a mailbox whose quota is in force
(the server refuses at RCPT a message announced bigger than that, which
it accepts for a mailbox with the default quota) and whose password logs
in; the same with POSIXLY_CORRECT in the environment, which must not
turn the permutation off. An operand that starts with '-' is an option
unless it follows "--"; -h after the operands prints the usage and
changes nothing."""

import json

import pytest

from vmail_guest import token
from mailclients import imap_login_ok, smtp


def rcpt_with_size(guest, address, size):
    """The RCPT reply for address after MAIL FROM with SIZE=size."""
    sender = f"order-{token()}@example.net"
    with smtp(guest, 25) as s:
        code, text = s.mail(sender, [f"SIZE={size}"])
        assert code == 250, f"MAIL FROM got {code} {text!r}"
        return s.rcpt(address)


def quota_bytes(guest, address):
    return json.loads(guest.vmailctl("user", "show", address, "--json").stdout)["quota_bytes"]


@pytest.mark.parametrize("order", [
    ["ADDRESS", "--quota", "100K", "--password-stdin"],
    ["-p", "ADDRESS", "-q", "100K"],
    ["POSIXLY_CORRECT", "ADDRESS", "--quota=100K", "-p"],
])
def test_760_options_after_operands_take_effect(guest, order):
    address = guest.new_address("order")
    password = f"ordered-{token(8)}"
    env = ["env", "POSIXLY_CORRECT=1"] if order[0] == "POSIXLY_CORRECT" else []
    args = [address if a == "ADDRESS" else a for a in order if a != "POSIXLY_CORRECT"]
    p = guest.run([*env, "vmailctl", "user", "add", *args], input=password + "\n",
                  check=False)
    assert p.returncode == 0 and p.stdout == b"" and p.stderr == b"", \
        f"vmailctl user add {' '.join(args)}: exit {p.returncode}, {p.stderr!r}"
    try:
        assert quota_bytes(guest, address) == 100 * 1024
        # the quota is Dovecot's: 200 KB announced do not fit into 100K
        code, text = rcpt_with_size(guest, address, 200_000)
        assert code == 552 and text.startswith(b"5.2.2"), \
            f"RCPT of 200 KB for a 100K mailbox got {code} {text!r}\n" + guest.explain(address)
        assert imap_login_ok(guest, address, password), \
            "the password given on stdin (option after the operand) does not log in"
    finally:
        guest.vmailctl("user", "del", address, "--purge")


def test_760_double_dash_and_help_anywhere(guest):
    user = guest.add_user("dash", quota="100K")
    p = guest.vmailctl("user", "quota", user.address, "-5M", check=False)
    assert p.returncode == 2 and b"goes after '--'" in p.stderr, p.stderr
    assert quota_bytes(guest, user.address) == 100 * 1024
    # after "--", an operand; "-5M" is then an invalid quota (exit 1)
    p = guest.vmailctl("user", "quota", user.address, "--", "-5M", check=False)
    assert p.returncode == 1 and b"invalid quota '-5M'" in p.stderr, p.stderr
    guest.vmailctl("user", "quota", "--", user.address, "1M")
    assert quota_bytes(guest, user.address) == 1024 * 1024
    code, text = rcpt_with_size(guest, user.address, 200_000)
    assert code == 250, f"RCPT of 200 KB for a 1M mailbox got {code} {text!r}"

    # -h after the operands: the usage, exit 0, nothing added
    other = guest.new_address("dash-help")
    p = guest.vmailctl("user", "add", other, "--quota", "1G", "-h")
    assert p.stdout.startswith(b"usage: vmailctl user add"), p.stdout
    p = guest.vmailctl("user", "show", other, check=False)
    assert p.returncode == 1, f"user add ... -h created {other}"
    # an unknown option after the operand: exit 2, nothing added
    p = guest.vmailctl("user", "add", other, "--quota", "1G", "--frobnicate",
                       input="a fine long password\n", check=False)
    assert p.returncode == 2 and b"unknown option '--frobnicate'" in p.stderr, p.stderr
    assert guest.vmailctl("user", "show", other, check=False).returncode == 1
    guest.vmailctl("user", "del", user.address, "--purge")
