"""Behaviour 15: bad input to vmailctl (malformed address or domain, unknown
domain, duplicates, bad quotas, quotes and SQL metacharacters, over-long
input) fails with a clear message on stderr (exit 1, or 2 for usage errors)
and leaves the database unchanged: a dump before and after is identical."""

import pytest

from vmail_guest import token

PW = "Secret-pass-123\n"
LONG_LABEL = "a" * 64
LONG_DOMAIN = ".".join(["d" * 60] * 5) + ".example"      # 312 > 253
HUGE = "x" * 10000

# (id, argv after "vmailctl" with {user} {alias} {dest} {domain} filled in,
#  stdin or None)
CASES = [
    # malformed domains
    ("domain-underscore", ["domain", "add", "bad_domain.example"], None),
    ("domain-leading-hyphen", ["domain", "add", "-lead.example"], None),
    ("domain-space", ["domain", "add", "exa mple.com"], None),
    ("domain-double-dot", ["domain", "add", "example..com"], None),
    ("domain-single-label", ["domain", "add", "localhost"], None),
    ("domain-empty", ["domain", "add", ""], None),
    ("domain-label-64", ["domain", "add", f"{LONG_LABEL}.example"], None),
    ("domain-over-253", ["domain", "add", LONG_DOMAIN], None),
    ("domain-huge", ["domain", "add", HUGE + ".example"], None),
    ("domain-sql", ["domain", "add", "x.example'); DROP TABLE domain;--"], None),
    ("domain-quote", ["domain", "add", 'x.example" OR "1"="1'], None),
    ("domain-duplicate", ["domain", "add", "example.com"], None),
    ("domain-del-unknown", ["domain", "del", "unknown-{tok}.example"], None),
    ("domain-del-in-use", ["domain", "del", "{domain}"], None),
    # malformed addresses
    ("user-no-at", ["user", "add", "--password-stdin", "no-at-sign"], PW),
    ("user-two-at", ["user", "add", "--password-stdin", "two@@{domain}"], PW),
    ("user-empty-local", ["user", "add", "--password-stdin", "@{domain}"], PW),
    ("user-empty-domain", ["user", "add", "--password-stdin", "user@"], PW),
    ("user-space", ["user", "add", "--password-stdin", "sp ace@{domain}"], PW),
    ("user-newline", ["user", "add", "--password-stdin", "new\nline@{domain}"], PW),
    ("user-unknown-domain", ["user", "add", "--password-stdin", "u@unknown-{tok}.example"], PW),
    ("user-duplicate", ["user", "add", "--password-stdin", "{user}"], PW),
    ("user-local-65", ["user", "add", "--password-stdin", "l" * 65 + "@{domain}"], PW),
    ("user-huge", ["user", "add", "--password-stdin", HUGE + "@{domain}"], PW),
    ("user-sql", ["user", "add", "--password-stdin", "x'); DROP TABLE mailbox;--@{domain}"], PW),
    ("user-single-quote", ["user", "add", "--password-stdin", "o'neil@{domain}"], PW),
    ("user-double-quote", ["user", "add", "--password-stdin", '"quoted"@{domain}'], PW),
    ("user-backslash", ["user", "add", "--password-stdin", "back\\slash@{domain}"], PW),
    # quotas
    ("user-add-quota-negative", ["user", "add", "--quota", "-5M", "--password-stdin", "q1-{tok}@{domain}"], PW),
    ("user-add-quota-unit", ["user", "add", "--quota", "12GIGA", "--password-stdin", "q2-{tok}@{domain}"], PW),
    ("user-add-quota-no-number", ["user", "add", "--quota", "M", "--password-stdin", "q3-{tok}@{domain}"], PW),
    ("quota-negative", ["user", "quota", "{user}", "-5M"], None),
    ("quota-unit", ["user", "quota", "{user}", "12GIGA"], None),
    ("quota-no-number", ["user", "quota", "{user}", "M"], None),
    ("quota-sql", ["user", "quota", "{user}", "5M'; DROP TABLE mailbox;--"], None),
    ("quota-huge", ["user", "quota", "{user}", "9" * 40], None),
    ("quota-unknown-user", ["user", "quota", "nobody-{tok}@{domain}", "5M"], None),
    # other mailbox commands on things that do not exist
    ("user-del-unknown", ["user", "del", "nobody-{tok}@{domain}"], None),
    ("passwd-unknown", ["user", "passwd", "--password-stdin", "nobody-{tok}@{domain}"], PW),
    # aliases
    ("alias-bad-source", ["alias", "add", "bad source@{domain}", "{user}"], None),
    ("alias-bad-dest", ["alias", "add", "a-{tok}@{domain}", "not an address"], None),
    ("alias-one-bad-dest", ["alias", "add", "a-{tok}@{domain}", "{user}", "bad@@dest"], None),
    ("alias-unknown-domain", ["alias", "add", "a@unknown-{tok}.example", "{user}"], None),
    ("alias-catchall-unknown-domain", ["alias", "add", "@unknown-{tok}.example", "{user}"], None),
    ("alias-duplicate", ["alias", "add", "{alias}", "{dest}"], None),
    ("alias-sql-source", ["alias", "add", "x'--@{domain}", "{user}"], None),
    ("alias-sql-dest", ["alias", "add", "a-{tok}@{domain}", "x@y.example'); DELETE FROM alias;--"], None),
    ("alias-huge", ["alias", "add", HUGE + "@{domain}", "{user}"], None),
    ("alias-del-unknown", ["alias", "del", "nobody-{tok}@{domain}"], None),
    # usage errors
    ("usage-missing-arg", ["user", "add"], None),
    ("usage-unknown-command", ["user", "frobnicate", "{user}"], None),
    ("usage-missing-size", ["user", "quota", "{user}"], None),
    ("usage-unknown-option", ["domain", "add", "--bogus", "z-{tok}.example"], None),
]


@pytest.fixture(scope="module")
def existing(guest):
    """A mailbox and an alias that the duplicate cases collide with."""
    user = guest.add_user("bad")
    dest = guest.add_user("baddest")
    alias = guest.new_address("badalias")
    guest.vmailctl("alias", "add", alias, dest.address)
    return {"user": user.address, "alias": alias, "dest": dest.address,
            "domain": guest.domain}


@pytest.mark.parametrize("argv,stdin", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_15_bad_input_leaves_db_unchanged(guest, existing, argv, stdin):
    fill = dict(existing, tok=token())
    for key, value in fill.items():
        argv = [a.replace("{" + key + "}", value) for a in argv]
    before = guest.db_dump()
    p = guest.vmailctl(*argv, input=stdin, check=False)
    after = guest.db_dump()
    shown = " ".join(a if len(a) < 80 else a[:40] + "..." for a in argv)
    assert p.returncode in (1, 2), \
        f"vmailctl {shown} exited {p.returncode}\nstdout: {p.stdout[:500]!r}\n" \
        f"stderr: {p.stderr[:500]!r}"
    assert p.stderr.strip(), f"vmailctl {shown} failed without a message on stderr"
    assert before == after, f"vmailctl {shown} changed the database"
