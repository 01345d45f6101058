"""Issue 3 (ClamAV scans every message and attachment): setup keeps clamd's
size limits in step with the message size limit. Debian's clamd refuses
streams over 25 MB (StreamMaxLength; a scan failure, so 4xx forever) and
skips files over 25 MB (MaxFileSize; they would pass unscanned), while vmail
accepts messages of up to 50 MB. A message of ~38 MB carrying a 28 MB
attachment must therefore be scanned whole: with EICAR at the end of the
attachment it is rejected with 5.7.1, without it it is delivered."""

import base64
import email.policy
import os
import re
from email.message import EmailMessage

import antivirus
import mailclients
from mailclients import EXTERNAL_SENDER, try_send

MB = 1024 * 1024
ATTACHMENT = 28 * MB          # over Debian's 25M MaxFileSize
CLAMD_CONF = "/etc/clamav/clamd.conf"


def _big_message(to, payload):
    marker = "e2e-" + mailclients.secrets.token_hex(8)
    m = EmailMessage()
    m["From"] = f"<{EXTERNAL_SENDER}>"
    m["To"] = f"<{to}>"
    m["Subject"] = f"big attachment {marker}"
    m["Message-ID"] = f"<{marker}@e2e.example.net>"
    m.set_content(f"Test message {marker}: see the attachment.\n")
    m.add_attachment(payload, maintype="application", subtype="octet-stream",
                     filename="data.bin")
    return m.as_bytes(policy=email.policy.SMTP), marker


def _clamd_sizes(guest):
    text = guest.run(["cat", CLAMD_CONF]).stdout.decode()
    sizes = {}
    for key in ("StreamMaxLength", "MaxFileSize", "MaxScanSize"):
        m = re.findall(rf"^{key}\s+(\d+)([KM]?)\s*$", text, re.M | re.I)
        assert m, f"[{guest.suite}] no {key} in {CLAMD_CONF}"
        n, unit = m[-1]
        sizes[key] = int(n) * {"": 1, "K": 1024, "M": MB}[unit.upper()]
    return sizes


def test_312_clamd_limits_cover_the_message_size_limit(guest):
    limit = int(guest.run(["postconf", "-h", "message_size_limit"]).stdout)
    for key, value in _clamd_sizes(guest).items():
        assert value >= limit, f"[{guest.suite}] clamd {key} {value} < {limit}"


def test_312_big_attachment_with_eicar_is_rejected(guest):
    antivirus.wait_clamd(guest)
    user = guest.add_user("bigvirus")
    payload = os.urandom(ATTACHMENT - 100) + b"\n" + antivirus.EICAR.encode() + b"\n"
    msg, marker = _big_message(user.address, payload)
    assert 25 * MB < len(msg) < 50 * MB
    assert antivirus.EICAR.encode() not in msg       # only once decoded
    assert base64.b64encode(antivirus.EICAR.encode()) not in msg
    code, text = try_send(guest, user.address, msg)
    assert code == 554 and text.startswith(b"5.7.1"), \
        f"[{guest.suite}] {len(msg)} bytes with EICAR got {code} {text!r}\n" \
        f"{guest.explain(marker)}"
    assert guest.find_message(user.address, marker) is None


def test_312_big_clean_attachment_is_delivered(guest):
    antivirus.wait_clamd(guest)
    user = guest.add_user("bigclean")
    msg, marker = _big_message(user.address, os.urandom(ATTACHMENT))
    code, text = try_send(guest, user.address, msg)
    assert code == 250, \
        f"[{guest.suite}] {len(msg)} clean bytes got {code} {text!r}\n{guest.explain(marker)}"
    guest.wait_for_message(user.address, marker)
