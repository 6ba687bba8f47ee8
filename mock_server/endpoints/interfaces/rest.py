"""The REST interface: ``POST /RestApi/api/SMS/PostSMS``, read as ASP.NET Web API reads it.

**The body.** JSON (``application/json`` or ``text/json``) is read as Json.NET reads it, which
is lenient: single-quoted strings, unquoted property names and numbers where strings are
expected (PCVMS builds ``{'UserID': '...', 'MobileNo' : [96891234567], ...}`` by hand), as
well as comments, trailing commas, hexadecimal numbers, ``NaN`` and ``Infinity``. The
:mod:`pyjson5` library (JSON5, compiled) reads that same superset of JSON, at most 64 levels
deep as Json.NET; with ``lenient_json`` off only RFC 8259 JSON is read. Property names match
case-insensitively, and the last of a repeated one wins, as Json.NET binds them. A number,
``true`` or ``false`` where a string is expected reads as its text. A form body
(``application/x-www-form-urlencoded``, phpawcom's Laravel client) is read with the same names
(``form_body`` setting).

**The fields.** ``MobileNo`` is an array of numbers (strings or JSON numbers), or one string
holding one or more numbers joined by commas (a form body's ``MobileNo``, ``MobileNo[]`` or
``MobileNo[0]``, repeated or not). ``ScheddateTime`` is read as .NET's ``DateTime.Parse``
reads it (``MM/dd/yyyy HH:mm:ss``, the date alone, ``M/d/yyyy h:mm:ss tt``, ISO); absent,
empty, past or unreadable means "send now" (an unreadable one is noted in the journal's
reason, or answered with the form API's code 16 under ``schedule_strict``).

**The answer.** A JSON object, ``{"Code": <number>, "Message": "<text>"}``, with HTTP 201 for
a success (Wadiaa's client checks for exactly 201). Which status an error gets is unknown: the
``error_status`` setting, 201 by default (the Python client handles codes 3, 8, 9, 18 and 23
only on a 2xx). A body that cannot be read at all answers code 15. A request Web API would
refuse before the action runs (another media type, another method) gets Web API's own
``{"Message": ...}`` error with 415 or 405.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import pyjson5

from ismart_sms_kit.mock_server.endpoints.interfaces.send import WebServiceSend, split_numbers
from ismart_sms_kit.mock_server.endpoints.request import text_charset
from ismart_sms_kit.mock_server.params import Params, parse_urlencoded
from ismart_sms_kit.protocol.interfaces import REST, describe
from ismart_sms_kit.protocol.spec import REST_PATH, ReturnCode
from ismart_sms_kit.protocol.validation import Finding, Limits, parse_push_datetime

PATH: Final = REST_PATH
JSON_TYPES: Final = frozenset({"application/json", "text/json"})
FORM_TYPE: Final = "application/x-www-form-urlencoded"
FIELDS: Final = (
    "UserID",
    "Password",
    "Message",
    "Language",
    "MobileNo",
    "RecipientType",
    "ScheddateTime",
)
_LENIENT_DATES: Final = Limits(push_datetime_lenient=True)


@dataclass(frozen=True)
class RestOptions:
    """How the REST endpoint reads and answers (its per-endpoint settings)."""

    lenient_json: bool = True
    form_body: bool = True
    schedule_strict: bool = False
    error_status: int = 201


class WebApiRefusal(Exception):
    """A request ASP.NET Web API refuses before the action runs: ``status`` and Web API's
    ``{"Message": ...}`` body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> bytes:
        return json.dumps({"Message": self.message}, separators=(",", ":")).encode()


class Unreadable(Exception):
    """A body no model can be bound from (not JSON, not an object, a field of the wrong
    type): answered with code 15."""


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def check_method(method: str) -> None:
    if method != "POST":
        raise WebApiRefusal(405, f"The requested resource does not support http method '{method}'.")


def read(body: bytes, content_type: str, options: RestOptions = RestOptions()) -> WebServiceSend:
    """The send in a PostSMS body; raises :class:`WebApiRefusal` or :class:`Unreadable`."""
    media = media_type(content_type)
    if media in JSON_TYPES:
        return _from_json(_decode(body, content_type), options)
    if media == FORM_TYPE and options.form_body:
        return _from_form(parse_urlencoded(body, _charset(content_type) or "utf-8"), options)
    shown = media or "application/octet-stream"
    raise WebApiRefusal(
        415, f"The request entity's media type '{shown}' is not supported for this resource."
    )


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip():
            # a non-text codec (rot13, base64, hex, zlib...), idna or an unknown name: UTF-8,
            # as on the form API (text_charset)
            return text_charset(value.strip().strip('"'))
    return None


