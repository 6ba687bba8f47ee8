"""Every Hypothesis strategy of the contract kit, as typed keyword-only factories.

Strategies generate request *values* only; what the gateway must answer is the oracle's
business (``ismart_sms_kit.contract_tests.oracle``), and sending is the transport's
(``ismart_sms_kit.contract_tests.transport``),
so that one generated case runs against any target. Nothing here knows the expected code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from hypothesis import strategies as st

from ismart_sms_kit.contract_tests.oracle import (
    GSM7,
    GSM7_BASIC,
    GSM7_EXTENSION,
    HEADER_MAX,
    MAX_NUMBERS,
    PER_PART,
    SPEC_PART_LIMITS,
    UCS2,
    Encoding,
    days_in_month,
)

# --- alphabets -----------------------------------------------------------------------------------

ASCII_LETTERS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
GSM_NARROW: Final = "".join(
    sorted(ch for ch in GSM7_BASIC if not ch.isspace() and ch not in "\x1b")
)
"""GSM 03.38 basic characters that are not white space (one septet each)."""
GSM_WIDE: Final = "".join(sorted(GSM7_EXTENSION))
"""The extension table (two septets each)."""
ARABIC: Final = "".join(chr(c) for c in range(0x0621, 0x063B)) + "".join(
    chr(c) for c in range(0x0641, 0x064B)
)
NON_GSM_BMP: Final = ARABIC + "’“”ĉŁ€ÂşЖж中文"  # one UTF-16 unit each; € is GSM (extension)
ASTRAL: Final = "😀😂👍🎉🚀💡🙏🌙𝄞🀄"
"""Characters outside the BMP: a surrogate pair, two UTF-16 units each."""
WHITESPACE: Final = " \t\n\r\u00a0\u2003\u3000"
"""White space both .NET and Python agree on (used to make blank messages)."""

# --- phone numbers -------------------------------------------------------------------------------

VALID_PREFIXES: Final = ("9689", "9687", "97150", "96650", "97336", "97455")
"""Omani mobile ranges and a few Gulf ones: 11 digits in all. None starts with 968000000, the
emulator's magic-number prefix."""
UNASSIGNED_PREFIXES: Final = ("968001", "968005", "968009", "9680987")
"""Oman numbers no subscriber holds (0 after the country code), and none the emulator's magic
968000000NN: what a live-safe run sends to, a second safeguard beside the sentinel."""

_number_prefixes: tuple[str, ...] = VALID_PREFIXES


def use_unassigned_numbers(on: bool) -> None:
    """Generate numbers from :data:`UNASSIGNED_PREFIXES` (the plugin turns this on for a
    live-safe target before any test is collected; read at draw time)."""
    global _number_prefixes
    _number_prefixes = UNASSIGNED_PREFIXES if on else VALID_PREFIXES


@st.composite
def valid_numbers_one(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(_number_prefixes))
    size = 11 - len(prefix)
    return prefix + draw(st.text("0123456789", min_size=size, max_size=size))


@st.composite
def local_numbers(draw: st.DrawFn) -> str:
    """An 8-digit local number (the country code left out), the field's commonest mistake:
    an Omani mobile (9 or 7 first), or, live, one that starts with 0 (held by no subscriber,
    even with 968 added)."""
    first = "0" if _number_prefixes == UNASSIGNED_PREFIXES else draw(st.sampled_from("97"))
    return first + draw(st.text("0123456789", min_size=7, max_size=7))


def valid_numbers(
    *, min_size: int = 1, max_size: int = MAX_NUMBERS
) -> st.SearchStrategy[list[str]]:
    """11-digit international numbers (duplicates allowed: the gateway keeps them)."""
    return st.lists(valid_numbers_one(), min_size=min_size, max_size=max_size)


