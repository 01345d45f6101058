#!/usr/bin/python3
"""dnsserver - the e2e tests' authoritative DNS server (test environment only).

The guests have no internet. tests/e2e/run starts this server in its own
network namespace on the bridge (198.18.N.53, UDP and TCP port 53) and the
guests' rspamd asks it (tests/e2e/rspamd-override/options.inc). It is the
whole DNS of that small world: authoritative for everything ("."), it
answers from the zone files in ZONES_DIR and says NXDOMAIN for any other
name, at once (no timeouts, no recursion, nothing leaves the machine).

    dnsserver.py --listen 198.18.5.53 --zones /run/vmail-e2e-5/dns/zones

Zone files: every *.zone file of ZONES_DIR, in zone-file syntax ($ORIGIN,
$TTL, SOA, A, AAAA, MX, TXT with several "strings", CNAME, NS, PTR; see
dnslib's RR.fromZone). Tests add and remove files at run time (write to a
temporary name, then rename, see testdns.py); the server notices on the
next query (it compares the names, sizes and mtimes of the files) and
reloads. A file that does not parse is logged and skipped; the others
still count.

Views: a file named view-IP--NAME.zone holds records only clients from
IP see, in place of the other files' records of the same name and type
(later files, by name, over earlier ones); a line ";; hide NAME TYPE"
in such a file hides the other files' records of that name and type
from IP (a name without a PTR for one guest). Two guests that share a host
name (both main guests are mail.example.com) each see the name point at
themselves; the ACME CA sees it point at the guest whose test holds the
name (acmeca.SharedNames).

Answers: the records of the name and type asked (and a CNAME of the name);
a name that exists with other types gets NOERROR with no answer (NODATA);
any other name NXDOMAIN. Both carry the SOA of the closest zone (a zone is
a name with an SOA record; "." has a built-in one). Every answer is
authoritative (AA). Replies over UDP larger than the client's EDNS buffer
(512 bytes without EDNS) are truncated (TC), so clients retry over TCP.
"""

import argparse
import os
import signal
import sys
import threading
import time

from dnslib import DNSLabel, DNSRecord, QTYPE, RCODE, RR, SOA
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer

ROOT_SOA = RR(".", QTYPE.SOA, ttl=60,
              rdata=SOA("ns.test.", "hostmaster.test.", (1, 3600, 600, 86400, 60)))


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


class Zones:
    """The records of every *.zone file in a directory, reloaded when the
    files change."""

    def __init__(self, directory):
        self.dir = directory
        self.lock = threading.Lock()
        self.signature = None
        self.records = {}      # DNSLabel -> [RR]
        self.views = {}        # client IP -> {DNSLabel -> [RR]}
        self.soas = {}         # zone apex DNSLabel -> SOA RR
        self.names = set()     # every name, and every name above one

    def _signature(self):
        sig = []
        try:
            entries = sorted(os.listdir(self.dir))
        except FileNotFoundError:
            return ()
        for name in entries:
            if not name.endswith(".zone"):
                continue
            try:
                st = os.stat(os.path.join(self.dir, name))
            except FileNotFoundError:
                continue
            sig.append((name, st.st_size, st.st_mtime_ns))
        return tuple(sig)

    def refresh(self):
        with self.lock:
            sig = self._signature()
            if sig == self.signature:
                return
            records, soas, names, views = {}, {}, set(), {}
            loaded = 0
            for name, _, _ in sig:
                path = os.path.join(self.dir, name)
                try:
                    with open(path, encoding="utf-8") as f:
                        rrs = RR.fromZone(f.read())
                except FileNotFoundError:
                    continue
                except Exception as e:   # a broken file must not stop the rest
                    log(f"zone file {name} skipped: {e!r}")
                    continue
                loaded += 1
                view = None
                if name.startswith("view-") and "--" in name:
                    view = views.setdefault(name[5:].split("--", 1)[0], {})
                    with open(path, encoding="utf-8") as f:
                        for line in f:
                            w = line.split()
                            if len(w) == 4 and w[:2] == [";;", "hide"]:
                                view[DNSLabel(w[2].lower())] = [
                                    RR(w[2], getattr(QTYPE, w[3].upper()),
                                       rdata=None, ttl=0)]
                    # this file's (name, type) pairs replace earlier ones
                    for label in {DNSLabel(str(rr.rname).lower()) for rr in rrs}:
                        types = {rr.rtype for rr in rrs
                                 if DNSLabel(str(rr.rname).lower()) == label}
                        view[label] = [rr for rr in view.get(label, [])
                                       if rr.rtype not in types]
                for rr in rrs:
                    label = DNSLabel(str(rr.rname).lower())
                    if view is not None:
                        view.setdefault(label, []).append(rr)
                        parts = label.label
                        for i in range(len(parts) + 1):
                            names.add(DNSLabel(parts[i:]))
                        continue
                    records.setdefault(label, []).append(rr)
                    if rr.rtype == QTYPE.SOA:
                        soas[label] = rr
                    parts = label.label
                    for i in range(len(parts) + 1):
                        names.add(DNSLabel(parts[i:]))
            self.records, self.soas, self.names = records, soas, names
            self.views = views
            self.signature = sig
            log(f"loaded {loaded} of {len(sig)} zone file(s), {sum(map(len, records.values()))} records")

    def lookup(self, qname, client=None):
        """(records of qname as client sees them, exists, SOA of the
        closest zone)."""
        self.refresh()
        with self.lock:
            label = DNSLabel(str(qname).lower())
            rrs = list(self.records.get(label, []))
            mine = self.views.get(client, {}).get(label)
            if mine:
                types = {rr.rtype for rr in mine}
                rrs = [rr for rr in rrs if rr.rtype not in types] + \
                      [rr for rr in mine if rr.rdata is not None]
            exists = label in self.names
            parts = label.label
            soa = ROOT_SOA
            for i in range(len(parts) + 1):
                apex = DNSLabel(parts[i:])
                if apex in self.soas:
                    soa = self.soas[apex]
                    break
            return rrs, exists, soa


