"""The validation steps: one function per step name of the protocol's step table
(:data:`ismart_sms_kit.protocol.steps.STEPS`), each returning a :class:`Finding` (the code and
why) or None. Each return code a step answers is decided here and nowhere else, and so are
the 15 of a request the endpoint cannot read (:func:`unreadable`, :func:`refused_method`) and
the commit's two late refusals (:func:`locked_out`: 3 becomes 12; :func:`overdrawn`: 1
becomes 4).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from ismart_sms_kit.mock_server.gateway.decision import Decision, Gateway
from ismart_sms_kit.mock_server.gateway.request import MESSAGE_KEY, PASSWORD_KEY, SendRequest
from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.protocol.spec import (
    ReturnCode,
)
from ismart_sms_kit.protocol.steps import BY_NAME, STEPS
from ismart_sms_kit.protocol.validation import (
    Finding,
    check_header,
    is_blank,
)

REQUIRED: Final = ("UserId", "Password", "MobileNo", "Message", "Lang", "Header")
"""The parameters whose absence answers 15; ``Header`` only where the endpoint's
``header_required`` says so (otherwise the account's default sender stands in for it)."""
_REQUIRED_KEYS: Final = frozenset(name.lower() for name in REQUIRED)
_REQUIRED_KEYS_BUT_HEADER: Final = _REQUIRED_KEYS - {"header"}

Step = Callable[[SendRequest, Gateway], Finding | None]


def _request(req: SendRequest, gw: Gateway) -> Finding | None:
    required = _REQUIRED_KEYS if req.endpoint.header_required else _REQUIRED_KEYS_BUT_HEADER
    if not req.params.has_all(required):
        missing = [name for name in REQUIRED if req.params.get(name) is None]
        if not req.endpoint.header_required:
            missing = [name for name in missing if name != "Header"]
        return Finding(ReturnCode.INVALID_REQUEST, f"missing parameter(s): {', '.join(missing)}")
    refs = req.reference_ids
    return refs if isinstance(refs, Finding) else None


def unreadable(reason: str) -> Decision:
    """A request the gateway cannot read at all (too large, broken body): 15."""
    return Decision(int(ReturnCode.INVALID_REQUEST), reason, "request")


def refused_method(method: str) -> Decision:
    """A method other than GET, HEAD and POST on a gateway endpoint: 15."""
    return Decision(
        int(ReturnCode.INVALID_REQUEST), f"HTTP method {method} not supported", "method"
    )


def _client_ip(req: SendRequest, gw: Gateway) -> Finding | None:
    if req.account is None:
        return req.no_account()
    why = req.account.ip_refused(req.client_ip)
    return Finding(ReturnCode.IP_BLOCKED, why) if why else None


def _oman(req: SendRequest, gw: Gateway) -> Finding | None:
    if req.account is None:
        return req.no_account()
    if req.account.oman_only and not gw.options.in_oman(req.client_ip):
        return Finding(
            ReturnCode.IP_OUTSIDE_OMAN,
            f"client IP {req.client_ip} is outside Oman (the oman_networks setting) and "
            f"{req.account.user_id} is for Omani clients only",
        )
    return None


def _company(req: SendRequest, gw: Gateway) -> Finding | None:
    if req.account is None:
        return req.no_account()
    if not gw.storage.company_exists(req.account.company):
        return Finding(
            ReturnCode.COMPANY_NOT_EXISTS, f"company {req.account.company!r} does not exist"
        )
    return None


def _web_service(req: SendRequest, gw: Gateway) -> Finding | None:
    if req.account is None:
        return req.no_account()
    if not req.account.web_service:
        return Finding(  # 17; 18 on REST and SOAP, as their clients read it
            req.endpoint.web_service_code,
            f"{req.account.user_id} is not registered for the web service",
        )
    return None


def _password(req: SendRequest, gw: Gateway) -> Finding | None:
    if req.account is None:
        return req.no_account()
    if not req.account.check_password(req.raw(PASSWORD_KEY)):
        return Finding(ReturnCode.WRONG_CREDENTIALS, f"wrong password for {req.account.user_id}")
    req.authenticated = True
    return None


def _expiry(req: SendRequest, field: str, code: ReturnCode, what: str) -> Finding | None:
    """``code`` when the account's date ``field`` has passed (``what`` names it, with
    ``{user}`` for the user id)."""
    a = req.account
    if a is None:
        return req.no_account()
    at: datetime | None = getattr(a, field)
    if at is None or at > req.now:
        return None
    return Finding(code, f"{what.format(user=a.user_id)} expired at {at.isoformat()}")


# The account checks, one plain function each (this runs for every request).
def _blocked(req: SendRequest, gw: Gateway) -> Finding | None:
    a = req.account
    if a is None:
        return req.no_account()
    if a.status == "blocked":
        return Finding(
            ReturnCode.ACCOUNT_BLOCKED, f"{a.user_id} is blocked (failed logins: {a.failed_logins})"
        )
    return None


def _inactive(req: SendRequest, gw: Gateway) -> Finding | None:
    a = req.account
    if a is None:
        return req.no_account()
    if a.status == "inactive":
        return Finding(ReturnCode.ACCOUNT_INACTIVE, f"{a.user_id} is inactive")
    return None


def _account_expired(req: SendRequest, gw: Gateway) -> Finding | None:
    return _expiry(req, "expires_at", ReturnCode.ACCOUNT_EXPIRED, "account {user}")


def _api_expired(req: SendRequest, gw: Gateway) -> Finding | None:
    return _expiry(req, "api_expires_at", ReturnCode.SMS_API_EXPIRED, "SMS API of {user}")


def _http_get(req: SendRequest, gw: Gateway) -> Finding | None:
    a = req.account
    if a is None:
        return req.no_account()
    if req.method in ("GET", "HEAD") and not a.http_get:
        return Finding(ReturnCode.HTTP_GET_NOT_ALLOWED, f"{a.user_id} may not use HTTP GET")
    return None


def _credit_expired(req: SendRequest, gw: Gateway) -> Finding | None:
    return _expiry(req, "credit_expires_at", ReturnCode.CREDIT_EXPIRED, "credit of {user}")


def _credit(req: SendRequest, gw: Gateway) -> Finding | None:
    a = req.account
    if a is None:
        return req.no_account()
    cost = req.cost()
    if a.credit < cost:
        return Finding(ReturnCode.CREDIT_LOW, f"{cost} credits needed, {a.credit} left")
    return None


def _opted_out(req: SendRequest, gw: Gateway) -> Finding | None:
    if req.account is None:
        return req.no_account()
    numbers = req.numbers
    if isinstance(numbers, list) and req.account.opted_out:
        for number in numbers:
            if number in req.account.opted_out:
                return Finding(ReturnCode.NUMBER_OPTED_OUT, f"{number} opted out")
    return None


def _mobile(req: SendRequest, gw: Gateway) -> Finding | None:
    numbers = req.numbers
    return numbers if isinstance(numbers, Finding) else None


def _message_blank(req: SendRequest, gw: Gateway) -> Finding | None:
    if is_blank(req.raw(MESSAGE_KEY)):
        return Finding(ReturnCode.MESSAGE_BLANK, "Message is empty or only white space")
    return None


def _lang(req: SendRequest, gw: Gateway) -> Finding | None:
    lang = req.lang
    return lang if isinstance(lang, Finding) else None


def _length(req: SendRequest, gw: Gateway) -> Finding | None:
    segments = req.segments
    if segments.too_long:
        return Finding(
            ReturnCode.MESSAGE_TOO_LONG,
            f"Message needs {segments.parts} {segments.encoding} parts "
            f"({segments.units} units); at most 5 are allowed",
        )
    return None


def _push_datetime(req: SendRequest, gw: Gateway) -> Finding | None:
    push_at = req.push_at
    return push_at if isinstance(push_at, Finding) else None


def _header(req: SendRequest, gw: Gateway) -> Finding | None:
    sender = req.sender
    if isinstance(sender, Finding):
        return sender
    header, defaulted = sender
    if defaulted:
        return None  # the account's own sender: registered by definition
    shape = check_header(header, req.limits)
    if shape is not None:
        return shape
    if req.account is None:
        return req.no_account()
    registered = req.account.headers
    if req.endpoint.header_case_sensitive:
        ok = header in registered
    else:
        ok = header.casefold() in (h.casefold() for h in registered)
    if not ok:
        return Finding(
            ReturnCode.HEADER_NOT_REGISTERED,
            f"header {header!r} is not registered for {req.account.user_id}",
        )
    return None


def _flash(req: SendRequest, gw: Gateway) -> Finding | None:
    if not req.endpoint.flash:
        return None
    flash = req.flash
    return flash if isinstance(flash, Finding) else None


STEP_FUNCTIONS: Final[dict[str, Step]] = {
    "request": _request,
    "client_ip": _client_ip,
    "oman": _oman,
    "company": _company,
    "web_service": _web_service,
    "password": _password,
    "blocked": _blocked,
    "inactive": _inactive,
    "account_expired": _account_expired,
    "api_expired": _api_expired,
    "http_get": _http_get,
    "mobile": _mobile,
    "opted_out": _opted_out,
    "message_blank": _message_blank,
    "lang": _lang,
    "length": _length,
    "push_datetime": _push_datetime,
    "header": _header,
    "flash": _flash,
    "credit_expired": _credit_expired,
    "credit": _credit,
}


def counts_failed_login(name: str) -> bool:
    """Whether a refusal by the step ``name`` is a failed login the commit counts (the
    password check's)."""
    return STEP_FUNCTIONS.get(name) is _password


def reads_credit(name: str) -> bool:
    """Whether the step ``name`` decides by the account's credit (its codes, from the step
    table, include 4)."""
    step = BY_NAME.get(name)
    return step is not None and ReturnCode.CREDIT_LOW in step.codes


def locked_out(account: Account) -> Finding:
    """The failed login that reached the lockout threshold (at commit): 12."""
    return Finding(
        ReturnCode.ACCOUNT_BLOCKED,
        f"{account.user_id} locked after {account.failed_logins} failed logins "
        f"(threshold {account.lockout_threshold})",
    )


def overdrawn(cost: int) -> Finding:
    """Credit a concurrent request spent since the decision (at commit): 4."""
    return Finding(ReturnCode.CREDIT_LOW, f"{cost} credits needed, not enough left")


if set(STEP_FUNCTIONS) != set(STEPS):  # pragma: no cover - caught by every test run
    raise RuntimeError("the step functions and the protocol's step table disagree")