def invalid_number() -> st.SearchStrategy[str]:
    """One item that is not an 11-digit number, each a family the field sends."""
    digits = st.text("0123456789", min_size=1, max_size=16).filter(lambda s: len(s) != 11)
    return st.one_of(
        digits,  # too short or too long (10: the document's own sample)
        local_numbers(),
        valid_numbers_one().map(lambda n: "+" + n),
        valid_numbers_one().map(lambda n: "00" + n),
        valid_numbers_one().map(lambda n: n[:4] + " " + n[4:]),
        valid_numbers_one().map(lambda n: n[:4] + "-" + n[4:]),
        st.tuples(valid_numbers_one(), st.sampled_from(ASCII_LETTERS), st.integers(0, 10)).map(
            lambda t: t[0][: t[2]] + t[1] + t[0][t[2] + 1 :]
        ),
        valid_numbers_one().map(lambda n: n.translate(_FULLWIDTH)),
        valid_numbers_one().map(lambda n: n.translate(_ARABIC_INDIC)),
        st.just(""),
    )


_FULLWIDTH: Final = str.maketrans("0123456789", "０１２３４５６７８９")
_ARABIC_INDIC: Final = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def valid_separators() -> st.SearchStrategy[str]:
    """A comma with optional spaces around it (A-NUMBER-SPACES)."""
    return st.sampled_from([",", ", ", " ,", " , ", ",  "])


def invalid_separators() -> st.SearchStrategy[str]:
    return st.sampled_from([";", " ", "\n", "|", ",,", "/", "\t", ", ,"])


@st.composite
def joined_numbers(
    draw: st.DrawFn, *, numbers: Sequence[str], separators: st.SearchStrategy[str]
) -> str:
    """The numbers joined with separators drawn from ``separators``."""
    if not numbers:
        return ""
    out = numbers[0]
    for number in numbers[1:]:
        out += draw(separators) + number
    return out


def undeliverable_mobile() -> st.SearchStrategy[str]:
    """A MobileNo no reading turns into a phone number (fewer than 4 digits per item)."""
    item = st.text("0123456789", min_size=0, max_size=3) | st.text(ASCII_LETTERS, max_size=5)
    return st.lists(item, min_size=1, max_size=3).map(",".join)


# --- headers -------------------------------------------------------------------------------------


def header_text(*, min_size: int = 1, max_size: int = HEADER_MAX) -> st.SearchStrategy[str]:
    """Sender names as the field writes them: letters, digits, '-', '&', '.', spaces, Arabic."""
    return st.text(
        st.sampled_from(ASCII_LETTERS + "0123456789-&. _'" + ARABIC[:8]),
        min_size=min_size,
        max_size=max_size,
    )


def case_variants(header: str) -> st.SearchStrategy[str]:
    """The same header in another case (never equal to it); empty when it has no letters."""
    if not any(ch.isalpha() and ch.lower() != ch.upper() for ch in header):
        return st.nothing()
    return (
        st.lists(st.booleans(), min_size=len(header), max_size=len(header))
        .map(
            lambda flips: "".join(
                c.swapcase() if f else c for c, f in zip(header, flips, strict=True)
            )
        )
        .filter(lambda h: h != header)
    )


def padded(header: str) -> st.SearchStrategy[str]:
    """The header with white space around it."""
    return st.sampled_from([" " + header, header + " ", " " + header + " ", header + "\t"])


def long_headers() -> st.SearchStrategy[str]:
    return header_text(min_size=HEADER_MAX + 1, max_size=30).filter(lambda h: h.strip() != "")


def blank_text(*, min_size: int = 0, max_size: int = 5) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(WHITESPACE), min_size=min_size, max_size=max_size)


# --- PushDateTime --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateParts:
    month: int
    day: int
    year: int
    hour: int
    minute: int
    second: int

    def format(self) -> str:
        return (
            f"{self.month:02d}/{self.day:02d}/{self.year:04d} "
            f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}"
        )


