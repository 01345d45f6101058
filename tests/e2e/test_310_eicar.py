"""Issue 3, test 3: ClamAV (through rspamd) rejects EICAR at the end of DATA
with 5.7.1, as plain text and inside a zip attachment, and nothing is stored;
a clean message with a zip attachment is delivered."""

import antivirus
from mailclients import EXTERNAL_SENDER, make_message, smtp


def _data(guest, to, msg):
    with smtp(guest, 25) as s:
        assert s.mail(EXTERNAL_SENDER)[0] == 250
        assert s.rcpt(to)[0] == 250
        return s.data(msg)


def _assert_rejected(guest, user, msg, marker, what):
    code, text = _data(guest, user.address, msg)
    assert code == 554 and text.startswith(b"5.7.1"), \
        f"DATA with {what} got {code} {text!r}\n{guest.explain(marker)}"
    assert guest.find_message(user.address, marker) is None, f"{what} was stored"
    assert guest.queued_for(user.address) == [], f"{what} is in the queue"


def test_310_eicar_plain_text_is_rejected(guest):
    user = guest.add_user("eicar")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "eicar",
                               body=["Here it comes:", antivirus.EICAR])
    _assert_rejected(guest, user, msg, marker, "EICAR as text")


def test_310_eicar_in_zip_is_rejected(guest):
    user = guest.add_user("eicarzip")
    msg, marker = antivirus.message_with_zip(
        user.address, "eicar zip",
        {"readme.txt": b"nothing to see\n", "eicar.com": antivirus.EICAR.encode()})
    assert antivirus.EICAR.encode() not in msg      # only inside the zip
    _assert_rejected(guest, user, msg, marker, "EICAR in a zip")


def test_310_clean_zip_is_delivered(guest):
    user = guest.add_user("cleanzip")
    msg, marker = antivirus.message_with_zip(
        user.address, "clean zip", {"report.txt": b"quarterly numbers\n" * 200})
    code, text = _data(guest, user.address, msg)
    assert code == 250, f"clean zip got {code} {text!r}\n{guest.explain(marker)}"
    guest.wait_for_message(user.address, marker)
