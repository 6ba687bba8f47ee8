"""One send request in, one decision out.

:func:`decide` runs the endpoint's validation steps in their configured order against a
read-only view of the state and returns a :class:`Decision`; it changes nothing. The backend
applies the decision's effects (count a failed login, charge and store) atomically. Each step
is a small function returning a :class:`Finding` (code + reason) or None, so that every answer
can say what decided it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from types import EllipsisType, MappingProxyType
from typing import Any, Final, Generic, TypeVar, overload

from ismart_sms_kit.mock_server.config import EndpointConfig
from ismart_sms_kit.mock_server.params import Params
from ismart_sms_kit.mock_server.state.accounts import Account, IpNetwork
from ismart_sms_kit.mock_server.state.memory import Message, Storage
from ismart_sms_kit.protocol.segments import Segments, count
from ismart_sms_kit.protocol.spec import ReturnCode
from ismart_sms_kit.protocol.validation import (
    Finding,
    check_header,
    is_blank,
    parse_flash,
    parse_lang,
    parse_numbers,
    parse_push_datetime,
    parse_reference_ids,
)

REQUIRED: Final = ("UserId", "Password", "MobileNo", "Message", "Lang", "Header")
_REQUIRED_KEYS: Final = frozenset(name.lower() for name in REQUIRED)
_ACCEPTED: Final = {n: f"{n} message(s) accepted" for n in range(1, 101)}
"""The journal's reason for an accepted request, one string shared by all its entries."""
MAGIC_CODES: Final = range(2, 26)
MAGIC_DELIVERY_FAILED: Final = 99
"""``968000000`` + ``99``: accepted (1), and its delivery fails."""


@dataclass(frozen=True, slots=True)
class GatewayCall:
    """One request to a send endpoint, as the gateway sees it."""

    endpoint: EndpointConfig
    method: str
    client_ip: str
    params: Params
    now: datetime
    """Aware UTC time of arrival."""
    scope: str = ""
    delivery: str | None = None
    """A delivery state a fault rule fixed for the messages of this request."""


@dataclass(slots=True)
class Decision:
    """The answer to one request and what decided it (code None: no code was answered, an
    HTTP-level fault such as a 503, a raw body, a hang or a drop)."""

    code: int | None
    reason: str
    decided_by: str
    user_id: str | None = None
    authenticated: bool = False
    cost: int = 0
    messages: list[Message] = field(default_factory=list)
    rules_fired: tuple[str, ...] = ()


class GatewayFailure(RuntimeError):
    """A failure inside the gateway; the route answers 11 (Un Known Error) for it."""


_T = TypeVar("_T")


class _cached(Generic[_T]):
    """``functools.cached_property`` without the lock that Python before 3.12 takes on each
    first access (a request's evaluation lives on one thread)."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _cached[_T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...
    def __get__(self, obj: object, owner: type | None = None) -> _T | _cached[_T]:
        if obj is None:
            return self
        value = self.compute(obj)
        obj.__dict__[self.name] = value  # later reads find it there, not here
        return value


class _Evaluation:
    """The request's values, each parsed at most once and only when a step needs it."""

    def __init__(
        self,
        call: GatewayCall,
        storage: Storage,
        options: GatewayOptions,
        account: Account | EllipsisType | None = ...,
    ) -> None:
        self.call = call
        self.params = call.params
        self.storage = storage
        self.options = options
        self.limits = call.endpoint.limits
        user_id = call.params.get("UserId")
        self.user_id = user_id
        if account is ...:
            account = storage.account(user_id) if user_id else None
        self.account: Account | None = account
        self.authenticated = False

    def raw(self, name: str) -> str:
        return self.params.get(name) or ""

    @_cached
    def numbers(self) -> list[str] | Finding:
        return parse_numbers(self.raw("MobileNo"), self.limits)

    @_cached
    def lang(self) -> int | Finding:
        return parse_lang(self.raw("Lang"))

    @_cached
    def segments(self) -> Segments:
        lang = self.lang
        return count(self.raw("Message"), None if isinstance(lang, Finding) else lang)

    @_cached
    def push_at(self) -> datetime | Finding | None:
        return parse_push_datetime(self.params.get("PushDateTime"), self.limits)

    @_cached
    def reference_ids(self) -> list[str] | Finding:
        return parse_reference_ids(self.params.get("referenceIds"), self.limits)

    @_cached
    def flash(self) -> bool | Finding:
        return parse_flash(self.params.get("FLashSMS"), self.limits)

    def cost(self) -> int:
        numbers = self.numbers
        recipients = len(numbers) if isinstance(numbers, list) else 1
        return self.segments.parts * recipients

    def no_account(self) -> Finding:
        return Finding(ReturnCode.WRONG_CREDENTIALS, f"no account with user id {self.user_id!r}")