@st.composite
def real_dates(draw: st.DrawFn, *, min_year: int = 2000, max_year: int = 2099) -> DateParts:
    year = draw(st.integers(min_year, max_year))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, days_in_month(year, month)))
    return DateParts(
        month,
        day,
        year,
        draw(st.integers(0, 23)),
        draw(st.integers(0, 59)),
        draw(st.integers(0, 59)),
    )


@st.composite
def impossible_dates(draw: st.DrawFn) -> DateParts:
    """Two digits per field, but no such moment: Feb 30, Feb 29 of a common year, month 13,
    day 0, hour 24, minute 60, second 60 (a leap second)."""
    base = draw(real_dates())
    kind = draw(st.sampled_from(["day", "feb29", "month", "hour", "minute", "second", "zero"]))
    if kind == "day":
        month = draw(st.integers(1, 12))
        day = draw(st.integers(days_in_month(base.year, month) + 1, 99))
        return DateParts(month, day, base.year, base.hour, base.minute, base.second)
    if kind == "feb29":
        year = draw(st.sampled_from([2023, 2025, 2026, 2027, 2100, 2200, 2300]))
        return DateParts(2, 29, year, base.hour, base.minute, base.second)
    if kind == "month":
        month = draw(st.integers(13, 99))
        return DateParts(month, base.day, base.year, base.hour, base.minute, base.second)
    if kind == "hour":
        return DateParts(base.month, base.day, base.year, draw(st.integers(24, 99)), 0, 0)
    if kind == "minute":
        return DateParts(base.month, base.day, base.year, base.hour, draw(st.integers(60, 99)), 0)
    if kind == "second":
        return DateParts(base.month, base.day, base.year, base.hour, base.minute, 60)
    return draw(
        st.sampled_from(
            [
                DateParts(0, base.day, base.year, 1, 2, 3),
                DateParts(base.month, 0, base.year, 1, 2, 3),
                DateParts(base.month, 1, 0, 1, 2, 3),
            ]
        )
    )


def malformed_datetimes() -> st.SearchStrategy[str]:
    """Real moments written in the shapes the field sends instead of ``MM/DD/YYYY HH:mm:ss``."""

    def shapes(d: DateParts) -> list[str]:
        return [
            f"{d.day:02d}/{d.month:02d}/{d.year} {d.hour:02d}:{d.minute:02d}",  # no seconds
            f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}:{d.second:02d}X",
            f"{d.year}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.year}/{d.month:02d}/{d.day:02d} {d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.month:02d}-{d.day:02d}-{d.year} {d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d} "
            f"{d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.format()} AM",
            f"{d.format()} PM",
            f"{d.month:02d}/{d.day:02d}/{d.year}",  # no time
            f"{d.month:02d}/{d.day:02d}/{d.year}  {d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.month:02d}/{d.day:02d}/{d.year}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}",
            f"{d.month:02d}/{d.day:02d}/{d.year} {d.hour:02d}.{d.minute:02d}.{d.second:02d}",
            "now",
            "0",
        ]

    return real_dates().flatmap(lambda d: st.sampled_from(shapes(d)))


def single_digit_datetimes() -> st.SearchStrategy[str]:
    """A real moment with at least one field written with one digit (``3/4/2018 7:30:00``)."""
    return (
        real_dates()
        .filter(lambda d: d.month < 10 or d.day < 10 or d.hour < 10)
        .map(lambda d: f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}:{d.second:02d}")
    )


# --- messages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageCase:
    text: str
    lang: str
    note: str


def _fill(
    units: int, narrow: str, wide: Sequence[str], wide_starts: frozenset[int], wide_cost: int
) -> str:
    """A text of exactly ``units`` units: a wide character wherever a unit offset in
    ``wide_starts`` falls (and fits), narrow ones elsewhere, cycling through each alphabet."""
    out: list[str] = []
    used = i = j = 0
    while used < units:
        if used in wide_starts and used + wide_cost <= units:
            out.append(wide[j % len(wide)])
            j += 1
            used += wide_cost
        else:
            out.append(narrow[i % len(narrow)])
            i += 1
            used += 1
    return "".join(out)


