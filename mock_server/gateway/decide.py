"""One send request in, one decision out.

:func:`decide` runs the endpoint's validation steps (:mod:`.steps`) in their configured order
against a read-only view of the state and returns a :class:`Decision`; it changes nothing. The
backend applies the decision's effects (count a failed login, charge and store) atomically
(:mod:`.commit`). Every answer says what decided it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from types import EllipsisType, MappingProxyType
from typing import Final

from ismart_sms_kit.mock_server.gateway.decision import (
    Decision,
    GatewayCall,
    GatewayFailure,
    GatewayOptions,
)
from ismart_sms_kit.mock_server.gateway.evaluation import HEADER_KEY, MESSAGE_KEY, Evaluation
from ismart_sms_kit.mock_server.gateway.steps import STEP_FUNCTIONS, Step
from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.mock_server.state.base import Storage
from ismart_sms_kit.mock_server.state.model import Message
from ismart_sms_kit.protocol.spec import ReturnCode
from ismart_sms_kit.protocol.validation import Finding

_ACCEPTED: Final = {n: f"{n} message(s) accepted" for n in range(1, 101)}
"""The journal's reason for an accepted request, one string shared by all its entries."""
MAGIC_DELIVERY_FAILED: Final = 99
"""``968000000`` + ``99``: accepted (1), and its delivery fails."""


def _unknown_step(name: str) -> Step:
    def step(ev: Evaluation) -> Finding | None:
        raise KeyError(name)

    return step


NO_SUCH_USER = "user"
"""``decided_by`` of a request whose user id has no account (3), whichever step found it."""


@lru_cache(maxsize=64)
def _compiled(order: tuple[str, ...]) -> tuple[tuple[str, Step], ...]:
    """An endpoint's validation order as (name, function) pairs, looked up once (a name
    without a step fails when it is reached, as a lookup there would)."""
    return tuple((name, STEP_FUNCTIONS.get(name) or _unknown_step(name)) for name in order)


def _first_failure(ev: Evaluation, steps: Iterable[str]) -> Decision | None:
    pairs = _compiled(steps if isinstance(steps, tuple) else tuple(steps))
    for name, step in pairs:
        finding = step(ev)
        if finding is not None:
            return Decision(
                int(finding.code),
                finding.reason,
                name if ev.account is not None else NO_SUCH_USER,  # not the step that asked
                user_id=ev.account.user_id if ev.account else None,
                authenticated=ev.authenticated,
            )
    return None


def run_steps(
    call: GatewayCall, storage: Storage, options: GatewayOptions, steps: Iterable[str]
) -> tuple[Account | None, Decision | None]:
    """Run validation ``steps`` in order: the account, and the decision of the first step that
    fails (None when all pass). Other endpoints (delivery reports) reuse the account checks."""
    ev = Evaluation(call, storage, options)
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
    ev = Evaluation(call, storage, options, account)
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
        if code in call.endpoint.magic_codes:  # only codes this endpoint can answer
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
    ev: Evaluation, account: Account, numbers: list[str], options: GatewayOptions
) -> list[Message]:
    refs = ev.reference_ids if isinstance(ev.reference_ids, list) else []
    lang = ev.lang if isinstance(ev.lang, int) else 0
    flash = ev.flash if ev.call.endpoint.flash and isinstance(ev.flash, bool) else False
    local = ev.push_at if isinstance(ev.push_at, datetime) else None
    push_at = _as_utc(local, options.gateway_tz) if local else None
    segments = ev.segments
    text = ev.raw(MESSAGE_KEY)
    sender = ev.sender
    header, defaulted = sender if not isinstance(sender, Finding) else (ev.raw(HEADER_KEY), False)
    delivery = ev.call.delivery
    return [
        Message(
            id=0,
            request_id=0,
            received_at=ev.call.now,
            push_at=push_at,
            user_id=account.user_id,
            header=header,
            header_defaulted=defaulted,
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
