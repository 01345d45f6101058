"""Issue 7, section 3, item 7: the time limits of a scan agree.

rspamd refuses a message with 4xx when it runs out of task_timeout
(soft_reject_on_timeout). Had task_timeout been shorter than its
scanners' own limits, a big message that is merely slow to scan would be
refused on every retry, for ever. So, read from the effective
configuration (`rspamadm configdump`, `postconf`):

    clamd (timeout x tries) + spamd (timeout x tries)
      + DNS (timeout x retransmits, three lookups waiting on one another)
      + Redis (4 x 1 s)
    < rspamd's task_timeout < its milter worker's timeout
    < Postfix's milter_content_timeout

rspamd agrees: after a reload its workers do not log "task_timeout ... is
less than maximum symbols cache timeout" (rspamd 3.4 says so; the
greylisting module's Redis requests had a limit of 300 s, its delay).
`rspamadm configtest` prints nothing but "syntax OK" (besides the
resolver's words about the public fuzzy servers, which this closed test
network cannot resolve), and setup fails, printing the warning, when it
does not."""

import json

import spamfilter

DNS_CHAINED = 3
REDIS = 4


def configdump(guest, section):
    """The objects `rspamadm configdump -j SECTION` prints, merged."""
    out = guest.run(["rspamadm", "configdump", "-j", section]).stdout.decode()
    dec, pos, merged = json.JSONDecoder(), 0, {}
    while True:
        pos = out.find("{", pos)
        if pos < 0:
            return merged
        obj, pos = dec.raw_decode(out, pos)
        merged.update(obj)


def _seconds(postconf_value):
    v = postconf_value.strip()
    units = {"s": 1, "m": 60, "h": 3600}
    return float(v[:-1]) * units[v[-1]] if v[-1] in units else float(v)


def test_723_time_limits_nest(guest):
    _assert_limits_nest(guest)


def test_723_time_limits_nest_with_spamassassin(guest, spamassassin):
    """The same with [spam] engine = spamassassin (spamd's time counts)."""
    assert configdump(guest, "external_services").get("spamassassin"), \
        f"[{guest.name}] spamd is not configured"
    _assert_limits_nest(guest)


def _assert_limits_nest(guest):
    options = configdump(guest, "options")
    task = float(options["task_timeout"])
    dns = options.get("dns", {})
    total = (float(dns.get("timeout", 1)) * int(dns.get("retransmits", 5)) *
             DNS_CHAINED + REDIS)
    parts = [f"dns/redis {total}"]
    clamav = configdump(guest, "antivirus").get("clamav")
    if clamav:
        t = float(clamav["timeout"]) * (int(clamav.get("retransmits", 0)) + 1)
        total += t
        parts.append(f"clamd {t}")
    spamd = configdump(guest, "external_services").get("spamassassin")
    if spamd:
        t = float(spamd["timeout"]) * (int(spamd.get("retransmits", 0)) + 1)
        total += t
        parts.append(f"spamd {t}")
    proxy = float(configdump(guest, "worker")["rspamd_proxy"]["timeout"])
    content = _seconds(guest.run(["postconf", "-h", "milter_content_timeout"])
                       .stdout.decode())
    assert total < task < proxy < content, \
        f"[{guest.name}] the scanners ({' + '.join(parts)} = {total} s) < " \
        f"task_timeout {task} < milter worker {proxy} < " \
        f"milter_content_timeout {content} does not hold"


def test_723_rspamd_finds_no_symbol_outlasting_the_task(guest):
    size = guest.log_size(guest.log_path("rspamd"))
    spamfilter.reload(guest)
    log = guest.run(["tail", "-c", f"+{size + 1}", guest.log_path("rspamd")]
                    ).stdout.decode("utf-8", "replace")
    bad = [l for l in log.splitlines() if "less than maximum symbols cache timeout" in l
           or "list of top" in l]
    assert not bad, f"[{guest.name}] rspamd says:\n" + "\n".join(bad)


def _configtest_words(guest):
    p = guest.run(["rspamadm", "configtest"], check=False)
    noise = ("address resolution for ", "cannot read servers definition")
    words = [l for l in p.stderr.decode().splitlines()
             if l.strip() and not l.startswith(noise)]
    return p.returncode, p.stdout.decode().strip(), words


def test_723_configtest_prints_no_warning(guest):
    rc, out, words = _configtest_words(guest)
    assert rc == 0 and out == "syntax OK" and not words, \
        f"[{guest.name}] rspamadm configtest: exit {rc}, {out!r}, {words}"


def test_723_setup_fails_on_a_configtest_warning(guest):
    """An administrator's rspamd file that makes configtest warn (here
    dkim_signing's auth_only beside sign_authenticated) stops setup, with
    rspamd's words; without it setup passes again."""
    target = "/etc/rspamd/override.d/dkim_signing.conf"
    had = guest.run(["test", "-e", target], check=False).returncode == 0
    assert not had, f"[{guest.name}] {target} exists already"
    guest.run(["sh", "-c", f"echo 'auth_only = true;' > {target}"])
    try:
        p = guest.vmailctl("setup", check=False)
        err = p.stderr.decode()
        assert p.returncode == 1 and "prefer auth_only" in err and \
            "the live configuration was left as it was" in err, \
            f"[{guest.name}] setup with a configtest warning: exit " \
            f"{p.returncode}\n{err}"
    finally:
        guest.run(["rm", "-f", target])
    p = guest.vmailctl("setup", check=False)
    assert p.returncode == 0, p.stderr.decode()
