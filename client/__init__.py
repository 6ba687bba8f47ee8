"""Client side of the iSmart SMS gateway: the protocol, segmenting, validation, the HTTP client.

    from ismart_sms_kit.client import IsmartClient

    with IsmartClient("user", "secret", header="AnyHeader") as sms:
        result = sms.send("+968 9912 3456", "Your code is 1234")
        result.raise_for_code()

docs/client.md documents the API, the errors, the retries and the CLI.
"""

from __future__ import annotations

# The emulator imports nothing from here (its protocol facts live in ismart_sms_kit.protocol),
# so importing the client eagerly, ``requests`` included, costs the emulator nothing.
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
from ismart_sms_kit.client.results import ChunkResult, Outcome, SendResult
from ismart_sms_kit.client.retry import HTTP_5XX, RetryPolicy
from ismart_sms_kit.protocol.segments import Encoding, Segments
from ismart_sms_kit.protocol.segments import count as count_segments
from ismart_sms_kit.protocol.spec import ReturnCode, describe
from ismart_sms_kit.protocol.validation import Limits

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
