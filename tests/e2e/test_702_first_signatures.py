"""Issue 7, 1.3: on a new server freshclam has not fetched any signatures
yet, clamd cannot start, and incoming mail is refused with 4xx. When the
first signatures arrive (freshclam's first download, simulated here the way
freshclam writes: a temporary file in /var/lib/clamav, renamed into place),
clamd starts by itself, without anyone running "vmailctl setup"; the
messages refused meanwhile are accepted on retry, and scanned (the virus
among them is rejected)."""

import time

import antivirus
from mailclients import EXTERNAL_SENDER, make_message, retry_send, try_send
from vmail_guest import wait_until

MOVED = "/var/lib/vmail-e2e-signatures"
PATH_UNIT = "vmail-clamav-signatures.path"


def test_702_clamd_starts_when_signatures_arrive(guest):
    user = guest.add_user("firstsigs")
    clean, clean_marker = make_message(EXTERNAL_SENDER, user.address, "first signatures")
    virus, virus_marker = make_message(EXTERNAL_SENDER, user.address, "first signatures virus",
                                       body=["Here it comes:", antivirus.EICAR])
    # A server on which freshclam has fetched nothing yet: no signatures,
    # clamd stopped, the path unit waiting.
    guest.run(["systemctl", "stop", PATH_UNIT])
    antivirus.stop_clamd(guest)
    guest.run(["sh", "-c", f"rm -rf {MOVED} && mkdir -p {MOVED} && mv /var/lib/clamav/* {MOVED}/"])
    guest.run(["systemctl", "start", PATH_UNIT])
    try:
        for msg, marker in ((clean, clean_marker), (virus, virus_marker)):
            code, text = try_send(guest, user.address, msg)
            assert 400 <= code < 500, \
                f"[{guest.suite}] without signatures got {code} {text!r}\n{guest.explain(marker)}"
        assert antivirus.clamd_pid(guest) is None, "clamd runs without signatures"
        assert guest.queued_for(user.address) == [], "accepted unscanned"

        # freshclam's first download: written beside, renamed into place
        guest.run(["sh", "-c",
                   f"d=$(mktemp -d /var/lib/clamav/tmp.XXXXXX) && "
                   f"cp {MOVED}/*.ndb $d/ && chown -R clamav:clamav $d && "
                   f"for f in $d/*; do mv $f /var/lib/clamav/; done && rmdir $d"])
        t0 = time.monotonic()
        wait_until(lambda: antivirus.clamd_answers(guest),
                   f"[{guest.suite}] clamd to start by itself once signatures are there",
                   timeout=120, interval=0.5)
        started_after = time.monotonic() - t0
        print(f"[{guest.suite}] clamd up {started_after:.1f}s after the signatures arrived")
    finally:
        # everything else freshclam had there (freshclam.dat, ...) goes back
        guest.run(["sh", "-c", f"mv -n {MOVED}/* /var/lib/clamav/ 2>/dev/null; rm -rf {MOVED}"])
        if not antivirus.clamd_answers(guest):
            guest.vmailctl("setup")
        antivirus.wait_clamd(guest)

    code, text = retry_send(guest, user.address, clean)
    assert code == 250, f"the retry got {code} {text!r}\n{guest.explain(clean_marker)}"
    guest.wait_for_message(user.address, clean_marker)
    code, text = retry_send(guest, user.address, virus)
    assert code == 554 and text.startswith(b"5.7.1"), \
        f"the virus's retry got {code} {text!r}\n{guest.explain(virus_marker)}"
    assert guest.find_message(user.address, virus_marker) is None, "virus stored"
