"""test_852 - a forced renewal while mail flows: nothing refused, no
connection dropped, the key unchanged.

While "vmailctl cert renew --force" gets a new certificate from pebble
and reloads Postfix, Dovecot and nginx, three clients keep going:
  - one SMTP session on port 25 (STARTTLS), kept open, sending a message
    every 0.1 s over the same connection;
  - submission on 465 (implicit TLS, AUTH), a new connection per
    message;
  - one IMAP session on 993, kept open, NOOP every 0.1 s.
Every reply must be a success and every message must arrive; the open
sessions must outlive the reloads. Afterwards every port serves the new
certificate (another serial) for the same key. Figure: renewal time.
"""

import contextlib
import smtplib
import threading
import time

import acmeca
import mailclients as mc
from acmeca import acme_on, served_cert


def test_forced_renewal_under_load(guest):
    key = acmeca.tlsa_of_key(guest)
    user = guest.add_user("renew")
    with acme_on(guest) as acme:
        first = served_cert(guest, 465, acme.root)
        assert first.verified, first
        stop = threading.Event()
        sent, failures = [], []
        lock = threading.Lock()

        def note(what, ok, detail=""):
            with lock:
                (sent if ok else failures).append((what, detail))

        def smtp25():
            try:
                with mc.smtp(guest, 25, starttls=True) as s:
                    while not stop.is_set():
                        msg, marker = mc.make_message(mc.EXTERNAL_SENDER,
                                                      user.address, "renew-25")
                        try:
                            mc.send(s, mc.EXTERNAL_SENDER, user.address, msg)
                            note(marker, True)
                        except (AssertionError, smtplib.SMTPException, OSError) as e:
                            note("25", False, repr(e))
                            return
                        time.sleep(0.1)
            except Exception as e:
                note("25 session", False, repr(e))

        def sub465():
            while not stop.is_set():
                msg, marker = mc.make_message(user.address, user.address,
                                              "renew-465")
                try:
                    with mc.submission(guest, 465, user) as s:
                        mc.send(s, user.address, user.address, msg)
                    note(marker, True)
                except Exception as e:
                    note("465", False, repr(e))
                time.sleep(0.05)

        def imap993():
            try:
                with mc.imap(guest, user) as m:
                    while not stop.is_set():
                        typ, data = m.noop()
                        if typ != "OK":
                            note("imap", False, f"{typ} {data}")
                            return
                        time.sleep(0.1)
                    typ, _ = m.noop()
                    note("imap", typ == "OK", "after the renewal")
            except Exception as e:
                note("imap session", False, repr(e))

        threads = [threading.Thread(target=f, daemon=True)
                   for f in (smtp25, sub465, imap993)]
        for t in threads:
            t.start()
        time.sleep(2)
        before = len(sent)
        p, secs = acme.renew("--force")
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(60)
        print(f"[{guest.name}] forced renewal: {secs:.1f}s; {len(sent)} "
              f"successes ({len(sent) - before} from the renewal on), "
              f"{len(failures)} failures")
        assert not failures, f"[{guest.name}] refused or dropped: {failures[:5]}"
        assert p.stdout.startswith(b"installed a new certificate"), p.stdout
        markers = [m for m, _ in sent if m not in ("imap",)]
        assert len(markers) > 20, f"too little traffic to mean anything: {len(markers)}"
        assert ("imap", "after the renewal") in sent, sent[-3:]
        for m in markers:
            guest.wait_for_message(user.address, m, timeout=120)
        for port in (25, 465, 993, 443):
            s = served_cert(guest, port, acme.root)
            assert s.verified and s.serial != first.serial, \
                f"[{guest.name}] port {port} still serves {s} (before: {first})"
            assert s.tlsa == key, f"[{guest.name}] port {port}: the key changed"
        assert acmeca.tlsa_of_key(guest) == key
