"""Issue 7, 1: the direct-start path (a container without systemd: the
daemons are started by vmailctl itself) keeps a smoke test on one release.
The guest "direct" (Debian 12, a reaping shell as PID 1) was installed with
the README's command; mail from outside is delivered and read back over
IMAP. (Re-running install.sh there is test_12, which runs on this guest
too; so is test_00's check that the daemons run in the guest's own
namespaces.)"""

import pytest

from mailclients import deliver, imap, imap_fetch_by_marker

pytestmark = pytest.mark.kind("direct")


def test_719_no_systemd_here(guest):
    assert not guest.systemd
    p = guest.run(["test", "-d", "/run/systemd/system"], check=False)
    assert p.returncode != 0, "this guest runs systemd: it tests nothing of the direct path"


def test_719_deliver_and_read_over_imap(guest):
    user = guest.add_user("direct")
    marker = deliver(guest, user.address, "direct start")
    guest.wait_for_message(user.address, marker)
    with imap(guest, user, "INBOX") as m:
        raw = imap_fetch_by_marker(m, marker)
    assert raw and marker.encode() in raw, f"[{guest.suite}] not readable over IMAP: {raw!r}"
