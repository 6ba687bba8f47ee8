"""The gateway's validation steps: one table of (name, codes, what it needs), and its orders.

The emulator runs the steps of an endpoint's ``validation_order`` (its config) in order and
answers the code of the first that fails; each step's function is
``ismart_sms_kit.mock_server.gateway.steps.STEP_FUNCTIONS[name]``. The config checks an order's
names against this table, the client's pre-check (:func:`.validation.check`) runs the
request-only steps of :data:`DEFAULT_ORDER` in that order, and the docs list it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ismart_sms_kit.protocol.spec import ReturnCode


@dataclass(frozen=True, slots=True)
class Step:
    """One validation step: its name (as configs spell it), the codes it can answer, and
    whether the client's pre-check runs it (what of it the request alone decides: for
    ``header``, its shape; whether it is registered is the account's business)."""

    name: str
    codes: tuple[ReturnCode, ...]
    client_checks: bool


def _step(name: str, *codes: ReturnCode, client: bool = False) -> Step:
    return Step(name, codes, client)


_RC = ReturnCode
STEP_TABLE: Final = (
    _step("request", _RC.INVALID_REQUEST, client=True),
    _step("client_ip", _RC.IP_BLOCKED),
    _step("oman", _RC.IP_OUTSIDE_OMAN),
    _step("company", _RC.COMPANY_NOT_EXISTS),
    _step("web_service", _RC.NOT_REGISTERED_WEB_SERVICE),
    _step("password", _RC.WRONG_CREDENTIALS),
    _step("blocked", _RC.ACCOUNT_BLOCKED),
    _step("inactive", _RC.ACCOUNT_INACTIVE),
    _step("account_expired", _RC.ACCOUNT_EXPIRED),
    _step("api_expired", _RC.SMS_API_EXPIRED),
    _step("http_get", _RC.HTTP_GET_NOT_ALLOWED),
    _step("mobile", _RC.MOBILE_EMPTY, _RC.INVALID_MOBILE, _RC.TOO_MANY_NUMBERS, client=True),
    _step("opted_out", _RC.NUMBER_OPTED_OUT),
    _step("message_blank", _RC.MESSAGE_BLANK, client=True),
    _step("lang", _RC.INVALID_LANGUAGE, client=True),
    _step("length", _RC.MESSAGE_TOO_LONG, client=True),
    _step("push_datetime", _RC.INVALID_DATETIME, client=True),
    _step("header", _RC.HEADER_NOT_REGISTERED, client=True),
    _step("flash", _RC.WRONG_FLASH_PARAMETER),
    _step("credit_expired", _RC.CREDIT_EXPIRED),
    _step("credit", _RC.CREDIT_LOW),
)
STEPS: Final[dict[str, ReturnCode | tuple[ReturnCode, ...]]] = {
    s.name: s.codes[0] if len(s.codes) == 1 else s.codes for s in STEP_TABLE
}
"""Step name -> the code it answers (a tuple for a step with several)."""
BY_NAME: Final = {s.name: s for s in STEP_TABLE}

DEFAULT_ORDER: Final = (
    "request", "client_ip", "oman", "company", "web_service", "password", "blocked", "inactive",
    "account_expired", "api_expired", "http_get", "mobile", "message_blank", "lang", "length",
    "push_datetime", "header", "credit_expired", "credit",
)  # fmt: skip
"""The order of ``SMSDynamicRefIntlAPI`` (the documented endpoint)."""
LEGACY_ORDER: Final = (
    "request", "client_ip", "oman", "company", "web_service", "password", "blocked", "inactive",
    "account_expired", "api_expired", "http_get", "mobile", "opted_out", "message_blank", "lang",
    "length", "push_datetime", "header", "flash", "credit_expired", "credit",
)  # fmt: skip
"""The order of ``SMSDynamicAPI`` (the older endpoint: opt-outs and flash SMS)."""
WEB_SERVICE_ORDER: Final = (
    "request", "client_ip", "oman", "company", "web_service", "password", "blocked", "inactive",
    "account_expired", "mobile", "opted_out", "message_blank", "lang", "length",
    "push_datetime", "credit_expired", "credit",
)  # fmt: skip
"""The order of ``PostSMS`` (REST) and ``IBulkSMS`` (SOAP): no ``header`` (no sender field),
no ``http_get`` (POST only) and no ``api_expired`` (25: no REST or SOAP source knows it, and
these interfaces answer only the codes they can: docs/rest-soap.md); ``opted_out`` (23), as
their clients map it. Their ``web_service`` step answers the endpoint's ``web_service_code``
(18, as their clients read it)."""
CLIENT_ORDER: Final = tuple(n for n in DEFAULT_ORDER if BY_NAME[n].client_checks)
"""The default order's steps that the client's pre-check runs, in order."""
