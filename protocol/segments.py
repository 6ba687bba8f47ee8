"""How many SMS parts a text costs: GSM 03.38 (7-bit) or UCS-2, with concatenation.

The vendor's length table (160/306/459/612/765 English, 70/134/201/268/335 Arabic) is exactly
the GSM 03.38 concatenation arithmetic: a single part holds 160 septets or 70 UTF-16 units; once
a message needs more than one part every part holds 153 septets or 67 units (the rest is the
user-data header). Two details the table does not show are handled here:

* an extension-table character (``^{}\\[~]|€`` and form feed) costs two septets (escape + char)
  and the pair is never split across parts, so such a part may carry only 152 septets;
* a character outside the Basic Multilingual Plane (most emoji) is a UTF-16 surrogate pair,
  costs two units and is never split, so such a part may carry only 66 units.

Encoding choice (decision, documented in the README as an assumption to verify live): with
Lang=64 the text is always UCS-2; with Lang=0 a text made only of GSM 03.38 characters is GSM-7
and anything else (Arabic, emoji, curly quotes) makes the whole message UCS-2, as handsets and
SMSCs do, so its limits become the Arabic column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from ismart_sms_kit.protocol.spec import (
    GSM7_PER_PART,
    GSM7_SINGLE_PART,
    LANG_ARABIC,
    MAX_PARTS,
    UCS2_PER_PART,
    UCS2_SINGLE_PART,
)

GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION: Final = frozenset("\f^{}\\[~]|€")
_GSM7_ALL: Final = GSM7_BASIC | GSM7_EXTENSION


class Encoding(str, Enum):
    GSM7 = "GSM7"
    UCS2 = "UCS2"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Segments:
    """What a message costs: its encoding, the parts it needs, and its length in units.

    ``units`` are septets for GSM-7 (an extension character counts 2) and UTF-16 code units
    for UCS-2 (a surrogate pair counts 2).
    """

    encoding: Encoding
    parts: int
    units: int

    @property
    def too_long(self) -> bool:
        return self.parts > MAX_PARTS

    @property
    def capacity(self) -> int:
        """Units the message could hold in its current number of parts (0 for an empty text)."""
        single, per_part = _limits(self.encoding)
        if self.parts <= 1:
            return single if self.parts == 1 else 0
        return per_part * self.parts


class SegmentsView:
    """``encoding``, ``parts`` and ``units`` of a result that carries its ``segments``."""

    __slots__ = ()
    segments: Segments

    @property
    def encoding(self) -> Encoding:
        return self.segments.encoding

    @property
    def parts(self) -> int:
        return self.segments.parts

    @property
    def units(self) -> int:
        return self.segments.units


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` is in the GSM 03.38 basic or extension table."""
    return _GSM7_ALL.issuperset(text)


def detect_encoding(text: str, lang: int | None = None) -> Encoding:
    """UCS-2 for Lang=64 or for any character outside GSM 03.38; GSM-7 otherwise."""
    if lang == LANG_ARABIC or not is_gsm7(text):
        return Encoding.UCS2
    return Encoding.GSM7


def _limits(encoding: Encoding) -> tuple[int, int]:
    if encoding is Encoding.GSM7:
        return GSM7_SINGLE_PART, GSM7_PER_PART
    return UCS2_SINGLE_PART, UCS2_PER_PART


def _costs(text: str, encoding: Encoding) -> list[int]:
    if encoding is Encoding.GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _doubles(text: str, encoding: Encoding) -> int:
    """How many characters of ``text`` cost two units (escape pairs, surrogate pairs)."""
    if encoding is Encoding.GSM7:
        if GSM7_BASIC.issuperset(text):
            return 0
        return sum(1 for ch in text if ch in GSM7_EXTENSION)
    if text.isascii() or max(text) <= "\uffff":
        return 0
    return sum(1 for ch in text if ord(ch) > 0xFFFF)


def count(text: str, lang: int | None = None, encoding: Encoding | None = None) -> Segments:
    """The parts and units ``text`` costs when sent with ``lang`` (or in ``encoding``)."""
    if encoding is None and lang != LANG_ARABIC and GSM7_BASIC.issuperset(text):
        enc, doubles = Encoding.GSM7, 0  # the usual case, in one pass over the text
    elif encoding is None:
        enc = detect_encoding(text, lang)
        doubles = _doubles(text, enc)
    else:
        enc = encoding
        if enc is Encoding.GSM7 and not is_gsm7(text):
            raise ValueError("text has characters outside GSM 03.38; it cannot be sent as GSM7")
        doubles = _doubles(text, enc)
    units = len(text) + doubles
    single, per_part = _limits(enc)
    if units == 0:
        return Segments(enc, 0, 0)
    if units <= single:
        return Segments(enc, 1, units)
    if not doubles:  # every character costs one unit: plain division
        return Segments(enc, -(-units // per_part), units)
    parts, used = 1, 0
    for cost in _costs(text, enc):
        if used + cost > per_part:
            parts += 1
            used = 0
        used += cost
    return Segments(enc, parts, units)


def split(text: str, lang: int | None = None) -> list[str]:
    """The text of each part, cut where :func:`count` cuts it (never inside a pair)."""
    enc = detect_encoding(text, lang)
    costs = _costs(text, enc)
    single, per_part = _limits(enc)
    if sum(costs) <= single:
        return [text] if text else []
    chunks: list[str] = []
    start, used = 0, 0
    for i, cost in enumerate(costs):
        if used + cost > per_part:
            chunks.append(text[start:i])
            start, used = i, 0
        used += cost
    chunks.append(text[start:])
    return chunks
