"""``/_mock/api/metrics``: counters in the Prometheus text format (version 0.0.4).

Counters are kept by the backend as each request is journalled, never derived from the
journal or the store, so they stay true when the caps drop old entries, and they are not
cleared by ``POST /_mock/api/reset`` (a counter only goes up for the life of the process).
The format is a few lines of text; writing it here avoids a dependency for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f'{name}="{_escape(value)}"' for name, value in pairs)
    return "{" + inner + "}" if inner else ""


class Metrics:
    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, str]] = Counter()  # endpoint, code, http_status
        self.rules_fired: Counter[str] = Counter()

    def render(self, *, messages_stored: int, dropped: dict[str, int], rules_active: int) -> str:
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
                (_labels([("endpoint", ep), ("code", code), ("http_status", status)]), n)
                for (ep, code, status), n in sorted(self.requests.items())
            ],
        )
        family(
            "ismart_messages_stored",
            "gauge",
            "Messages in the store now.",
            [("", messages_stored)],
        )
        family(
            "ismart_dropped_total",
            "counter",
            "Entries dropped by the caps, oldest first.",
            [(_labels([("store", name)]), n) for name, n in sorted(dropped.items())],
        )
        family(
            "ismart_rules_fired_total",
            "counter",
            "Fault rules that fired, by rule.",
            [(_labels([("rule", label)]), n) for label, n in sorted(self.rules_fired.items())],
        )
        family("ismart_rules_active", "gauge", "Fault rules in force now.", [("", rules_active)])
        return "\n".join(lines) + "\n"
