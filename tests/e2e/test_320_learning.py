"""Issue 3, test 10: Dovecot's IMAPSieve teaches rspamd as users file
their mail.  An IMAP MOVE into Junk trains the message as spam, a MOVE out
of Junk (to a folder other than Trash) as ham.

The proof is rspamd's own statistics: the "learned" counts of the
BAYES_SPAM and BAYES_HAM statfiles in "rspamc stat" (kept in Redis) go up.
rspamd ignores messages with too few words and refuses to learn the same
message twice, so every test message has a few hundred words of its own.
"""

import random
import re
import time

from mailclients import EXTERNAL_SENDER, imap, make_message, send, smtp

WORDS = """account agenda answer appointment archive budget calendar client
colleague committee contract customer deadline delivery department design
document draft estimate feedback finance forecast garden holiday invoice
kitchen library logistics manager meeting milestone minutes network office
order payment planning policy presentation printer priority project proposal
quarter receipt report request review schedule seminar server shipment
software spreadsheet strategy summary supplier survey team timeline training
travel update vendor warehouse weather website workshop yesterday tomorrow
morning evening weekend monday tuesday wednesday thursday friday coffee
lunch dinner train station airport hotel ticket museum concert football
bicycle mountain river village harbour bridge castle forest meadow""".split()


def realistic_body(seed):
    """A few hundred words of plain prose, different for every seed."""
    rng = random.Random(seed)
    lines = []
    for _ in range(40):
        words = [rng.choice(WORDS) for _ in range(10)]
        words.append(f"{seed}x{rng.randrange(10**6)}")
        lines.append(" ".join(words).capitalize() + ".")
    return lines


def learned(guest):
    """{"BAYES_SPAM": n, "BAYES_HAM": n} from "rspamc stat"."""
    out = guest.run(["rspamc", "stat"]).stdout.decode()
    counts = {"BAYES_SPAM": 0, "BAYES_HAM": 0}
    for m in re.finditer(r"Statfile: (BAYES_\w+).*?learned: (\d+)", out):
        counts[m.group(1)] = counts.get(m.group(1), 0) + int(m.group(2))
    return counts


def wait_learned(guest, statfile, above, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        now = learned(guest)[statfile]
        if now > above:
            return now
        assert time.monotonic() < deadline, \
            f"[{guest.suite}] {statfile} still learned {now} after {timeout}s\n" \
            + guest.explain("learn", "rspamc", "pipe")
        time.sleep(0.5)


def deliver_prose(guest, user):
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "weekly notes",
                               body=realistic_body(random.randrange(10**9)))
    with smtp(guest, 25) as s:
        send(s, EXTERNAL_SENDER, user.address, msg)
    guest.wait_for_message(user.address, marker)
    return marker


def uid_of(m, marker):
    typ, data = m.uid("SEARCH", None, "HEADER", "Message-ID", marker)
    assert typ == "OK" and data[0], f"{marker} not found: {typ} {data}"
    return data[0].split()[0].decode()


def move(m, marker, folder):
    typ, data = m.uid("MOVE", uid_of(m, marker), folder)
    assert typ == "OK", f"UID MOVE to {folder}: {typ} {data}"


def test_320_move_into_junk_learns_spam_and_out_learns_ham(guest):
    user = guest.add_user("learn")
    marker = deliver_prose(guest, user)
    before = learned(guest)

    with imap(guest, user) as m:
        m.select("INBOX")
        move(m, marker, "Junk")
    wait_learned(guest, "BAYES_SPAM", before["BAYES_SPAM"])

    other = deliver_prose(guest, user)
    with imap(guest, user) as m:
        m.select("INBOX")
        move(m, other, "Junk")
    spam = wait_learned(guest, "BAYES_SPAM", before["BAYES_SPAM"] + 1)

    # Out of Junk, back to INBOX: ham.
    with imap(guest, user) as m:
        m.select("Junk")
        move(m, other, "INBOX")
    wait_learned(guest, "BAYES_HAM", before["BAYES_HAM"])
    # rspamd moved that message from spam to ham (relearning unlearns).
    assert learned(guest)["BAYES_SPAM"] == spam - 1


def test_320_junk_to_trash_learns_nothing(guest):
    user = guest.add_user("trash")
    marker = deliver_prose(guest, user)
    with imap(guest, user) as m:
        m.select("INBOX")
        move(m, marker, "Junk")
    before = learned(guest)
    with imap(guest, user) as m:
        m.select("Junk")
        move(m, marker, "Trash")
    time.sleep(3)
    assert learned(guest)["BAYES_HAM"] == before["BAYES_HAM"], \
        "a message thrown away from Junk was learned as ham"
