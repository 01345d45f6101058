"""Issue 3, test 10: Dovecot's IMAPSieve teaches the spam filter as users
file their mail.

- A message MOVEd (or COPYed) from INBOX into Junk is learned as spam.
- A message MOVEd out of Junk into INBOX is learned as ham.
- A message MOVEd out of Junk into Trash is only thrown away: nothing is
  learned.
- A message APPENDed to Junk (a client uploading or migrating mail) is
  not learned: only a user's own filing counts.

The proof is rspamd's own statistics: the "learned" counts of the
BAYES_SPAM and BAYES_HAM statfiles in "rspamc stat" (kept in Redis) must
rise by exactly what the moves above make.  rspamd refreshes those counts
from Redis only every 30-60 s, so all the filing is done first and the
counts are then polled once, with a generous deadline.  rspamd ignores
messages with too few words and learns each message only once per class,
so every message has a few hundred words of its own.  (rspamd's GTUBE
test patterns cannot stand in for spam here: rspamd skips the statistics
for them.)
"""

import random
import re
import time

from mailclients import EXTERNAL_SENDER, imap, make_message, send, smtp

STATS_TIMEOUT = 150   # rspamc stat lags Redis by up to a minute

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


def prose(seed):
    """A few hundred words of plain prose, different for every seed."""
    rng = random.Random(seed)
    lines = []
    for _ in range(40):
        words = [rng.choice(WORDS) for _ in range(10)]
        words.append(f"{seed}x{rng.randrange(10**6)}")
        lines.append(" ".join(words).capitalize() + ".")
    return lines


def prose_message(user):
    return make_message(EXTERNAL_SENDER, user.address, "weekly notes",
                        body=prose(random.randrange(10**9)))


def learned(guest):
    """{"BAYES_SPAM": n, "BAYES_HAM": n} from "rspamc stat"."""
    out = guest.run(["rspamc", "stat"]).stdout.decode()
    counts = {"BAYES_SPAM": 0, "BAYES_HAM": 0}
    for m in re.finditer(r"Statfile: (BAYES_\w+) .*?learned: (\d+)", out):
        counts[m.group(1)] += int(m.group(2))
    return counts


def deliver(guest, user):
    """A prose message through SMTP (and rspamd) into INBOX; its marker."""
    msg, marker = prose_message(user)
    with smtp(guest, 25) as s:
        send(s, EXTERNAL_SENDER, user.address, msg)
    path, _ = guest.wait_for_message(user.address, marker)
    assert path.split("/")[0] in ("new", "cur"), f"{marker} went to {path}"
    return marker


def uid_of(m, marker):
    typ, data = m.uid("SEARCH", None, "HEADER", "Message-ID", marker)
    assert typ == "OK" and data[0], f"{marker} not found: {typ} {data}"
    return data[0].split()[0].decode()


def file_as(m, command, marker, folder):
    """UID MOVE or UID COPY of the message with marker (in the selected
    folder) into folder."""
    typ, data = m.uid(command, uid_of(m, marker), folder)
    assert typ == "OK", f"UID {command} to {folder}: {typ} {data}"


def append_to_junk(m, user):
    """A prose message uploaded straight into Junk (as a mail client
    moving mail between accounts would); its marker."""
    msg, marker = prose_message(user)
    typ, data = m.append("Junk", None, None, msg)
    assert typ == "OK", f"APPEND to Junk: {typ} {data}"
    return marker


def file_two_spam_one_ham(guest, user, moved, copied):
    """What the learning tests (this one and test_353) do as a user: file
    by IMAP so that exactly two messages are learned as spam (moved and
    copied, delivered to INBOX before) and one as ham, and two filings
    learn nothing."""
    with imap(guest, user) as m:
        # Spam: one message moved from INBOX into Junk, one copied.
        m.select("INBOX")
        file_as(m, "MOVE", moved, "Junk")
        file_as(m, "COPY", copied, "Junk")
        # Two messages in Junk that were never learned (APPEND trains
        # nothing): one rescued into INBOX (ham), one thrown away into
        # Trash (nothing).
        rescued, trashed = append_to_junk(m, user), append_to_junk(m, user)
        m.select("Junk")
        file_as(m, "MOVE", rescued, "INBOX")
        file_as(m, "MOVE", trashed, "Trash")


def test_345_filing_trains_bayes(guest):
    user = guest.add_user("learn")
    moved, copied = deliver(guest, user), deliver(guest, user)
    before = learned(guest)
    file_two_spam_one_ham(guest, user, moved, copied)

    want = {"BAYES_SPAM": before["BAYES_SPAM"] + 2,
            "BAYES_HAM": before["BAYES_HAM"] + 1}
    deadline = time.monotonic() + STATS_TIMEOUT
    now = learned(guest)
    while any(now[k] < want[k] for k in want) and time.monotonic() < deadline:
        time.sleep(2)
        now = learned(guest)
    assert now == want, (
        f"[{guest.suite}] rspamc stat: learned {now}, expected {want} "
        f"(before the moves: {before}).  Spam should be the message moved "
        f"and the one copied into Junk; ham only the one moved from Junk "
        f"to INBOX: more means the move to Trash or an APPEND was learned\n"
        + guest.explain(user.address, "rspamc"))
