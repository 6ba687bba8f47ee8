"""Fault rules: make any answer, any network failure, on demand and reproducibly.

A rule is ``match`` + ``action`` (+ ``name``, ``priority``, ``times``)::

    {"name": "campaign-out-of-credit", "match": {"mobile_prefix": "96899"},
     "action": {"code": 4}, "times": 3, "priority": 10}

Rules are tried by priority (higher first), then in the order they were added. The first rule
whose match holds *decides*: it returns an :class:`Action` and the gateway route acts on it.
A rule whose action is only ``delay_ms`` is not final: the delay is added and the next rules
(then the normal checks) still run, so "slow, then out of credit" is two rules.

Each match key is a pure predicate returning ``(matched, reason)``, so that the admin API can
explain why a rule did not fire. Counters (``nth``, ``every``, ``after``) count the requests
that reached the rule and satisfied its other keys; ``probability`` draws from the backend's
seeded random only for those requests, so the same seed and the same request sequence give the
same answers. ``times`` counts firings; a rule is removed when it reaches it.

``rate_limit`` makes a rule a token bucket (``rate`` requests per second, ``burst``) per
account, per client IP or for all requests: the rule fires only for requests over the limit,
answering its other action keys (HTTP 429 by default). Time is the backend's clock, so a fixed
clock gives a deterministic throttle.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from random import Random
from typing import Any, Final

from ismart_sms_kit.mock_server.params import Params
from ismart_sms_kit.protocol.segments import count
from ismart_sms_kit.protocol.validation import parse_push_datetime

MAX_DELAY_MS: Final = 600_000
DEFAULT_HANG_MS: Final = MAX_DELAY_MS
"""A ``hang`` without ``hang_ms`` outlasts any client's timeout (.NET's HttpClient waits 100 s
by default, ``requests`` for ever): ten minutes, or until the server stops."""


class RuleError(ValueError):
    """A rule with a mistake; names where it came from, which rule and which field."""

    def __init__(self, source: str, rule: str, field_name: str, message: str) -> None:
        super().__init__(f"{source}: rule {rule}: {field_name}: {message}")
        self.source = source
        self.rule = rule
        self.field = field_name
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"error": str(self), "rule": self.rule, "field": self.field}


class RuleContext:
    """The request fields rules match on, each derived once and only when a rule asks."""

    def __init__(
        self,
        params: Params,
        *,
        method: str,
        endpoint: str,
        client_ip: str,
        now: datetime,
        gateway_tz: timezone,
        scope: str = "",
    ) -> None:
        self.params = params
        self.scope = scope
        self.method = method
        self.endpoint = endpoint
        self.client_ip = client_ip
        self.now = now
        self.gateway_tz = gateway_tz

    def raw(self, name: str) -> str:
        return self.params.get(name) or ""

    @cached_property
    def numbers(self) -> list[str]:
        return [n.strip() for n in self.raw("MobileNo").split(",") if n.strip()]

    @cached_property
    def parts(self) -> int:
        lang = self.raw("Lang").strip()
        return count(self.raw("Message"), 64 if lang == "64" else 0).parts

    @cached_property
    def scheduled(self) -> bool:
        push = parse_push_datetime(self.params.get("PushDateTime"))
        if not isinstance(push, datetime):
            return False
        return push.replace(tzinfo=self.gateway_tz) > self.now


Predicate = Callable[[RuleContext], tuple[bool, str]]


def _text(value: Any, key: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a string")
    return str(value)


def _regex(value: Any, key: str) -> re.Pattern[str]:
    try:
        return re.compile(_text(value, key))
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None


def _whole(value: Any, key: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"must be a whole number >= {minimum}")
    return value


def _strings(value: Any, key: str) -> list[str]:
    if isinstance(value, list):
        return [_text(v, key) for v in value]
    return [_text(value, key)]


def _build_predicate(key: str, value: Any) -> Predicate:
    """One match key as a pure predicate; raises ValueError for a bad value."""
    if key == "user_id":
        want = _strings(value, key)
        return lambda c: (c.raw("UserId") in want, f"user_id {c.raw('UserId')!r}")
    if key == "mobile":
        numbers = set(_strings(value, key))
        return lambda c: (any(n in numbers for n in c.numbers), f"numbers {c.numbers}")
    if key == "mobile_prefix":
        prefixes = tuple(_strings(value, key))
        return lambda c: (any(n.startswith(prefixes) for n in c.numbers), f"numbers {c.numbers}")
    if key == "mobile_regex":
        pattern = _regex(value, key)
        return lambda c: (
            any(pattern.fullmatch(n) for n in c.numbers),
            f"numbers {c.numbers}",
        )
    if key == "header":
        headers = _strings(value, key)
        return lambda c: (c.raw("Header") in headers, f"header {c.raw('Header')!r}")
    if key == "lang":
        langs = [s.strip() for s in _strings(value, key)]
        return lambda c: (c.raw("Lang").strip() in langs, f"lang {c.raw('Lang')!r}")
    if key == "message_contains":
        needle = _text(value, key)
        return lambda c: (needle in c.raw("Message"), "message text")
    if key == "message_regex":
        pattern = _regex(value, key)
        return lambda c: (pattern.search(c.raw("Message")) is not None, "message text")
    if key == "min_parts":
        low = _whole(value, key)
        return lambda c: (c.parts >= low, f"{c.parts} parts")
    if key == "max_parts":
        high = _whole(value, key)
        return lambda c: (c.parts <= high, f"{c.parts} parts")
    if key == "method":
        methods = {m.upper() for m in _strings(value, key)}
        return lambda c: (c.method.upper() in methods, f"method {c.method}")
    if key == "endpoint":
        names = {e.lower().rsplit("/", 1)[-1].removesuffix(".aspx") for e in _strings(value, key)}
        return lambda c: (c.endpoint.lower() in names, f"endpoint {c.endpoint}")
    if key == "client_ip":
        try:
            nets = [ipaddress.ip_network(n, strict=False) for n in _strings(value, key)]
        except ValueError as exc:
            raise ValueError(f"not an IP address or network: {exc}") from None

        def by_ip(c: RuleContext) -> tuple[bool, str]:
            try:
                address = ipaddress.ip_address(c.client_ip)
            except ValueError:
                return False, f"client IP {c.client_ip!r}"
            return any(address in n for n in nets), f"client IP {c.client_ip}"

        return by_ip
    if key == "scheduled":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return lambda c: (c.scheduled == value, f"scheduled={c.scheduled}")
    raise KeyError(key)


FIELD_KEYS: Final = (
    "user_id", "mobile", "mobile_prefix", "mobile_regex", "header", "lang",
    "message_contains", "message_regex", "min_parts", "max_parts", "method", "endpoint",
    "client_ip", "scheduled",
)  # fmt: skip
COUNTER_KEYS: Final = ("nth", "every", "after", "probability")
MATCH_KEYS: Final = FIELD_KEYS + COUNTER_KEYS
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


def _parse_rate_limit(value: Any) -> RateLimit:
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


RULE_KEYS: Final = ("name", "match", "action", "times", "priority")


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

    @property
    def final(self) -> bool:
        return (
            self.rate_limit is not None
            or self.code is not None
            or self.http_status is not None
            or self.body is not None
            or self.hang
            or self.drop
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ACTION_KEYS:
            value = getattr(self, key)
            if key == "hang_ms" and not self.hang:
                continue
            if isinstance(value, RateLimit):
                out[key] = value.to_json()
            elif value not in (None, False, 0) or (key == "code" and value == 0):
                out[key] = value
        return out


def _parse_action(data: Any, fail: Callable[[str, str], RuleError]) -> Action:
    if not isinstance(data, Mapping):
        raise fail("action", "must be a mapping such as {code: 4}")
    unknown = sorted(set(data) - set(ACTION_KEYS))
    if unknown:
        raise fail(f"action.{unknown[0]}", f"unknown action key (known: {', '.join(ACTION_KEYS)})")
    values: dict[str, Any] = {}
    for key, value in data.items():
        try:
            if key in ("code", "http_status", "delay_ms", "hang_ms"):
                values[key] = _whole(value, key)
            elif key in ("hang", "drop"):
                if not isinstance(value, bool):
                    raise ValueError("must be true or false")
                values[key] = value
            elif key == "rate_limit":
                values[key] = _parse_rate_limit(value)
            elif key == "delivery":
                if value not in DELIVERY_ACTIONS:
                    raise ValueError(f"must be one of {', '.join(DELIVERY_ACTIONS)}")
                values[key] = value
            else:
                values[key] = _text(value, key)
        except ValueError as exc:
            raise fail(f"action.{key}", str(exc)) from None
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


@dataclass
class Rule:
    id: int
    name: str | None
    match: dict[str, Any]
    action: Action
    priority: int = 0
    times: int | None = None
    source: str = "api"
    scope: str | None = None
    """The scope a run-time rule belongs to ("" unscoped); None (file rules): every scope."""
    predicates: list[tuple[str, Predicate]] = field(default_factory=list, repr=False)
    seen: int = 0
    hits: int = 0
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        return f"{self.name} (#{self.id})" if self.name else f"#{self.id}"

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(self.times - self.hits, 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "priority": self.priority,
            "times": self.times,
            "remaining": self.remaining,
            "match": dict(self.match),
            "action": self.action.to_json(),
            "hits": self.hits,
            "seen": self.seen,
            "source": self.source,
            "scope": self.scope,
        }

    def visible_to(self, scope: str | None) -> bool:
        return scope is None or self.scope is None or self.scope == scope

    def check(self, ctx: RuleContext, rng: Random) -> tuple[bool, str]:
        """Whether this request makes the rule fire, and why not when it does not.

        Counters advance only for requests that satisfy the field keys."""
        for key, predicate in self.predicates:
            ok, seen_value = predicate(ctx)
            if not ok:
                return False, f"{key}: {seen_value} does not match {self.match[key]!r}"
        self.seen += 1
        m = self.match
        if "nth" in m and self.seen != m["nth"]:
            return False, f"nth: this is matching request {self.seen}, not {m['nth']}"
        if "every" in m and self.seen % m["every"] != 0:
            return False, f"every: matching request {self.seen} is not a multiple of {m['every']}"
        if "after" in m and self.seen <= m["after"]:
            return False, f"after: matching request {self.seen} is not after {m['after']}"
        if "probability" in m and rng.random() >= m["probability"]:
            return False, f"probability: the draw missed {m['probability']}"
        limit = self.action.rate_limit
        if limit is not None and self._take_token(limit, ctx):
            return False, f"rate_limit: within {limit.rate:g}/s (burst {limit.burst})"
        return True, "matched"

    def _take_token(self, limit: RateLimit, ctx: RuleContext) -> bool:
        """Refill the caller's bucket up to ``now`` and take one token if there is one."""
        key = limit.key(ctx)
        now = ctx.now.timestamp()
        tokens, last = self.buckets.get(key, (float(limit.burst), now))
        tokens = min(float(limit.burst), tokens + max(now - last, 0.0) * limit.rate)
        allowed = tokens >= 1.0
        self.buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        return allowed


