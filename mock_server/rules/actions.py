"""Actions: what a rule makes the gateway do (:class:`Action`), parsed from its ``action``
mapping. The endpoints carry a final action out (``mock_server.endpoints.faults.act``)."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ismart_sms_kit.mock_server.rules.matchers import RuleContext
from ismart_sms_kit.mock_server.rules.values import RuleError, text, whole

MAX_DELAY_MS: Final = 600_000
DEFAULT_HANG_MS: Final = MAX_DELAY_MS
"""A ``hang`` without ``hang_ms`` outlasts any client's timeout (.NET's HttpClient waits 100 s
by default, ``requests`` for ever): ten minutes, or until the server stops."""

ACTION_KEYS: Final = (
    "code", "http_status", "body", "content_type", "delay_ms", "hang", "hang_ms", "drop",
    "rate_limit", "delivery",
)  # fmt: skip
DELIVERY_ACTIONS: Final = ("delivered", "failed")
RATE_LIMIT_KEYS: Final = ("rate", "burst", "per")
RATE_LIMIT_PER: Final = ("account", "client_ip", "all")


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket: ``burst`` requests at once, refilled at ``rate`` per second."""

    rate: float
    burst: int
    per: str = "account"

    def key(self, ctx: RuleContext) -> str:
        if self.per == "account":
            return ctx.raw("UserId").strip()
        return ctx.client_ip if self.per == "client_ip" else ""

    def to_json(self) -> dict[str, Any]:
        return {"rate": self.rate, "burst": self.burst, "per": self.per}


def parse_rate_limit(value: Any) -> RateLimit:
    if isinstance(value, bool):
        raise ValueError("must be {rate: N, burst: N, per: account|client_ip|all} or a rate")
    if isinstance(value, int | float):
        value = {"rate": value}
    if not isinstance(value, Mapping):
        raise ValueError("must be {rate: N, burst: N, per: account|client_ip|all} or a rate")
    unknown = sorted(set(value) - set(RATE_LIMIT_KEYS))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(RATE_LIMIT_KEYS)})")
    rate = value.get("rate")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
        raise ValueError("rate must be a number of requests per second above 0")
    burst = value.get("burst", max(1, math.ceil(rate)))
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
        raise ValueError("burst must be a whole number >= 1")
    per = value.get("per", "account")
    if per not in RATE_LIMIT_PER:
        raise ValueError(f"per must be one of {', '.join(RATE_LIMIT_PER)}")
    return RateLimit(float(rate), burst, per)


class ActionKind(enum.Enum):
    """What a rule's action does to the request, decided once when it is parsed."""

    CODE = "code"
    """Answer this return code instead of the gateway's."""
    HTTP_STATUS = "http_status"
    """Another HTTP status (and body)."""
    BODY = "body"
    """A raw body, HTTP 200."""
    HANG = "hang"
    """No answer for ``hang_ms``, then a dropped connection."""
    DROP = "drop"
    """A dropped connection, no answer."""
    CONTINUE = "continue"
    """No final action: a delay, a delivery state, then the gateway decides."""


def _kind(action: Action) -> ActionKind:
    if action.code is not None:
        return ActionKind.CODE
    if action.http_status is not None:
        return ActionKind.HTTP_STATUS
    if action.body is not None:
        return ActionKind.BODY
    if action.hang:
        return ActionKind.HANG
    return ActionKind.DROP if action.drop else ActionKind.CONTINUE


@dataclass(frozen=True, slots=True)
class Action:
    """What a rule makes the gateway do. At most one of code / http_status / body / hang /
    drop; none of them (only ``delay_ms``) means "delay, then carry on"."""

    code: int | None = None
    http_status: int | None = None
    body: str | None = None
    content_type: str | None = None
    delay_ms: int = 0
    hang: bool = False
    hang_ms: int = DEFAULT_HANG_MS
    drop: bool = False
    rate_limit: RateLimit | None = None
    delivery: str | None = None
    """Let the request through to the normal checks; its messages get this delivery state."""
    kind: ActionKind = field(init=False, compare=False)
    """What it does, from its keys (at most one of code / http_status / body / hang / drop,
    as :func:`parse_action` checks); the places that carry it out match on it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _kind(self))

    @property
    def final(self) -> bool:
        return self.rate_limit is not None or self.kind is not ActionKind.CONTINUE

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ACTION_KEYS:  # ``kind`` follows from them
            value = getattr(self, key)
            if key == "hang_ms" and not self.hang:
                continue
            if isinstance(value, RateLimit):
                out[key] = value.to_json()
            elif value not in (None, False, 0) or (key == "code" and value == 0):
                out[key] = value
        return out


def _action_value(key: str, value: Any, fail: Callable[[str, str], RuleError]) -> Any:
    """One key's value of an ``action`` mapping, checked."""
    try:
        if key in ("code", "http_status", "delay_ms", "hang_ms"):
            return whole(value)
        if key in ("hang", "drop"):
            if not isinstance(value, bool):
                raise ValueError("must be true or false")
            return value
        if key == "rate_limit":
            return parse_rate_limit(value)
        if key == "delivery":
            if value not in DELIVERY_ACTIONS:
                raise ValueError(f"must be one of {', '.join(DELIVERY_ACTIONS)}")
            return value
        return text(value)
    except ValueError as exc:
        raise fail(f"action.{key}", str(exc)) from None


def parse_action(data: Any, fail: Callable[[str, str], RuleError]) -> Action:
    if not isinstance(data, Mapping):
        raise fail("action", "must be a mapping such as {code: 4}")
    unknown = sorted(set(data) - set(ACTION_KEYS))
    if unknown:
        raise fail(f"action.{unknown[0]}", f"unknown action key (known: {', '.join(ACTION_KEYS)})")
    values = {key: _action_value(key, value, fail) for key, value in data.items()}
    status = values.get("http_status")
    if status is not None and not 100 <= status <= 599:
        raise fail("action.http_status", "must be an HTTP status between 100 and 599")
    if values.get("delay_ms", 0) > MAX_DELAY_MS:
        raise fail("action.delay_ms", f"at most {MAX_DELAY_MS} ms")
    if values.get("hang_ms", 0) > MAX_DELAY_MS:
        raise fail("action.hang_ms", f"at most {MAX_DELAY_MS} ms")
    finals = [
        k for k in ("code", "http_status", "hang", "drop") if values.get(k) not in (None, False)
    ]
    if "body" in values and "http_status" not in values:
        finals.append("body")
    if len(finals) > 1:
        raise fail(f"action.{finals[1]}", f"cannot be combined with {finals[0]}")
    if "content_type" in values and not ({"http_status", "body"} & set(values)):
        raise fail("action.content_type", "goes with http_status or body")
    if "hang_ms" in values and not values.get("hang"):
        raise fail("action.hang_ms", "goes with hang: true")
    if "delivery" in values and finals:
        raise fail("action.delivery", f"cannot be combined with {finals[0]} (nothing is sent)")
    if "rate_limit" in values and not finals:
        values.setdefault("http_status", 429)
        values.setdefault("body", "Too Many Requests")
    if not finals and not values.get("delay_ms") and not ({"rate_limit", "delivery"} & set(values)):
        raise fail(
            "action",
            "needs one of code, http_status, body, hang, drop, rate_limit, delivery or delay_ms",
        )
    return Action(**values)
