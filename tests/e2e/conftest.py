"""conftest - the e2e tests' fixtures.

Tests take a "guest" argument and run once per guest. The guests come from
VMAIL_E2E_GUESTS ("bookworm trixie", set by tests/e2e/run: one guest per
pytest process), or else from the running guests in /run/vmail-e2e, so that
after "tests/e2e/run up" one can simply run:

    /usr/bin/python3 -m pytest -v tests/e2e -k test_07

A test runs on the kinds of guest its marker names, by default on the main
guests (the systemd guests bookworm and trixie):

    pytestmark = pytest.mark.kind("direct")          # the whole file
    @pytest.mark.kind("main", "direct")              # one test

Kinds: "main", "direct" (no systemd), "upgrade", "single", "peer",
"backup" (vmail_guest.Guest). A test between two servers runs on a main
guest and takes the peer of the same suite with the "peer" fixture. A
backup MX's tests also use its primary and a sender, see
vmail_guest.Guest.primary and .sender.
A test whose kinds match no guest of this run is deselected.
"""

import glob
import os

import pytest

import antivirus
import dnssec
import spamassassin as sa
import spamfilter
from vmail_guest import STATE, Guest


def _guest_names():
    spec = os.environ.get("VMAIL_E2E_GUESTS", "").split()
    if spec:
        return [s.split("=", 1)[0] for s in spec]
    return [os.path.basename(f)[:-3]
            for f in sorted(glob.glob(os.path.join(STATE, "*.ip")))]


GUESTS = {name: Guest(name) for name in _guest_names()}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "kind(*kinds): the kinds of guest the test runs on "
        "(main, direct, upgrade, single, peer, backup; default main)")


ANY_KIND = os.environ.get("VMAIL_E2E_ANY_KIND") == "1"
ALL_KINDS = ("main", "direct", "upgrade", "single", "peer", "backup")


def _kinds(node_or_metafunc):
    """The kinds of guest a test is for (VMAIL_E2E_ANY_KIND=1: all, for
    trying a test on a guest of another kind while developing it)."""
    if ANY_KIND:
        return ALL_KINDS
    m = node_or_metafunc.definition.get_closest_marker("kind") \
        if hasattr(node_or_metafunc, "definition") else \
        node_or_metafunc.get_closest_marker("kind")
    return m.args if m else ("main",)


def pytest_generate_tests(metafunc):
    if "guest" in metafunc.fixturenames:
        if not GUESTS:
            raise pytest.UsageError(
                "no e2e guests: run tests/e2e/run up first, or set VMAIL_E2E_GUESTS")
        kinds = _kinds(metafunc)
        names = [n for n, g in GUESTS.items() if g.kind in kinds]
        metafunc.parametrize("guest", names, indirect=True, scope="session")


def pytest_collection_modifyitems(config, items):
    """Deselect the tests that are for no guest of this run."""
    keep, drop = [], []
    for item in items:
        if "guest" in getattr(item, "fixturenames", ()) and \
                not any(g.kind in _kinds(item) for g in GUESTS.values()):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def guest(request):
    g = GUESTS[request.param]
    # The guests have no internet: clamd gets the tests' own signature
    # database (see antivirus.py), so that it can start; and no DNS: rspamd
    # gets the test-environment overrides of tests/e2e/rspamd-override/
    # (see spamfilter.py); unbound, the guests' own resolver, gets the
    # test world's (tests/e2e/unbound-override, see dnssec.py). All
    # before any test.
    dnssec.prepare(g)
    antivirus.prepare(g)
    spamfilter.prepare(g)
    return g


@pytest.fixture(scope="session")
def peer(guest):
    """The peer guest of the guest's suite (peer-bookworm for bookworm): a
    second vmail server with a domain of its own (tests/e2e/run), prepared
    as the guests of the run are. Its own pytest process runs no tests
    (the run does not start one), so only this one uses it."""
    name = f"peer-{guest.suite}"
    if not os.path.exists(os.path.join(STATE, name + ".ip")):
        pytest.skip(f"the peer guest {name} is not part of this run "
                    "(VMAIL_E2E_GUESTS)")
    assert os.path.exists(os.path.join(STATE, name + ".installed")), \
        f"the peer guest {name} did not install (see its install log)"
    p = Guest(name)
    assert p.kind == "peer", p
    dnssec.prepare(p)
    antivirus.prepare(p)
    spamfilter.prepare(p)
    return p


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
