"""Replaying a recording against an emulator: where does the emulator answer differently?

A recording (``--ismart-record``) holds every request with its password masked. To replay it,
each request is sent again, unchanged except for the credentials:

* the recorded account (the meta line's ``user_id``) becomes the emulator's account of this run
  (the demo account ``demo`` unless ``ISMART_USER_ID`` names another on an ``--ismart-emulator``
  target), with its password, and the recorded header (``header``) becomes that account's header;
* any other user id (the kit's made-up ``ctnouser...`` ones) is kept, with a dummy password in
  place of ``***``: it does not exist on the emulator either;
* an empty password stays empty, an absent one absent.

The answer is compared with the recorded one: same HTTP status and the same body (or, both
times, no answer at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ismart_sms_kit.contract_tests.accounts import Credentials
from ismart_sms_kit.contract_tests.oracle import MASK, Request, Verdict
from ismart_sms_kit.contract_tests.transport import Exchange

DUMMY_PASSWORD: Final = "replay-not-the-password"


@dataclass
class ReplayResult:
    case: str
    agree: bool
    recorded: str
    replayed: str
    expected: int | None

    def describe(self) -> str:
        verdict = "" if self.expected is None else f"; the oracle expected {self.expected}"
        return f"{self.case}: recorded {self.recorded}, emulator {self.replayed}{verdict}"


def answer_text(status: int | None, body: str | None, error: str | None) -> str:
    if status is None:
        return f"no answer ({error or 'connection failed'})"
    if status == 200:
        return repr(body)
    return f"HTTP {status} {(body or '')[:80]!r}"


def replay_request(record: dict[str, Any], meta: dict[str, Any], creds: Credentials) -> Request:
    """The recorded request with the credentials mapped onto the emulator's account."""
    recorded_user = meta.get("user_id")
    recorded_header = meta.get("header")
    params = [(str(k), str(v)) for k, v in record.get("params", [])]
    users = [v for k, v in params if k.lower() == "userid"]
    is_main = bool(users) and users[0] == recorded_user
    out: list[tuple[str, str]] = []
    for name, value in params:
        key = name.lower()
        if key == "userid" and is_main:
            value = creds.user_id
        elif key == "password" and value == MASK:
            value = creds.password if is_main else DUMMY_PASSWORD
        elif key == "header" and recorded_header is not None and value == recorded_header:
            value = creds.header
        out.append((name, value))
    return Request(tuple(out), str(record.get("method", "POST")).upper())


def compare(record: dict[str, Any], exchange: Exchange, verdict: Verdict | None) -> ReplayResult:
    recorded = answer_text(record.get("status"), record.get("body"), record.get("error"))
    replayed = answer_text(exchange.status, exchange.body, exchange.error)
    if record.get("status") is None or exchange.status is None:
        agree = record.get("status") is None and exchange.status is None
    else:
        agree = (record.get("status"), record.get("body")) == (exchange.status, exchange.body)
    return ReplayResult(
        str(record.get("case", "?")), agree, recorded, replayed, verdict.code if verdict else None
    )


def score(results: list[ReplayResult]) -> str:
    agree = sum(r.agree for r in results)
    total = len(results)
    share = f" ({100 * agree / total:.1f}%)" if total else ""
    return f"replay: {agree}/{total} exchanges agree with the recording{share}"
