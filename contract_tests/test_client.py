"""The client, judged by the same oracle as the gateway (DESIGN: the kit "checks the client too").

Two kinds of check:

* **Its pre-checks, offline.** ``ismart_sms_kit.protocol.validation.check`` refuses a request
locally, with the
  code the gateway would answer, so that a faulty request is never sent. For requests broken
  in every way the kit knows (alone and in pairs), the first fault it finds must be the first
  fault the oracle finds among those a client can see (the request's own fields: not the
  account's state, nor whether a header is registered), and a request it passes must have no
  such fault. Nothing is sent.
* **Its requests and its reading of the answers, over HTTP.** :class:`KitAdapter` carries the
  client's own requests (its form, as ``IsmartClient.send`` builds it) through the kit's
  transport: the live-safety guard, the request cap, the pace and the recording apply, and
  each answer is judged against the oracle like any other. It takes the place of the client's
  retrying adapter, which is not what is checked here (``tests/test_client_retry.py`` does
  that against the emulator). The live-safe check logs in with a made-up user id, never the
  real one; the others need the emulator (they send fault-free requests).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ismart_sms_kit.client.http import IsmartClient, limits_for
from ismart_sms_kit.client.results import SendResult
from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.accounts import nonexistent_user_id
from ismart_sms_kit.contract_tests.contract import BASE_MESSAGE, Contract, apply
from ismart_sms_kit.contract_tests.oracle import (
    HEADER_MAX,
    Fault,
    Request,
    Verdict,
    is_blank,
    split_numbers,
)
from ismart_sms_kit.contract_tests.target import Admin
from ismart_sms_kit.protocol.validation import CheckedRequest, check

CLIENT_STEPS = frozenset({"request", "mobile", "message_blank", "lang", "length", "push_datetime"})
"""The steps whose faults are in the request's own fields, which a client can check before
sending (``header`` too, for a blank or too long header: see :func:`visible_to_a_client`)."""
ENCODING_NAMES = {"GSM7": "GSM-7", "UCS2": "UCS-2"}
"""The client's encoding names, as the oracle spells them."""


def visible_to_a_client(fault: Fault, params: dict[str, str]) -> bool:
    if fault.step == "header":  # blank or too long, yes; registered or not, only the gateway
        header = params.get("Header", "")
        return is_blank(header) or len(header) > HEADER_MAX
    return fault.step in CLIENT_STEPS


def request_fault_kinds(contract: Contract) -> list[s.FaultKind]:
    """The kit's faults that a client can be asked to send: every field present (the client
    always sends them all) and the target's own account."""
    return [
        kind
        for kind in contract.fault_kinds()
        if not kind.name.startswith(("missing-", "account-")) and kind.name != "nonexistent-user"
    ]


@given(data=st.data())
def test_the_clients_pre_check_finds_the_oracles_first_visible_fault(
    contract: Contract, data: st.DataObject
) -> None:
    """Each example tries every fault alone and every pair of faults on different fields
    (pure functions, nothing sent), so a pre-check that runs in another order than the
    gateway's fails at any profile."""
    kinds = request_fault_kinds(contract)
    combinations = [[k] for k in kinds] + [
        [a, b] for i, a in enumerate(kinds) for b in kinds[i + 1 :] if not a.fields & b.fields
    ]
    limits = limits_for(contract.target.send_url)
    for chosen in combinations:
        params = contract.base(PushDateTime="")
        for kind in chosen:
            params = apply(params, data.draw(kind.changes, label=kind.name))
        verdict = contract.oracle.expect(Request.of(params))
        visible = [f for f in verdict.faults if visible_to_a_client(f, params)]
        found = check(
            params["MobileNo"],
            params["Message"],
            params["Lang"],
            params["Header"],
            params["PushDateTime"],
            params["referenceIds"],
            limits,
        )
        names = " + ".join(k.name for k in chosen)
        if isinstance(found, CheckedRequest):
            assert visible == [], f"{names}: the client would send it; {verdict.explain()}"
        else:
            assert visible, f"{names}: the client refuses ({found.reason}), the oracle does not"
            assert int(found.code) == visible[0].code, (
                f"{names}: the client refuses with {int(found.code)} ({found.reason}); "
                f"the oracle's first fault a client can see: {visible[0]}"
            )