def part_edges(encoding: Encoding) -> list[int]:
    """Unit counts where the part count changes: the spec's table and the 153/67 grid."""
    column = 0 if encoding == GSM7 else 1
    table = [limits[column] for limits in SPEC_PART_LIMITS.values()]
    grid = [PER_PART[encoding] * k for k in range(1, 6)]
    return sorted(set(table + grid))


@st.composite
def boundary_messages(
    draw: st.DrawFn,
    *,
    kinds: Sequence[str] = ("gsm", "gsm-wide", "arabic", "arabic-emoji", "gsm-as-ucs2", "gsm+1"),
    edges: Callable[[Encoding], list[int]] | None = None,
    spread: int = 2,
) -> MessageCase:
    """A message within ``spread`` units of a part boundary, in one of these kinds:

    * ``gsm``: GSM 03.38 basic characters, Lang=0;
    * ``gsm-wide``: with extension characters (two septets) placed where a part ends, so the
      pair would straddle it;
    * ``arabic``: Arabic letters, Lang=64;
    * ``arabic-emoji``: with emoji (surrogate pairs) where a part ends;
    * ``gsm-as-ucs2``: GSM text (extension characters included, one unit each in UCS-2), Lang=64;
    * ``gsm+1``: GSM text with Lang=0 and one character outside GSM 03.38, so the whole
      message is UCS-2.
    """
    kind = draw(st.sampled_from(list(kinds)))
    encoding: Encoding = GSM7 if kind in ("gsm", "gsm-wide") else UCS2
    target = draw(st.sampled_from((edges or part_edges)(encoding))) + draw(
        st.integers(-spread, spread)
    )
    per_part = PER_PART[encoding]
    straddles = [per_part * k + d for k in range(1, 7) for d in (-2, -1, 0)]
    wide_starts = frozenset(draw(st.lists(st.sampled_from(straddles), max_size=6)))
    wide_starts |= frozenset(draw(st.lists(st.integers(0, max(target - 2, 0)), max_size=3)))
    first = draw(st.sampled_from(ASCII_LETTERS))
    if kind in ("gsm", "gsm-wide", "gsm-as-ucs2", "gsm+1"):
        narrow = draw(st.text(st.sampled_from(GSM_NARROW), min_size=1, max_size=12))
        wide = draw(st.lists(st.sampled_from(GSM_WIDE), min_size=1, max_size=4))
    else:
        narrow = draw(st.text(st.sampled_from(ARABIC), min_size=1, max_size=12))
        wide = draw(st.lists(st.sampled_from(ASTRAL), min_size=1, max_size=4))
    if kind == "gsm":
        text = first + _fill(target - 1, narrow, wide, frozenset(), 2)
        return MessageCase(text, "0", kind)
    if kind == "gsm-wide":
        text = first + _fill(target - 1, narrow, wide, _shift(wide_starts), 2)
        return MessageCase(text, "0", kind)
    if kind == "arabic":
        text = narrow[0] + _fill(target - 1, narrow, wide, frozenset(), 2)
        return MessageCase(text, draw(st.sampled_from(["64", "0"])), kind)
    if kind == "arabic-emoji":
        text = narrow[0] + _fill(target - 1, narrow, wide, _shift(wide_starts), 2)
        return MessageCase(text, draw(st.sampled_from(["64", "0"])), kind)
    if kind == "gsm-as-ucs2":
        mixed = narrow + "".join(wide)
        text = first + _fill(target - 1, mixed, wide, frozenset(), 1)
        return MessageCase(text, "64", kind)
    # gsm+1: one non-GSM character (BMP or astral) somewhere in a GSM text
    odd = draw(st.sampled_from(NON_GSM_BMP.replace("€", "") + ASTRAL))
    cost = 2 if ord(odd) > 0xFFFF else 1
    body = _fill(max(target - 1 - cost, 0), narrow, wide, frozenset(), 2)
    at = draw(st.integers(0, len(body)))
    return MessageCase(first + body[:at] + odd + body[at:], "0", kind)


