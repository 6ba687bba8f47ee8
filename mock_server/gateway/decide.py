"""One send request in, one decision out.

:func:`decide` runs the endpoint's validation steps (:mod:`.steps`) in their configured order
against a read-only view of the state and returns a :class:`Decision`; it changes nothing. The
backend applies the decision's effects (count a failed login, charge and store) atomically
(:mod:`.commit`). Every answer says what decided it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final

from ismart_sms_kit.mock_server.gateway.decision import Decision, Gateway, GatewayFailure
from ismart_sms_kit.mock_server.gateway.request import HEADER_KEY, MESSAGE_KEY, SendRequest
from ismart_sms_kit.mock_server.gateway.steps import (
    STEP_FUNCTIONS,
    Step,
    counts_failed_login,
    reads_credit,
)
from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.mock_server.state.model import Message
from ismart_sms_kit.protocol.spec import ReturnCode
from ismart_sms_kit.protocol.validation import Finding

_ACCEPTED: Final = {n: f"{n} message(s) accepted" for n in range(1, 101)}
"""The journal's reason for an accepted request, one string shared by all its entries."""
_PUSHED: Final = int(ReturnCode.PUSHED)
MAGIC_DELIVERY_FAILED: Final = 99
"""``968000000`` + ``99``: accepted (1), and its delivery fails."""


def _unknown_step(name: str) -> Step:
    def step(req: SendRequest, gw: Gateway) -> Finding | None:
        raise KeyError(name)

    return step


NO_SUCH_USER = "user"
"""``decided_by`` of a request whose user id has no account (3), whichever step found it."""
Compiled = Callable[[SendRequest, Gateway], "tuple[int, Finding] | None"]


@lru_cache(maxsize=64)
def _compiled(order: tuple[str, ...]) -> tuple[Compiled, tuple[tuple[str, bool, bool], ...]]:
    """An endpoint's validation order compiled once into one function that calls its steps
    in turn (no loop, no lookup per step and request) and returns the first finding with
    its position; beside it each step's name, whether its refusal counts a failed login and
    whether it reads the credit.
    A name without a step fails when it is reached, as a lookup there would."""
    steps = {
        f"s{i}": STEP_FUNCTIONS.get(name) or _unknown_step(name) for i, name in enumerate(order)
    }
    lines = ["def run(req, gw):"]
    for i in range(len(order)):
        lines += [f"    f = s{i}(req, gw)", "    if f is not None:", f"        return {i}, f"]
    lines.append("    return None")
    namespace: dict[str, Any] = dict(steps)
    exec("\n".join(lines), namespace)
    meta = tuple((name, counts_failed_login(name), reads_credit(name)) for name in order)
    return namespace["run"], meta


def _first_failure(req: SendRequest, gw: Gateway, steps: Iterable[str]) -> Decision | None:
    run, meta = _compiled(steps if isinstance(steps, tuple) else tuple(steps))
    hit = run(req, gw)
    if hit is None:
        return None
    position, finding = hit
    name, login, credit = meta[position]
    account = req.account
    return Decision(
        int(finding.code),
        finding.reason,
        name if account is not None else NO_SUCH_USER,  # not the step that asked
        user_id=account.user_id if account else None,
        authenticated=req.authenticated,
        failed_login=login and account is not None,
        on_credit=credit,
    )


def run_steps(req: SendRequest, gw: Gateway, steps: Iterable[str]) -> Decision | None:
    """Run validation ``steps`` in order on ``req`` (its account read): the decision of the
    first step that fails, None when all pass. Delivery reports reuse the account checks."""
    return _first_failure(req, gw, steps)


def decide(req: SendRequest, gw: Gateway) -> Decision:
    """The answer the gateway gives to ``req`` (its ``account`` as the caller has just read
    it); pure apart from reading ``gw.storage``."""
    failure = _first_failure(req, gw, req.endpoint.validation_order)
    if failure is not None:
        return failure
    account = req.account
    if account is None:  # an order without account steps still needs an account to send
        finding = req.no_account()
        return Decision(int(finding.code), finding.reason, "password")
    numbers = req.numbers if isinstance(req.numbers, list) else []
    options = gw.options
    magic = _magic(numbers, options.magic_prefix) if options.magic_numbers else _NO_MAGIC
    for number, code in magic.items():
        if code in req.endpoint.magic_codes:  # only codes this endpoint can answer (from spec)
            return Decision(
                code, f"magic number {number}", "magic", account.user_id, req.authenticated
            )
    if account.simulate_internal_error:
        raise GatewayFailure(f"simulated internal failure for {account.user_id}")
    messages = _messages(req, account, numbers, options.gateway_tz)
    for message in messages:
        if magic.get(message.number) == MAGIC_DELIVERY_FAILED:
            message.delivery, message.delivered_at = "failed", req.now
    accepted = len(numbers)
    reason = _ACCEPTED.get(accepted) or f"{accepted} message(s) accepted"
    flash = req.flash if req.endpoint.flash else None  # read (and cached) by _messages
    if isinstance(flash, Finding):  # unreadable, and no flash step in the order refused it
        reason += f" ({flash.reason}: ignored, sent as a normal message)"
    return Decision(  # positional, in Decision's field order
        _PUSHED,
        reason,
        "accepted",
        account.user_id,
        req.authenticated,
        req.cost(),
        messages,
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
    req: SendRequest, account: Account, numbers: list[str], gateway_tz: timezone
) -> list[Message]:
    refs = req.reference_ids if isinstance(req.reference_ids, list) else []
    lang = req.lang if isinstance(req.lang, int) else 0
    flash = req.flash if req.endpoint.flash and isinstance(req.flash, bool) else False
    local = req.push_at if isinstance(req.push_at, datetime) else None
    push_at = _as_utc(local, gateway_tz) if local else None
    segments = req.segments
    sender = req.sender
    header, defaulted = sender if not isinstance(sender, Finding) else (req.raw(HEADER_KEY), False)
    delivery, now, name, scope = req.delivery, req.now, req.endpoint.name, req.scope
    # positional, in Message's field order: the fastest way to build a dataclass
    return [
        Message(
            0,  # id
            0,  # request_id
            now,  # received_at
            push_at,
            account.user_id,
            header,
            number,
            refs[i] if i < len(refs) else None,  # reference_id
            req.raw(MESSAGE_KEY),  # text
            lang,
            segments.encoding.value,
            segments.parts,
            segments.units,
            name,  # endpoint
            flash,
            scope,
            delivery,
            now if delivery else None,  # delivered_at
            defaulted,  # header_defaulted
        )
        for i, number in enumerate(numbers)
    ]
