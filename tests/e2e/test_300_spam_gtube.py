"""Issue 3, test 1: GTUBE on port 25 gets 5.7.1 at the end of DATA (rspamd's
reject action, through the milter) and is not stored."""

from mailclients import EXTERNAL_SENDER, make_message, smtp

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def test_300_gtube_is_rejected_at_data(guest):
    user = guest.add_user("gtube")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "gtube",
                               body=["This is spam.", GTUBE])
    with smtp(guest, 25) as s:
        assert s.mail(EXTERNAL_SENDER)[0] == 250
        assert s.rcpt(user.address)[0] == 250
        code, text = s.data(msg)
    assert code == 554 and text.startswith(b"5.7.1"), \
        f"DATA with GTUBE got {code} {text!r}\n{guest.explain(marker)}"
    assert guest.find_message(user.address, marker) is None, "GTUBE was stored"
    assert guest.queued_for(user.address) == [], "GTUBE is in the queue"
