"""``/_mock/api/metrics``: counters in the Prometheus text format (version 0.0.4).

Counters are bumped by the storage in the same transaction that journals each request, never
derived from the journal or the store, so they stay true when the caps drop old entries and
when several workers share a SQLite state. They are not cleared by ``POST /_mock/api/reset``
(a counter only goes up; with ``--state sqlite:PATH`` they live in the state file). The format
is a few lines of text; writing it here avoids a dependency for it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ismart_sms_kit.mock_server.state.model import CounterKey

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f'{name}="{_escape(value)}"' for name, value in pairs)
    return "{" + inner + "}" if inner else ""


def _of(counters: dict[CounterKey, int], kind: str) -> list[tuple[tuple[str, ...], int]]:
    return sorted((key[1:], n) for key, n in counters.items() if key[0] == kind)


def render(counters: dict[CounterKey, int], *, messages_stored: int, rules_active: int) -> str:
    lines: list[str] = []

    def family(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(f"{name}{labels} {value:g}" for labels, value in samples)

    family(
        "ismart_requests_total",
        "counter",
        "Gateway requests by endpoint, return code (none: no code answered) and HTTP status.",
        [
            (_labels(zip(("endpoint", "code", "http_status"), key, strict=True)), n)
            for key, n in _of(counters, "requests")
        ],
    )
    family(
        "ismart_messages_stored",
        "gauge",
        "Messages in the store now.",
        [("", messages_stored)],
    )
    dropped = dict(_of(counters, "dropped"))
    family(
        "ismart_dropped_total",
        "counter",
        "Entries dropped by the caps, oldest first.",
        [(_labels([("store", name)]), dropped.get((name,), 0)) for name in ("journal", "messages")],
    )
    family(
        "ismart_rules_fired_total",
        "counter",
        "Fault rules that fired, by rule.",
        [(_labels([("rule", key[0])]), n) for key, n in _of(counters, "rules_fired")],
    )
    family("ismart_rules_active", "gauge", "Fault rules in force now.", [("", rules_active)])
    family(
        "ismart_client_disconnects_total",
        "counter",
        "Clients gone before their request was whole (not answered, not journaled), by endpoint.",
        [(_labels([("endpoint", key[0])]), n) for key, n in _of(counters, "disconnects")],
    )
    return "\n".join(lines) + "\n"
