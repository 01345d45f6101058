"""Issue 8, live checks: TLS reports (RFC 8460) in `vmailctl check tls`.

Other servers mail their aggregate TLS reports to the address of the
_smtp._tls record ([dns] tlsrpt_rua, else dmarc_rua, else the admin:
admin@example.com here). The test mails two, as the big providers send
them, into the guest (sendmail: local mail is not greylisted): one from
"Company-X" as a gzip attachment in base64 (application/tlsrpt+gzip,
multipart/report), with 100 certificate-expired and 200
starttls-not-supported sessions; one from "Company-Z" as plain
application/tlsrpt+json with no failures; and the first one again (same
report-id: counted once). The organisations' names are new for each run,
so reports left by an earlier run do not change the counts. `check tls` then says, on a TLS-RPT line, how
many reports from how many organisations and how many sessions failed,
and one line per organisation and failure type, and exits 1. The
messages stay where they were delivered.
"""

import base64
import gzip
import json
import time

from vmail_guest import token, wait_until

ADMIN = "admin@example.com"


def _report(org, rid, ok, failures):
    now = time.gmtime()
    day = time.strftime("%Y-%m-%d", now)
    return json.dumps({
        "organization-name": org,
        "date-range": {"start-datetime": f"{day}T00:00:00Z",
                       "end-datetime": f"{day}T23:59:59Z"},
        "contact-info": f"smtp-tls-reporting@{org.lower()}.example",
        "report-id": rid,
        "policies": [{
            "policy": {"policy-type": "sts",
                       "policy-domain": "example.com",
                       "mx-host": ["mail.example.com"]},
            "summary": {"total-successful-session-count": ok,
                        "total-failure-session-count":
                            sum(n for _, n in failures)},
            "failure-details": [
                {"result-type": t, "receiving-mx-hostname": "mail.example.com",
                 "failed-session-count": n} for t, n in failures],
        }],
    })


def _mail(guest, marker, content_type, body, encoding=None):
    b = f"b-{token()}"
    headers = f"Content-Transfer-Encoding: {encoding}\n" if encoding else ""
    msg = (f"From: reports@reporter.example\nTo: {ADMIN}\n"
           f"Subject: Report Domain: example.com {marker}\n"
           f"TLS-Report-Domain: example.com\nMIME-Version: 1.0\n"
           f"Content-Type: multipart/report; report-type=tlsrpt; boundary=\"{b}\"\n\n"
           f"--{b}\nContent-Type: text/plain\n\n{marker}\n"
           f"--{b}\nContent-Type: {content_type}\n{headers}"
           f"Content-Disposition: attachment; filename=\"report.json\"\n\n"
           f"{body}\n--{b}--\n")
    guest.run(["/usr/sbin/sendmail", "-f", "reports@reporter.example", ADMIN],
              input=msg)
    wait_until(lambda: guest.find_message(ADMIN, marker),
               f"the report {marker} in {ADMIN}'s Maildir", timeout=60)


def test_839_tls_reports_summed_up(guest):
    rid = f"rid-{token()}"
    orgx, orgz = f"Company-X-{token()}", f"Company-Z-{token()}"
    x = _report(orgx, rid, 5326, [("certificate-expired", 100),
                                         ("starttls-not-supported", 200)])
    z = _report(orgz, f"rid-{token()}", 42, [])
    gz = base64.encodebytes(gzip.compress(x.encode())).decode()
    m1, m2, m3 = (f"tlsrpt-{token()}" for _ in range(3))
    _mail(guest, m1, "application/tlsrpt+gzip", gz, "base64")
    _mail(guest, m2, "application/tlsrpt+json", z)
    _mail(guest, m3, "application/tlsrpt+gzip", gz, "base64")   # again

    p = guest.vmailctl("check", "tls", check=False)
    lines = p.stdout.decode().splitlines()
    assert p.returncode == 1, "\n".join(lines) + p.stderr.decode()
    rpt = [l for l in lines if l.split()[1] == "TLS-RPT"]
    summary = [l for l in rpt if ADMIN in l.split()]
    assert len(summary) == 1, rpt
    # Other tests may have left reports of their own: at least ours.
    assert summary[0].startswith("warning "), summary
    assert "organisations in the last 30 days" in summary[0], summary
    x_lines = [l for l in rpt if l.split()[2] == orgx]
    assert any("certificate-expired: 100 failed sessions at mail.example.com"
               in l for l in x_lines), rpt
    assert any("starttls-not-supported: 200 failed sessions" in l
               for l in x_lines), rpt
    assert not [l for l in rpt if l.split()[2] == orgz], rpt
    # Kept where they arrived.
    for m in (m1, m2, m3):
        assert guest.find_message(ADMIN, m), m
