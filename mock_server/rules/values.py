"""Reading a rule's YAML/JSON values: :class:`RuleError` (which names the source, the rule and
the field) and the type checks every part of a rule shares."""

from __future__ import annotations

import re
from typing import Any


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


def text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a string")
    return str(value)


def regex(value: Any) -> re.Pattern[str]:
    try:
        return re.compile(text(value))
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None


def whole(value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"must be a whole number >= {minimum}")
    return value


def strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [text(v) for v in value]
    return [text(value)]
