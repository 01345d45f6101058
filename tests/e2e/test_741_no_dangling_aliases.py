"""Issue 7, 4.2: no alias is left accepting mail that then bounces.

Deleting a mailbox, an alias or a domain that aliases deliver to is
refused, naming them; --force removes those destinations (and aliases
left without any). Then RCPT to an alias that only pointed at what was
deleted gets 550 5.1.1, and one with another destination left still
accepts and delivers. Alias loops are refused at alias add."""

from mailclients import EXTERNAL_SENDER, deliver, smtp
from vmail_guest import token


def rcpt(guest, address):
    with smtp(guest, 25) as s:
        code, text = s.mail(EXTERNAL_SENDER)
        assert code == 250, (code, text)
        return s.rcpt(address)


def assert_unknown(guest, address):
    code, text = rcpt(guest, address)
    assert code == 550 and text.startswith(b"5.1.1"), \
        f"RCPT TO:<{address}> got {code} {text!r}\n" + guest.explain(address)


def test_741_user_del_refused_then_forced(guest):
    gone, other = guest.add_user("gone"), guest.add_user("stays")
    only = guest.new_address("only")
    both = guest.new_address("both")
    guest.vmailctl("alias", "add", only, gone.address)
    guest.vmailctl("alias", "add", both, gone.address, other.address)

    p = guest.vmailctl("user", "del", gone.address, check=False)
    err = p.stderr.decode()
    assert p.returncode == 1, err
    assert f"  {only} -> {gone.address}" in err and f"  {both} -> {gone.address}" in err, err
    assert "--force" in err, err
    code, _ = rcpt(guest, gone.address)
    assert code == 250, "a refused delete deleted it"

    guest.vmailctl("user", "del", "--force", gone.address)
    assert_unknown(guest, gone.address)
    assert_unknown(guest, only)
    # The alias with another destination still takes mail and delivers it.
    marker = deliver(guest, both, "alias-with-one-left")
    guest.wait_for_message(other.address, marker)
    assert guest.queued_for(gone.address) == []


def test_741_alias_and_domain_del(guest):
    user = guest.add_user("target")
    inner, outer = guest.new_address("inner"), guest.new_address("outer")
    guest.vmailctl("alias", "add", inner, user.address)
    guest.vmailctl("alias", "add", outer, inner)
    p = guest.vmailctl("alias", "del", inner, check=False)
    assert p.returncode == 1 and f"  {outer} -> {inner}" in p.stderr.decode(), p.stderr
    guest.vmailctl("alias", "del", "--force", inner)
    assert_unknown(guest, outer)

    # A domain that an alias of another domain delivers into.
    domain = f"gone-{token()}.example.com"
    guest.vmailctl("domain", "add", domain)
    there = guest.add_user("there", domain=domain)
    fwd = guest.new_address("fwd")
    guest.vmailctl("alias", "add", fwd, there.address)
    p = guest.vmailctl("domain", "del", domain, check=False)
    assert p.returncode == 1 and f"  {fwd} -> {there.address}" in p.stderr.decode(), p.stderr
    guest.vmailctl("domain", "del", "--force", domain)
    assert_unknown(guest, fwd)


def test_741_loops_refused(guest):
    user = guest.add_user("loop")
    a, b = guest.new_address("la"), guest.new_address("lb")
    guest.vmailctl("alias", "add", a, user.address)
    guest.vmailctl("alias", "add", b, a)
    p = guest.vmailctl("alias", "add", a, b, check=False)
    assert p.returncode == 1, p.stderr
    assert f"loop: {a} -> {b} -> {a}" in p.stderr.decode(), p.stderr
    # Nothing changed: a still delivers to the mailbox only.
    marker = deliver(guest, a, "no-loop")
    guest.wait_for_message(user.address, marker)