def _decode(body: bytes, content_type: str) -> str:
    """The body's text: its byte-order mark first, then the declared charset, then UTF-8."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(encoding, "replace")
    return body.decode(_charset(content_type) or "utf-8", "replace")


def _text(value: Any, name: str) -> str | None:
    """A JSON value bound to a string property, as Json.NET converts it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # over Python's 4,300 digits (a lenient hex number): Json.NET's
            raise Unreadable(f"{name}: a number too large to read") from None  # overflow too
    if isinstance(value, float):
        return str(value) if math.isfinite(value) else ("NaN" if math.isnan(value) else "Infinity")
    raise Unreadable(f"{name}: a JSON {type(value).__name__} where a string was expected")


def _parse_json(text: str, lenient: bool) -> Any:
    if not text.strip():
        raise Unreadable("the body is empty")
    try:
        if lenient:
            return pyjson5.decode(text, maxdepth=_MAX_DEPTH)
        return json.loads(text)
    except (pyjson5.Json5Exception, ValueError, RecursionError) as exc:
        how = "JSON as Json.NET reads it" if lenient else "strict JSON"
        message = exc.args[0] if isinstance(exc, pyjson5.Json5Exception) else exc
        raise Unreadable(f"the body is not {how}: {message}") from None


_MAX_DEPTH: Final = 64
"""Json.NET's own default ``MaxDepth`` is 64."""


def _from_json(text: str, options: RestOptions) -> WebServiceSend:
    data = _parse_json(text, options.lenient_json)
    if not isinstance(data, Mapping):
        raise Unreadable(f"the body is a JSON {type(data).__name__}, not an object")
    values: dict[str, Any] = {}
    for key, value in data.items():  # case-insensitive; the last of a repeated name wins
        values[str(key).lower()] = value
    mobile = values.get("mobileno")
    notes: list[str] = []
    if isinstance(mobile, list):
        numbers = split_numbers(_text(v, "MobileNo") or "" for v in mobile)
    else:
        text_value = _text(mobile, "MobileNo")
        numbers = split_numbers([text_value or ""])
        if text_value is not None:
            notes.append("MobileNo read as a comma-separated string")
    return _send(lambda name: _text(values.get(name.lower()), name), numbers, notes, options)


_ARRAY_NAME: Final = re.compile(r"mobileno\[[0-9]*\]\Z", re.IGNORECASE)


def _from_form(params: Params, options: RestOptions) -> WebServiceSend:
    values = {k.lower(): v for k, v in params.items()}
    numbers: list[str] = []
    for name, value in params.items():
        if name.lower() == "mobileno" or _ARRAY_NAME.match(name):
            numbers.extend(split_numbers([value]))
    notes = ["read from a form body"]
    return _send(lambda name: values.get(name.lower()), numbers, notes, options)


def _send(
    text: Callable[[str], str | None],
    numbers: list[str],
    notes: list[str],
    options: RestOptions,
) -> WebServiceSend:
    send = WebServiceSend(
        user_id=text("UserID"),
        password=text("Password"),
        message=text("Message"),
        language=text("Language"),
        numbers=numbers,
        recipient_type=text("RecipientType"),
        notes=notes,
        schedule_text=text("ScheddateTime"),
    )
    raw = send.schedule_text
    when = read_schedule(raw)
    if isinstance(when, Finding):
        if options.schedule_strict:
            send.unreadable_schedule = raw
        else:
            send.notes.append(f"ScheddateTime {raw!r} unreadable, sent now")
    else:
        send.schedule = when
    return send


def read_schedule(raw: str | None) -> datetime | Finding | None:
    """``ScheddateTime`` as gateway-local time (None: absent or empty, send now), or why it
    cannot be read."""
    return parse_push_datetime(raw, _LENIENT_DATES)


def answer(code: int, options: RestOptions = RestOptions()) -> tuple[int, bytes]:
    """The HTTP status and JSON body of the answer ``code``."""
    return status(code, options), json.dumps(
        {"Code": code, "Message": message(code)}, separators=(",", ":"), ensure_ascii=False
    ).encode()


def status(code: int, options: RestOptions = RestOptions()) -> int:
    """The HTTP status of the answer ``code``: 201 for 1, else ``error_status``."""
    return 201 if code == ReturnCode.PUSHED else options.error_status


def message(code: int) -> str:
    """The ``Message`` of an answer (:func:`.codes.describe` on REST)."""
    return describe(code, REST)