Step = Callable[[_Evaluation], Finding | None]


def _request(ev: _Evaluation) -> Finding | None:
    if not ev.params.has_all(_REQUIRED_KEYS):
        missing = [name for name in REQUIRED if ev.params.get(name) is None]
        return Finding(ReturnCode.INVALID_REQUEST, f"missing parameter(s): {', '.join(missing)}")
    refs = ev.reference_ids
    return refs if isinstance(refs, Finding) else None


def _client_ip(ev: _Evaluation) -> Finding | None:
    if ev.account is None:
        return ev.no_account()
    why = ev.account.ip_refused(ev.call.client_ip)
    return Finding(ReturnCode.IP_BLOCKED, why) if why else None


def _oman(ev: _Evaluation) -> Finding | None:
    if ev.account is None:
        return ev.no_account()
    if ev.account.oman_only and not ev.options.in_oman(ev.call.client_ip):
        return Finding(
            ReturnCode.IP_OUTSIDE_OMAN,
            f"client IP {ev.call.client_ip} is outside Oman (the oman_networks setting) and "
            f"{ev.account.user_id} is for Omani clients only",
        )
    return None


def _company(ev: _Evaluation) -> Finding | None:
    if ev.account is None:
        return ev.no_account()
    if not ev.storage.company_exists(ev.account.company):
        return Finding(
            ReturnCode.COMPANY_NOT_EXISTS, f"company {ev.account.company!r} does not exist"
        )
    return None


def _web_service(ev: _Evaluation) -> Finding | None:
    if ev.account is None:
        return ev.no_account()
    if not ev.account.web_service:
        return Finding(
            ReturnCode.NOT_REGISTERED_WEB_SERVICE,
            f"{ev.account.user_id} is not registered for the web service",
        )
    return None


def _password(ev: _Evaluation) -> Finding | None:
    if ev.account is None:
        return ev.no_account()
    if not ev.account.check_password(ev.raw("Password")):
        return Finding(ReturnCode.WRONG_CREDENTIALS, f"wrong password for {ev.account.user_id}")
    ev.authenticated = True
    return None


def _expiry(ev: _Evaluation, field: str, code: ReturnCode, what: str) -> Finding | None:
    """``code`` when the account's date ``field`` has passed (``what`` names it, with
    ``{user}`` for the user id)."""
    a = ev.account
    if a is None:
        return ev.no_account()
    at: datetime | None = getattr(a, field)
    if at is None or at > ev.call.now:
        return None
    return Finding(code, f"{what.format(user=a.user_id)} expired at {at.isoformat()}")


# The account checks, one plain function each (this runs for every request).
def _blocked(ev: _Evaluation) -> Finding | None:
    a = ev.account
    if a is None:
        return ev.no_account()
    if a.status == "blocked":
        return Finding(
            ReturnCode.ACCOUNT_BLOCKED, f"{a.user_id} is blocked (failed logins: {a.failed_logins})"
        )
    return None


def _inactive(ev: _Evaluation) -> Finding | None:
    a = ev.account
    if a is None:
        return ev.no_account()
    if a.status == "inactive":
        return Finding(ReturnCode.ACCOUNT_INACTIVE, f"{a.user_id} is inactive")
    return None


def _account_expired(ev: _Evaluation) -> Finding | None:
    return _expiry(ev, "expires_at", ReturnCode.ACCOUNT_EXPIRED, "account {user}")


def _api_expired(ev: _Evaluation) -> Finding | None:
    return _expiry(ev, "api_expires_at", ReturnCode.SMS_API_EXPIRED, "SMS API of {user}")


