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

from collections.abc import Iterable
from dataclasses import dataclass
from random import Random
from typing import Any, Final

from ismart_sms_kit.mock_server.rules.actions import Action
from ismart_sms_kit.mock_server.rules.matchers import RuleContext
from ismart_sms_kit.mock_server.rules.rule import Rule, parse_rule


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
