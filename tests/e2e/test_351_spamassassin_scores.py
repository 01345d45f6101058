"""Issue 3: with SpamAssassin selected, SpamAssassin's score is the score and
the thresholds of [spam] apply to it, with the same actions as with rspamd.

- A rule only SpamAssassin knows (the test environment's VMAIL_E2E_SA_ONLY,
  20 points) gets the message rejected at the end of DATA (554 5.7.1), not
  stored.
- One scoring 8 (between add_header 6 and reject 15) gets it delivered into
  Junk with "X-Spam: Yes".
- rspamd's own rules do not count: a message matching a rule only rspamd knows
  (VMAIL_E2E_RSPAMD_ONLY, 30 points, tests/e2e/rspamd-override/multimap.conf)
  is delivered to INBOX; rspamd logs the rule with a score of 0. With rspamd
  selected the same message is rejected (test_359), so the rule does fire.
"""

import email
import email.policy

import spamassassin as sa
from mailclients import EXTERNAL_SENDER, make_message, send, smtp, try_send


def test_351_spamassassin_rule_rejects(spamassassin):
    guest = spamassassin
    user = guest.add_user("saonly")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "offer",
                               body=["Buy now:", sa.SA_ONLY])
    code, text = try_send(guest, user.address, msg)
    assert code == 554 and text.startswith(b"5.7.1"), \
        f"got {code} {text!r}\n{guest.explain(marker)}"
    assert guest.find_message(user.address, marker) is None, "stored"
    assert guest.queued_for(user.address) == [], "queued"
    verdict = sa.rspamd_verdict(guest, marker)
    assert "VMAIL_E2E_SA_ONLY" in (verdict or ""), \
        f"SpamAssassin's rule is not in rspamd's verdict:\n{verdict}"


def test_351_spamassassin_score_files_into_junk(spamassassin):
    guest = spamassassin
    user = guest.add_user("sajunk")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "probably spam",
                               body=["Cheap watches:", sa.SA_JUNK])
    with smtp(guest, 25) as s:
        send(s, EXTERNAL_SENDER, user.address, msg)
    path, data = guest.wait_for_message(user.address, marker)
    assert path.startswith(".Junk/"), \
        f"delivered to {path}, not to Junk\n{sa.rspamd_verdict(guest, marker)}"
    parsed = email.message_from_bytes(data, policy=email.policy.compat32)
    assert parsed.get_all("X-Spam") == ["Yes"], \
        f"X-Spam headers: {parsed.get_all('X-Spam')}"
    verdict = sa.rspamd_verdict(guest, marker)
    assert "(add header)" in verdict and 6 <= sa.symbols(verdict)["SPAMD"] < 15, verdict


def test_351_rspamd_rules_do_not_count(spamassassin):
    guest = spamassassin
    user = guest.add_user("rsonly")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "newsletter",
                               body=["Our news:", sa.RSPAMD_ONLY])
    with smtp(guest, 25) as s:
        send(s, EXTERNAL_SENDER, user.address, msg)
    path, data = guest.wait_for_message(user.address, marker)
    assert path.split("/")[0] in ("new", "cur"), f"delivered to {path}, not INBOX"
    assert b"X-Spam: Yes" not in data
    verdict = sa.rspamd_verdict(guest, marker)
    syms = sa.symbols(verdict)
    assert syms.get("VMAIL_E2E_RSPAMD_ONLY") == 0, \
        f"rspamd's rule did not fire, or counted:\n{verdict}"
    counted = {k: v for k, v in syms.items() if v != 0 and k != "SPAMD"}
    assert not counted, f"rspamd's own symbols counted: {counted}\n{verdict}"
