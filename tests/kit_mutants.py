"""Mutants for measuring the contract kit: emulators each wrong in exactly one way.

A mutant is a real emulator (started with a config) behind a small HTTP stand-in (a Starlette
proxy on loopback) that changes one thing: the request as the gateway reads it, the answer, or
what the admin API shows. Some mutants need only the config (a validation order with two
neighbours swapped). Each says what the spec, the field notes or the README rule out.

``python -m tests.kit_mutants`` runs the whole kit against every mutant, with the CI profile
(``--ismart-emulator``) and in live mode (the stand-in behaving like the live gateway: an
external target, live-safe, with its own account), and against the correct emulator through
the same proxy (no false alarm), then prints the kill rates and searches every live run's
output and JUnit XML for the password. ``--only NAME,...`` and ``--mode ci|live`` narrow it;
``--mode live-consent`` is live mode with the user's two consents (:func:`consents`): to deliver
(a small budget of sends to one test number) and to lock a spare account (the demo account
``lockme``); ``--mode all`` all three.
It is heavy (minutes); ``tests/test_contract_kit_runs.py`` runs a few mutants on the kit's
relevant module in ``make test``. :data:`MUTANTS` (picked by hand) and :data:`SYSTEMATIC`
break the documented endpoint's rules; :data:`INTERFACE_MUTANTS` (issue 30) and
:data:`SYSTEMATIC_OTHER` the other interfaces (the older form endpoint, REST, SOAP) and what
the emulator decides for the user (the default sender, run-time accounts); the stand-in
changes those answers with :attr:`Mutant.other` and :attr:`Mutant.admin_request`.

:data:`SYSTEMATIC` is chosen by rule, not by what the kit catches: a swap of every adjacent
pair of the documented order that had none (:data:`ORDER_PAIRS`; the pairs no request can show
are in :data:`UNSHOWABLE_PAIRS` with the reason), and a mutant for every rule of
docs/contract-kit.md's tables that had none. Every mutant is *shown*: some request gets
another answer from it than from the correct emulator (for those of the systematic set,
:attr:`Mutant.shown` is that request, and ``tests/test_kit_mutants.py`` sends it to both).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import requests
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ismart_sms_kit.contract_tests.accounts import LOCKME
from ismart_sms_kit.contract_tests.harness import start_emulator
from ismart_sms_kit.mock_server.config.endpoints import default_magic_codes
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol import segments
from ismart_sms_kit.protocol.spec import (
    GSM7_PER_PART,
    GSM7_SINGLE_PART,
    MAX_PARTS,
    UCS2_SINGLE_PART,
)
from ismart_sms_kit.protocol.spec import HEADER_MAX_LENGTH as HEADER_MAX
from ismart_sms_kit.protocol.steps import DEFAULT_ORDER

ROOT = Path(__file__).parent.parent
SEND_PATH = "/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx"
LEGACY_PATH = "/iBulkSMS/HttpWS/SMSDynamicAPI.aspx"
REST_PATH = "/RestApi/api/SMS/PostSMS"
SOAP_PATH = "/iBulkSMS/webservice/IBulkSMS.asmx"
OTHER_PATHS = {p.lower() for p in (LEGACY_PATH, REST_PATH, SOAP_PATH)}
LIVE_USER = "liveuser"
LIVE_PASSWORD = "Zq7-mutant-Secret-4711"
LIVE_HEADER = "LIVEHDR"
STAND_IN = {
    "accounts": [
        {"user_id": LIVE_USER, "password": LIVE_PASSWORD, "headers": [LIVE_HEADER], "credit": 1000}
    ]
}
EMULATOR_ORDER = DEFAULT_ORDER  # the emulator's own table: a swap mutates exactly it
"""The emulator's documented order (README, "Validation order")."""

Pairs = list[tuple[str, str]]
FORWARDED_HEADERS = ("content-type", "x-mock-scope", "soapaction")


@dataclass
class Call:
    """One gateway request through the stand-in: what the kit sent, and the answer."""

    pairs: Pairs
    status: int
    body: str
    content_type: str
    admin: str
    """The emulator's admin API base URL (unscoped)."""

    def get(self, name: str) -> str | None:
        values = [v for k, v in self.pairs if k.lower() == name.lower()]
        return ",".join(values) if values else None


@dataclass(frozen=True)
class Mutant:
    name: str
    why: str
    config: dict[str, Any] = field(default_factory=dict)
    request: Callable[[Pairs], Pairs] | None = None
    """The request as this gateway reads it."""
    answer: Callable[[Call], None] | None = None
    """Changes the answer (``call.status``, ``body``, ``content_type``) or the state."""
    admin_json: Callable[[str, Any], Any] | None = None
    """Changes what ``GET /_mock/api/...`` shows (path, JSON)."""
    other: Callable[[Other], None] | None = None
    """Changes the answer of another gateway endpoint (legacy form, REST, SOAP)."""
    admin_request: Callable[[str, str, Any], Any] | None = None
    """Changes the JSON body of an admin API request (method, path, JSON)."""
    shown: Shown | None = None
    """A request the correct emulator and this mutant answer differently (every mutant of
    :data:`SYSTEMATIC` has one; ``tests/test_kit_mutants.py`` sends it to both)."""


@dataclass(frozen=True)
class Shown:
    """A request on top of a valid one of a demo ``account`` (``changes``; None drops a
    field), sent after ``patch`` changed the account through the admin API, by ``method``, to
    the documented endpoint (or ``interface="rest"``: the same fields as a REST send)."""

    changes: dict[str, str | None] = field(default_factory=dict)
    account: str = "demo"
    patch: dict[str, Any] = field(default_factory=dict)
    method: str = "POST"
    interface: str = "form"


