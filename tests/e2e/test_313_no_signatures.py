"""Issue 3, ClamAV: "when clamd ... has no signatures yet, mail is
temporarily refused (4xx), never delivered unscanned and never lost".

On a new server freshclam has not fetched anything yet. With no signature
database at all, "vmailctl setup" must succeed but leave clamd stopped (it
cannot run without signatures) and say so; mail on port 25 then gets 4xx
and is not stored. Once signatures are there, the next "vmailctl setup"
starts clamd and the sender's retry is accepted and delivered."""

import antivirus
from mailclients import EXTERNAL_SENDER, make_message, retry_send, try_send

MOVED = "/var/lib/vmail-e2e-signatures"


def test_313_no_signatures_yet_means_tempfail(guest):
    user = guest.add_user("nosigs")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "no signatures yet")
    antivirus.stop_clamd(guest)
    # A server on which freshclam has not fetched anything yet.
    guest.run(["sh", "-c", f"mkdir -p {MOVED} && mv /var/lib/clamav/* {MOVED}/"])
    try:
        out = guest.run(["sh", "-c", "vmailctl setup 2>&1"]).stdout.decode()
        assert "no signatures in /var/lib/clamav" in out, out     # the summary
        assert antivirus.clamd_pid(guest) is None, "setup started clamd without signatures"
        code, text = try_send(guest, user.address, msg)
        assert 400 <= code < 500, \
            f"[{guest.suite}] without signatures got {code} {text!r}\n{guest.explain(marker)}"
        assert guest.find_message(user.address, marker) is None
        assert guest.queued_for(user.address) == [], "accepted unscanned"
    finally:
        guest.run(["sh", "-c", f"mv {MOVED}/* /var/lib/clamav/ && rmdir {MOVED}"])
        guest.vmailctl("setup")
        antivirus.wait_clamd(guest)

    code, text = retry_send(guest, user.address, msg)   # as a sending MTA retries
    assert code == 250, f"the retry got {code} {text!r}\n{guest.explain(marker)}"
    guest.wait_for_message(user.address, marker)
