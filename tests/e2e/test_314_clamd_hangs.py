"""Issue 3, ClamAV: nothing is delivered unscanned, also when clamd hangs.

A clamd that accepts the connection and never answers (here a stand-in on
clamd's socket that holds every connection open) must end in a 4xx, with
nothing stored or queued: rspamd waits for the scan's own timeout (30 s,
one retry) and CLAM_VIRUS_FAIL is forced to soft reject; it must not pass
the message on without a virus verdict. After clamd is back, the sender's
retry is scanned and delivered. (Measured: the 4xx comes after 60 s on
both releases.)"""

import time

import antivirus
from mailclients import EXTERNAL_SENDER, make_message, retry_send, try_send
from vmail_guest import wait_until

# Accept on clamd's socket, read nothing, answer nothing, keep everything.
HANG = r"""
use IO::Socket::UNIX;
my $p = shift;
unlink $p;
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $p, Listen => 64)
    or die "listen: $!";
chmod 0666, $p;
open(my $f, '>', '/run/vmail-e2e-hang.pid'); print $f "$$\n"; close $f;
my @held;
while (my $c = $s->accept) { push @held, $c; }
"""


def test_314_hanging_clamd_means_tempfail(guest):
    user = guest.add_user("clamdhang")
    msg, marker = make_message(EXTERNAL_SENDER, user.address, "clamd hangs")
    antivirus.stop_clamd(guest)
    guest.run(["sh", "-c", "cat > /run/vmail-e2e-hang.pl"], input=HANG.encode())
    guest.run(["sh", "-c", "perl /run/vmail-e2e-hang.pl /run/clamav/clamd.ctl "
                           "</dev/null >/dev/null 2>&1 &"])
    try:
        wait_until(lambda: guest.run(["test", "-S", antivirus.CLAMD_SOCKET],
                                     check=False).returncode == 0,
                   "the stand-in to listen on clamd's socket", 10, 0.2)
        t0 = time.monotonic()
        code, text = try_send(guest, user.address, msg, timeout=150)
        took = time.monotonic() - t0
        assert 400 <= code < 500, \
            f"[{guest.suite}] with clamd hanging got {code} {text!r} after {took:.0f}s\n" \
            f"{guest.explain(marker)}"
        assert guest.find_message(user.address, marker) is None, "delivered unscanned"
        assert guest.queued_for(user.address) == [], "accepted unscanned"
    finally:
        guest.run(["sh", "-c", "kill $(cat /run/vmail-e2e-hang.pid); "
                               "rm -f /run/vmail-e2e-hang.pid /run/clamav/clamd.ctl"],
                  check=False)
        guest.vmailctl("setup")
        antivirus.wait_clamd(guest)

    code, text = retry_send(guest, user.address, msg)   # as a sending MTA retries
    assert code == 250, f"the retry got {code} {text!r}\n{guest.explain(marker)}"
    guest.wait_for_message(user.address, marker)
