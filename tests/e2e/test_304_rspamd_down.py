"""Issue 3: rspamd stopped -> mail on port 25 gets 4xx and is not stored
(milter_default_action = tempfail: nothing is delivered unscanned); once
rspamd runs again ("vmailctl setup" starts it), the retry is accepted and
delivered."""


import spamfilter
from mailclients import EXTERNAL_SENDER, make_message, send, smtp, try_send


def test_304_rspamd_down_means_tempfail(guest):
    user = guest.add_user("nofilter")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "rspamd-down")
    guest.stop("rspamd")
    try:
        spamfilter.wait_milter(guest, up=False)
        code, text = try_send(guest, user.address, msg)
        assert 400 <= code < 500, f"with rspamd down got {code} {text!r}"
        assert guest.find_message(user.address, marker) is None
        assert guest.queued_for(user.address) == [], "accepted unscanned"
    finally:
        guest.vmailctl("setup")          # starts what is not running
        spamfilter.wait_milter(guest)

    with smtp(guest, 25) as s:
        send(s, EXTERNAL_SENDER, user.address, msg)
    path, data = guest.wait_for_message(user.address, marker)
    assert b"Authentication-Results:" in data, "the retry was not scanned"
