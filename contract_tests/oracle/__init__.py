"""The oracle: which code the gateway must answer, written from the vendor's tables.

This module is the contract, on purpose independent of ``client/`` and ``mock_server/``: it
has its own GSM 03.38 tables, its own length arithmetic and its own reading of each parameter,
all transcribed from ``shared/spec/ismart-http-post-api.md``. Where the specification is silent
or ambiguous, the decisions of docs/decisions.md fill the gap; each
such decision is a named :class:`Assumption` (``ASSUMPTIONS``), and every :class:`Verdict` lists
the assumptions it relied on, so that a run against the live gateway shows which decision
production does not share.

The oracle is pure: :meth:`Oracle.expect` looks at one request and what the kit knows about the
account (:class:`AccountFacts`); it keeps no state (lockout and credit over several requests
are modelled by the stateful test, not here).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final, Literal

# --- assumptions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assumption:
    """One rule the oracle applies that the vendor document does not state outright."""

    id: str
    rule: str
    source: str
    """Where the rule comes from: the decision row of docs/decisions.md (or the field notes)."""


def _assumptions(*items: Assumption) -> dict[str, Assumption]:
    return {a.id: a for a in items}


ASSUMPTIONS: Final = _assumptions(
    Assumption(
        "A-ORDER",
        "several faults: the first failing check of the validation order answers",
        "docs/decisions.md: several faults at once -> the validation order",
    ),
    Assumption(
        "A-MISSING-FIELD",
        "UserId, Password, MobileNo, Message or Lang absent answers 15; present but empty "
        "gets the field's own code",
        "docs/decisions.md: missing parameter",
    ),
    Assumption(
        "A-HEADER-DEFAULT",
        "a Header absent, bare (no '=') or empty/blank is no fault: the message goes out under "
        "the account's default sender (19 only for an account with no header to fall back on)",
        "field notes: production evidence against a strict reading (Header absent)",
    ),
    Assumption(
        "A-PARAM-NAMES",
        "parameter names are case-insensitive; a repeated name reads as its values joined by ','",
        "field notes: ASP.NET Request[...]",
    ),
    Assumption(
        "A-UNKNOWN-USER",
        "an unknown (or empty) user id answers 3 at the first check that needs the account",
        "docs/decisions.md: unknown user id",
    ),
    Assumption(
        "A-NUMBER-LENGTH",
        "a mobile number is exactly 11 ASCII digits (the 10-digit sample answers 9); the "
        "country code itself is not checked",
        "docs/decisions.md: 10-digit sample numbers vs 11 digits",
    ),
    Assumption(
        "A-NUMBER-SPACES",
        "spaces around a number are ignored; '+', '00', letters, other separators and empty "
        "items (a,,b or a trailing comma) answer 9",
        "docs/decisions.md: spaces, +, 00, empty items",
    ),
    Assumption(
        "A-NUMBER-EMPTY",
        "MobileNo empty or only spaces answers 8",
        "spec: 8 Mobile No length is empty",
    ),
    Assumption(
        "A-BATCH-ALL-OR-NOTHING",
        "one invalid number in a batch makes the whole request answer 9; nothing is sent",
        "docs/decisions.md: one bad number in a batch",
    ),
    Assumption(
        "A-MAX-NUMBERS",
        "more than 50 numbers answers 9 on the documented endpoint",
        "docs/decisions.md: more than 50 numbers",
    ),
    Assumption(
        "A-DUPLICATES",
        "duplicate numbers are kept: each is sent and charged",
        "docs/decisions.md: duplicates",
    ),
    Assumption(
        "A-BLANK",
        "a Message that is empty or only white space answers 5",
        "docs/decisions.md: blank message",
    ),
    Assumption(
        "A-LANG",
        "Lang follows .NET int.Parse (ASCII digits, optional sign, surrounding ASCII white "
        "space allowed) and must then be 0 or 64, else 10",
        "docs/decisions.md: Lang",
    ),
    Assumption(
        "A-ENCODING",
        "Lang=64 is always UCS-2; with Lang=0 one character outside GSM 03.38 makes the whole "
        "message UCS-2 (70/67 per part)",
        "docs/decisions.md: non-GSM characters with Lang=0",
    ),
    Assumption(
        "A-SEGMENTS",
        "an extension character (^{}\\[~]|EUR and form feed) costs two septets and is never split "
        "from its escape; a surrogate pair (emoji) costs two units and is never split",
        "docs/decisions.md: message length (GSM 03.38)",
    ),
    Assumption(
        "A-PUSH-FORMAT",
        "PushDateTime is MM/DD/YYYY HH:mm:ss, 24-hour, two digits per field, a real calendar "
        "date, else 16",
        "docs/decisions.md: PushDateTime hh",
    ),
    Assumption(
        "A-PUSH-ABSENT",
        "PushDateTime absent or empty means now",
        "spec note + docs/decisions.md: PushDateTime",
    ),
    Assumption(
        "A-PUSH-PAST",
        "a PushDateTime in the past is accepted and sent now",
        "docs/decisions.md: PushDateTime",
    ),
    Assumption(
        "A-HEADER-LENGTH",
        "a header has at most 11 characters; longer answers 19",
        "docs/decisions.md: header 11 characters long",
    ),
    Assumption(
        "A-HEADER-EXACT",
        "the header must be registered for the account, compared exactly (case-sensitive, "
        "no trimming), else 19",
        "docs/decisions.md: header; field notes: Go-Watt vs Go-watt",
    ),
    Assumption(
        "A-REFIDS-OPTIONAL",
        "referenceIds absent or blank is accepted on SMSDynamicRefIntlAPI, as the document says "
        "(a field report of 15 without them is the emulator's reference_ids_required switch; "
        "wp-sms's gateway sends none there)",
        "docs/decisions.md: referenceIds required?; field notes",
    ),
    Assumption(
        "A-REFIDS-FORMAT",
        "each referenceIds item (spaces around it ignored) is 3 to 6 ASCII digits, else 15",
        "docs/decisions.md: referenceIds format",
    ),
    Assumption(
        "A-REFIDS-COUNT",
        "the count of referenceIds need not match the count of numbers",
        "docs/decisions.md: referenceIds count vs numbers",
    ),
    Assumption(
        "A-CONTENT-TYPE",
        "every answer of the form API is HTTP 200, Content-Type text/plain, the bare code",
        "docs/decisions.md: answer body; docs/emulator.md: text/plain; field notes: bare code",
    ),
    Assumption(
        "A-CREDIT-COST",
        "a send costs parts x recipients credits; too few credits answers 4",
        "docs/emulator.md: demo account lowcredit",
    ),
)


# --- the validation order --------------------------------------------------------------------

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


# --- the spec's tables -----------------------------------------------------------------------

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

NET_WHITESPACE: Final = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)
}
"""Unicode White_Space (what .NET's ``string.IsNullOrWhiteSpace`` skips)."""
INT_PARSE_WHITESPACE: Final = "\t\n\v\f\r "
"""The white space .NET ``int.Parse`` allows around a number."""

REQUIRED: Final = ("UserId", "Password", "MobileNo", "Message", "Lang")
"""The parameters whose absence answers 15 (a missing Header is A-HEADER-DEFAULT)."""
MOBILE_DIGITS: Final = 11
MAX_NUMBERS: Final = 50
HEADER_MAX: Final = 11
LANGUAGES: Final = (0, 64)
REFERENCE_ID_DIGITS: Final = range(3, 7)
_ASCII_DIGITS: Final = frozenset("0123456789")
_PUSH_FORMAT: Final = re.compile(
    r"([0-9]{2})/([0-9]{2})/([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2})"
)


def is_ascii_digits(text: str) -> bool:
    return bool(text) and all(ch in _ASCII_DIGITS for ch in text)


# --- message length --------------------------------------------------------------------------


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


# --- parsing the parameters ------------------------------------------------------------------


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


@dataclass(frozen=True)
class PushTime:
    """A PushDateTime as written (gateway-local wall clock)."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int


def parse_push_datetime(raw: str) -> PushTime | str:
    """A real ``MM/DD/YYYY HH:mm:ss`` date, or why not (A-PUSH-FORMAT)."""
    match = _PUSH_FORMAT.fullmatch(raw)
    if match is None:
        return "not MM/DD/YYYY HH:mm:ss"
    month, day, year, hour, minute, second = (int(g) for g in match.groups())
    if not 1 <= year <= 9999:
        return f"year {year} does not exist"
    if not 1 <= month <= 12:
        return f"month {month} does not exist"
    if not 1 <= day <= days_in_month(year, month):
        return f"day {day} does not exist in {month:02d}/{year}"
    if hour > 23 or minute > 59 or second > 59:
        return f"time {hour:02d}:{minute:02d}:{second:02d} does not exist (24-hour clock)"
    return PushTime(year, month, day, hour, minute, second)


def parse_lang(raw: str) -> int | None:
    """A-LANG: the language as .NET ``int.Parse`` reads it (None: not an integer)."""
    text = raw.strip(INT_PARSE_WHITESPACE)
    sign = 1
    if text[:1] in ("+", "-"):
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if not is_ascii_digits(text):
        return None
    value = sign * int(text)
    return value if -(2**31) <= value < 2**31 else None


def is_blank(message: str) -> bool:
    """A-BLANK: empty or only white space."""
    return all(ch in NET_WHITESPACE for ch in message)


def split_numbers(raw: str) -> list[str]:
    """The items of MobileNo: split on commas, spaces around each removed (A-NUMBER-SPACES)."""
    return [item.strip(" ") for item in raw.split(",")]


def number_problem(item: str) -> str | None:
    """Why one (stripped) item is not a valid number, or None (A-NUMBER-LENGTH/SPACES)."""
    if item == "":
        return "empty item"
    if not is_ascii_digits(item):
        return f"{item!r} is not only ASCII digits"
    if len(item) != MOBILE_DIGITS:
        return f"{item!r} has {len(item)} digits, not {MOBILE_DIGITS}"
    return None


def reference_id_problem(raw: str | None) -> str | None:
    """Why referenceIds is refused, or None (A-REFIDS-OPTIONAL/FORMAT)."""
    if raw is None or raw.strip(" ") == "":
        return None
    for item in raw.split(","):
        item = item.strip(" ")
        if not (is_ascii_digits(item) and len(item) in REFERENCE_ID_DIGITS):
            return f"referenceIds item {item!r} is not 3 to 6 digits"
    return None


# --- requests, accounts, verdicts --------------------------------------------------------------


SECRET_NAMES: Final = frozenset({"password"})
"""Parameter names whose values never appear in a repr, an assertion text or a report."""
MASK: Final = "***"


def masked(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` with every non-empty password replaced by ``***`` (an empty one stays empty:
    "no password" and "a password" read differently in a report)."""
    return [(k, MASK if k.lower() in SECRET_NAMES and v != "" else v) for k, v in pairs]


class Params(dict[str, str]):
    """A request's parameters by name, as the tests build them: a ``dict`` whose repr masks the
    password. pytest prints the arguments of every function in a failure's traceback, and
    Hypothesis prints a failing example's: neither may show a real password."""

    def __repr__(self) -> str:
        return f"Params({dict(masked(self.items()))!r})"


@dataclass(frozen=True)
class Request:
    """One request as the gateway reads it: (name, value) pairs in the order sent. Its repr
    masks the password (see :class:`Params`)."""

    params: tuple[tuple[str, str], ...]
    method: str = "POST"

    def __repr__(self) -> str:
        return f"Request(params={tuple(masked(self.params))!r}, method={self.method!r})"

    def shown(self) -> str:
        """The request as a failure message shows it: method and masked parameters (a list of
        pairs when a name is repeated)."""
        pairs = masked(self.params)
        names = [k for k, _ in pairs]
        return f"{self.method} {dict(pairs) if len(set(names)) == len(names) else pairs}"

    @classmethod
    def of(
        cls, params: Mapping[str, str] | Iterable[tuple[str, str]], method: str = "POST"
    ) -> Request:
        items = params.items() if isinstance(params, Mapping) else params
        return cls(tuple((str(k), str(v)) for k, v in items), method.upper())

    def get(self, name: str) -> str | None:
        """A-PARAM-NAMES: case-insensitive; a repeated name joins its values with ','."""
        values = [v for k, v in self.params if k.lower() == name.lower()]
        return ",".join(values) if values else None

    def has(self, name: str) -> bool:
        return any(k.lower() == name.lower() for k, _ in self.params)


@dataclass(frozen=True)
class AccountFacts:
    """What the kit knows about one account: enough to predict every account-dependent code."""

    user_id: str
    password: str
    headers: frozenset[str]
    company_exists: bool = True
    web_service: bool = True
    status: Literal["active", "inactive", "blocked"] = "active"
    expired: bool = False
    http_get: bool = True
    credit_expired: bool = False
    credit: int | None = None
    """None: plenty (the oracle never predicts 4)."""
    ip_allowed: bool = True
    outside_oman: bool = False
    """An account for clients inside Oman only, used from outside (21)."""
    api_expired: bool = False
    """The account's SMS API subscription has ended (25)."""
    fails_inside: bool = False
    """The gateway fails on this account's sends: 11 (Un Known Error) where 1 was due."""

    def with_headers(self, *headers: str) -> AccountFacts:
        return replace(self, headers=frozenset(headers))


@dataclass(frozen=True)
class Fault:
    step: str
    code: int
    reason: str
    assumptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The expected answer, what decided it, every fault found and the assumptions relied on."""

    code: int
    step: str
    reason: str
    faults: tuple[Fault, ...]
    assumptions: tuple[str, ...]
    length: Length | None = None
    recipients: int = 0

    @property
    def accepted(self) -> bool:
        return self.code == 1

    def explain(self) -> str:
        lines = [f"expected {self.code} ({self.step}: {self.reason})"]
        if len(self.faults) > 1:
            others = ", ".join(f"{f.step}={f.code}" for f in self.faults[1:])
            lines.append(f"  other faults, later in the order: {others}")
        if self.assumptions:
            lines.append("  relies on: " + "; ".join(self.assumptions))
        return "\n".join(lines)


@dataclass
class _Reading:
    request: Request
    account: AccountFacts | None
    assumptions: list[str] = field(default_factory=list)

    def rely(self, *ids: str) -> None:
        for i in ids:
            if i not in self.assumptions:
                self.assumptions.append(i)


class Oracle:
    """Predicts the gateway's answer to one request against known accounts."""

    def __init__(
        self, accounts: Iterable[AccountFacts], order: Sequence[str] = DEFAULT_ORDER
    ) -> None:
        self.accounts = {a.user_id: a for a in accounts}
        self.order = tuple(order)

    def with_account(self, account: AccountFacts) -> Oracle:
        return Oracle([*self.accounts.values(), account], self.order)

    def expect(self, request: Request) -> Verdict:
        user_id = request.get("UserId")
        account = self.accounts.get(user_id) if user_id is not None else None
        reading = _Reading(request, account)
        faults: list[Fault] = []
        for step in self.order:
            fault = _CHECKS[step](reading)
            if fault is not None:
                faults.append(fault)
        length = _length(request)
        recipients = _recipients(request)
        if not faults:
            if account is not None and account.fails_inside:
                return Verdict(11, "inside", "the gateway fails for this account", (), (), length)
            return Verdict(
                1, "accepted", "no check fails", (), tuple(reading.assumptions), length, recipients
            )
        first = faults[0]
        relied = list(first.assumptions)
        if len(faults) > 1:
            relied.append("A-ORDER")
        return Verdict(
            first.code,
            first.step,
            first.reason,
            tuple(faults),
            tuple(dict.fromkeys(relied)),
            length,
            recipients,
        )


# --- the checks, one per step ------------------------------------------------------------------


def _no_account(r: _Reading, step: str) -> Fault:
    return Fault(step, 3, f"no account {r.request.get('UserId')!r}", ("A-UNKNOWN-USER",))


def _check_request(r: _Reading) -> Fault | None:
    missing = [name for name in REQUIRED if not r.request.has(name)]
    if missing:
        return Fault("request", 15, f"missing {', '.join(missing)}", ("A-MISSING-FIELD",))
    refs = r.request.get("referenceIds")
    problem = reference_id_problem(refs)
    if refs is None or refs.strip(" ") == "":
        r.rely("A-REFIDS-OPTIONAL")
        return None
    if problem:
        return Fault("request", 15, problem, ("A-REFIDS-FORMAT",))
    r.rely("A-REFIDS-COUNT")
    return None


def _account_step(step: str, code: int) -> Callable[[_Reading], Fault | None]:
    def check(r: _Reading) -> Fault | None:
        if r.account is None:
            return _no_account(r, step)
        why = _ACCOUNT_PROBLEMS[step](r.account, r)
        return Fault(step, code, why) if why else None

    return check


def _check_password(r: _Reading) -> Fault | None:
    if r.account is None:
        return _no_account(r, "password")
    if r.request.get("Password") != r.account.password:
        if r.account.status == "blocked":  # locked: 12 whatever the password (field notes)
            return Fault("password", 12, f"wrong password for {r.account.user_id}, blocked")
        return Fault("password", 3, f"wrong password for {r.account.user_id}")
    return None


def _credit_problem(a: AccountFacts, r: _Reading) -> str | None:
    if a.credit is None:
        return None
    length = _length(r.request)
    cost = (length.parts if length else 0) * max(_recipients(r.request), 1)
    r.rely("A-CREDIT-COST")
    return f"{cost} credits needed, {a.credit} left" if cost > a.credit else None


_ACCOUNT_PROBLEMS: Final[dict[str, Callable[[AccountFacts, _Reading], str | None]]] = {
    "client_ip": lambda a, r: None if a.ip_allowed else "client IP not allowed",
    "oman": lambda a, r: "client IP outside Oman" if a.outside_oman else None,
    "company": lambda a, r: None if a.company_exists else "the company does not exist",
    "web_service": lambda a, r: None if a.web_service else "not a web-service user",
    "blocked": lambda a, r: "account blocked" if a.status == "blocked" else None,
    "inactive": lambda a, r: "account inactive" if a.status == "inactive" else None,
    "account_expired": lambda a, r: "account expired" if a.expired else None,
    "api_expired": lambda a, r: "SMS API subscription expired" if a.api_expired else None,
    "http_get": lambda a, r: (
        "HTTP GET not allowed" if r.request.method == "GET" and not a.http_get else None
    ),
    "credit_expired": lambda a, r: "credit expired" if a.credit_expired else None,
    "credit": _credit_problem,
}


def _check_mobile(r: _Reading) -> Fault | None:
    raw = r.request.get("MobileNo") or ""
    if raw.strip(" ") == "":
        return Fault("mobile", 8, "MobileNo is empty", ("A-NUMBER-EMPTY",))
    items = split_numbers(raw)
    if len(items) > MAX_NUMBERS:
        return Fault("mobile", 9, f"{len(items)} numbers, at most 50", ("A-MAX-NUMBERS",))
    for position, item in enumerate(items, 1):
        problem = number_problem(item)
        if problem:
            relied = ["A-NUMBER-LENGTH", "A-NUMBER-SPACES"]
            if len(items) > 1:
                relied.append("A-BATCH-ALL-OR-NOTHING")
            return Fault("mobile", 9, f"number {position}: {problem}", tuple(relied))
    if any(item != raw_item for item, raw_item in zip(items, raw.split(","), strict=True)):
        r.rely("A-NUMBER-SPACES")
    if len(set(items)) < len(items):
        r.rely("A-DUPLICATES")
    return None


def _check_blank(r: _Reading) -> Fault | None:
    message = r.request.get("Message") or ""
    if is_blank(message):
        return Fault("message_blank", 5, "Message is empty or white space", ("A-BLANK",))
    return None


def _check_lang(r: _Reading) -> Fault | None:
    raw = r.request.get("Lang") or ""
    lang = parse_lang(raw)
    if lang not in LANGUAGES:
        return Fault("lang", 10, f"Lang {raw!r} is neither 0 nor 64", ("A-LANG",))
    if raw != str(lang):
        r.rely("A-LANG")
    return None


def _lang_value(request: Request) -> int | None:
    lang = parse_lang(request.get("Lang") or "")
    return lang if lang in LANGUAGES else None


def _length(request: Request) -> Length | None:
    message = request.get("Message")
    return None if message is None else message_length(message, _lang_value(request))


def _recipients(request: Request) -> int:
    raw = request.get("MobileNo")
    if raw is None or raw.strip(" ") == "":
        return 0
    items = split_numbers(raw)
    return len(items) if all(number_problem(i) is None for i in items) else 0


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


def _check_push(r: _Reading) -> Fault | None:
    raw = r.request.get("PushDateTime")
    if raw is None or raw == "":
        r.rely("A-PUSH-ABSENT")
        return None
    parsed = parse_push_datetime(raw)
    if isinstance(parsed, str):
        return Fault("push_datetime", 16, f"PushDateTime {raw!r}: {parsed}", ("A-PUSH-FORMAT",))
    r.rely("A-PUSH-PAST")
    return None


def _check_header(r: _Reading) -> Fault | None:
    header = r.request.get("Header") or ""
    if is_blank(header):
        r.rely("A-HEADER-DEFAULT")
        if r.account is None:
            return _no_account(r, "header")
        if not r.account.headers:
            return Fault(
                "header", 19, "no Header and no header to default to", ("A-HEADER-DEFAULT",)
            )
        return None
    if len(header) > HEADER_MAX:
        return Fault(
            "header", 19, f"Header has {len(header)} characters, at most 11", ("A-HEADER-LENGTH",)
        )
    if r.account is None:
        return _no_account(r, "header")
    if header not in r.account.headers:
        return Fault(
            "header",
            19,
            f"Header {header!r} is not registered for {r.account.user_id}",
            ("A-HEADER-EXACT",),
        )
    return None


_CHECKS: Final[dict[str, Callable[[_Reading], Fault | None]]] = {
    "request": _check_request,
    "client_ip": _account_step("client_ip", 20),
    "oman": _account_step("oman", 21),
    "company": _account_step("company", 2),
    "web_service": _account_step("web_service", 17),
    "password": _check_password,
    "blocked": _account_step("blocked", 12),
    "inactive": _account_step("inactive", 7),
    "account_expired": _account_step("account_expired", 13),
    "api_expired": _account_step("api_expired", 25),
    "http_get": _account_step("http_get", 18),
    "mobile": _check_mobile,
    "message_blank": _check_blank,
    "lang": _check_lang,
    "length": _check_length,
    "push_datetime": _check_push,
    "header": _check_header,
    "credit_expired": _account_step("credit_expired", 14),
    "credit": _account_step("credit", 4),
}
assert set(_CHECKS) == set(STEP_CODES) == set(DEFAULT_ORDER)
