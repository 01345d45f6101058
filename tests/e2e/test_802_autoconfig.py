"""Issue 8, client autoconfiguration. Thunderbird's config-v1.1.xml (at
autoconfig.DOMAIN/mail/ and /.well-known/autoconfig/mail/, over https and
http), Outlook's autodiscover (a POST with the address in the request) and
an Apple .mobileconfig per user (/mobileconfig?address=USER@DOMAIN) each
parse, and name the hostname with IMAP 993, POP3 995 and SMTP 465 over
implicit TLS (587 with STARTTLS), and never a plaintext port. An address
that is missing, malformed or of another domain gets 400, and nothing of it
is echoed into a profile."""

import plistlib
import xml.etree.ElementTree as ET

import pytest

import web

TB_PATHS = ["/mail/config-v1.1.xml", "/.well-known/autoconfig/mail/config-v1.1.xml"]
AD_NS = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"
AD_REQUEST = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>{address}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>
"""
PLAINTEXT_PORTS = {25, 110, 143, 80}


@pytest.mark.parametrize("scheme", ["https", "http"])
@pytest.mark.parametrize("path", TB_PATHS)
def test_802_thunderbird_autoconfig(guest, scheme, path):
    address = f"someone@{guest.domain}"
    r = web.get(guest, f"autoconfig.{guest.domain}", f"{path}?emailaddress={address}",
                scheme=scheme)
    assert r.status == 200, f"[{guest.name}] {scheme} {path}: {r.status}\n{r.text()}"
    assert "xml" in r.headers.get("Content-Type", "")
    root = ET.fromstring(r.body)
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    provider = root.find("emailProvider")
    assert provider.get("id") == guest.domain
    assert [d.text for d in provider.findall("domain")] == [guest.domain]
    servers = {}
    for el in provider.findall("incomingServer") + provider.findall("outgoingServer"):
        entry = (el.get("type"), int(el.findtext("port")), el.findtext("socketType"))
        assert el.findtext("hostname") == guest.hostname, ET.tostring(el)
        assert el.findtext("username") == "%EMAILADDRESS%"
        assert el.findtext("authentication") == "password-cleartext"
        servers[entry] = el
    assert set(servers) == {("imap", 993, "SSL"), ("pop3", 995, "SSL"),
                            ("smtp", 465, "SSL"), ("smtp", 587, "STARTTLS")}, servers
    # implicit TLS comes first in each list, as clients take the first
    assert provider.find("incomingServer").get("type") == "imap"
    assert provider.find("outgoingServer").findtext("port") == "465"


def test_802_autoconfig_of_unhosted_domain_is_404(guest):
    r = web.get(guest, "autoconfig.not-hosted.example.net", TB_PATHS[0])
    assert r.status == 404, f"[{guest.name}] {r.status}"


@pytest.mark.parametrize("path", ["/autodiscover/autodiscover.xml",
                                  "/Autodiscover/Autodiscover.xml"])
def test_802_outlook_autodiscover_post(guest, path):
    address = f"someone@{guest.domain}"
    for host in (f"autodiscover.{guest.domain}", f"autoconfig.{guest.domain}"):
        r = web.request(guest, host, path, method="POST",
                        body=AD_REQUEST.format(address=address).encode(),
                        headers={"Content-Type": "text/xml"})
        assert r.status == 200, f"[{guest.name}] POST {host}{path}: {r.status}\n{r.text()}"
        root = ET.fromstring(r.body)
        account = root.find(f"{AD_NS}Response/{AD_NS}Account")
        assert account is not None, r.text()
        assert account.findtext(f"{AD_NS}AccountType") == "email"
        assert account.findtext(f"{AD_NS}Action") == "settings"
        protocols = {}
        for p in account.findall(f"{AD_NS}Protocol"):
            kind = p.findtext(f"{AD_NS}Type")
            assert p.findtext(f"{AD_NS}Server") == guest.hostname
            port = int(p.findtext(f"{AD_NS}Port"))
            assert port not in PLAINTEXT_PORTS
            assert p.findtext(f"{AD_NS}SSL") == "on"
            assert p.findtext(f"{AD_NS}Encryption") == "SSL"
            assert p.findtext(f"{AD_NS}AuthRequired") == "on"
            protocols[kind] = port
        assert protocols == {"IMAP": 993, "POP3": 995, "SMTP": 465}, protocols


def _profile(guest, address, host=None):
    return web.get(guest, host or f"autoconfig.{guest.domain}",
                   f"/mobileconfig?address={address}")


@pytest.mark.parametrize("local", ["alice", "bob.smith", "c+tag", "d_e-f"])
def test_802_apple_mobileconfig(guest, local):
    address = f"{local}@{guest.domain}"
    for given in (address, address.replace("@", "%40")):
        r = _profile(guest, given)
        assert r.status == 200, f"[{guest.name}] {given}: {r.status}\n{r.text()}"
        assert r.headers["Content-Type"] == "application/x-apple-aspen-config"
        assert "attachment" in r.headers.get("Content-Disposition", "")
        profile = plistlib.loads(r.body)
        assert profile["PayloadType"] == "Configuration"
        assert profile["PayloadVersion"] == 1
        (mail,) = profile["PayloadContent"]
        assert mail["PayloadType"] == "com.apple.mail.managed"
        assert mail["EmailAddress"] == address
        assert mail["EmailAccountType"] == "EmailTypeIMAP"
        assert mail["IncomingMailServerHostName"] == guest.hostname
        assert mail["IncomingMailServerPortNumber"] == 993
        assert mail["IncomingMailServerUseSSL"] is True
        assert mail["IncomingMailServerUsername"] == address
        assert mail["OutgoingMailServerHostName"] == guest.hostname
        assert mail["OutgoingMailServerPortNumber"] == 465
        assert mail["OutgoingMailServerUseSSL"] is True
        assert mail["OutgoingMailServerUsername"] == address
        assert address in profile["PayloadIdentifier"]
        for uuid in (profile["PayloadUUID"], mail["PayloadUUID"]):
            assert len(uuid) == 36 and uuid.count("-") == 4, uuid
        assert profile["PayloadUUID"] != mail["PayloadUUID"]
        assert not {"IncomingPassword", "OutgoingPassword"} & set(mail), \
            "the profile must not carry a password"


@pytest.mark.parametrize("query", [
    "", "?address=", "?address=alice", "?address=@{domain}", "?address=Alice@{domain}",
    "?address=alice@other.example.net", "?address=alice@{domain}.evil.example",
    "?address=al%3Cice@{domain}", "?address=a%22b@{domain}", "?address=a b@{domain}",
    "?address=alice@{domain}%00", "?address=alice%40{domain}%40{domain}",
    "?other=alice@{domain}", "?address=" + "a" * 65 + "@{domain}",
])
def test_802_bad_address_gets_400(guest, query):
    q = query.format(domain=guest.domain).replace(" ", "%20")
    r = web.get(guest, f"autoconfig.{guest.domain}", "/mobileconfig" + q)
    assert r.status == 400, f"[{guest.name}] /mobileconfig{q}: {r.status}\n{r.text()[:500]}"
    assert b"<plist" not in r.body
    assert r.headers.get("Content-Type", "").startswith("text/plain")


def test_802_mobileconfig_of_unhosted_domain(guest):
    r = _profile(guest, "alice@not-hosted.example.net",
                 host="autoconfig.not-hosted.example.net")
    assert r.status in (400, 404), f"[{guest.name}] {r.status}"
    assert b"<plist" not in r.body