@dataclass
class Other:
    """One request to another gateway endpoint through the stand-in (the older form endpoint,
    REST, SOAP): what was sent, and the answer, which a mutant may change."""

    path: str
    body: bytes
    status: int
    text: str
    content_type: str
    admin: str
    scope: dict[str, str]

    @property
    def form(self) -> dict[str, str]:
        return {k.lower(): v for k, v in parse_qsl(self.body.decode("utf-8", "replace"))}

    def on(self, path: str) -> bool:
        return self.path.lower() == path.lower()


# --- helpers for mutants -----------------------------------------------------------------------


def swapped(a: str, b: str) -> dict[str, Any]:
    order = list(EMULATOR_ORDER)
    i, j = order.index(a), order.index(b)
    order[i], order[j] = order[j], order[i]
    return {"endpoints": {"SMSDynamicRefIntlAPI": {"validation_order": order}}}


def rewrite(name: str, change: Callable[[str], str | None]) -> Callable[[Pairs], Pairs]:
    """Rewrite the value of ``name`` (any case); None drops it."""

    def apply(pairs: Pairs) -> Pairs:
        out: Pairs = []
        for k, v in pairs:
            if k.lower() == name.lower():
                new = change(v)
                if new is not None:
                    out.append((k, new))
            else:
                out.append((k, v))
        return out

    return apply


def items(change: Callable[[str], str | None]) -> Callable[[Pairs], Pairs]:
    """Rewrite each MobileNo item (None drops it)."""

    def one(value: str) -> str:
        out = [change(i) for i in value.split(",")]
        return ",".join(i for i in out if i is not None)

    return rewrite("MobileNo", one)


def charge(codes: set[str] | None) -> Callable[[Call], None]:
    """After a refusal (one of ``codes``, or any), take one credit from the account."""

    def after(call: Call) -> None:
        if call.body == "1" or (codes is not None and call.body not in codes):
            return
        user = call.get("UserId") or ""
        if not user.strip():
            return
        account = f"{call.admin}/accounts/{quote(user, safe='')}"
        got = requests.get(account, timeout=10)
        if got.status_code == 200 and isinstance(got.json(), dict):
            requests.patch(account, json={"credit": got.json()["credit"] - 1}, timeout=10)

    return after


def canonical_only(pairs: Pairs) -> Pairs:
    names = {
        "UserId",
        "Password",
        "MobileNo",
        "Message",
        "Lang",
        "Header",
        "referenceIds",
        "PushDateTime",
    }
    return [(k, v) for k, v in pairs if k in names]


def first_value(pairs: Pairs) -> Pairs:
    seen: set[str] = set()
    out: Pairs = []
    for k, v in pairs:
        if k.lower() not in seen:
            seen.add(k.lower())
            out.append((k, v))
    return out


def last_value(pairs: Pairs) -> Pairs:
    return list(reversed(first_value(list(reversed(pairs)))))


def set_answer(**changes: Any) -> Callable[[Call], None]:
    def after(call: Call) -> None:
        for name, value in changes.items():
            setattr(call, name, value(call) if callable(value) else value)

    return after


def stored(change: Callable[[dict[str, Any]], None]) -> Callable[[str, Any], Any]:
    def show(path: str, data: Any) -> Any:
        if path.startswith("/_mock/api/messages") and isinstance(data, list):
            for message in data:
                change(message)
        return data

    return show


KNOWN_HEADERS = ("DEMO", "AnyHeader", "OTP", "Go-Watt", LIVE_HEADER)
_PUSH = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}")


ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
"""Digits .NET's ``char.IsDigit`` takes and ASCII-only parsing does not: a gateway reading them
as digits is wrong in a way only those characters show (issue 30: live mode missed them)."""


def as_ascii(table: dict[int, int]) -> Callable[[str], str]:
    return lambda value: value.translate(table)


def _header_any_case(value: str) -> str:
    return next((h for h in KNOWN_HEADERS if h.lower() == value.lower()), value)


# --- the other interfaces and the admin API (issue 30) -------------------------------------------

LAST_HEADER = {"demo": "Go-Watt"}
"""The demo account's last registered header (its default sender is its first, DEMO)."""
_REFID = re.compile(r"[0-9]{3,6}")
_RESULT = re.compile(r"<PushMessageResult>([0-9]+)</PushMessageResult>")
SOAP_FAULT = (
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
    'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>'
    "<faultcode>soap:Client</faultcode><faultstring>Gateway refused: {code}</faultstring>"
    "</soap:Fault></soap:Body></soap:Envelope>"
)


def _last_header(message: dict[str, Any]) -> None:
    if message.get("header_defaulted") and message.get("user_id") in LAST_HEADER:
        message["header"] = LAST_HEADER[message["user_id"]]


def _legacy_strict_refids(call: Other) -> None:
    refs = call.form.get("referenceids", "")
    items = [i.strip(" ") for i in refs.split(",")]
    if call.on(LEGACY_PATH) and refs.strip() and not all(_REFID.fullmatch(i) for i in items):
        call.text = "15"


def _legacy_lower_flash_22(call: Other) -> None:
    if call.on(LEGACY_PATH) and call.form.get("flashsms") in ("y", "n"):
        call.text = "22"


