"""antivirus - the e2e tests' side of ClamAV.

The guests have no internet, so freshclam cannot fetch the official
signatures. prepare(guest) writes a one-signature database of the tests' own
(EICAR, as a ClamAV body signature: it matches the EICAR string anywhere in
any file, so also inside a decoded attachment or an unpacked zip) into
/var/lib/clamav, then runs "vmailctl setup", which starts clamd once there
are signatures (install.sh could not: there were none yet). conftest.py calls
it once per guest before any test runs.

Also: the EICAR test string, messages carrying it, and stopping clamd.
"""

import email.policy
import io
import zipfile
from email.message import EmailMessage

import mailclients
from vmail_guest import wait_until

# The standard anti-virus test file (68 bytes); harmless by definition.
EICAR = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!H+H*"
SIGNATURE_DB = "/var/lib/clamav/vmail-e2e.ndb"
# NAME:TARGET(0 = any file):OFFSET(* = anywhere):HEX
SIGNATURE = f"Vmail-E2E-EICAR:0:*:{EICAR.encode().hex()}\n"
CLAMD_SOCKET = "/run/clamav/clamd.ctl"


def clamd_answers(guest):
    """True if clamd runs and its socket is there. (The guests have no
    client to PING it with; "vmailctl setup" itself waits for PONG.)"""
    return clamd_pid(guest) is not None and \
        guest.run(["test", "-S", CLAMD_SOCKET], check=False).returncode == 0


def clamd_pid(guest):
    """The pid of the running clamd, or None."""
    return guest.main_pid("clamd")


def wait_clamd(guest, up=True, timeout=120):
    wait_until(lambda: clamd_answers(guest) == up,
               f"[{guest.suite}] clamd to come {'up' if up else 'down'}", timeout, 0.5)


def stop_clamd(guest):
    """Stop clamd as an administrator would (systemctl stop, so systemd does
    not start it again; kill without systemd)."""
    pid = clamd_pid(guest)
    if guest.systemd:
        guest.stop("clamd")
    elif pid:
        guest.run(["kill", str(pid)])
    wait_until(lambda: not clamd_pid(guest), f"[{guest.suite}] clamd to stop")


# The first release of vmail (the upgrade guests run it before HEAD) left
# clamd's start condition to Debian's unit, which wants the official main
# and daily databases that freshclam would fetch; the tests' own database
# has another name. On those guests this test-environment drop-in stands
# in for the official files (HEAD's own drop-in, vmail.conf in the same
# directory, replaces the condition anyway).
E2E_DROPIN_DIR = "/etc/systemd/system/clamav-daemon.service.d"
E2E_DROPIN = E2E_DROPIN_DIR + "/00-vmail-e2e-signatures.conf"
E2E_DROPIN_TEXT = """# Test environment only (tests/e2e/antivirus.py): the tests' signature
# database stands in for the official main.cvd and daily.cvd.
[Unit]
ConditionPathExistsGlob=
ConditionPathExistsGlob=/var/lib/clamav/*.ndb
"""


def prepare(guest):
    if guest.kind == "upgrade" and guest.read(E2E_DROPIN) != E2E_DROPIN_TEXT:
        guest.run(["sh", "-c", f"mkdir -p {E2E_DROPIN_DIR} && cat > {E2E_DROPIN} && "
                   "systemctl daemon-reload"], input=E2E_DROPIN_TEXT)
    if guest.run(["cat", SIGNATURE_DB], check=False).stdout != SIGNATURE.encode():
        guest.run(["sh", "-c", f"cat > {SIGNATURE_DB} && chown clamav:clamav {SIGNATURE_DB}"],
                  input=SIGNATURE.encode())
    if not clamd_answers(guest):
        guest.vmailctl("setup")       # starts clamd now that it has signatures
    wait_clamd(guest)


def zip_bytes(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def message_with_zip(to, subject, files):
    """(bytes, marker): a text part and a zip attachment holding files."""
    marker = "e2e-" + mailclients.secrets.token_hex(8)
    m = EmailMessage()
    m["From"] = f"<{mailclients.EXTERNAL_SENDER}>"
    m["To"] = f"<{to}>"
    m["Subject"] = f"{subject} {marker}"
    m["Message-ID"] = f"<{marker}@e2e.example.net>"
    m.set_content(f"Test message {marker}: see the attachment.\n")
    m.add_attachment(zip_bytes(files), maintype="application", subtype="zip",
                     filename="files.zip")
    return m.as_bytes(policy=email.policy.SMTP), marker
