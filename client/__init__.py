"""Client side of the iSmart SMS gateway: the protocol, segmenting, validation, the HTTP client.

    from client import IsmartClient

    with IsmartClient("user", "secret", header="AnyHeader") as sms:
        result = sms.send("+968 9912 3456", "Your code is 1234")
        result.raise_for_code()

The README's section "The client" documents the API, the errors, the retries and the CLI.
"""

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
