"""conftest - the e2e tests' fixtures.

Tests take a "guest" argument and run once per guest. The guests come from
VMAIL_E2E_GUESTS ("bookworm=198.18.0.12 trixie=198.18.0.13", set by
tests/e2e/run), or else from the running guests in /run/vmail-e2e, so that
after "tests/e2e/run up" one can simply run:

    /usr/bin/python3 -m pytest -v tests/e2e -k test_07
"""

import glob
import os

import pytest

import antivirus
import spamassassin as sa
import spamfilter
from vmail_guest import STATE, Guest


def _guest_specs():
    spec = os.environ.get("VMAIL_E2E_GUESTS", "").split()
    if spec:
        return [tuple(s.split("=", 1)) for s in spec]
    return [(os.path.basename(f)[:-3], open(f).read().strip())
            for f in sorted(glob.glob(os.path.join(STATE, "*.ip")))]


GUESTS = {suite: Guest(suite, ip) for suite, ip in _guest_specs()}


def pytest_generate_tests(metafunc):
    if "guest" in metafunc.fixturenames:
        if not GUESTS:
            raise pytest.UsageError(
                "no e2e guests: run tests/e2e/run up first, or set VMAIL_E2E_GUESTS")
        metafunc.parametrize("guest", list(GUESTS), indirect=True, scope="session")


@pytest.fixture(scope="session")
def guest(request):
    g = GUESTS[request.param]
    # The guests have no internet: clamd gets the tests' own signature
    # database (see antivirus.py), so that it can start; and no DNS: rspamd
    # gets the test-environment overrides of tests/e2e/rspamd-override/
    # (see spamfilter.py). Both before any test.
    antivirus.prepare(g)
    spamfilter.prepare(g)
    return g


@pytest.fixture
def spamassassin(guest):
    """[spam] engine = spamassassin for this test (see spamassassin.py)."""
    sa.use_engine(guest, "spamassassin")
    return guest


@pytest.fixture(autouse=True)
def _rspamd_engine_unless_asked(request):
    """Every test that does not ask for the "spamassassin" fixture runs with
    the default engine, rspamd: switch back if an earlier test left
    SpamAssassin selected. (Tests that switch engines themselves restore
    rspamd at their end.)"""
    if "guest" in request.fixturenames and "spamassassin" not in request.fixturenames:
        sa.use_engine(request.getfixturevalue("guest"), "rspamd")
