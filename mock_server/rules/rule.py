"""One rule: ``match`` + ``action`` (+ ``name``, ``priority``, ``times``), parsed from YAML or
JSON (:func:`parse_rule`), with its counters and its rate-limit buckets (:class:`Rule`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from random import Random
from typing import Any, Final

from ismart_sms_kit.mock_server.rules.actions import Action, RateLimit, parse_action
from ismart_sms_kit.mock_server.rules.matchers import FIELD_KEYS, MATCHERS, Predicate, RuleContext
from ismart_sms_kit.mock_server.rules.values import RuleError, whole

COUNTER_KEYS: Final = ("nth", "every", "after", "probability")
MATCH_KEYS: Final = FIELD_KEYS + COUNTER_KEYS
RULE_KEYS: Final = ("name", "match", "action", "times", "priority")


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


def _match_value(key: str, value: Any) -> Any:
    """A counter key's value (``nth``, ``every``, ``after``, ``probability``); KeyError for
    a key that is not one."""
    if key in ("nth", "every"):
        return whole(value, 1)
    if key == "after":
        return whole(value, 0)
    if key != "probability":
        raise KeyError(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError("must be a number from 0 to 1")
    return float(value)


def _parse_match(
    match: Any, fail: Callable[[str, str], RuleError]
) -> tuple[list[tuple[str, Predicate]], dict[str, Any]]:
    """A rule's ``match``: its field keys' predicates, and every key's value as checked."""
    if not isinstance(match, Mapping):
        raise fail("match", "must be a mapping ({} matches every request)")
    predicates: list[tuple[str, Predicate]] = []
    clean: dict[str, Any] = {}
    for key, value in match.items():
        try:
            if key in MATCHERS:
                predicates.append((key, MATCHERS[key](value)))
                clean[key] = value
            else:
                clean[key] = _match_value(key, value)
        except KeyError:
            raise fail(
                f"match.{key}", f"unknown match key (known: {', '.join(MATCH_KEYS)})"
            ) from None
        except ValueError as exc:
            raise fail(f"match.{key}", str(exc)) from None
    return predicates, clean


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
    action = parse_action(data["action"], fail)
    predicates, clean = _parse_match(data.get("match") or {}, fail)
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
            times = whole(times, 1)
        except ValueError as exc:
            raise fail("times", str(exc)) from None
    return Rule(rule_id, name, clean, action, priority, times, source, predicates=predicates)