@given(
    numbers=s.valid_numbers(min_size=1, max_size=50),
    case=st.tuples(s.plain_messages(), st.sampled_from(["0", "64"]))
    | s.boundary_messages().map(lambda m: (m.text, m.lang)),
)
def test_what_the_client_passes_the_oracle_accepts_with_the_same_parts(
    contract: Contract, numbers: list[str], case: tuple[str, str]
) -> None:
    message, lang = case
    params = contract.base(MobileNo=",".join(numbers), Message=message, Lang=lang)
    verdict = contract.oracle.expect(Request.of(params))
    found = check(
        params["MobileNo"],
        message,
        lang,
        params["Header"],
        None,
        params["referenceIds"],
        limits_for(contract.target.send_url),
    )
    if verdict.code == 6:  # too long: the client must say so too
        assert not isinstance(found, CheckedRequest) and int(found.code) == 6
        return
    assert verdict.accepted, verdict.explain()
    assert isinstance(found, CheckedRequest), f"the client refuses: {found.reason}"
    assert found.numbers == split_numbers(params["MobileNo"])
    assert verdict.length is not None
    segments = found.segments
    got = (ENCODING_NAMES[segments.encoding.value], segments.units, segments.parts)
    assert got == (verdict.length.encoding, verdict.length.units, verdict.length.parts)


# --- over HTTP -----------------------------------------------------------------------------------


class KitAdapter(BaseAdapter):
    """A ``requests`` transport adapter that sends through the kit's :class:`Contract`: guard,
    cap, pace, recording, and the oracle's judgement of every answer."""

    def __init__(self, contract: Contract) -> None:
        super().__init__()
        self.contract = contract
        self.verdicts: list[Verdict] = []

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        body = request.body or b""
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        sent = Request.of(parse_qsl(text, keep_blank_values=True), request.method or "POST")
        verdict, exchange = self.contract.judge(sent, self.contract.oracle.expect(sent))
        self.verdicts.append(verdict)
        if exchange.error is not None or exchange.status is None:
            raise requests.ConnectionError(exchange.error or "no answer")
        response = requests.Response()
        response.status_code = exchange.status
        response._content = (exchange.body or "").encode("utf-8")
        response.encoding = "utf-8"
        response.headers = CaseInsensitiveDict({"Content-Type": "text/plain; charset=utf-8"})
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def kit_client(contract: Contract, user_id: str, password: str) -> tuple[IsmartClient, KitAdapter]:
    target = contract.target
    client = IsmartClient(
        user_id, password, header=target.credentials.header, base_url=target.send_url
    )
    adapter = KitAdapter(contract)
    client.session.mount(target.send_url, adapter)
    return client, adapter


def test_the_client_reads_a_refused_login_and_keeps_the_password_out(contract: Contract) -> None:
    """Live-safe: a made-up user id, so nothing is sent and no real account counts a failure."""
    password = "kit-" + nonexistent_user_id()[-8:]
    client, adapter = kit_client(contract, nonexistent_user_id(), password)
    with client:
        result = client.send([contract.base_number], BASE_MESSAGE)
    (verdict,) = adapter.verdicts  # sent once, and judged: the answer is the oracle's
    assert not verdict.accepted
    assert (result.ok, result.code, result.local) == (False, verdict.code, False)
    error = result.error()
    assert error is not None and error.code == verdict.code
    for shown in (repr(result), str(error), repr(result.to_dict()), repr(client)):
        assert password not in shown


@pytest.mark.needs_demo_accounts
@given(numbers=s.valid_numbers(min_size=1, max_size=120), message=s.plain_messages())
def test_the_client_splits_a_long_list_into_requests_the_gateway_accepts(
    contract: Contract, emulator_admin: Admin, numbers: list[str], message: str
) -> None:
    emulator_admin.reset()  # each example starts with the account's credit
    creds = contract.target.credentials
    client, adapter = kit_client(contract, creds.user_id, creds.password)
    with client:
        result: SendResult = client.send(numbers, message)
    assert [v.code for v in adapter.verdicts] == [1] * -(-len(numbers) // 50)  # 50 a request
    assert sum(v.recipients for v in adapter.verdicts) == len(numbers)
    assert result.ok and list(result.accepted_numbers) == numbers
    length = adapter.verdicts[0].length
    assert length is not None and result.parts == length.parts
    assert ENCODING_NAMES[result.encoding.value] == length.encoding