def _shift(starts: frozenset[int]) -> frozenset[int]:
    """Offsets counted from the whole message, applied after its first character."""
    return frozenset(s - 1 for s in starts if s >= 1)


def plain_messages(*, max_size: int = 40) -> st.SearchStrategy[str]:
    """Short, non-blank messages mixing GSM, Arabic and emoji."""
    return st.tuples(
        st.sampled_from(ASCII_LETTERS),
        st.text(st.sampled_from(GSM_NARROW + " " + ARABIC[:6] + ASTRAL[:3]), max_size=max_size),
    ).map("".join)


def too_long_messages() -> st.SearchStrategy[MessageCase]:
    """Messages that need six parts or more."""
    return boundary_messages(
        edges=lambda enc: [SPEC_PART_LIMITS[5][0 if enc == GSM7 else 1] + 40], spread=35
    )


# --- Lang ----------------------------------------------------------------------------------------

VALID_LANGS: Final = ("0", "64", " 0", "64 ", "064", "+64", "-0", "00", "\t64", "0\r\n")
INVALID_LANGS: Final = (
    "1", "2", "63", "65", "128", "-64", "", " ", "0x40", "64.0", "6 4", "sixty-four",
    "English", "Arabic", "64abc", "99999999999999", "+-0", "0,64", "٦٤", "６４",
)  # fmt: skip


def lang_values(*, valid: bool) -> st.SearchStrategy[str]:
    if valid:
        return st.sampled_from(VALID_LANGS)
    others = st.integers(-(10**6), 10**6).filter(lambda n: n not in (0, 64)).map(str)
    words = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=6)
    words = words.filter(lambda s: s.lstrip("+-").lstrip("0") not in ("", "64"))
    return st.sampled_from([v for v in INVALID_LANGS if v not in ("٦٤", "６４")]) | others | words


# --- referenceIds --------------------------------------------------------------------------------


def reference_id() -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=3, max_size=6)


def valid_reference_ids(*, max_size: int = 60) -> st.SearchStrategy[str]:
    """1..max_size ids of 3 to 6 digits, with optional spaces after the commas."""
    return st.tuples(
        st.lists(reference_id(), min_size=1, max_size=max_size), st.sampled_from([",", ", "])
    ).map(lambda t: t[1].join(t[0]))


def invalid_reference_id() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text("0123456789", min_size=1, max_size=2),
        st.text("0123456789", min_size=7, max_size=25),
        st.text(ASCII_LETTERS, min_size=3, max_size=6),
        reference_id().map(lambda r: "-" + r),
        reference_id().map(lambda r: r[:1] + "a" + r[1:]),
        st.just("96899123456-1795123456789"),
        reference_id().map(lambda r: r.translate(_ARABIC_INDIC)),
        st.just(""),
    )


@st.composite
def invalid_reference_ids(draw: st.DrawFn) -> str:
    """A list of ids with one bad item at a random place (an empty item included)."""
    good = draw(st.lists(reference_id(), max_size=4))
    bad = draw(invalid_reference_id())
    at = draw(st.integers(0, len(good)))
    items = [*good[:at], bad, *good[at:]]
    joined = ",".join(items)
    if joined.strip(" ") == "":  # a lone empty id is "absent", not a fault
        joined = ",,"
    return joined


# --- faults, for precedence ----------------------------------------------------------------------

Changes = dict[str, "str | None"]
"""Field -> new value; None removes the field."""


@dataclass(frozen=True)
class FaultKind:
    """One way to break a valid request, touching ``fields`` only."""

    name: str
    fields: frozenset[str]
    changes: st.SearchStrategy[Changes]


def _kind(name: str, strategy: st.SearchStrategy[Changes], *fields: str) -> FaultKind:
    return FaultKind(name, frozenset(fields), strategy)


