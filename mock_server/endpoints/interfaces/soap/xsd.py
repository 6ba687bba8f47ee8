"""XML Schema values as .NET reads them: ``xs:int`` (``XmlConvert.ToInt32``) and
``xs:dateTime`` (``XmlConvert.ToDateTime``). A value that does not parse raises
:class:`ValueError` with the .NET exception's text."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Final

_INT: Final = re.compile(r"[ \t\r\n]*([+-]?[0-9]+)[ \t\r\n]*\Z")


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML character data needs them: what ``xml.sax.saxutils.escape``
    does, without its import of ``urllib.request``, which costs start-up."""
    return html.escape(text, quote=False)


def xs_int(raw: str) -> int:
    """``XmlConvert.ToInt32``: optional sign, digits, surrounding XML white space."""
    match = _INT.match(raw)
    if match is None:
        raise ValueError("System.FormatException: Input string was not in a correct format.")
    sign, digits = match.group(1)[0], match.group(1).lstrip("+-").lstrip("0")
    value = int(digits or "0") if len(digits) <= 10 else 2**31  # never int() of 5,000 digits
    value = -value if sign == "-" else value
    if not -(2**31) <= value < 2**31:
        raise ValueError(
            "System.OverflowException: Value was either too large or too small for an Int32."
        )
    return value


_DATETIME: Final = re.compile(
    r"(?P<y>-?[0-9]{4,})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:T(?P<H>[0-9]{2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(?P<f>\.[0-9]+)?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)
_TIME: Final = re.compile(
    r"(?P<H>[0-9]{2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(?P<f>\.[0-9]+)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)


def xs_datetime(raw: str) -> datetime:
    """An ``xs:dateTime`` (or ``xs:date``, ``xs:time``), as ``XmlSerializer`` reads a
    ``DateTime`` (``XmlConvert.ToDateTime``, any XSD date/time form): naive when it has no
    offset (the server's local time), aware otherwise. A time alone is dated 1 January 0001
    here (a past time, so the message is sent now, as for any past time)."""
    value = raw.strip(" \t\r\n")
    match = _DATETIME.match(value)
    try:
        if match is not None:
            day = date(int(match["y"]), int(match["m"]), int(match["d"]))
            clock = _clock(match["H"], match["M"], match["S"], match["f"])
        else:
            match = _TIME.match(value)
            if match is None:
                raise ValueError
            day = date(1, 1, 1)
            clock = _clock(match["H"], match["M"], match["S"], match["f"])
        when = datetime.combine(day, clock)
        tz = match["tz"]
        if tz:
            offset = timedelta(0) if tz == "Z" else _offset(tz)
            when = when.replace(tzinfo=timezone(offset))
    except (ValueError, OverflowError):
        raise ValueError(
            f"System.FormatException: The string '{value}' is not a valid AllXsd value."
        ) from None
    return when


def _clock(hour: str | None, minute: str | None, second: str | None, fraction: str | None) -> time:
    micro = int((fraction or ".0")[1:7].ljust(6, "0"))
    return time(int(hour or 0), int(minute or 0), int(second or 0), micro)


def _offset(tz: str) -> timedelta:
    sign = -1 if tz[0] == "-" else 1
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    if hours > 14 or minutes > 59:
        raise ValueError(tz)
    return sign * timedelta(hours=hours, minutes=minutes)
