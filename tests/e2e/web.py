"""web - what the e2e tests of the web front (nginx, tests/e2e/test_80x_*.py)
ask it, from the host.

The guest's names are not in any DNS the host uses, so every request goes to
the guest's address with the name given by hand: as the Host header over
http, and as the TLS SNI name and the Host header over https. The guest's
certificate is self-signed (or from the test CA): the default context does
not verify it; tests that care about the certificate look at it themselves.

    r = get(guest, "autoconfig.example.com", "/mail/config-v1.1.xml")
    r.status, r.headers["Content-Type"], r.body          # bytes body
    r = get(guest, "mail.example.com", "/x", scheme="http")  # 301, not followed
    r = request(guest, "autodiscover.example.com",
                "/autodiscover/autodiscover.xml", method="POST", body=b"...")
    with mta_sts_settings(guest, mode="enforce"): ...    # vmail.conf + setup
"""

import contextlib
import http.client
import re
import socket
import ssl
from dataclasses import dataclass

TIMEOUT = 20
VMAIL_CONF = "/etc/vmail/vmail.conf"
WWW = "/var/lib/vmail/www"
SITE = "/etc/nginx/conf.d/vmail.conf"
LOCAL_HTTPS = "/etc/vmail/local/nginx/https.d"
LOCAL_HTTP = "/etc/vmail/local/nginx/http.d"


def unverified_context(minimum=None, maximum=None, legacy=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if legacy:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if minimum is not None:
        ctx.minimum_version = minimum
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx


class _HTTPS(http.client.HTTPSConnection):
    """https to ip, with host as the SNI name and Host header."""

    def __init__(self, ip, host, port, context):
        super().__init__(host, port, timeout=TIMEOUT, context=context)
        self._ip = ip

    def connect(self):
        raw = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    tls_version: str = None

    def text(self):
        return self.body.decode("utf-8", "replace")


def request(guest, host, path, method="GET", body=None, scheme="https",
            headers=None, context=None):
    """One request (no redirect followed); returns a Response."""
    hdrs = dict(headers or {})
    if scheme == "https":
        c = _HTTPS(guest.ip, host, 443, context or unverified_context())
    else:
        c = http.client.HTTPConnection(guest.ip, 80, timeout=TIMEOUT)
        hdrs.setdefault("Host", host)
    try:
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        version = c.sock.version() if scheme == "https" and c.sock else None
        return Response(r.status, r.headers, data, version)
    finally:
        c.close()


def get(guest, host, path, **kw):
    return request(guest, host, path, **kw)


def parse_mta_sts(text):
    """An MTA-STS policy (RFC 8461 3.2) as a dict: version, mode, max_age
    (int) and mx (list). Raises AssertionError on anything the RFC does not
    allow: lines are "key: value" ending in CRLF (LF tolerated by readers,
    but we write CRLF), version first and STSv1, mode one of the three,
    max_age a number of at most 31557600 s, at least one mx unless mode is
    none."""
    assert text.endswith("\r\n"), f"the policy does not end in CRLF: {text!r}"
    lines = text[:-2].split("\r\n")
    assert all("\n" not in l and "\r" not in l for l in lines), \
        f"bare CR or LF in the policy: {text!r}"
    policy = {"mx": []}
    for i, line in enumerate(lines):
        m = re.fullmatch(r"([A-Za-z0-9_]+):[ \t]*(\S(?:.*\S)?)[ \t]*", line)
        assert m, f"line {i + 1} of the policy is not 'key: value': {line!r}"
        key, value = m.groups()
        if i == 0:
            assert key == "version" and value == "STSv1", \
                f"the policy does not start with 'version: STSv1': {line!r}"
        if key == "mx":
            assert re.fullmatch(r"(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+", value), \
                f"bad mx pattern {value!r}"
            policy["mx"].append(value)
        else:
            assert key not in policy, f"{key} given twice in the policy"
            policy[key] = value
    assert policy.get("mode") in ("enforce", "testing", "none"), policy
    assert re.fullmatch(r"[0-9]{1,10}", policy.get("max_age", "")), policy
    policy["max_age"] = int(policy["max_age"])
    assert policy["max_age"] <= 31557600, policy
    assert policy["mx"] or policy["mode"] == "none", policy
    return policy


@contextlib.contextmanager
def conf_settings(guest, section, **values):
    """Set keys of [section] of vmail.conf and run "vmailctl setup"; put the
    file back and run setup again afterwards."""
    original = guest.run(["cat", VMAIL_CONF]).stdout.decode()
    text = original
    for key, value in values.items():
        start = text.index(f"\n[{section}]\n")
        end = text.find("\n[", start + 1)
        end = len(text) if end < 0 else end
        m = re.compile(rf"^{re.escape(key)}\s*=.*$", re.M).search(text, start, end)
        assert m, f"[{guest.name}] no '{key} =' in [{section}] of {VMAIL_CONF}"
        text = text[:m.start()] + f"{key} = {value}" + text[m.end():]
    try:
        guest.run(["sh", "-c", f"cat > {VMAIL_CONF}"], input=text)
        guest.vmailctl("setup")
        yield
    finally:
        guest.run(["sh", "-c", f"cat > {VMAIL_CONF}"], input=original)
        guest.vmailctl("setup")


def backup_mx(guest):
    """The guest's [server] backup_mx names (the harness makes each main
    guest the primary of its suite's backup guest, tests/e2e/run): they
    follow the hostname in MX records and MTA-STS policies."""
    text = guest.read(VMAIL_CONF)
    if isinstance(text, bytes):
        text = text.decode()
    m = re.search(r"^backup_mx[ \t]*=[ \t]*(.*)$", text, re.M)
    return m.group(1).split() if m else []


def mx_names(guest):
    """Every name the guest's MX records and MTA-STS policy name, in order."""
    return [guest.hostname] + backup_mx(guest)
