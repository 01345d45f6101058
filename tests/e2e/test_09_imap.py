"""Behaviour 9: IMAP. Port 143 advertises LOGINDISABLED before STARTTLS;
after STARTTLS login works; LIST shows Drafts, Sent, Junk and Trash
(special-use, subscribed); IDLE is advertised. Also: POP3 (110) and
ManageSieve (4190) refuse logins before TLS too."""

import contextlib
import imaplib
import poplib
import re

import pytest

from mailclients import TIMEOUT, ManageSieve, ManageSieveError, tls_context

SPECIAL = {"Drafts": r"\Drafts", "Sent": r"\Sent", "Junk": r"\Junk", "Trash": r"\Trash"}


@contextlib.contextmanager
def imap143(guest):
    m = imaplib.IMAP4(guest.ip, 143, timeout=TIMEOUT)
    try:
        yield m
    finally:
        with contextlib.suppress(Exception):
            m.logout()


def _list(m, command="LIST"):
    """{name: set of flags} from LIST/LSUB "" "*"."""
    typ, data = m.list('""', "*") if command == "LIST" else m.lsub('""', "*")
    assert typ == "OK", data
    out = {}
    for line in data:
        if line is None:
            continue
        mm = re.match(rb'\(([^)]*)\) (?:"[^"]*"|NIL) (.*)$', line)
        assert mm, line
        name = mm.group(2).strip().strip(b'"').decode()
        out[name] = set(mm.group(1).decode().split())
    return out


def test_09_imap_logindisabled_before_starttls(guest):
    user = guest.add_user("imap143")
    with imap143(guest) as m:
        assert "STARTTLS" in m.capabilities, m.capabilities
        assert "LOGINDISABLED" in m.capabilities, \
            f"143 does not advertise LOGINDISABLED before STARTTLS: {m.capabilities}"
        with pytest.raises(imaplib.IMAP4.error):
            m.login(user.address, user.password)


def test_09_imap_login_after_starttls(guest):
    user = guest.add_user("imaptls")
    with imap143(guest) as m:
        m.starttls(ssl_context=tls_context())
        assert "LOGINDISABLED" not in m.capabilities, m.capabilities
        typ, _ = m.login(user.address, user.password)
        assert typ == "OK"


def test_09_special_use_folders(guest):
    user = guest.add_user("imapfold")
    with imap143(guest) as m:
        m.starttls(ssl_context=tls_context())
        m.login(user.address, user.password)
        listed = _list(m)
        for name, flag in SPECIAL.items():
            assert name in listed, f"LIST does not show {name}: {listed}"
            assert flag in listed[name], f"{name} lacks {flag}: {listed[name]}"
        subscribed = _list(m, "LSUB")
        for name in SPECIAL:
            assert name in subscribed, f"{name} is not subscribed: {subscribed}"


def test_09_idle_advertised(guest):
    user = guest.add_user("imapidle")
    with imap143(guest) as m:
        m.starttls(ssl_context=tls_context())
        m.login(user.address, user.password)
        typ, data = m.capability()
        caps = data[0].decode().upper().split()
        assert "IDLE" in caps, f"IDLE not advertised: {caps}"


def test_09_no_plaintext_login_on_pop3_and_managesieve(guest):
    """The same rule ("no plaintext authentication without TLS") on the
    other two login services."""
    user = guest.add_user("plain")
    p = poplib.POP3(guest.ip, 110, timeout=TIMEOUT)
    try:
        assert "STLS" in p.capa(), "110 does not offer STLS"
        with pytest.raises(poplib.error_proto):
            p.user(user.address)
            p.pass_(user.password)
    finally:
        with contextlib.suppress(Exception):
            p.quit()
    with ManageSieve(guest.ip) as ms:
        assert "STARTTLS" in ms.capabilities, ms.capabilities
        with pytest.raises(ManageSieveError):
            ms.authenticate_plain(user.address, user.password)
