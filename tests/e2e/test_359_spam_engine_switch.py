"""Issue 3, test 11: switching the spam engine from rspamd to SpamAssassin and
back keeps mail flowing, and re-running setup is idempotent each time.

At each step the administrator's command is `./install.sh --spam ENGINE`
(the first switch installs spamd and spamc). Then:
- mail from outside is delivered;
- the engine selected is the one that scores: a word only SpamAssassin
  scores (20) rejects with SpamAssassin and gets through with rspamd; a word
  only rspamd scores (30) does the opposite; GTUBE in a long text part (where
  rspamd's own GTUBE check does not look) is rejected only by SpamAssassin;
- spamd runs with SpamAssassin and is stopped with rspamd;
- install.sh run again with nothing to change rewrites no file, restarts or
  reloads no daemon (spamd included) and mail still flows.
With SpamAssassin, spamd accepts learning from this machine (`spamc -L`, which
the IMAPSieve learning uses): SpamAssassin's own Bayes counters
(`sa-learn --dump magic`) go up by one spam and one ham.
"""

import spamassassin as sa
import spamfilter
from mailclients import EXTERNAL_SENDER, deliver, make_message, try_send
from vmail_guest import RestartWatch, snapshot_diff

DAEMONS = ("postfix", "dovecot", "rspamd", "redis", "clamd", "spamd")
FILLER = [f"Line {i} of a long newsletter that says nothing much at all." for i in range(200)]


def _rerun_is_idempotent(guest, engine):
    before = guest.config_snapshot()
    watch = RestartWatch(guest, DAEMONS if engine == "spamassassin" else DAEMONS[:-1])
    p = sa.install(guest)
    assert p.returncode == 0, \
        f"[{engine}] install.sh again failed:\n{p.stdout.decode()[-2000:]}{p.stderr.decode()[-2000:]}"
    after = guest.config_snapshot()
    diff = snapshot_diff(before, after)
    assert not diff, f"[{engine}] the second install.sh run changed files:\n" + diff
    hits = watch.hits()
    assert not hits, f"[{engine}] the second run restarted or reloaded:\n" + "\n".join(hits)


def _mail_flows(guest, user):
    marker = deliver(guest, user.address, "engine-switch")
    path, _ = guest.wait_for_message(user.address, marker)
    assert path.split("/")[0] in ("new", "cur"), f"clean mail delivered to {path}"


def _outcome(guest, user, body):
    """'rejected' (554 5.7.1, not stored) or 'delivered'."""
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "engine", body=body)
    code, text = try_send(guest, user.address, msg)
    if code == 554 and text.startswith(b"5.7.1"):
        assert guest.find_message(user.address, marker) is None
        return "rejected"
    assert code == 250, f"got {code} {text!r}\n{guest.explain(marker)}"
    guest.wait_for_message(user.address, marker)
    return "delivered"


def _engine_decides(guest, user, engine):
    want = {"rspamd": ("delivered", "rejected", "delivered"),
            "spamassassin": ("rejected", "delivered", "rejected")}[engine]
    got = (_outcome(guest, user, ["Words:", sa.SA_ONLY]),
           _outcome(guest, user, ["Words:", sa.RSPAMD_ONLY]),
           _outcome(guest, user, ["Spam:", *FILLER, sa.GTUBE]))
    assert got == want, \
        f"[{engine}] (SpamAssassin-only rule, rspamd-only rule, long GTUBE): " \
        f"got {got}, want {want}"


def _switch(guest, engine):
    if engine == "spamassassin":
        sa.install_overrides(guest)
    old = spamfilter.workers(guest)
    p = sa.install(guest, "--spam", engine)
    assert p.returncode == 0, \
        f"install.sh --spam {engine} failed:\n{p.stdout.decode()[-3000:]}{p.stderr.decode()[-3000:]}"
    assert sa.engine(guest) == engine
    spamfilter.wait_workers_replaced(guest, old)


def _learning_counts(guest, user):
    spam, _ = make_message(EXTERNAL_SENDER, user.address, "learn me as spam",
                           body=["Cheap pills and watches, best prices, click now."])
    ham, _ = make_message(EXTERNAL_SENDER, user.address, "learn me as ham",
                          body=["Minutes of Tuesday's meeting are attached."])
    nspam, nham = sa.bayes_counts(guest)
    for kind, msg in (("spam", spam), ("ham", ham)):
        p = guest.run(["spamc", "-L", kind], input=msg, check=False)
        assert p.returncode in (0, 5, 6) and b"learned" in p.stdout, \
            f"spamc -L {kind} (exit {p.returncode}): {p.stdout!r} {p.stderr!r}"
    assert sa.bayes_counts(guest) == (nspam + 1, nham + 1), \
        f"Bayes counters (nspam, nham) {(nspam, nham)} -> {sa.bayes_counts(guest)}"


def test_359_switch_engines_and_back(guest):
    user = guest.add_user("switch")
    assert sa.engine(guest) == "rspamd"
    _mail_flows(guest, user)
    _engine_decides(guest, user, "rspamd")

    _switch(guest, "spamassassin")
    try:
        assert sa.spamd_up(guest), "spamd is not running with engine = spamassassin"
        _mail_flows(guest, user)
        _engine_decides(guest, user, "spamassassin")
        _learning_counts(guest, user)
        _rerun_is_idempotent(guest, "spamassassin")
        _mail_flows(guest, user)
    finally:
        _switch(guest, "rspamd")

    assert not sa.spamd_up(guest) and sa.spamd_pid(guest) is None, \
        "spamd still runs with engine = rspamd"
    _mail_flows(guest, user)
    _engine_decides(guest, user, "rspamd")
    _rerun_is_idempotent(guest, "rspamd")
    _mail_flows(guest, user)
