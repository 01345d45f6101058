"""Issue 3: with SpamAssassin selected and spamd stopped, mail on port 25 gets
4xx and is not stored (rspamd sets SPAMD_FAIL, force_actions.conf turns it
into a soft reject): nothing is delivered unscored. Mail of a logged-in user
(port 587) is not held back: it is not sent to SpamAssassin at all. Once spamd
runs again ("vmailctl setup" starts it), the retry is accepted, and it has
been scored by SpamAssassin: its rule puts it into Junk."""

import spamassassin as sa
from mailclients import EXTERNAL_SENDER, make_message, retry_send, send, submission, try_send



def test_352_spamd_down_means_tempfail(spamassassin):
    guest = spamassassin
    user = guest.add_user("nospamd")
    sender = guest.add_user("sendnospamd")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "spamd-down",
                               body=["Cheap watches:", sa.SA_JUNK])
    own, own_marker = make_message(sender.address, user.address, "from a user")
    sa.stop_spamd(guest)
    try:
        code, text = try_send(guest, user.address, msg)
        assert 400 <= code < 500, \
            f"with spamd down got {code} {text!r}\n{guest.explain(marker)}"
        assert b"Spam scanner unavailable" in text, text
        assert guest.find_message(user.address, marker) is None
        assert guest.queued_for(user.address) == [], "accepted unscored"

        with submission(guest, 587, sender) as s:
            send(s, sender.address, user.address, own)
        guest.wait_for_message(user.address, own_marker)
    finally:
        guest.vmailctl("setup")          # starts what is not running
        sa.wait_spamd(guest)

    code, text = retry_send(guest, user.address, msg)
    assert code == 250, f"the retry got {code} {text!r}\n{guest.explain(marker)}"
    path, _ = guest.wait_for_message(user.address, marker)
    assert path.startswith(".Junk/"), \
        f"the retry was not scored by SpamAssassin: delivered to {path}\n" \
        f"{sa.rspamd_verdict(guest, marker)}"