def _web_service_free(call: Other) -> None:
    """A REST or SOAP send that spends no credit: what it cost is given back."""
    if call.on(LEGACY_PATH):
        return
    [entry] = requests.get(
        f"{call.admin}/requests", params={"limit": 1}, headers=call.scope, timeout=10
    ).json()
    if entry["code"] != 1 or not entry["messages"]:
        return
    sent = requests.get(f"{call.admin}/messages", headers=call.scope, timeout=10).json()
    cost = sum(m["parts"] for m in sent if m["id"] in entry["messages"])
    account = f"{call.admin}/accounts/{quote(entry['user_id'], safe='')}"
    credit = requests.get(account, timeout=10).json()["credit"]
    requests.patch(account, json={"credit": credit + cost}, timeout=10)


def _rest_code_string(call: Other) -> None:
    if call.on(REST_PATH):
        answer = json.loads(call.text)
        answer["Code"] = str(answer["Code"])
        call.text = json.dumps(answer)


def _soap_refusal_fault(call: Other) -> None:
    found = _RESULT.search(call.text) if call.on(SOAP_PATH) else None
    if found is not None and found.group(1) != "1":
        call.status, call.content_type = 500, "text/xml; charset=utf-8"
        call.text = SOAP_FAULT.format(code=found.group(1))


def _drop_credit(method: str, path: str, body: Any) -> Any:
    if method == "POST" and path.rstrip("/") == "/_mock/api/accounts" and isinstance(body, dict):
        return {k: v for k, v in body.items() if k != "credit"}
    return body


INTERFACE_MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "default-sender-last",
        "a missing Header sent under the account's last registered header",
        admin_json=stored(_last_header),
    ),
    Mutant(
        "legacy-refids-strict",
        "free-form referenceIds refused (15) on SMSDynamicAPI.aspx",
        other=_legacy_strict_refids,
    ),
    Mutant(
        "legacy-flash-lower-22",
        "FLashSMS=y (or n) refused with 22 on SMSDynamicAPI.aspx",
        other=_legacy_lower_flash_22,
    ),
    Mutant("web-service-free", "REST and SOAP sends not charged", other=_web_service_free),
    Mutant("rest-code-string", 'the REST Code sent as a string ("1")', other=_rest_code_string),
    Mutant(
        "soap-refusal-fault",
        "a gateway refusal over SOAP sent as a SOAP fault (HTTP 500)",
        other=_soap_refusal_fault,
    ),
    Mutant(
        "accounts-drop-credit",
        "POST /_mock/api/accounts drops the new account's credit",
        admin_request=_drop_credit,
    ),
)
"""The seven deviations of issue 30 outside the documented endpoint's rules."""


MUTANTS: tuple[Mutant, ...] = (
    Mutant("swap-lang-length", "length checked before Lang", swapped("lang", "length")),
    Mutant("swap-mobile-blank", "blank message before numbers", swapped("mobile", "message_blank")),
    Mutant("swap-blank-lang", "Lang before the blank message", swapped("message_blank", "lang")),
    Mutant("swap-length-push", "PushDateTime before length", swapped("length", "push_datetime")),
    Mutant("swap-push-header", "header before PushDateTime", swapped("push_datetime", "header")),
    Mutant("swap-header-creditexp", "credit expiry first", swapped("header", "credit_expired")),
    Mutant("swap-creditexp-credit", "credit before expiry", swapped("credit_expired", "credit")),
    Mutant("swap-company-service", "web service first", swapped("company", "web_service")),
    Mutant("swap-service-password", "password first", swapped("web_service", "password")),
    Mutant("swap-inactive-expired", "expiry first", swapped("inactive", "account_expired")),
    Mutant("swap-gethttp-mobile", "numbers before GET", swapped("http_get", "mobile")),
    Mutant("charges-refusals", "a refused request costs a credit", answer=charge(None)),
    Mutant("charges-wrong-password", "a wrong password costs a credit", answer=charge({"3"})),
    Mutant("case-sensitive-names", "parameter names read case-sensitively", request=canonical_only),
    Mutant("repeated-first", "a repeated name reads as its first value", request=first_value),
    Mutant("repeated-last", "a repeated name reads as its last value", request=last_value),
    Mutant(
        "accepts-8-digits",
        "an 8-digit local number is taken as 968 + it",
        request=items(lambda i: "968" + i.strip() if len(i.strip()) == 8 else i),
    ),
    Mutant(
        "accepts-10-digits",
        "a 10-digit number is padded and sent",
        request=items(lambda i: i.strip() + "0" if len(i.strip()) == 10 else i),
    ),
    Mutant(
        "text-html",
        "answers as text/html",
        answer=set_answer(content_type="text/html; charset=utf-8"),
    ),
    Mutant(
        "trailing-newline",
        "the body ends with a newline",
        answer=set_answer(body=lambda c: c.body + "\r\n"),
    ),
    Mutant(
        "stored-parts-plus-one",
        "stores one part too many",
        admin_json=stored(lambda m: m.update(parts=m["parts"] + 1)),
    ),
    Mutant(
        "accepts-six-parts",
        "accepts 6 parts",
        {"rules": [{"name": "m", "match": {"min_parts": 6}, "action": {"code": 1}}]},
    ),
    Mutant(
        "lang-1-is-0", "Lang=1 read as 0", request=rewrite("Lang", lambda v: v.replace("1", "0"))
    ),
    Mutant(
        "header-any-case",
        "the header matched case-insensitively",
        request=rewrite("Header", _header_any_case),
    ),
    Mutant("header-trimmed", "the header trimmed", request=rewrite("Header", str.strip)),
    Mutant(
        "blank-is-text",
        "a white-space message is sent",
        request=rewrite("Message", lambda v: "x" if v and not v.strip() else v),
    ),
    Mutant(
        "more-than-50",
        "only the first 50 numbers are read",
        request=rewrite("MobileNo", lambda v: ",".join(v.split(",")[:50])),
    ),
    Mutant(
        "bad-push-ignored",
        "a malformed PushDateTime means now",
        request=rewrite("PushDateTime", lambda v: v if _PUSH.fullmatch(v) else None),
    ),
    Mutant(
        "refids-optional",
        "referenceIds absent or blank accepted",
        request=lambda p: (
            [*p, ("referenceIds", "101")]
            if not any(k.lower() == "referenceids" and v.strip() for k, v in p)
            else p
        ),
    ),
    Mutant(
        "no-lockout",
        "a locked account answers 3",
        answer=set_answer(body=lambda c: "3" if c.body == "12" else c.body),
    ),
    Mutant(
        "empty-message-15",
        "an empty Message answers 15 (read as missing)",
        request=rewrite("Message", lambda v: v if v != "" else None),
    ),
    Mutant(
        "bad-numbers-dropped",
        "invalid numbers dropped from a batch",
        request=rewrite(
            "MobileNo",
            lambda v: ",".join(
                [i for i in v.split(",") if re.fullmatch(r" *[0-9]{11} *", i)] or [v]
            ),
        ),
    ),
    Mutant(
        "arabic-indic-number",
        "Arabic-Indic digits accepted in a number",
        request=items(as_ascii(ARABIC_INDIC)),
    ),
    Mutant(
        "fullwidth-number",
        "full-width digits accepted in a number",
        request=items(as_ascii(FULL_WIDTH)),
    ),
    Mutant(
        "arabic-indic-refids",
        "Arabic-Indic digits accepted in referenceIds",
        request=rewrite("referenceIds", as_ascii(ARABIC_INDIC)),
    ),
    Mutant(
        "fullwidth-push",
        "full-width digits accepted in PushDateTime",
        request=rewrite("PushDateTime", as_ascii(FULL_WIDTH)),
    ),
    Mutant(
        "duplicates-collapsed",
        "duplicate numbers sent once",
        request=rewrite("MobileNo", lambda v: ",".join(dict.fromkeys(v.split(",")))),
    ),
)
# --- the systematic set (issue 30): every adjacent pair of the order, every rule ---------------

