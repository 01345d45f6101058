"""Issue 3, test 7: inbound mail carries an Authentication-Results header
naming spf, dkim and dmarc. (The harness's sender domain publishes no
SPF, DKIM or DMARC records in the test DNS, so the verdicts are "none";
the header must still name all three. test_320 and test_321 check real
verdicts.)"""

import email
import email.policy

from mailclients import deliver


def test_303_inbound_has_authentication_results(guest):
    user = guest.add_user("authres")
    marker = deliver(guest, user.address, "authres")
    _, data = guest.wait_for_message(user.address, marker)
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    values = msg.get_all("Authentication-Results") or []
    assert len(values) == 1, f"Authentication-Results headers: {values}"
    ar = " ".join(values[0].split())
    assert ar.startswith(f"{guest.hostname};"), ar
    for method in ("spf=", "dkim=", "dmarc="):
        assert method in ar, f"{method} missing in: {ar}"
