"""Positive sends: accepted requests, stored as sent (emulator) or within the delivery budget
(live: ``--ismart-allow-delivery --ismart-test-number N --ismart-max-sends K``)."""

from __future__ import annotations

import pytest

from ismart_sms_kit.contract_tests.contract import Contract, agree

pytestmark = pytest.mark.delivers

MESSAGES = [
    pytest.param("TestMessage", "0", id="the-documents-sample"),
    pytest.param("a" * 160, "0", id="gsm-160-one-part"),
    pytest.param("Price: 5€ {ok}", "0", id="gsm-extension"),
    pytest.param("مرحبا بكم", "64", id="arabic"),
    pytest.param("Hello 👋", "0", id="emoji-ucs2"),
]


@pytest.mark.parametrize(("message", "lang"), MESSAGES)
def test_an_accepted_message_is_stored_as_sent(contract: Contract, message: str, lang: str) -> None:
    verdict, exchange = contract.deliver(contract.base(Message=message, Lang=lang))
    assert verdict.length is not None
    stored = contract.stored()
    if stored is not None:
        agree(
            [(m["text"], m["parts"]) for m in stored],
            [(message, verdict.length.parts)],
            what="(text, parts) stored",
            says="the text as sent, in the parts of the spec's table",
            sent=exchange.request,
        )
