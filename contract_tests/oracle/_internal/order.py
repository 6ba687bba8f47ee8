"""The validation order: each step, the codes it answers, the documented order."""

from __future__ import annotations

from typing import Final

STEP_CODES: Final[dict[str, tuple[int, ...]]] = {
    "request": (15,),
    "client_ip": (20,),
    "oman": (21,),
    "company": (2,),
    "web_service": (17,),
    "password": (3, 12),
    "blocked": (12,),
    "inactive": (7,),
    "account_expired": (13,),
    "api_expired": (25,),
    "http_get": (18,),
    "mobile": (8, 9),
    "message_blank": (5,),
    "lang": (10,),
    "length": (6,),
    "push_datetime": (16,),
    "header": (19,),
    "flash": (22,),
    "credit_expired": (14,),
    "credit": (4,),
}
"""Each check of the order and the codes it can answer (the spec's return-code table)."""


DEFAULT_ORDER: Final = (
    "request", "client_ip", "oman", "company", "web_service", "password", "blocked", "inactive",
    "account_expired", "api_expired", "http_get", "mobile", "message_blank", "lang", "length",
    "push_datetime", "header", "credit_expired", "credit",
)  # fmt: skip
"""The documented validation order (docs/emulator.md; an assumption, A-ORDER;
``--ismart-order`` changes it). The kit keeps its own copy, so that the emulator's order is
under test too; ``tests/test_docs.py`` holds it, the emulator's and the docs' to one another."""


ACCOUNT_STEPS: Final = frozenset(
    {
        "client_ip",
        "oman",
        "company",
        "web_service",
        "password",
        "blocked",
        "inactive",
        "account_expired",
        "api_expired",
        "http_get",
        "header",
        "flash",
        "credit_expired",
        "credit",
    }
)


def parse_order(text: str) -> tuple[str, ...]:
    """A comma-separated validation order, checked: every step known, once, ``request`` first.
    Steps left out are appended in their default relative order."""
    steps = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in steps if s not in STEP_CODES]
    if unknown:
        raise ValueError(f"unknown step(s) {unknown}; known: {', '.join(STEP_CODES)}")
    if len(set(steps)) != len(steps):
        raise ValueError("a step is listed twice")
    if not steps or steps[0] != "request":
        raise ValueError("the first step must be 'request' (a malformed request answers 15)")
    return steps + tuple(s for s in DEFAULT_ORDER if s not in steps)
