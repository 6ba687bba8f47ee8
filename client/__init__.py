"""Client side of the iSmart SMS gateway: the protocol, segmenting, validation, the HTTP client.

    from ismart_sms_kit.client import IsmartClient

    with IsmartClient("user", "secret", header="AnyHeader") as sms:
        result = sms.send("+968 9912 3456", "Your code is 1234")
        result.raise_for_code()

docs/client.md documents the API, the errors, the retries and the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ismart_sms_kit.client.errors import (
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
    from ismart_sms_kit.client.http import DEFAULT_TIMEOUT, IsmartClient, send_url
    from ismart_sms_kit.client.numbers import normalize_number, normalize_numbers
    from ismart_sms_kit.client.prepare import MUSCAT, CheckResult, Chunk, check, format_push_at
    from ismart_sms_kit.client.protocol import ReturnCode, describe
    from ismart_sms_kit.client.results import ChunkResult, Outcome, SendResult
    from ismart_sms_kit.client.retry import HTTP_5XX, RetryPolicy
    from ismart_sms_kit.client.segments import Encoding, Segments
    from ismart_sms_kit.client.segments import count as count_segments
    from ismart_sms_kit.client.validation import Limits

# Loaded on first use (PEP 562): the emulator imports ``ismart_sms_kit.client.protocol`` and
# friends and
# should not pay for ``requests`` at start-up.
_WHERE = {
    **dict.fromkeys(
        ("AuthError", "CreditError", "GatewayError", "InvalidRequestError", "IsmartError",
         "OptedOutError", "TransportError", "error_class", "raise_for_code"),
        "ismart_sms_kit.client.errors",
    ),
    **dict.fromkeys(("DEFAULT_TIMEOUT", "IsmartClient", "send_url"), "ismart_sms_kit.client.http"),
    **dict.fromkeys(("normalize_number", "normalize_numbers"), "ismart_sms_kit.client.numbers"),
    **dict.fromkeys(
        ("MUSCAT", "CheckResult", "Chunk", "check", "format_push_at"),
          "ismart_sms_kit.client.prepare"
    ),
    **dict.fromkeys(("ReturnCode", "describe"), "ismart_sms_kit.client.protocol"),
    **dict.fromkeys(("ChunkResult", "Outcome", "SendResult"), "ismart_sms_kit.client.results"),
    **dict.fromkeys(("HTTP_5XX", "RetryPolicy"), "ismart_sms_kit.client.retry"),
    **dict.fromkeys(("Encoding", "Segments"), "ismart_sms_kit.client.segments"),
    "Limits": "ismart_sms_kit.client.validation",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name == "count_segments":
        return importlib.import_module("ismart_sms_kit.client.segments").count
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
