"""The answer itself: HTTP 200, ``text/plain``, the bare code (A-CONTENT-TYPE).

Against an emulator every check of the kit also holds each answer to ``text/plain``; this test
makes the same point on any target, live-safe, with a few refusals of different steps.
"""

from __future__ import annotations

import pytest

from ismart_sms_kit.contract_tests.accounts import nonexistent_user_id
from ismart_sms_kit.contract_tests.contract import Contract, agree


@pytest.mark.sends(4)
def test_every_answer_is_the_bare_code_as_text_plain(contract: Contract) -> None:
    cases = [
        contract.base(UserId=nonexistent_user_id()),  # 3
        contract.base(MobileNo="1"),  # 9
        contract.base(Message=""),  # 5
        contract.base(Message=None),  # 15
    ]
    for params in cases:
        verdict, exchange = contract.check(params)
        media = (exchange.content_type or "").split(";", 1)[0].strip().lower()
        agree(
            (exchange.status, media, exchange.body),
            (200, "text/plain", str(verdict.code)),
            what="status, media type and body of the answer",
            says="the bare return code as text/plain, nothing else (A-CONTENT-TYPE)",
            sent=exchange.request,
        )
