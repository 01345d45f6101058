"""Behaviour 2: the same unauthenticated client relaying to a domain we do
not host gets a 554 (or 454) relay denial, and nothing is queued."""

from vmail_guest import MAIL_LOG, token
from mailclients import EXTERNAL_SENDER, smtp


def test_02_relay_denied(guest):
    rcpt = f"relay-{token()}@example.org"

    with smtp(guest, 25) as s:
        code, text = s.mail(EXTERNAL_SENDER)
        assert code == 250, (code, text)
        code, text = s.rcpt(rcpt)
        assert (code, text[:5]) in ((554, b"5.7.1"), (454, b"4.7.1")), \
            f"RCPT TO:<{rcpt}> from an untrusted client got {code} {text!r}\n" \
            + guest.explain(rcpt)
        assert b"relay" in text.lower(), f"not a relay denial: {code} {text!r}"
        # no valid recipient, so DATA must not be accepted either
        code, text = s.docmd("DATA")
        assert code != 354, f"DATA accepted without a valid recipient: {text!r}"

    assert guest.queued_for(rcpt) == [], "the relayed message was queued"
    deliveries = [line for line in guest.read(MAIL_LOG).splitlines()
                  if f"to=<{rcpt}>" in line and "status=" in line]
    assert deliveries == [], f"a delivery to {rcpt} was attempted: {deliveries}"