def _http_get(ev: _Evaluation) -> Finding | None:
    a = ev.account
    if a is None:
        return ev.no_account()
    if ev.call.method == "GET" and not a.http_get:
        return Finding(ReturnCode.HTTP_GET_NOT_ALLOWED, f"{a.user_id} may not use HTTP GET")
    return None


def _credit_expired(ev: _Evaluation) -> Finding | None:
    return _expiry(ev, "credit_expires_at", ReturnCode.CREDIT_EXPIRED, "credit of {user}")


def _credit(ev: _Evaluation) -> Finding | None:
    a = ev.account
    if a is None:
        return ev.no_account()
    cost = ev.cost()
    if a.credit < cost:
        return Finding(ReturnCode.CREDIT_LOW, f"{cost} credits needed, {a.credit} left")
    return None


def _opted_out(ev: _Evaluation) -> Finding | None:
    if ev.account is None:
        return ev.no_account()
    numbers = ev.numbers
    if isinstance(numbers, list) and ev.account.opted_out:
        for number in numbers:
            if number in ev.account.opted_out:
                return Finding(ReturnCode.NUMBER_OPTED_OUT, f"{number} opted out")
    return None


def _mobile(ev: _Evaluation) -> Finding | None:
    numbers = ev.numbers
    return numbers if isinstance(numbers, Finding) else None


def _message_blank(ev: _Evaluation) -> Finding | None:
    if is_blank(ev.raw("Message")):
        return Finding(ReturnCode.MESSAGE_BLANK, "Message is empty or only white space")
    return None


def _lang(ev: _Evaluation) -> Finding | None:
    lang = ev.lang
    return lang if isinstance(lang, Finding) else None


def _length(ev: _Evaluation) -> Finding | None:
    segments = ev.segments
    if segments.too_long:
        return Finding(
            ReturnCode.MESSAGE_TOO_LONG,
            f"Message needs {segments.parts} {segments.encoding} parts "
            f"({segments.units} units); at most 5 are allowed",
        )
    return None


def _push_datetime(ev: _Evaluation) -> Finding | None:
    push_at = ev.push_at
    return push_at if isinstance(push_at, Finding) else None


def _header(ev: _Evaluation) -> Finding | None:
    header = ev.raw("Header")
    shape = check_header(header, ev.limits)
    if shape is not None:
        return shape
    if ev.account is None:
        return ev.no_account()
    registered = ev.account.headers
    if ev.call.endpoint.header_case_sensitive:
        ok = header in registered
    else:
        ok = header.casefold() in (h.casefold() for h in registered)
    if not ok:
        return Finding(
            ReturnCode.HEADER_NOT_REGISTERED,
            f"header {header!r} is not registered for {ev.account.user_id}",
        )
    return None


def _flash(ev: _Evaluation) -> Finding | None:
    if not ev.call.endpoint.flash:
        return None
    flash = ev.flash
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


@dataclass(frozen=True)
class GatewayOptions:
    """The global settings :func:`decide` needs, resolved once at start-up."""

    gateway_tz: timezone = timezone(timedelta(minutes=240))
    magic_numbers: bool = True
    magic_prefix: str = "968000000"
    oman_networks: tuple[IpNetwork, ...] = ()

    def in_oman(self, client_ip: str) -> bool:
        try:
            address = ipaddress.ip_address(client_ip)
        except ValueError:
            return False
        return any(address in network for network in self.oman_networks)


def _unknown_step(name: str) -> Step:
    def step(ev: _Evaluation) -> Finding | None:
        raise KeyError(name)

    return step


@lru_cache(maxsize=64)
def _compiled(order: tuple[str, ...]) -> tuple[tuple[str, Step], ...]:
    """An endpoint's validation order as (name, function) pairs, looked up once (a name
    without a step fails when it is reached, as a lookup there would)."""
    return tuple((name, STEP_FUNCTIONS.get(name) or _unknown_step(name)) for name in order)


def _first_failure(ev: _Evaluation, steps: Iterable[str]) -> Decision | None:
    pairs = _compiled(steps if isinstance(steps, tuple) else tuple(steps))
    for name, step in pairs:
        finding = step(ev)
        if finding is not None:
            return Decision(
                int(finding.code),
                finding.reason,
                name,
                user_id=ev.account.user_id if ev.account else None,
                authenticated=ev.authenticated,
            )
    return None


