"""Behaviour 4: AUTH availability and results. AUTH is not offered on 25;
on 587 it is not offered before STARTTLS; after STARTTLS on 587, and on
465, the right password gets 235 and a wrong one 535."""

import pytest

from mailclients import auth_plain, smtp


def test_04_no_auth_on_port_25(guest):
    user = guest.add_user("auth25")
    with smtp(guest, 25) as s:
        assert "starttls" in s.esmtp_features, "port 25 does not offer STARTTLS"
        assert "auth" not in s.esmtp_features, \
            f"port 25 offers AUTH {s.esmtp_features['auth']!r}"
        code, text = auth_plain(s, user.address, user.password)
        assert code != 235, "AUTH succeeded on port 25 before STARTTLS"
    with smtp(guest, 25, starttls=True) as s:
        assert "auth" not in s.esmtp_features, \
            f"port 25 offers AUTH after STARTTLS: {s.esmtp_features['auth']!r}"
        code, text = auth_plain(s, user.address, user.password)
        assert code != 235, "AUTH succeeded on port 25 after STARTTLS"


def test_04_no_auth_before_starttls_on_587(guest):
    user = guest.add_user("auth587")
    with smtp(guest, 587) as s:
        assert "starttls" in s.esmtp_features, "587 does not offer STARTTLS"
        assert "auth" not in s.esmtp_features, \
            f"587 offers AUTH before STARTTLS: {s.esmtp_features['auth']!r}"
        code, text = auth_plain(s, user.address, user.password)
        assert code != 235, "AUTH with the right password succeeded in plaintext on 587"
    with smtp(guest, 587, starttls=True) as s:
        assert "auth" in s.esmtp_features, "587 does not offer AUTH after STARTTLS"
        assert "PLAIN" in s.esmtp_features["auth"].upper().split()


@pytest.mark.parametrize("port", [587, 465])
def test_04_auth_right_and_wrong_password(guest, port):
    user = guest.add_user(f"auth{port}")
    starttls = port == 587
    with smtp(guest, port, starttls=starttls) as s:
        assert "auth" in s.esmtp_features, f"{port} does not offer AUTH over TLS"
        code, text = auth_plain(s, user.address, user.password + "-wrong")
        assert code == 535, f"wrong password on {port}: {code} {text!r}"
    with smtp(guest, port, starttls=starttls) as s:
        code, text = auth_plain(s, user.address, user.password)
        assert code == 235, \
            f"right password on {port}: {code} {text!r}\n" + guest.explain(user.address)