PAST = "2020-01-01T00:00:00+00:00"
LOOPBACK = ipaddress.ip_address("127.0.0.1")
"""The stand-in's address, as the emulator behind it sees every request."""
GATEWAY_CLOCK = timezone(timedelta(hours=4))
"""The gateway's clock (UTC+4), in which PushDateTime is read."""


def account_of(call: Call) -> dict[str, Any] | None:
    """The account of the request's UserId as the emulator's admin API shows it (None: none)."""
    user = call.get("UserId") or ""
    if not user.strip():
        return None
    got = requests.get(f"{call.admin}/accounts/{quote(user, safe='')}", timeout=10)
    return got.json() if got.status_code == 200 else None


def _ip_refused(account: dict[str, Any]) -> bool:
    def within(nets: list[str]) -> bool:
        return any(LOOPBACK in ipaddress.ip_network(n, strict=False) for n in nets)

    blocked, allowed = account.get("blocked_ips") or [], account.get("allowed_ips") or []
    return within(blocked) or (bool(allowed) and not within(allowed))


def _client_ip_first(call: Call) -> None:
    """A missing field (15) of an account whose client IP is refused answers 20."""
    if call.body == "15":
        account = account_of(call)
        if account is not None and _ip_refused(account):
            call.body = "20"


def _unknown_user_2(call: Call) -> None:
    if call.body == "3" and account_of(call) is None:
        call.body = "2"


def _blank_number_9(call: Call) -> None:
    mobile = call.get("MobileNo")
    if call.body == "8" and mobile and not mobile.strip():
        call.body = "9"


