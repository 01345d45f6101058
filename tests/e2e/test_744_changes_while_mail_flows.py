"""Issue 7, 3.4: with the rollback journal a reader that starts while
vmailctl commits must wait: Dovecot does (its busy timeout); Postfix's
proxymap exits ("database is locked") and the lookup is repeated a
second later. Mail keeps flowing while the directory changes, and none
is lost.

While a loop in the guest adds and deletes aliases as fast as vmailctl
goes, messages are sent from outside, each retried on 4xx as a real MTA
would; every one must arrive, and every vmailctl change must succeed
(the writer waits for the readers)."""

import shlex

from mailclients import EXTERNAL_SENDER, make_message, retry_send


def test_744_mail_flows_while_the_directory_changes(guest):
    user = guest.add_user("busy")
    churn = guest.new_address("churn")
    loop = (f"for i in $(seq 60); do vmailctl alias add {churn} {user.address} "
            f"&& vmailctl alias del {churn} || exit 1; done")
    guest.run(f"nohup sh -c {shlex.quote(loop)} > /tmp/test_744.out 2>&1 & "
              "echo $! > /tmp/test_744.pid")
    markers = []
    try:
        for i in range(20):
            msg, marker = make_message(EXTERNAL_SENDER, user.address,
                                       f"while-changing-{i}")
            code, text = retry_send(guest, user.address, msg, timeout=60)
            assert code == 250, (i, code, text)
            markers.append(marker)
    finally:
        guest.run("while kill -0 $(cat /tmp/test_744.pid) 2>/dev/null; "
                  "do sleep 0.2; done", timeout=300)
    out = guest.read("/tmp/test_744.out")
    assert out == "", f"vmailctl failed while mail flowed: {out}"
    for marker in markers:
        guest.wait_for_message(user.address, marker, timeout=60)
    # The alias churned to nothing, and what is left answers as it should.
    assert guest.vmailctl("alias", "list", "--json").stdout.find(
        churn.encode()) < 0
