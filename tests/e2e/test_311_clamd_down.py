"""Issue 3, test 4: with clamd stopped, mail on port 25 gets 4xx and is not
stored (rspamd's CLAM_VIRUS_FAIL -> soft reject); once clamd runs again
("vmailctl setup" starts it), the retry is accepted and delivered. Nothing
gets in unscanned: a virus sent while clamd was down is rejected (5.7.1) on
its retry, not delivered."""

import antivirus
from mailclients import EXTERNAL_SENDER, make_message, retry_send, try_send



def test_311_clamd_down_means_tempfail(guest):
    user = guest.add_user("noclamd")
    clean, clean_marker = make_message(EXTERNAL_SENDER, user.address, "clamd-down")
    virus, virus_marker = make_message(EXTERNAL_SENDER, user.address, "clamd-down-virus",
                                       body=["Here it comes:", antivirus.EICAR])
    antivirus.stop_clamd(guest)
    try:
        for msg, marker in ((clean, clean_marker), (virus, virus_marker)):
            code, text = try_send(guest, user.address, msg)
            assert 400 <= code < 500, \
                f"with clamd down got {code} {text!r}\n{guest.explain(marker)}"
            assert guest.find_message(user.address, marker) is None
        assert guest.queued_for(user.address) == [], "accepted unscanned"
    finally:
        guest.vmailctl("setup")          # starts what is not running
        antivirus.wait_clamd(guest)

    code, text = retry_send(guest, user.address, clean)
    assert code == 250, f"the retry got {code} {text!r}\n{guest.explain(clean_marker)}"
    guest.wait_for_message(user.address, clean_marker)

    code, text = retry_send(guest, user.address, virus)
    assert code == 554 and text.startswith(b"5.7.1"), \
        f"the virus's retry got {code} {text!r}\n{guest.explain(virus_marker)}"
    assert guest.find_message(user.address, virus_marker) is None, "virus stored"
