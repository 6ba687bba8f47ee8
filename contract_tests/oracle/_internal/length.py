"""Message length: the spec's part table, GSM 03.38, UCS-2, the parts a text needs, and the
checks of the message (blank: 5; too long: 6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from ismart_sms_kit.contract_tests.oracle._internal.lang import _lang_value
from ismart_sms_kit.contract_tests.oracle._internal.reading import Fault, _Reading
from ismart_sms_kit.contract_tests.oracle._internal.request import Request
from ismart_sms_kit.contract_tests.oracle._internal.text import is_blank

SPEC_PART_LIMITS: Final[dict[int, tuple[int, int]]] = {
    1: (160, 70),
    2: (306, 134),
    3: (459, 201),
    4: (612, 268),
    5: (765, 335),
}
"""The vendor's table: parts -> (English characters, Arabic characters)."""


MAX_PARTS: Final = 5


TOO_LONG_PARTS: Final = MAX_PARTS + 1


GSM7: Final = "GSM-7"


UCS2: Final = "UCS-2"


Encoding = Literal["GSM-7", "UCS-2"]


SINGLE_PART: Final[dict[str, int]] = {GSM7: 160, UCS2: 70}


PER_PART: Final[dict[str, int]] = {GSM7: 153, UCS2: 67}


# GSM 03.38 default alphabet, code points 0x00..0x7F in order; 0x1B (the escape to the
# extension table) is not a character and is left out.
GSM7_BASIC_TABLE: Final = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)


GSM7_BASIC: Final = frozenset(GSM7_BASIC_TABLE) - {"\x1b"}


GSM7_EXTENSION: Final = frozenset("\f^{}\\[~]|€")
"""The extension table's characters: each is sent as escape + character (two septets)."""


@dataclass(frozen=True)
class Length:
    """What a message costs: its encoding, units (septets or UTF-16 units) and parts."""

    encoding: Encoding
    units: int
    parts: int

    @property
    def too_long(self) -> bool:
        return self.parts > MAX_PARTS


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def encoding_of(text: str, lang: int | None) -> Encoding:
    """A-ENCODING: Lang=64 is UCS-2; otherwise GSM-7 unless a character is outside GSM 03.38."""
    if lang == 64 or not is_gsm7(text):
        return UCS2
    return GSM7


def unit_costs(text: str, encoding: Encoding) -> list[int]:
    """A-SEGMENTS: what each character costs in its encoding (1 or 2)."""
    if encoding == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def parts_for(costs: Sequence[int], encoding: Encoding) -> int:
    """Parts needed: one part up to the single-part limit, else parts of 153/67 units filled in
    order, a two-unit character never cut in half. Stops counting past ``TOO_LONG_PARTS``."""
    total = sum(costs)
    if total == 0:
        return 0
    if total <= SINGLE_PART[encoding]:
        return 1
    capacity = PER_PART[encoding]
    parts, used = 1, 0
    for cost in costs:
        if used + cost > capacity:
            parts += 1
            used = 0
            if parts > TOO_LONG_PARTS:
                return parts
        used += cost
    return parts


def message_length(text: str, lang: int | None) -> Length:
    encoding = encoding_of(text, lang)
    costs = unit_costs(text, encoding)
    return Length(encoding, sum(costs), parts_for(costs, encoding))


def _length(request: Request) -> Length | None:
    message = request.get("Message")
    return None if message is None else message_length(message, _lang_value(request))


def _check_blank(r: _Reading) -> Fault | None:
    message = r.request.get("Message") or ""
    if is_blank(message):
        return Fault("message_blank", 5, "Message is empty or white space", ("A-BLANK",))
    return None


def _check_length(r: _Reading) -> Fault | None:
    length = _length(r.request)
    if length is None:
        return None
    if length.encoding == UCS2 and _lang_value(r.request) != 64:
        r.rely("A-ENCODING")
    message = r.request.get("Message") or ""
    if any(c == 2 for c in unit_costs(message, length.encoding)) and length.parts > 1:
        r.rely("A-SEGMENTS")
    if length.too_long:
        return Fault(
            "length",
            6,
            f"{length.units} {length.encoding} units need {length.parts}+ parts, at most 5",
            tuple(a for a in ("A-ENCODING", "A-SEGMENTS") if a in r.assumptions),
        )
    return None
