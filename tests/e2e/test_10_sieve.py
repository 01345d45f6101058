"""Behaviour 10: a Sieve script uploaded over ManageSieve (4190) files
matching mail into a folder."""

from mailclients import ManageSieve, deliver, imap, imap_fetch_by_marker

SCRIPT = """require "fileinto";
if header :contains "subject" "sieve-test" {
    fileinto "Projects";
}
"""


def test_10_managesieve_fileinto(guest):
    user = guest.add_user("sieve")
    with imap(guest, user) as m:
        typ, data = m.create("Projects")
        assert typ == "OK", data

    with ManageSieve(guest.ip) as ms:
        assert "STARTTLS" in ms.capabilities, ms.capabilities
        ms.starttls()
        assert "PLAIN" in ms.capabilities.get("SASL", "").upper().split(), ms.capabilities
        assert "fileinto" in ms.capabilities.get("SIEVE", "").split(), ms.capabilities
        ms.authenticate_plain(user.address, user.password)
        ms.putscript("e2e", SCRIPT)
        ms.setactive("e2e")
        assert any("e2e" in line and "ACTIVE" in line.upper() for line in ms.listscripts())

    matching = deliver(guest, user.address, "sieve-test")
    other = deliver(guest, user.address, "unrelated")
    guest.wait_for_message(user.address, matching)
    guest.wait_for_message(user.address, other)

    with imap(guest, user, "Projects") as m:
        assert imap_fetch_by_marker(m, matching) is not None, \
            "the matching mail is not in Projects\n" + guest.explain(user.address)
        assert imap_fetch_by_marker(m, other) is None, "unrelated mail filed into Projects"
    with imap(guest, user, "INBOX") as m:
        assert imap_fetch_by_marker(m, other) is not None
        assert imap_fetch_by_marker(m, matching) is None, "the matching mail stayed in INBOX"
