"""The harness's own promises, checked on every run: a guest has no route
off the machine (only the bridge's 198.18.0.0/24), and its daemons run in
the guest's own net, mount and pid namespaces, not the host's. The tests'
DNS server answers for the harness's zone and for records a test
publishes (and withdraws) at run time, and NXDOMAIN for anything else."""

import glob
import os

import pytest

import testdns
from vmail_guest import CLIENT2_IP, HOST_IP, STATE


@pytest.mark.kind("main", "direct", "upgrade", "single")
def test_00_guest_has_no_route_off_the_machine(guest):
    routes = guest.run("cat /proc/net/route").stdout.decode().splitlines()[1:]
    for line in routes:
        # Iface Destination Gateway Flags RefCnt Use Metric Mask ...
        f = line.split()
        dest, gateway, mask = f[1], f[2], f[7]
        assert (dest, mask) != ("00000000", "00000000"), f"IPv4 default route: {line}"
        assert gateway == "00000000", f"IPv4 route through a gateway: {line}"
    v6 = guest.run("cat /proc/net/ipv6_route").stdout.decode().splitlines()
    for line in v6:
        f = line.split()
        plen, flags = f[1], int(f[8], 16)
        rejected = flags & 0x0200        # RTF_REJECT: the kernel's null route
        assert not (plen == "00" and not rejected), f"IPv6 default route: {line}"


@pytest.mark.kind("main", "direct")
@pytest.mark.parametrize("daemon", ["master", "dovecot"])
def test_00_daemons_run_in_guest_namespaces(guest, daemon):
    mark = _read(os.path.join(_state(guest, "root"), "etc/vmail-e2e-guest"))
    pids = [p.split("/")[2] for p in glob.glob("/proc/[0-9]*/comm")
            if _comm(p) == daemon and _read(p.replace("/comm", "/root/etc/vmail-e2e-guest")) == mark]
    assert pids, f"no {daemon} process runs in the guest {guest.name}"
    for ns in ("net", "mnt", "pid"):
        mine = os.readlink(f"/proc/self/ns/{ns}")
        theirs = os.readlink(f"/proc/{pids[0]}/ns/{ns}")
        assert mine != theirs, f"{daemon} shares the host's {ns} namespace"


def _state(guest, what):
    return _read(os.path.join(STATE, f"{guest.name}.{what}"))


def _read(path):
    """A small file's text, stripped; None if it is gone (a process that
    exited meanwhile)."""
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _comm(comm_path):
    """The process's name, or None if it exited meanwhile."""
    return _read(comm_path)


def test_00_test_dns_serves_the_zones(guest):
    rcode, addrs = testdns.query("client.example.net", "A")
    assert (rcode, sorted(addrs)) == ("NOERROR", sorted([HOST_IP, CLIENT2_IP]))
    assert testdns.query(f"nothing-{guest.suite}.example.org", "A")[0] == "NXDOMAIN"
    d = testdns.SenderDomain("harness")
    d.publish(spf="v=spf1 -all", dmarc="v=DMARC1; p=none", dkim_key=True)
    assert testdns.query(d.dkim_name, "TXT") == ("NOERROR", [d.dkim_record])
    # a name that exists with other types: no data, not NXDOMAIN
    assert testdns.query(d.name, "MX") == ("NOERROR", [])
    d.unpublish()
    testdns.wait_for(d.name, "TXT", None)
