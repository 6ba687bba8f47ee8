"""The rule engine alone: parsing with errors that name the field, matching, counters."""

from __future__ import annotations

from datetime import datetime, timezone
from random import Random

import pytest

from ismart_sms_kit.mock_server.params import parse_urlencoded
from ismart_sms_kit.mock_server.rules.matchers import RuleContext
from ismart_sms_kit.mock_server.rules.rule import parse_rule
from ismart_sms_kit.mock_server.rules.ruleset import RuleSet
from ismart_sms_kit.mock_server.rules.values import RuleError

GST = timezone.utc


def ctx(query: str, method: str = "POST", ip: str = "127.0.0.1") -> RuleContext:
    return RuleContext(
        parse_urlencoded(query),
        method=method,
        endpoint="SMSDynamicRefIntlAPI",
        client_ip=ip,
        now=datetime(2026, 1, 1, tzinfo=timezone.utc),
        gateway_tz=GST,
    )


SAMPLE = "UserId=u&MobileNo=96899123456,96812345678&Header=H&Lang=0&Message=hello+world"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"match": {}}, "action"),
        ({"action": {"code": "x"}}, "action.code"),
        ({"action": {"code": 4, "drop": True}}, "action.drop"),
        ({"action": {"explode": True}}, "action.explode"),
        ({"action": {"http_status": 999}}, "action.http_status"),
        ({"action": {"hang_ms": 5}}, "action.hang_ms"),
        ({"action": {"content_type": "text/html", "code": 4}}, "action.content_type"),
        ({"action": {}}, "action"),
        ({"action": {"code": 4}, "match": {"mobile_regex": "("}}, "match.mobile_regex"),
        ({"action": {"code": 4}, "match": {"colour": "red"}}, "match.colour"),
        ({"action": {"code": 4}, "match": {"probability": 2}}, "match.probability"),
        ({"action": {"code": 4}, "match": {"nth": 0}}, "match.nth"),
        ({"action": {"code": 4}, "match": {"client_ip": "not-an-ip"}}, "match.client_ip"),
        ({"action": {"code": 4}, "times": 0}, "times"),
        ({"action": {"code": 4}, "when": "now"}, "when"),
    ],
)
def test_a_mistake_names_the_source_rule_and_field(rule: dict[str, object], field: str) -> None:
    with pytest.raises(RuleError) as info:
        parse_rule({"name": "r", **rule}, rule_id=1, source="file.yaml", index=2)
    assert info.value.field == field
    assert str(info.value).startswith("file.yaml: rule 'r' (#2): " + field)


@pytest.mark.parametrize(
    ("match", "fires"),
    [
        ({}, True),
        ({"user_id": "u"}, True),
        ({"user_id": "v"}, False),
        ({"mobile": "96812345678"}, True),
        ({"mobile_prefix": "968123"}, True),
        ({"mobile_prefix": "97"}, False),
        ({"mobile_regex": r"9689\d+"}, True),
        ({"mobile_regex": r"9689"}, False),
        ({"header": "H"}, True),
        ({"lang": 0}, True),
        ({"lang": 64}, False),
        ({"message_contains": "world"}, True),
        ({"message_regex": "^hel+o"}, True),
        ({"min_parts": 2}, False),
        ({"max_parts": 1}, True),
        ({"method": "post"}, True),
        ({"method": "GET"}, False),
        ({"endpoint": "SMSDynamicRefIntlAPI.aspx"}, True),
        ({"endpoint": "SMSDynamicAPI"}, False),
        ({"client_ip": "127.0.0.0/8"}, True),
        ({"client_ip": "10.0.0.1"}, False),
        ({"scheduled": False}, True),
        ({"user_id": "u", "header": "X"}, False),
    ],
)
def test_field_keys(match: dict[str, object], fires: bool) -> None:
    rule = parse_rule({"match": match, "action": {"code": 4}}, rule_id=1, source="t")
    assert rule.check(ctx(SAMPLE), Random(0))[0] is fires


def test_scheduled_means_a_future_push_datetime() -> None:
    rule = parse_rule({"match": {"scheduled": True}, "action": {"code": 4}}, rule_id=1, source="t")
    assert rule.check(ctx(SAMPLE + "&PushDateTime=01/02/2026+10:00:00"), Random(0))[0]
    assert not rule.check(ctx(SAMPLE + "&PushDateTime=12/31/2025+10:00:00"), Random(0))[0]


def test_a_miss_explains_itself() -> None:
    rule = parse_rule({"match": {"header": "PROMO"}, "action": {"code": 4}}, rule_id=1, source="t")
    fired, why = rule.check(ctx(SAMPLE), Random(0))
    assert not fired
    assert why == "header: header 'H' does not match 'PROMO'"


def fire_pattern(match: dict[str, object], n: int = 8, seed: int = 0) -> list[bool]:
    rules = RuleSet()
    rules.add({"match": match, "action": {"code": 4}})
    rng = Random(seed)
    return [rules.evaluate(ctx(SAMPLE), rng).action is not None for _ in range(n)]


def test_counters() -> None:
    assert fire_pattern({"nth": 3}) == [False, False, True, False, False, False, False, False]
    assert fire_pattern({"every": 3}) == [False, False, True, False, False, True, False, False]
    assert fire_pattern({"after": 5}) == [False] * 5 + [True] * 3


def test_counters_only_count_requests_matching_the_field_keys() -> None:
    rules = RuleSet()
    rules.add({"match": {"header": "H", "nth": 2}, "action": {"code": 4}})
    rng = Random(0)
    other = SAMPLE.replace("Header=H", "Header=X")
    results = [rules.evaluate(ctx(q), rng).action is not None for q in (SAMPLE, other, SAMPLE)]
    assert results == [False, False, True]


def test_probability_is_reproducible_from_the_seed() -> None:
    first = fire_pattern({"probability": 0.5}, n=64, seed=7)
    assert first == fire_pattern({"probability": 0.5}, n=64, seed=7)
    assert first != fire_pattern({"probability": 0.5}, n=64, seed=8)
    assert 16 < sum(first) < 48


def test_times_expires_and_priority_orders() -> None:
    rules = RuleSet()
    low = rules.add({"name": "low", "action": {"code": 4}})
    rules.add({"name": "high", "priority": 5, "times": 2, "action": {"code": 7}})
    rng = Random(0)
    codes = [rules.evaluate(ctx(SAMPLE), rng).action.code for _ in range(4)]  # type: ignore[union-attr]
    assert codes == [7, 7, 4, 4]
    assert [r.id for r in rules.all()] == [low.id]


def test_delay_rules_are_not_final_and_add_up() -> None:
    rules = RuleSet()
    rules.add({"action": {"delay_ms": 100}})
    rules.add({"action": {"delay_ms": 50}})
    rules.add({"match": {"header": "H"}, "action": {"code": 4}})
    outcome = rules.evaluate(ctx(SAMPLE), Random(0))
    assert outcome.delay_ms == 150
    assert outcome.action is not None and outcome.action.code == 4


def test_reset_restores_configured_rules_and_forgets_api_rules() -> None:
    rules = RuleSet([({"name": "file", "action": {"code": 4}, "times": 1}, "f.yaml")])
    rules.add({"name": "api", "action": {"code": 5}})
    assert rules.evaluate(ctx(SAMPLE), Random(0)).action is not None
    assert [r.name for r in rules.all()] == ["api"]
    rules.reset()
    assert [(r.name, r.source, r.hits) for r in rules.all()] == [("file", "f.yaml", 0)]