def nonexistent_user_ids() -> st.SearchStrategy[str]:
    from ismart_sms_kit.contract_tests.accounts import nonexistent_user_id

    return st.text("0123456789abcdef", min_size=12, max_size=12).map(nonexistent_user_id)


def unregistered_headers(*, registered: frozenset[str]) -> st.SearchStrategy[str]:
    """Headers the account does not have: unknown names, other cases, padded, too long (never
    blank: no Header is the default sender, A-HEADER-DEFAULT)."""
    from ismart_sms_kit.contract_tests.oracle import is_blank

    variants = [case_variants(h) | padded(h) for h in sorted(registered)]
    return st.one_of(
        header_text().filter(lambda h: h not in registered),
        long_headers(),
        *variants,
    ).filter(lambda h: h not in registered and not is_blank(h))


def fault_kinds(
    *, registered_headers: frozenset[str], demo_accounts: Sequence[tuple[str, str]] = ()
) -> list[FaultKind]:
    """The faults the precedence tests combine. ``demo_accounts`` are (user id, password) of
    accounts whose state is itself a fault (an emulator's inactive, blocked, ... accounts)."""
    kinds = [
        _kind(f"missing-{name}", st.just({name: None}), name)
        for name in ("UserId", "Password", "MobileNo", "Message", "Lang")
    ]
    kinds += [
        _kind(
            "bad-referenceIds",
            invalid_reference_ids().map(lambda v: {"referenceIds": v}),
            "referenceIds",
        ),
        _kind(
            "nonexistent-user",
            st.tuples(nonexistent_user_ids(), st.text(ASCII_LETTERS, max_size=8)).map(
                lambda t: {"UserId": t[0], "Password": t[1]}
            ),
            "UserId",
            "Password",
        ),
        _kind(
            "empty-mobile",
            st.sampled_from(["", " ", "   "]).map(lambda v: {"MobileNo": v}),
            "MobileNo",
        ),
        _kind(
            "invalid-mobile",
            one_bad_in_batch().map(lambda v: {"MobileNo": v}),
            "MobileNo",
        ),
        _kind("blank-message", blank_text().map(lambda v: {"Message": v}), "Message"),
        _kind("bad-lang", lang_values(valid=False).map(lambda v: {"Lang": v}), "Lang"),
        _kind(
            "too-long",
            too_long_messages().map(lambda m: {"Message": m.text, "Lang": m.lang}),
            "Message",
            "Lang",
        ),
        _kind(
            "bad-PushDateTime",
            (impossible_dates().map(DateParts.format) | malformed_datetimes()).map(
                lambda v: {"PushDateTime": v}
            ),
            "PushDateTime",
        ),
        _kind(
            "unregistered-header",
            unregistered_headers(registered=registered_headers).map(lambda v: {"Header": v}),
            "Header",
        ),
    ]
    for user_id, password in demo_accounts:
        kinds.append(
            _kind(
                f"account-{user_id}",
                st.just({"UserId": user_id, "Password": password}),
                "UserId",
                "Password",
            )
        )
    return kinds


@st.composite
def fault_pairs(draw: st.DrawFn, *, kinds: Sequence[FaultKind]) -> tuple[FaultKind, FaultKind]:
    """Two different faults that touch different fields."""
    first = draw(st.sampled_from(list(kinds)))
    others = [k for k in kinds if k is not first and not (k.fields & first.fields)]
    return first, draw(st.sampled_from(others))


@st.composite
def one_bad_in_batch(draw: st.DrawFn, *, max_size: int = MAX_NUMBERS) -> str:
    """Valid numbers with one invalid item at a random place, comma-separated."""
    good = draw(valid_numbers(min_size=0, max_size=max_size - 1))
    bad = draw(invalid_number())
    at = draw(st.integers(0, len(good)))
    joined = ",".join([*good[:at], bad, *good[at:]])
    return joined if joined.strip(" ") else ","  # a lone empty item is "empty" (8), not 9
