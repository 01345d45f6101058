"""Issue 7, 4.6: when "vmailctl setup" returns, the new settings are in
effect. Right after a setup that turned greylisting off ([spam]
greylisting = no), the very next message from a client and sender never
seen before (the second client address) is accepted, without waiting:
setup returned only once rspamd's new workers had replaced the old ones.
The file is put back afterwards."""

import re

import spamfilter
from mailclients import make_message, try_send
from vmail_guest import CLIENT2_IP, token

VMAIL_CONF = "/etc/vmail/vmail.conf"


def test_779_greylisting_off_at_once(guest):
    user = guest.add_user("settle")
    original = guest.run(["cat", VMAIL_CONF]).stdout.decode()
    text, n = re.subn(r"(?m)^greylisting = yes$", "greylisting = no", original)
    assert n == 1, f"[{guest.name}] greylisting is not on in {VMAIL_CONF}"
    sender = f"settle-{token()}@example.net"
    msg, marker = make_message(sender, user.address, "greylisting just turned off")
    try:
        guest.run(["sh", "-c", f"cat > {VMAIL_CONF}"], input=text)
        guest.vmailctl("setup")
        code, reply = try_send(guest, user.address, msg, sender=sender, source=CLIENT2_IP)
        assert code == 250, \
            f"[{guest.name}] right after setup, a new sender got {code} {reply!r}\n" \
            f"{guest.explain(marker)}"
        guest.wait_for_message(user.address, marker)
    finally:
        guest.run(["sh", "-c", f"cat > {VMAIL_CONF}"], input=original)
        spamfilter.setup_and_wait(guest)