class Resolver(BaseResolver):
    def __init__(self, zones):
        self.zones = zones

    def resolve(self, request, handler):
        reply = request.reply()
        reply.header.aa = 1
        reply.header.ra = 0
        q = request.q
        rrs, exists, soa = self.zones.lookup(q.qname, handler.client_address[0])
        answers = [rr for rr in rrs
                   if q.qtype in (rr.rtype, QTYPE.ANY) or rr.rtype == QTYPE.CNAME]
        for rr in answers:
            rr = RR(q.qname, rr.rtype, rr.rclass, rr.ttl, rr.rdata)
            reply.add_answer(rr)
        if not answers:
            reply.add_auth(soa)
            if not exists:
                reply.header.rcode = RCODE.NXDOMAIN
        return reply


class Handler(DNSHandler):
    """dnslib's handler, truncating UDP replies to the client's buffer."""

    def get_reply(self, data):
        request = DNSRecord.parse(data)
        self.server.logger.log_request(self, request)
        reply = self.server.resolver.resolve(request, self)
        self.server.logger.log_reply(self, reply)
        rdata = reply.pack()
        if self.protocol == "udp":
            limit = 512
            for ar in request.ar:
                if ar.rtype == QTYPE.OPT:
                    limit = max(512, ar.rclass)
            if len(rdata) > limit:
                rdata = reply.truncate().pack()
        return rdata


class Logger(DNSLogger):
    """One line per query: client, name, type, result."""

    def __init__(self):
        super().__init__("-request,-reply,-truncated,-error,-recv,-send,-data")

    def log_reply(self, handler, reply):
        q = reply.q
        log(f"{handler.client_address[0]} {handler.protocol} {q.qname} "
            f"{QTYPE.get(q.qtype)} -> {RCODE.get(reply.header.rcode)} "
            f"{len(reply.rr)} answer(s)")

    def log_error(self, handler, e):
        log(f"{handler.client_address[0]} error: {e!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True, help="address to serve on")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--zones", required=True, help="directory of *.zone files")
    args = ap.parse_args()

    zones = Zones(args.zones)
    zones.refresh()
    resolver = Resolver(zones)
    logger = Logger()
    servers = [DNSServer(resolver, address=args.listen, port=args.port,
                         logger=logger, handler=Handler, tcp=tcp)
               for tcp in (False, True)]
    for s in servers:
        s.start_thread()
    log(f"serving {args.zones} on {args.listen}:{args.port} (udp, tcp)")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1):
        if not all(s.isAlive() for s in servers):
            log("a server thread died")
            return 1
    for s in servers:
        s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