def _parts(units: int, single: int, per_part: int) -> int:
    return 1 if units <= single else -(-units // per_part)


def _sent_as_if(counted: Callable[[str, str], int | None]) -> Callable[[Call], None]:
    """A message refused as too long (6) is sent when ``counted(message, lang)`` gives it at
    most 5 parts (None: the counting does not differ for it)."""

    def after(call: Call) -> None:
        parts = counted(call.get("Message") or "", (call.get("Lang") or "").strip())
        if call.body == "6" and parts is not None and parts <= MAX_PARTS:
            call.body = "1"

    return after


def _extension_as_one(message: str, lang: str) -> int | None:
    if lang != "0" or not segments.is_gsm7(message):
        return None
    return _parts(len(message), GSM7_SINGLE_PART, GSM7_PER_PART)


def _non_gsm_as_gsm(message: str, lang: str) -> int | None:
    if lang != "0" or segments.is_gsm7(message):
        return None
    units = len(message) + sum(ch in segments.GSM7_EXTENSION for ch in message)
    return _parts(units, GSM7_SINGLE_PART, GSM7_PER_PART)


def _ucs2_part_70(message: str, lang: str) -> int | None:
    if lang != "64" and not (lang == "0" and not segments.is_gsm7(message)):
        return None
    return _parts(len(message.encode("utf-16-le")) // 2, UCS2_SINGLE_PART, UCS2_SINGLE_PART)


def _past_push_malformed(value: str) -> str:
    """A past PushDateTime read as a bad one (16)."""
    if not _PUSH.fullmatch(value) or not value.isascii():
        return value
    try:
        when = datetime.strptime(value, "%m/%d/%Y %H:%M:%S").replace(tzinfo=GATEWAY_CLOCK)
    except ValueError:
        return value
    return "past" if when < datetime.now(GATEWAY_CLOCK) else value


def _day_first(value: str) -> str:
    if not _PUSH.fullmatch(value):
        return value
    return value[3:5] + "/" + value[0:2] + value[5:]


def _long_header_accepted(call: Call) -> None:
    header = call.get("Header") or ""
    if call.body == "19" and len(header) > HEADER_MAX:
        account = account_of(call)
        if account is not None and header in account.get("headers", []):
            call.body = "1"


def _refids_count_must_match(pairs: Pairs) -> Pairs:
    """referenceIds whose count differs from the numbers' are refused (as malformed: 15)."""
    refs = ",".join(v for k, v in pairs if k.lower() == "referenceids")
    mobile = ",".join(v for k, v in pairs if k.lower() == "mobileno")
    if refs.strip() and len(refs.split(",")) != len(mobile.split(",")):
        return rewrite("referenceIds", lambda v: "mismatch")(pairs)
    return pairs


def endpoint(**settings: Any) -> dict[str, Any]:
    return {"endpoints": {"SMSDynamicRefIntlAPI": settings}}


def _web_service_17(call: Other) -> None:
    if call.on(REST_PATH):
        answer = json.loads(call.text)
        if answer.get("Code") == 18:
            call.text = json.dumps({**answer, "Code": 17})
    elif call.on(SOAP_PATH):
        call.text = call.text.replace("<PushMessageResult>18<", "<PushMessageResult>17<")


_LONG_HEADER = "ABCDEFGHIJKL"
SYSTEMATIC: tuple[Mutant, ...] = (
    # every adjacent pair of DEFAULT_ORDER the hand-picked set lacked, but two no request can
    # show (UNSHOWABLE_PAIRS)
    Mutant(
        "swap-request-clientip",
        "the client IP checked before the request is complete (the config keeps request first)",
        answer=_client_ip_first,
        shown=Shown({"MobileNo": None}, "lockme", {"allowed_ips": ["203.0.113.0/24"]}),
    ),
    Mutant(
        "swap-clientip-oman",
        "Oman-only before the client IP",
        swapped("client_ip", "oman"),
        shown=Shown({}, "lockme", {"allowed_ips": ["203.0.113.0/24"], "oman_only": True}),
    ),
    Mutant(
        "swap-oman-company",
        "the company before Oman-only",
        swapped("oman", "company"),
        shown=Shown({}, "lockme", {"oman_only": True, "company": "Closed Company LLC"}),
    ),
    Mutant(
        "swap-expired-apiexpired",
        "the SMS API's expiry before the account's",
        swapped("account_expired", "api_expired"),
        shown=Shown({}, "lockme", {"expires_at": PAST, "api_expires_at": PAST}),
    ),
    Mutant(
        "swap-apiexpired-gethttp",
        "HTTP GET before the SMS API's expiry",
        swapped("api_expired", "http_get"),
        shown=Shown({}, "lockme", {"api_expires_at": PAST, "http_get": False}, "GET"),
    ),
    # a rule of the kit's table (docs/contract-kit.md) with no mutant of its own
    Mutant(
        "blank-header-19",
        "A-HEADER-DEFAULT: an empty Header answers 19",
        endpoint(blank_header_default=False),
        shown=Shown({"Header": ""}),
    ),
    Mutant(
        "unknown-user-2",
        "A-UNKNOWN-USER: an unknown user answers 2 (company), not 3",
        answer=_unknown_user_2,
        shown=Shown({"UserId": "nosuchuser"}),
    ),
    Mutant(
        "accepts-12-digits",
        "A-NUMBER-LENGTH: a 12-digit number is cut to 11 and sent",
        request=items(lambda i: i.strip()[:11] if len(i.strip()) == 12 else i),
        shown=Shown({"MobileNo": "968912345678"}),
    ),
    Mutant(
        "accepts-plus",
        "A-NUMBER-SPACES: a number with a leading + is sent",
        request=items(lambda i: i.strip()[1:] if i.strip().startswith("+") else i),
        shown=Shown({"MobileNo": "+96891234567"}),
    ),
    Mutant(
        "blank-number-9",
        "A-NUMBER-EMPTY: a MobileNo of spaces answers 9, not 8",
        answer=_blank_number_9,
        shown=Shown({"MobileNo": "   "}),
    ),
    Mutant(
        "non-gsm-as-gsm",
        "A-ENCODING: with Lang=0 a character outside GSM 03.38 counts as one septet",
        answer=_sent_as_if(_non_gsm_as_gsm),
        shown=Shown({"Message": "\u015f" + "a" * 600}),
    ),
    Mutant(
        "extension-as-one",
        "A-SEGMENTS: a GSM extension character counts as one septet",
        answer=_sent_as_if(_extension_as_one),
        shown=Shown({"Message": "\u20ac" * 400}),
    ),
    Mutant(
        "ucs2-part-70",
        "A-SEGMENTS: a UCS-2 part of a long message holds 70 units, not 67",
        answer=_sent_as_if(_ucs2_part_70),
        shown=Shown({"Message": "a" * 340, "Lang": "64"}),
    ),
    Mutant(
        "push-day-first",
        "A-PUSH-FORMAT: PushDateTime read DD/MM/YYYY",
        request=rewrite("PushDateTime", _day_first),
        shown=Shown({"PushDateTime": "13/04/2030 07:30:00"}),
    ),
    Mutant(
        "empty-push-16",
        "A-PUSH-ABSENT: an empty PushDateTime answers 16",
        request=rewrite("PushDateTime", lambda v: "empty" if v == "" else v),
        shown=Shown({"PushDateTime": ""}),
    ),
    Mutant(
        "past-push-16",
        "A-PUSH-PAST: a past PushDateTime answers 16",
        request=rewrite("PushDateTime", _past_push_malformed),
        shown=Shown({"PushDateTime": "01/01/2020 10:00:00"}),
    ),
    Mutant(
        "long-header-accepted",
        "A-HEADER-LENGTH: a registered header over 11 characters is accepted",
        answer=_long_header_accepted,
        shown=Shown(
            {"Header": _LONG_HEADER}, patch={"headers": ["DEMO", "AnyHeader", _LONG_HEADER]}
        ),
    ),
    Mutant(
        "refids-count-must-match",
        "A-REFIDS-COUNT: as many referenceIds as numbers, else 15",
        request=_refids_count_must_match,
        shown=Shown({"MobileNo": "96891234567,96891234568", "referenceIds": "101"}),
    ),
    Mutant(
        "flash-other-22",
        "A-FLASH: FLashSMS other than Y/N answers 22 on the documented endpoint",
        endpoint(validation_order=[*DEFAULT_ORDER[:-2], "flash", *DEFAULT_ORDER[-2:]]),
        shown=Shown({"FLashSMS": "x"}),
    ),
    # a row of the kit's "what the kit judges" table with no mutant of its own
    Mutant(
        "account-expired-7",
        "account states: an expired account answers 7 (inactive), not 13",
        answer=set_answer(body=lambda c: "7" if c.body == "13" else c.body),
        shown=Shown({}, "lockme", {"expires_at": PAST}),
    ),
    Mutant(
        "magic-22-on-form",
        "magic numbers: 968000000 22 answers 22 on the documented endpoint",
        endpoint(magic_codes=[*default_magic_codes("SMSDynamicRefIntlAPI"), 22]),
        shown=Shown({"MobileNo": "96800000022"}),
    ),
)
"""The principled additions (issue 30): every adjacent pair of the documented order without a
mutant (but the two of :data:`UNSHOWABLE_PAIRS`), and one mutant for each rule of
docs/contract-kit.md's assumption table and each row of its "what the kit judges" table that
had none, plus the other side of a bound that had one (12 digits; PushDateTime day-first; the
UCS-2 part). Chosen by the rules, not by what live mode catches."""

SYSTEMATIC_OTHER: tuple[Mutant, ...] = (
    Mutant(
        "web-service-17",
        "A-WEB-SERVICE-18: REST and SOAP answer 17 to an account without the web service",
        other=_web_service_17,
        shown=Shown({}, "lockme", {"web_service": False}, interface="rest"),
    ),
)
"""The one rule of the other interfaces' rows with no mutant."""


ORDER_PAIRS: dict[tuple[str, str], str] = {
    ("request", "client_ip"): "swap-request-clientip",
    ("client_ip", "oman"): "swap-clientip-oman",
    ("oman", "company"): "swap-oman-company",
    ("company", "web_service"): "swap-company-service",
    ("web_service", "password"): "swap-service-password",
    ("inactive", "account_expired"): "swap-inactive-expired",
    ("account_expired", "api_expired"): "swap-expired-apiexpired",
    ("api_expired", "http_get"): "swap-apiexpired-gethttp",
    ("http_get", "mobile"): "swap-gethttp-mobile",
    ("mobile", "message_blank"): "swap-mobile-blank",
    ("message_blank", "lang"): "swap-blank-lang",
    ("lang", "length"): "swap-lang-length",
    ("length", "push_datetime"): "swap-length-push",
    ("push_datetime", "header"): "swap-push-header",
    ("header", "credit_expired"): "swap-header-creditexp",
    ("credit_expired", "credit"): "swap-creditexp-credit",
}
"""Each adjacent pair of the documented order and the mutant that swaps it."""
UNSHOWABLE_PAIRS: dict[tuple[str, str], str] = {
    ("password", "blocked"): "a blocked account answers 12 whatever the password (the lockout): "
    "a wrong password on it answers 12 in either order",
    ("blocked", "inactive"): "both are the account's one status: no request fails both",
}
"""Adjacent pairs with no mutant, and why: a swap no request can show is no deviation."""

ALL_MUTANTS: tuple[Mutant, ...] = (*MUTANTS, *SYSTEMATIC, *INTERFACE_MUTANTS, *SYSTEMATIC_OTHER)
MUTANTS_BY_NAME = {m.name: m for m in ALL_MUTANTS}


# --- showing a mutant --------------------------------------------------------------------------

SHOWN_NUMBER = "96891234567"


def show(url: str, shown: Shown) -> str:
    """What the stand-in at ``url`` answers to ``shown`` (``"STATUS CODE"``), the emulator
    behind it reset first."""
    admin = url + "/_mock/api"
    requests.post(admin + "/reset", timeout=10).raise_for_status()
    if shown.patch:
        account = f"{admin}/accounts/{quote(shown.account, safe='')}"
        requests.patch(account, json=shown.patch, timeout=10).raise_for_status()
    params: dict[str, str] = {
        "UserId": shown.account,
        "Password": shown.account,  # the demo accounts' password is their user id
        "MobileNo": SHOWN_NUMBER,
        "Message": "Shown",
        "Lang": "0",
        "Header": "AnyHeader",  # registered for every demo account
        "referenceIds": "101",
    }
    for name, value in shown.changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    if shown.interface == "rest":
        body = {
            "UserID": params["UserId"],
            "Password": params["Password"],
            "Message": params["Message"],
            "Language": int(params["Lang"]),
            "MobileNo": params["MobileNo"].split(","),
            "RecipientType": 1,
        }
        got = requests.post(url + REST_PATH, json=body, timeout=10)
        return f"{got.status_code} {got.json().get('Code')}"
    if shown.method == "GET":
        got = requests.get(url + SEND_PATH, params=params, timeout=10)
    else:
        got = requests.post(url + SEND_PATH, data=params, timeout=10)
    return f"{got.status_code} {got.text}"


# --- the stand-in -------------------------------------------------------------------------------


def proxy_app(backend: str, mutant: Mutant | None) -> Starlette:
    """An ASGI app that forwards everything to ``backend`` with ``mutant``'s change."""
    http = requests.Session()
    admin = backend + "/_mock/api"

    def forward(method: str, path: str, query: str, body: bytes, headers: dict[str, str]) -> Any:
        url = backend + path + (f"?{query}" if query else "")
        keep = {k: v for k, v in headers.items() if k.lower() in FORWARDED_HEADERS}
        return http.request(method, url, data=body, headers=keep, timeout=30)

    def gateway(method: str, query: str, body: bytes, headers: dict[str, str]) -> Response:
        pairs = parse_qsl(query, keep_blank_values=True)
        pairs += parse_qsl(body.decode("utf-8", "surrogateescape"), keep_blank_values=True)
        if mutant is not None and mutant.request is not None:
            pairs = mutant.request(pairs)
        scope = {k: v for k, v in headers.items() if k.lower() == "x-mock-scope"}
        if method == "GET":
            url = backend + SEND_PATH + "?" + urlencode(pairs)
            response = http.get(url, headers=scope, timeout=30)
        else:
            response = http.post(backend + SEND_PATH, data=pairs, headers=scope, timeout=30)
        call = Call(
            pairs,
            response.status_code,
            response.text,
            response.headers.get("content-type", ""),
            admin,
        )
        if mutant is not None and mutant.answer is not None:
            mutant.answer(call)
        return Response(
            call.body, call.status, media_type=None, headers={"content-type": call.content_type}
        )

    def other(path: str, query: str, body: bytes, headers: dict[str, str]) -> Response:
        answer = forward("POST", path, query, body, headers)
        scope = {k: v for k, v in headers.items() if k.lower() == "x-mock-scope"}
        call = Other(
            path,
            body,
            answer.status_code,
            answer.text,
            answer.headers.get("content-type", ""),
            admin,
            scope,
        )
        assert mutant is not None and mutant.other is not None
        mutant.other(call)
        return Response(
            call.text, call.status, media_type=None, headers={"content-type": call.content_type}
        )

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        headers = dict(request.headers)
        query = request.url.query
        path = request.url.path
        if path.lower() == SEND_PATH.lower():
            return await run_in_threadpool(gateway, request.method, query, body, headers)
        if (
            mutant is not None
            and mutant.other is not None
            and request.method == "POST"
            and path.lower() in OTHER_PATHS
        ):
            return await run_in_threadpool(other, path, query, body, headers)
        if mutant is not None and mutant.admin_request is not None and body:
            try:
                sent = json.loads(body)
            except ValueError:
                pass
            else:
                body = json.dumps(mutant.admin_request(request.method, path, sent)).encode()
        answer = await run_in_threadpool(forward, request.method, path, query, body, headers)
        content = answer.content
        if (
            mutant is not None
            and mutant.admin_json is not None
            and answer.headers.get("content-type", "").startswith("application/json")
        ):
            content = json.dumps(mutant.admin_json(path, answer.json())).encode()
        return Response(content, answer.status_code, media_type=answer.headers.get("content-type"))

    methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", endpoint, methods=methods)])


@contextmanager
def stand_in(mutant: Mutant | None, *, live: bool = False) -> Iterator[str]:
    """The URL of an emulator with ``mutant``'s config behind a proxy with its change."""
    config: dict[str, Any] = {**(mutant.config if mutant else {})}
    if live:
        config = {**config, **STAND_IN}
    emulator = start_emulator(config)
    proxy = ServerThread(proxy_app(emulator.url, mutant)).start()
    try:
        yield proxy.url
    finally:
        proxy.stop()
        emulator.stop()


LEAN_CHILD = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
"""A child pytest's environment: no plugin loaded unless named with ``-p``."""
KIT_PLUGINS = ("-p", "_hypothesis_pytestplugin", "-p", "no:cacheprovider")
"""What a child run of the kit loads: Hypothesis' pytest plugin (``--hypothesis-profile``,
its statistics); and no cache folder."""


def run_kit(
    *args: str, env: dict[str, str] | None = None, paths: tuple[str, ...] = (), timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """``python -m pytest`` on the kit (or ``paths``) in a subprocess, as a user runs it, with
    no ``ISMART_*`` or ``PYTEST_*`` variable of this process; ``env`` adds some.

    The child loads only the plugins the kit needs, named (Hypothesis'; the kit's own options
    come from its conftest): with every installed plugin autoloaded (schemathesis,
    pytest-benchmark, anyio, ...) a child took 10-17 s to start instead of about 4."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ISMART_", "PYTEST_"))}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *(paths or ("contract_tests",)),
            *KIT_PLUGINS,
            *args,
        ],
        cwd=ROOT,
        env={**clean, **LEAN_CHILD, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def live_env(
    url: str, user: str = LIVE_USER, password: str = LIVE_PASSWORD, header: str = LIVE_HEADER
) -> dict[str, str]:
    """The environment of a live-mode run against ``url`` (by default the stand-ins' account)."""
    return {
        "ISMART_URL": url,
        "ISMART_USER_ID": user,
        "ISMART_PASSWORD": password,
        "ISMART_HEADER": header,
    }


@dataclass
class Outcome:
    mutant: str
    mode: str
    killed: bool
    returncode: int
    summary: str
    seconds: float
    leaked: bool


def failed(result: subprocess.CompletedProcess[str]) -> bool:
    """The run found a failure (not only a cut-short run or a usage error)."""
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    return result.returncode == 1 and (" failed" in last or " error" in last)


TEST_NUMBER = "96899000111"
"""The user's own number of a ``live-consent`` run (the stand-in delivers to it)."""
MAX_SENDS = 20
"""The delivery budget of a ``live-consent`` run: the kit's sends that a gateway could deliver
all fit (5 accepted messages, 3 header probes, an empty Header, 4 interfaces' accepted sends,
7 accepted FLashSMS values on the two form endpoints)."""
SPARE_ACCOUNT = LOCKME
"""The spare account a ``live-consent`` run may lock (a demo account of the stand-in's emulator,
which the live account's run never uses otherwise)."""
MODES = ("ci", "live", "live-consent")


def delivery_budget(test_number: str = TEST_NUMBER, max_sends: int = MAX_SENDS) -> tuple[str, ...]:
    """The options of a live run with the user's consent to deliver to ``test_number``."""
    return (
        "--ismart-allow-delivery",
        f"--ismart-test-number={test_number}",
        f"--ismart-max-sends={max_sends}",
    )


def consents() -> tuple[str, ...]:
    """The options of a ``live-consent`` run: the delivery budget, and the spare account the
    run may lock (``--ismart-allow-lockout``, at most the kit's default of wrong passwords)."""
    return (*delivery_budget(), f"--ismart-allow-lockout={SPARE_ACCOUNT}")


def measure(mutant: Mutant | None, mode: str, extra: tuple[str, ...] = ()) -> Outcome:
    """One run of the kit against ``mutant`` (None: the correct emulator): ``ci`` (the CI
    profile, ``--ismart-emulator``), ``live`` (the stand-in as an external target) or
    ``live-consent`` (the same, with the user's consents: :func:`consents`)."""
    started = time.monotonic()
    live = mode != "ci"
    with stand_in(mutant, live=live) as url, tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "junit.xml"
        if mode == "ci":
            result = run_kit(f"--ismart-url={url}", "--ismart-emulator", "-x", *extra)
        else:
            budget = consents() if mode == "live-consent" else ()
            result = run_kit(
                "--ismart-rate=0", "-vv", f"--junitxml={xml}", *budget, *extra, env=live_env(url)
            )
        text = result.stdout + result.stderr + (xml.read_text() if xml.exists() else "")
    lines = result.stdout.strip().splitlines()
    return Outcome(
        mutant.name if mutant else "(correct emulator)",
        mode,
        failed(result),
        result.returncode,
        lines[-1] if lines else result.stderr[-200:],
        time.monotonic() - started,
        LIVE_PASSWORD in text,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated mutant names")
    parser.add_argument(
        "--mode",
        choices=[*MODES, "both", "all"],
        default="both",
        help="both: ci and live; all: ci, live and live-consent (a live run with a delivery "
        f"budget of {MAX_SENDS} sends to {TEST_NUMBER} and {SPARE_ACCOUNT} allowed to lock)",
    )
    parser.add_argument("--no-control", action="store_true", help="skip the correct emulator")
    args = parser.parse_args(argv)
    chosen = [MUTANTS_BY_NAME[n] for n in args.only.split(",") if n] or list(ALL_MUTANTS)
    modes = {"both": ["ci", "live"], "all": list(MODES)}.get(args.mode, [args.mode])
    outcomes: list[Outcome] = []
    for mode in modes:
        for mutant in [*([] if args.no_control else [None]), *chosen]:
            try:
                outcome = measure(mutant, mode)
            except Exception as exc:  # a mutant that cannot start is reported, not fatal
                print(f"{mode:12} {mutant.name if mutant else '-':24} ERROR {exc}", flush=True)
                continue
            outcomes.append(outcome)
            verdict = "KILLED" if outcome.killed else "survived"
            if mutant is None:
                verdict = "FALSE ALARM" if outcome.killed else "passes (no false alarm)"
            leak = "  PASSWORD LEAKED" if outcome.leaked else ""
            print(
                f"{mode:12} {outcome.mutant:24} {verdict:24} {outcome.seconds:6.1f}s  "
                f"{outcome.summary}{leak}",
                flush=True,
            )
    interface_names = {m.name for m in (*INTERFACE_MUTANTS, *SYSTEMATIC_OTHER)}
    for mode in modes:
        for label, of_set in (("form endpoint", False), ("other interfaces", True)):
            ran = [
                o
                for o in outcomes
                if o.mode == mode
                and o.mutant != "(correct emulator)"
                and (o.mutant in interface_names) == of_set
            ]
            if not ran:
                continue
            killed = [o for o in ran if o.killed]
            print(
                f"{mode} ({label}): {len(killed)}/{len(ran)} mutants killed "
                f"({100 * len(killed) / max(len(ran), 1):.0f}%); survivors: "
                f"{', '.join(o.mutant for o in ran if not o.killed) or 'none'}"
            )
    leaks = [o for o in outcomes if o.leaked]
    print(f"password found in {len(leaks)} of {len(outcomes)} runs' output and JUnit XML")
    alarms = [o for o in outcomes if o.mutant == "(correct emulator)" and o.killed]
    return 1 if leaks or alarms else 0


if __name__ == "__main__":
    raise SystemExit(main())
