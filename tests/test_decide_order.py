"""The gateway's validation order, in one table, against :func:`gateway.decide` itself.

Each row of :data:`ORDER` names a step, how to make that step (and only it) fail, and the code
it answers. For every row the test breaks that step *and every step after it* at once: the
answer must be the row's code, decided by the row's step. So the table is the order: swap two
rows and their tests fail. (Breakers are applied from the last row to the first, so where two
rows change the same field, the earlier step's change is the one sent.)

No HTTP here: the decision core on real storage (the memory state), with a real account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

import pytest

from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.gateway.decide import decide
from ismart_sms_kit.mock_server.gateway.decision import Gateway, GatewayOptions
from ismart_sms_kit.mock_server.gateway.request import SendRequest
from ismart_sms_kit.mock_server.params import from_pairs
from ismart_sms_kit.mock_server.state.accounts import Account, digest_password
from ismart_sms_kit.mock_server.state.memory import MemoryStorage
from ismart_sms_kit.protocol.spec import ReturnCode
from ismart_sms_kit.protocol.steps import DEFAULT_ORDER, LEGACY_ORDER

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
PAST = NOW - timedelta(days=1)
GOOD = {
    "UserId": "acme",
    "Password": "right",
    "MobileNo": "96899123456",
    "Message": "Hello",
    "Lang": "0",
    "Header": "ACME",
    "PushDateTime": "",
    "FLashSMS": "N",
}


@dataclass
class Case:
    """What a request and its account look like: changed by the breakers below."""

    params: dict[str, str | None] = field(default_factory=lambda: dict(GOOD))
    account: Account = field(
        default_factory=lambda: Account(
            user_id="acme",
            password_digest=digest_password("right"),
            company="Acme",
            headers=["ACME"],
            credit=100,
        )
    )
    closed: tuple[str, ...] = ()
    method: str = "POST"


def _params(**values: str | None) -> Callable[[Case], None]:
    def breaker(case: Case) -> None:
        case.params.update(values)

    return breaker


def _account(**values: object) -> Callable[[Case], None]:
    def breaker(case: Case) -> None:
        case.account = replace(case.account, **values)  # type: ignore[arg-type]

    return breaker


def _closed(case: Case) -> None:
    case.closed = (case.account.company,)


def _get_refused(case: Case) -> None:
    case.method = "GET"
    case.account = replace(case.account, http_get=False)


RC = ReturnCode
ORDER: list[tuple[str, Callable[[Case], None], ReturnCode]] = [
    ("request", _params(Lang=None), RC.INVALID_REQUEST),
    ("client_ip", _account(blocked_ips=["127.0.0.1"]), RC.IP_BLOCKED),
    ("oman", _account(oman_only=True), RC.IP_OUTSIDE_OMAN),
    ("company", _closed, RC.COMPANY_NOT_EXISTS),
    ("web_service", _account(web_service=False), RC.NOT_REGISTERED_WEB_SERVICE),
    ("password", _params(Password="wrong"), RC.WRONG_CREDENTIALS),
    ("blocked", _account(status="blocked"), RC.ACCOUNT_BLOCKED),
    ("inactive", _account(status="inactive"), RC.ACCOUNT_INACTIVE),
    ("account_expired", _account(expires_at=PAST), RC.ACCOUNT_EXPIRED),
    ("api_expired", _account(api_expires_at=PAST), RC.SMS_API_EXPIRED),
    ("http_get", _get_refused, RC.HTTP_GET_NOT_ALLOWED),
    ("mobile", _params(MobileNo="9689912345"), RC.INVALID_MOBILE),
    ("opted_out", _account(opted_out=["96899123456"]), RC.NUMBER_OPTED_OUT),
    ("message_blank", _params(Message=""), RC.MESSAGE_BLANK),
    ("lang", _params(Lang="7"), RC.INVALID_LANGUAGE),
    ("length", _params(Message="x" * 5000), RC.MESSAGE_TOO_LONG),
    ("push_datetime", _params(PushDateTime="31/02/2026 10:00:00"), RC.INVALID_DATETIME),
    ("header", _params(Header="NOTOURS"), RC.HEADER_NOT_REGISTERED),
    ("flash", _params(FLashSMS="maybe"), RC.WRONG_FLASH_PARAMETER),
    ("credit_expired", _account(credit_expires_at=PAST), RC.CREDIT_EXPIRED),
    ("credit", _account(credit=0), RC.CREDIT_LOW),
]
"""Every step, in the order the older endpoint (``SMSDynamicAPI``) runs them: the documented
endpoint runs the same without ``opted_out`` and ``flash``."""

BREAKERS = {name: (breaker, code) for name, breaker, code in ORDER}


def _decide(endpoint: str, case: Case) -> tuple[int | None, str]:
    config = Config(seed=0)
    storage = MemoryStorage([case.account], case.closed)
    pairs = ((k, v) for k, v in case.params.items() if v is not None)
    request = SendRequest(
        config.endpoints[endpoint], case.method, "127.0.0.1", from_pairs(pairs), NOW
    )
    request.account = storage.account(case.account.user_id)  # as the backend reads it
    decision = decide(request, Gateway(storage, GatewayOptions()))
    return decision.code, decision.decided_by


def test_the_table_is_the_endpoints_configured_orders() -> None:
    """The table covers every step of both form endpoints, in their order."""
    assert tuple(name for name, _, _ in ORDER) == LEGACY_ORDER
    assert tuple(name for name in LEGACY_ORDER if name in DEFAULT_ORDER) == DEFAULT_ORDER
    config = Config()
    assert config.endpoints["SMSDynamicAPI"].validation_order == LEGACY_ORDER
    assert config.endpoints["SMSDynamicRefIntlAPI"].validation_order == DEFAULT_ORDER


def test_a_good_request_is_accepted() -> None:
    for endpoint in ("SMSDynamicAPI", "SMSDynamicRefIntlAPI"):
        assert _decide(endpoint, Case()) == (RC.PUSHED, "accepted")


ORDERS = {"SMSDynamicAPI": LEGACY_ORDER, "SMSDynamicRefIntlAPI": DEFAULT_ORDER}


@pytest.mark.parametrize(
    ("endpoint", "step"), [(e, step) for e, order in ORDERS.items() for step in order]
)
def test_the_first_failing_step_decides(endpoint: str, step: str) -> None:
    """``step`` and every step after it fail: ``step`` answers, and nothing before it does."""
    order = ORDERS[endpoint]
    case = Case()
    for name in reversed(order[order.index(step) :]):
        BREAKERS[name][0](case)
    assert _decide(endpoint, case) == (BREAKERS[step][1], step)


@pytest.mark.parametrize("step", [name for name, _, _ in ORDER])
def test_each_breaker_alone_fails_only_its_step(step: str) -> None:
    """Each row breaks its own step and nothing earlier (else the table would prove nothing)."""
    case = Case()
    breaker, code = BREAKERS[step]
    breaker(case)
    assert _decide("SMSDynamicAPI", case) == (code, step)
