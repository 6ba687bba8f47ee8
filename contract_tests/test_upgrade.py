"""A send that asks to switch protocols (A-UPGRADE): ``curl --http2`` on an http:// URL adds
``Connection: Upgrade, HTTP2-Settings`` and ``Upgrade: h2c`` to every request. IIS answers it
as it answers the request without them (docs/decisions.md, "upgrade requests"); a gateway
that took the body for the new protocol's data would answer 15, or nothing."""

from __future__ import annotations

import pytest

from ismart_sms_kit.contract_tests.contract import Contract, agree
from ismart_sms_kit.contract_tests.oracle import Request
from ismart_sms_kit.contract_tests.transport import UPGRADE_HEADERS as UPGRADES
from ismart_sms_kit.contract_tests.transport import Wire


@pytest.mark.sends(2)
@pytest.mark.parametrize("kind", sorted(UPGRADES))
def test_a_send_asking_to_upgrade_is_answered_as_plain_http(contract: Contract, kind: str) -> None:
    cases = [contract.base(), contract.base(Lang="7")]  # accepted (live: made safe), and 10
    for params in cases:
        request = contract.prepare_request(Request.of(params), subject=("Lang",))
        verdict = contract.oracle.expect(request)
        wire = Wire("form", contract.sender.url, list(request.params), UPGRADES[kind])
        exchange = contract.send_wire(request, verdict, wire)
        agree(
            (exchange.status, exchange.body),
            (200, str(verdict.code)),
            what=f"status and body of a send with Upgrade: {kind}",
            says="answered as the same send without the header (A-UPGRADE)",
            sent=exchange.request,
        )