def run_steps(
    call: GatewayCall, storage: Storage, options: GatewayOptions, steps: Iterable[str]
) -> tuple[Account | None, Decision | None]:
    """Run validation ``steps`` in order: the account, and the decision of the first step that
    fails (None when all pass). Other endpoints (delivery reports) reuse the account checks."""
    ev = _Evaluation(call, storage, options)
    return ev.account, _first_failure(ev, steps)


def decide(
    call: GatewayCall,
    storage: Storage,
    options: GatewayOptions,
    *,
    account: Account | EllipsisType | None = ...,
) -> Decision:
    """The answer the gateway gives to ``call``; pure apart from reading ``storage``.
    ``account``: the account of the request's ``UserId`` (None: none), as the caller has just
    read it from ``storage``; by default it is read here."""
    ev = _Evaluation(call, storage, options, account)
    failure = _first_failure(ev, call.endpoint.validation_order)
    if failure is not None:
        return failure
    account = ev.account
    if account is None:  # an order without account steps still needs an account to send
        finding = ev.no_account()
        return Decision(int(finding.code), finding.reason, "password")
    numbers = ev.numbers if isinstance(ev.numbers, list) else []
    magic = _magic(numbers, options.magic_prefix) if options.magic_numbers else {}
    for number, code in magic.items():
        if code in MAGIC_CODES:
            return Decision(
                code, f"magic number {number}", "magic", account.user_id, ev.authenticated
            )
    if account.simulate_internal_error:
        raise GatewayFailure(f"simulated internal failure for {account.user_id}")
    messages = _messages(ev, account, numbers, options)
    for message in messages:
        if magic.get(message.number) == MAGIC_DELIVERY_FAILED:
            message.delivery, message.delivered_at = "failed", call.now
    accepted = len(numbers)
    return Decision(
        int(ReturnCode.PUSHED),
        _ACCEPTED.get(accepted) or f"{accepted} message(s) accepted",
        "accepted",
        account.user_id,
        ev.authenticated,
        cost=ev.cost(),
        messages=messages,
    )


def _magic(numbers: list[str], prefix: str) -> Mapping[str, int]:
    """The magic numbers of a request and the code each stands for."""
    found: dict[str, int] | None = None
    for number in numbers:
        if len(number) == len(prefix) + 2 and number.startswith(prefix):
            found = found if found is not None else {}
            found[number] = int(number[len(prefix) :])
    return found if found is not None else _NO_MAGIC


_NO_MAGIC: Final[Mapping[str, int]] = MappingProxyType({})


@lru_cache(maxsize=256)
def _as_utc(local: datetime, gateway_tz: timezone) -> datetime:
    """A gateway-local PushDateTime in UTC (the same few values recur: cached)."""
    return local.replace(tzinfo=gateway_tz).astimezone(timezone.utc)


def _messages(
    ev: _Evaluation, account: Account, numbers: list[str], options: GatewayOptions
) -> list[Message]:
    refs = ev.reference_ids if isinstance(ev.reference_ids, list) else []
    lang = ev.lang if isinstance(ev.lang, int) else 0
    flash = ev.flash if ev.call.endpoint.flash and isinstance(ev.flash, bool) else False
    local = ev.push_at if isinstance(ev.push_at, datetime) else None
    push_at = _as_utc(local, options.gateway_tz) if local else None
    segments = ev.segments
    text = ev.raw("Message")
    header = ev.raw("Header")
    delivery = ev.call.delivery
    return [
        Message(
            id=0,
            request_id=0,
            received_at=ev.call.now,
            push_at=push_at,
            user_id=account.user_id,
            header=header,
            number=number,
            reference_id=refs[i] if i < len(refs) else None,
            text=text,
            lang=lang,
            encoding=segments.encoding.value,
            parts=segments.parts,
            units=segments.units,
            endpoint=ev.call.endpoint.name,
            flash=flash,
            scope=ev.call.scope,
            delivery=delivery,
            delivered_at=ev.call.now if delivery else None,
        )
        for i, number in enumerate(numbers)
    ]
