"""Client side of the iSmart SMS gateway: the protocol, segmenting, validation, the HTTP client.

    from client import IsmartClient

    with IsmartClient("user", "secret", header="AnyHeader") as sms:
        result = sms.send("+968 9912 3456", "Your code is 1234")
        result.raise_for_code()

The README's section "The client" documents the API, the errors, the retries and the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from client.errors import (
        AuthError,
        CreditError,
        GatewayError,
        InvalidRequestError,
        IsmartError,
        OptedOutError,
        TransportError,
        error_class,
        raise_for_code,
    )
    from client.http import DEFAULT_TIMEOUT, IsmartClient, send_url
    from client.numbers import normalize_number, normalize_numbers
    from client.prepare import MUSCAT, CheckResult, Chunk, check, format_push_at
    from client.protocol import ReturnCode, describe
    from client.results import ChunkResult, Outcome, SendResult
    from client.retry import HTTP_5XX, RetryPolicy
    from client.segments import Encoding, Segments
    from client.segments import count as count_segments
    from client.validation import Limits

# Loaded on first use (PEP 562): the emulator imports ``client.protocol`` and friends and
# should not pay for ``requests`` at start-up.
_WHERE = {
    **dict.fromkeys(
        ("AuthError", "CreditError", "GatewayError", "InvalidRequestError", "IsmartError",
         "OptedOutError", "TransportError", "error_class", "raise_for_code"),
        "client.errors",
    ),
    **dict.fromkeys(("DEFAULT_TIMEOUT", "IsmartClient", "send_url"), "client.http"),
    **dict.fromkeys(("normalize_number", "normalize_numbers"), "client.numbers"),
    **dict.fromkeys(
        ("MUSCAT", "CheckResult", "Chunk", "check", "format_push_at"), "client.prepare"
    ),
    **dict.fromkeys(("ReturnCode", "describe"), "client.protocol"),
    **dict.fromkeys(("ChunkResult", "Outcome", "SendResult"), "client.results"),
    **dict.fromkeys(("HTTP_5XX", "RetryPolicy"), "client.retry"),
    **dict.fromkeys(("Encoding", "Segments"), "client.segments"),
    "Limits": "client.validation",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name == "count_segments":
        return importlib.import_module("client.segments").count
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'client' has no attribute {name!r}")


__all__ = [
    "DEFAULT_TIMEOUT",
    "HTTP_5XX",
    "MUSCAT",
    "AuthError",
    "CheckResult",
    "Chunk",
    "ChunkResult",
    "CreditError",
    "Encoding",
    "GatewayError",
    "InvalidRequestError",
    "IsmartClient",
    "IsmartError",
    "Limits",
    "OptedOutError",
    "Outcome",
    "RetryPolicy",
    "ReturnCode",
    "Segments",
    "SendResult",
    "TransportError",
    "check",
    "count_segments",
    "describe",
    "error_class",
    "format_push_at",
    "normalize_number",
    "normalize_numbers",
    "raise_for_code",
    "send_url",
]
