"""Issue 3, test 1 (second half): with SpamAssassin selected
([spam] engine = spamassassin, through `install.sh --spam spamassassin`), a
GTUBE message on port 25 gets 5.7.1 at the end of DATA and is not stored.

The reject must be SpamAssassin's: rspamd also knows GTUBE and would reject
it on its own before asking anybody, but only in text parts of up to 8 KB;
this message's text is longer, so rspamd's shortcut does not fire (the test
checks that it did not) and only spamd's GTUBE rule can find it. rspamd's log
line for the message shows SPAMD carrying SpamAssassin's score and its rule
name GTUBE, and no other symbol counting. (With rspamd selected, this same
message gets through: rspamd's rules do not catch GTUBE there; see test_359.)
"""

import spamassassin as sa
from mailclients import EXTERNAL_SENDER, make_message, smtp

# A text part well over the 8 KB rspamd checks for GTUBE itself.
FILLER = [f"Line {i} of a long newsletter that says nothing much at all." for i in range(200)]


def test_350_gtube_is_rejected_by_spamassassin(spamassassin):
    guest = spamassassin
    user = guest.add_user("sagtube")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "gtube",
                               body=["This is spam.", *FILLER, sa.GTUBE])
    assert len(msg) > 9000
    with smtp(guest, 25) as s:
        assert s.mail(EXTERNAL_SENDER)[0] == 250
        assert s.rcpt(user.address)[0] == 250
        code, text = s.data(msg)
    assert code == 554 and text.startswith(b"5.7.1"), \
        f"DATA with GTUBE got {code} {text!r}\n{guest.explain(marker)}"
    assert guest.find_message(user.address, marker) is None, "GTUBE was stored"
    assert guest.queued_for(user.address) == [], "GTUBE is in the queue"

    verdict = sa.rspamd_verdict(guest, marker)
    assert verdict, f"rspamd logged no verdict for {marker}"
    assert "(reject)" in verdict, verdict
    assert "Gtube pattern" not in verdict and "GTUBE(" not in verdict, \
        f"rspamd's own GTUBE check decided, not SpamAssassin:\n{verdict}"
    syms = sa.symbols(verdict)
    assert syms.get("SPAMD", 0) >= 1000, f"no SpamAssassin score in:\n{verdict}"
    assert "GTUBE" in verdict.split("SPAMD(", 1)[1].split("}", 1)[0], \
        f"SpamAssassin's rules for the message do not include GTUBE:\n{verdict}"
    counted = {k: v for k, v in syms.items() if v != 0 and k != "SPAMD"}
    assert not counted, f"rspamd's own symbols counted: {counted}\n{verdict}"
