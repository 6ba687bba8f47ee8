"""Match keys: one named factory per key (in the spirit of ``responses``' ``matchers.py``).

Each factory takes the key's value from the rule (raising ValueError for a bad one) and returns
a pure predicate over a :class:`RuleContext` giving ``(matched, what it saw)``, so that the
admin API can explain why a rule did not fire. :data:`MATCHERS` maps each key to its factory.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, Final

from ismart_sms_kit.mock_server.params import Params
from ismart_sms_kit.mock_server.rules.values import regex, strings, text, whole
from ismart_sms_kit.protocol.interfaces import FORM, INTERFACES
from ismart_sms_kit.protocol.segments import count
from ismart_sms_kit.protocol.validation import parse_push_datetime


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
        interface: str = FORM,
    ) -> None:
        self.params = params
        self.scope = scope
        self.interface = interface
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
Matcher = Callable[[Any], Predicate]
"""A match key's factory: the rule's value in, the predicate out."""


def user_id(value: Any) -> Predicate:
    want = strings(value)
    return lambda c: (c.raw("UserId") in want, f"user_id {c.raw('UserId')!r}")


def mobile(value: Any) -> Predicate:
    numbers = set(strings(value))
    return lambda c: (any(n in numbers for n in c.numbers), f"numbers {c.numbers}")


def mobile_prefix(value: Any) -> Predicate:
    prefixes = tuple(strings(value))
    return lambda c: (any(n.startswith(prefixes) for n in c.numbers), f"numbers {c.numbers}")


def mobile_regex(value: Any) -> Predicate:
    pattern = regex(value)
    return lambda c: (any(pattern.fullmatch(n) for n in c.numbers), f"numbers {c.numbers}")


def header(value: Any) -> Predicate:
    headers = strings(value)
    return lambda c: (c.raw("Header") in headers, f"header {c.raw('Header')!r}")


def lang(value: Any) -> Predicate:
    langs = [s.strip() for s in strings(value)]
    return lambda c: (c.raw("Lang").strip() in langs, f"lang {c.raw('Lang')!r}")


def message_contains(value: Any) -> Predicate:
    needle = text(value)
    return lambda c: (needle in c.raw("Message"), "message text")


def message_regex(value: Any) -> Predicate:
    pattern = regex(value)
    return lambda c: (pattern.search(c.raw("Message")) is not None, "message text")


def min_parts(value: Any) -> Predicate:
    low = whole(value)
    return lambda c: (c.parts >= low, f"{c.parts} parts")


def max_parts(value: Any) -> Predicate:
    high = whole(value)
    return lambda c: (c.parts <= high, f"{c.parts} parts")


def method(value: Any) -> Predicate:
    methods = {m.upper() for m in strings(value)}
    return lambda c: (c.method.upper() in methods, f"method {c.method}")


def endpoint(value: Any) -> Predicate:
    names = {
        e.lower().rsplit("/", 1)[-1].removesuffix(".aspx").removesuffix(".asmx")
        for e in strings(value)
    }
    return lambda c: (c.endpoint.lower() in names, f"endpoint {c.endpoint}")


def interface(value: Any) -> Predicate:
    """``form`` (the HTTP API), ``rest`` or ``soap``."""
    kinds = {k.lower() for k in strings(value)}
    unknown = sorted(kinds - set(INTERFACES))
    if unknown:
        raise ValueError(f"unknown interface {unknown} (known: {', '.join(INTERFACES)})")
    return lambda c: (c.interface in kinds, f"interface {c.interface}")


def client_ip(value: Any) -> Predicate:
    try:
        nets = [ipaddress.ip_network(n, strict=False) for n in strings(value)]
    except ValueError as exc:
        raise ValueError(f"not an IP address or network: {exc}") from None

    def by_ip(c: RuleContext) -> tuple[bool, str]:
        try:
            address = ipaddress.ip_address(c.client_ip)
        except ValueError:
            return False, f"client IP {c.client_ip!r}"
        return any(address in n for n in nets), f"client IP {c.client_ip}"

    return by_ip


def scheduled(value: Any) -> Predicate:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return lambda c: (c.scheduled == value, f"scheduled={c.scheduled}")


MATCHERS: Final[dict[str, Matcher]] = {
    "user_id": user_id,
    "mobile": mobile,
    "mobile_prefix": mobile_prefix,
    "mobile_regex": mobile_regex,
    "header": header,
    "lang": lang,
    "message_contains": message_contains,
    "message_regex": message_regex,
    "min_parts": min_parts,
    "max_parts": max_parts,
    "method": method,
    "endpoint": endpoint,
    "interface": interface,
    "client_ip": client_ip,
    "scheduled": scheduled,
}
FIELD_KEYS: Final = tuple(MATCHERS)