def parse_rule(data: Any, *, rule_id: int, source: str, index: int | None = None) -> Rule:
    """A rule from its YAML/JSON shape, or a :class:`RuleError` naming the field."""
    label = f"#{index}" if index is not None else "(new)"
    if isinstance(data, Mapping) and isinstance(data.get("name"), str):
        label = f"{data['name']!r}" + (f" (#{index})" if index is not None else "")

    def fail(field_name: str, message: str) -> RuleError:
        return RuleError(source, label, field_name, message)

    if not isinstance(data, Mapping):
        raise fail("rule", "must be a mapping with match and action")
    unknown = sorted(set(data) - set(RULE_KEYS))
    if unknown:
        raise fail(unknown[0], f"unknown rule key (known: {', '.join(RULE_KEYS)})")
    if "action" not in data:
        raise fail("action", "is required")
    action = _parse_action(data["action"], fail)
    match = data.get("match") or {}
    if not isinstance(match, Mapping):
        raise fail("match", "must be a mapping ({} matches every request)")
    predicates: list[tuple[str, Predicate]] = []
    clean: dict[str, Any] = {}
    for key, value in match.items():
        try:
            if key in ("nth", "every"):
                clean[key] = _whole(value, key, 1)
            elif key == "after":
                clean[key] = _whole(value, key, 0)
            elif key == "probability":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError("must be a number from 0 to 1")
                if not 0 <= value <= 1:
                    raise ValueError("must be a number from 0 to 1")
                clean[key] = float(value)
            else:
                predicates.append((key, _build_predicate(key, value)))
                clean[key] = value
        except KeyError:
            raise fail(
                f"match.{key}", f"unknown match key (known: {', '.join(MATCH_KEYS)})"
            ) from None
        except ValueError as exc:
            raise fail(f"match.{key}", str(exc)) from None
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise fail("name", "must be a string")
    try:
        priority = int(data.get("priority", 0)) if not isinstance(data.get("priority"), bool) else 0
    except (TypeError, ValueError):
        raise fail("priority", "must be a whole number") from None
    times = data.get("times")
    if times is not None:
        try:
            times = _whole(times, "times", 1)
        except ValueError as exc:
            raise fail("times", str(exc)) from None
    return Rule(rule_id, name, clean, action, priority, times, source, predicates=predicates)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the rules decided for one request: a total delay and maybe a final action."""

    delay_ms: int = 0
    action: Action | None = None
    rule: Rule | None = None
    delayed_by: tuple[str, ...] = ()
    """Labels of the non-final rules that fired (delays, delivery states)."""
    delivery: str | None = None

    @property
    def fired(self) -> tuple[str, ...]:
        return (*self.delayed_by, self.rule.label) if self.rule else self.delayed_by


NO_OUTCOME: Final = Outcome()


class RuleSet:
    """The rules of one emulator: configured ones (files) and ones added at run time."""

    def __init__(self, configured: Iterable[tuple[Any, str]] = ()) -> None:
        self._configured = list(configured)
        self._rules: list[Rule] = []
        self._next_id = 1
        self.reset()

    def reset(self, scope: str | None = None) -> None:
        """Back to the configured rules, counters at zero; rules added at run time are gone.
        Ids keep counting up, so a stale id never names a new rule. With a scope: only that
        scope's run-time rules are removed."""
        if scope is not None:
            self._rules = [r for r in self._rules if r.scope != scope]
            return
        self._rules = []
        counts: dict[str, int] = {}
        for data, source in self._configured:
            counts[source] = counts.get(source, 0) + 1
            rule = parse_rule(data, rule_id=self._next_id, source=source, index=counts[source])
            self._next_id += 1
            self._insert(rule)

    def _insert(self, rule: Rule) -> Rule:
        self._rules.append(rule)
        self._rules.sort(key=lambda r: -r.priority)  # stable: ties keep insertion order
        return rule

    def add(self, data: Any, source: str = "api", scope: str = "") -> Rule:
        rule = parse_rule(data, rule_id=self._next_id, source=source)
        rule.scope = scope
        self._next_id += 1
        return self._insert(rule)

    def remove(self, rule_id: int, scope: str | None = None) -> bool:
        """Remove a rule (only one visible to ``scope`` when given)."""
        before = len(self._rules)
        self._rules = [r for r in self._rules if not (r.id == rule_id and r.visible_to(scope))]
        return len(self._rules) != before

    def clear(self, scope: str | None = None) -> None:
        """Remove the rules added at run time (of ``scope`` when given); file rules stay."""
        self._rules = [
            r for r in self._rules if r.scope is None or (scope is not None and r.scope != scope)
        ]

    def replace_source(self, source: str, rules: list[Any]) -> list[Rule]:
        """Swap the rules of one file for a new version of it (hot reload).

        Every rule is parsed first; a mistake raises :class:`RuleError` and changes nothing.
        The new rules start with fresh counters; other files' and run-time rules are kept."""
        parsed = [
            parse_rule(data, rule_id=self._next_id + i, source=source, index=i + 1)
            for i, data in enumerate(rules)
        ]
        self._next_id += len(parsed)
        self._configured = [c for c in self._configured if c[1] != source]
        self._configured.extend((data, source) for data in rules)
        self._rules = [r for r in self._rules if not (r.scope is None and r.source == source)]
        for rule in parsed:
            self._insert(rule)
        return parsed

    def all(self, scope: str | None = None) -> list[Rule]:
        """The rules in force (those visible to ``scope`` when given)."""
        return [r for r in self._rules if r.visible_to(scope)]

    def __bool__(self) -> bool:
        return bool(self._rules)

    def evaluate(self, ctx: RuleContext, rng: Random) -> Outcome:
        if not self._rules:
            return NO_OUTCOME
        delay = 0
        delayed_by: list[str] = []
        delivery = None
        for rule in list(self._rules):
            if not rule.visible_to(ctx.scope):
                continue
            fired, _ = rule.check(ctx, rng)
            if not fired:
                continue
            rule.hits += 1
            if rule.times is not None and rule.hits >= rule.times:
                self.remove(rule.id)
            delay += rule.action.delay_ms
            if rule.action.final:
                return Outcome(delay, rule.action, rule, tuple(delayed_by))
            delayed_by.append(rule.label)
            delivery = delivery or rule.action.delivery
        if not delayed_by:
            return NO_OUTCOME
        return Outcome(delay, None, None, tuple(delayed_by), delivery)

    def explain(self, ctx: RuleContext) -> list[dict[str, Any]]:
        """Why each rule would or would not fire on its field keys (counters not advanced)."""
        out = []
        for rule in self._rules:
            reason = "field keys match"
            for key, predicate in rule.predicates:
                ok, seen_value = predicate(ctx)
                if not ok:
                    reason = f"{key}: {seen_value} does not match {rule.match[key]!r}"
                    break
            out.append({"id": rule.id, "name": rule.name, "reason": reason})
        return out
