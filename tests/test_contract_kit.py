"""The contract kit's own parts, without a target: oracle, strategies, guard, recorder, replay."""

from __future__ import annotations

import ast
import importlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.accounts import (
    DEMO_ACCOUNTS,
    DEMO_CODES,
    Credentials,
    demo_credentials,
    is_sentinel_header,
    live_account,
    nonexistent_user_id,
    sentinel_header,
)
from ismart_sms_kit.contract_tests.contract import Contract, apply
from ismart_sms_kit.contract_tests.oracle import (
    ASSUMPTIONS,
    DEFAULT_ORDER,
    GSM7_BASIC,
    SPEC_PART_LIMITS,
    Oracle,
    Request,
    message_length,
    parse_order,
)
from ismart_sms_kit.contract_tests.replay import compare, replay_request, score
from ismart_sms_kit.contract_tests.safety import (
    DeliveryBudget,
    Guard,
    LockoutConsent,
    UnsafeRequest,
    delivery_proof_faults,
    late_sentinel,
    unassigned,
)
from ismart_sms_kit.contract_tests.target import Capabilities, Target, send_url_for
from ismart_sms_kit.contract_tests.transport import (
    Exchange,
    Recorder,
    Sender,
    read_recording,
    share_of,
)

ROOT = Path(__file__).parent.parent
LIVE = Credentials("acme", "s3cret-Pass", "ACME")
SEND = "http://gateway.invalid/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx"


def live_oracle() -> Oracle:
    return Oracle([live_account(LIVE)])


def valid(**changes: str | None) -> dict[str, str]:
    params = {
        "UserId": LIVE.user_id,
        "Password": LIVE.password,
        "MobileNo": "96891234567",
        "Message": "hello",
        "Lang": "0",
        "Header": LIVE.header,
        "referenceIds": "101",
    }
    return apply(params, changes)


# --- the oracle against the spec's own tables ----------------------------------------------------


@pytest.mark.parametrize("parts", sorted(SPEC_PART_LIMITS))
def test_the_length_arithmetic_reproduces_the_spec_table(parts: int) -> None:
    english, arabic = SPEC_PART_LIMITS[parts]
    assert message_length("a" * english, 0).parts == parts
    assert message_length("a" * (english + 1), 0).parts == parts + 1
    assert message_length("ب" * arabic, 64).parts == parts
    assert message_length("ب" * (arabic + 1), 64).parts == parts + 1


def test_two_unit_characters_are_never_split() -> None:
    assert message_length("a" * 158 + "€", 0).parts == 1  # 160 septets fit one part
    assert message_length("a" * 159 + "€", 0).parts == 2  # 161
    # 152 + a pair that would straddle the 153 boundary: the pair moves, 765 septets need 6
    assert message_length("a" * 152 + "{" + "a" * 611, 0).units == 765
    assert message_length("a" * 152 + "{" + "a" * 611, 0).parts == 6
    assert message_length("ب" * 66 + "😀" + "ب" * 267, 64).parts == 6
    assert message_length("ب" * 65 + "😀" + "ب" * 268, 64).parts == 5


def test_encoding_follows_lang_and_the_characters() -> None:
    assert message_length("hello", 0).encoding == "GSM-7"
    assert message_length("hello", 64).encoding == "UCS-2"
    assert message_length("hello’", 0).encoding == "UCS-2"
    assert message_length("[€]", 0).units == 6
    assert message_length("[€]", 64).units == 3
    assert len(GSM7_BASIC) == 127  # the 128 positions less the escape


def test_the_demo_table_and_the_oracle_agree() -> None:
    oracle = Oracle(DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        params = {**valid(), "UserId": account.user_id, "Password": account.password}
        params["Header"] = "AnyHeader"
        assert oracle.expect(Request.of(params)).code == DEMO_CODES[account.user_id]


def test_the_order_decides_and_can_be_changed() -> None:
    request = Request.of(valid(UserId=nonexistent_user_id(), MobileNo="1", Message=""))
    default = Oracle([live_account(LIVE)]).expect(request)
    assert (default.code, default.step) == (3, "client_ip")
    assert "A-ORDER" in default.assumptions
    codes = [f.code for f in default.faults]
    assert codes.index(9) < codes.index(5)
    order = parse_order("request,message_blank,mobile")
    assert order[:3] == ("request", "message_blank", "mobile")
    assert set(order) == set(DEFAULT_ORDER)
    assert Oracle([live_account(LIVE)], order).expect(request).code == 5


@pytest.mark.parametrize("text", ["mobile,request", "request,request", "request,nope", ""])
def test_a_bad_order_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_order(text)


def test_every_assumption_is_documented() -> None:
    section = (ROOT / "docs" / "contract-kit.md").read_text(encoding="utf-8")
    missing = [a for a in ASSUMPTIONS if f"`{a}`" not in section]
    assert missing == []


@settings(max_examples=200)
@given(data=st.data())
def test_a_pair_of_faults_answers_the_one_first_in_the_order(data: st.DataObject) -> None:
    """The strategies make what they claim: each fault alone is refused, and together the
    one whose check comes first in the order answers."""
    oracle = Oracle(DEMO_ACCOUNTS)
    creds = demo_credentials()
    base = {**valid(), "UserId": creds.user_id, "Password": creds.password, "Header": "DEMO"}
    kinds = s.fault_kinds(
        registered_headers=oracle.accounts["demo"].headers,
        demo_accounts=[("inactive", "inactive"), ("broken", "broken")],
    )
    first, second = data.draw(s.fault_pairs(kinds=kinds))
    a, b = data.draw(first.changes), data.draw(second.changes)
    alone = [oracle.expect(Request.of(apply(base, c))) for c in (a, b)]
    assert all(v.code != 1 for v in alone), [v.explain() for v in alone]
    both = oracle.expect(Request.of(apply(apply(base, a), b)))
    rank = {step: i for i, step in enumerate(oracle.order)}
    winner = min(alone, key=lambda v: rank.get(v.step, len(rank)))
    assert both.code == winner.code, both.explain()


# --- the live-safety guard -----------------------------------------------------------------------


def guard(**budget: object) -> Guard:
    return Guard(LIVE, live_oracle(), DeliveryBudget(**budget))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "fault"),
    [
        ({"UserId": nonexistent_user_id(), "Password": "x"}, "nonexistent-user"),
        ({"UserId": ""}, "nonexistent-user"),
        ({"MobileNo": "1"}, "no-number"),
        ({"MobileNo": "12,abc,"}, "no-number"),
        ({"Message": ""}, "empty-message"),
        ({"Message": None}, "missing-Message"),
        ({"MobileNo": None}, "missing-MobileNo"),
    ],
)
def test_the_guard_lets_a_delivery_proof_fault_through(
    changes: dict[str, str | None], fault: str
) -> None:
    assert fault in guard().check(Request.of(valid(**changes)))


@pytest.mark.parametrize(
    "changes",
    [
        {},  # fault-free
        {"MobileNo": "9689123456"},  # 10 digits: refused only by a README decision
        {"MobileNo": "96891234567,123"},  # one bad among good ones: the good one might go
        {"Lang": "1"},
        {"Header": "UNKNOWN"},
        {"PushDateTime": "02/30/2024 10:00:00"},
        {"referenceIds": "1"},
        {"Message": "   "},  # blank by a decision; the spec only knows "blank"
        {"Message": "x" * 2000},  # too long by the table, but a gateway could still send it
        {"UserId": "ismartsms", "Password": "ismartsms"},  # a real account elsewhere
    ],
)
def test_the_guard_refuses_a_request_whose_fault_depends_on_a_decision(
    changes: dict[str, str],
) -> None:
    g = guard()
    with pytest.raises(UnsafeRequest):
        g.check(Request.of(valid(**changes)))
    assert g.refused == 1


@pytest.mark.parametrize("password", ["wrong", "", None])
def test_the_guard_never_sends_a_wrong_password_with_the_real_user_id(
    password: str | None,
) -> None:
    with pytest.raises(UnsafeRequest, match="lockout"):
        guard().check(Request.of(valid(Password=password, MobileNo="1", Message="")))


def test_wrong_passwords_go_to_the_spare_account_behind_a_fault_within_budget() -> None:
    g = Guard(LIVE, live_oracle(), DeliveryBudget(), LockoutConsent("spare", max_wrong=2))
    wrong = valid(UserId="spare", Password="guess", MobileNo="1")
    with pytest.raises(UnsafeRequest, match="delivery-proof fault"):
        g.check(Request.of(valid(UserId="spare", Password="guess")))  # a right guess would send
    with pytest.raises(UnsafeRequest, match="real password"):
        g.check(Request.of(valid(UserId="spare", MobileNo="1")))
    assert "wrong password 1 of 2 to spare" in g.check(Request.of(wrong))
    assert "wrong password 2 of 2 to spare" in g.check(Request.of(wrong))
    with pytest.raises(UnsafeRequest, match="--ismart-max-wrong-passwords budget"):
        g.check(Request.of(wrong))
    with pytest.raises(UnsafeRequest, match="lockout"):  # the real account: never
        g.check(Request.of(valid(Password="guess", MobileNo="1")))
    assert g.refused == 4


def test_the_guard_keeps_the_real_password_out_of_urls() -> None:
    with pytest.raises(UnsafeRequest, match="POST"):
        guard().check(Request.of(valid(Message=""), method="GET"))
    assert guard().check(Request.of(valid(UserId=nonexistent_user_id()), method="GET"))


def test_the_guard_refuses_repeated_names() -> None:
    request = Request((*Request.of(valid(Message="")).params, ("userid", "other")))
    with pytest.raises(UnsafeRequest, match="repeated"):
        guard().check(request)


def test_deliveries_go_only_to_the_test_number_within_the_budget() -> None:
    g = guard(allowed=True, test_number="96899000111", max_sends=2)
    with pytest.raises(UnsafeRequest, match="only go to"):
        g.check(Request.of(valid()))
    with pytest.raises(UnsafeRequest, match="only go to"):
        g.check(Request.of(valid(MobileNo="96899000111,96899000111")))
    ok = Request.of(valid(MobileNo="96899000111"))
    assert "delivery 1 of 2" in g.check(ok)
    assert "delivery 2 of 2" in g.check(ok)
    with pytest.raises(UnsafeRequest, match="budget"):
        g.check(ok)


def live_contract() -> Contract:
    target = Target("external", SEND, LIVE, Capabilities(False, False, True), (live_account(LIVE),))
    oracle = live_oracle()
    budget = DeliveryBudget()
    sender = Sender(SEND, guard=Guard(LIVE, oracle, budget), max_requests=0)
    return Contract(target, sender, oracle, budget)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_case_the_suite_builds_is_made_safe_for_a_live_target(data: st.DataObject) -> None:
    contract = live_contract()
    kinds = contract.fault_kinds()
    params = contract.base()
    for kind in data.draw(st.lists(st.sampled_from(kinds), max_size=2)):
        params = apply(params, data.draw(kind.changes))
    params = apply(params, data.draw(st.fixed_dictionaries({}, optional={
        "MobileNo": s.one_bad_in_batch() | s.valid_numbers(max_size=3).map(",".join)
        | st.lists(st.sampled_from(["96800123456", "96805000001", "01234567"]), min_size=1,
                   max_size=3).map(",".join),
        "Message": s.plain_messages(),
        "Header": s.header_text(),
        "Lang": s.lang_values(valid=True),
    })))  # fmt: skip
    prepared = Request.of(contract.prepare(params))
    contract.sender.guard.check(prepared)  # type: ignore[union-attr]
    assert delivery_proof_faults(prepared, LIVE.user_id) or late_sentinel(prepared)
    assert contract.oracle.expect(prepared).code != 1
    if prepared.get("UserId") == LIVE.user_id:
        assert prepared.get("Password") == LIVE.password


def test_the_sentinel_leaves_the_field_under_test_alone() -> None:
    contract = live_contract()
    assert contract.prepare(contract.base(MobileNo="9689123456"))["Message"] == ""
    prepared = contract.prepare(contract.base(Message="a" * 500, Lang="0"))
    assert (prepared["Message"], prepared["MobileNo"]) == ("a" * 500, "96800123456")
    assert is_sentinel_header(prepared["Header"])  # length is judged before the header
    prepared = contract.prepare(contract.base(MobileNo="96891234567"))  # a real number
    assert (prepared["Message"], prepared["Header"]) == ("", LIVE.header)
    prepared = contract.prepare(
        contract.base(Message="x", MobileNo="9689123456"), subject={"Message"}
    )
    assert prepared["UserId"].startswith("ctnouser")


def test_the_cap_stops_before_anything_is_sent() -> None:
    contract = live_contract()
    with pytest.raises(Exception, match="cap of 0"):
        contract.sender.send(Request.of(valid(Message="")), case="t")
    assert contract.sender.sent == 0


# --- recording and replay ------------------------------------------------------------------------


def exchange(params: dict[str, str], body: str = "3", case: str = "t#1") -> Exchange:
    request = Request.of(params)
    return Exchange(case, request, "/p", 200, body, None, 1.0, live_oracle().expect(request))


def test_a_recording_never_holds_a_password(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    recorder = Recorder(path, {"user_id": LIVE.user_id, "header": LIVE.header}, [LIVE.password])
    recorder.write(exchange(valid(Message="")))
    recorder.write(exchange(valid(Password="")))
    recorder.write(exchange(valid(Message=f"my password is {LIVE.password}"), body=LIVE.password))
    recorder.close()
    text = path.read_text(encoding="utf-8")
    assert LIVE.password not in text
    meta, exchanges = read_recording(path)
    assert meta["user_id"] == "acme"
    passwords = [dict(e["params"])["Password"] for e in exchanges]
    assert passwords == ["***", "", "***"]
    assert exchanges[2]["body"] == "***"
    assert all(json.loads(line) for line in text.splitlines())


def test_replay_maps_the_recorded_account_onto_the_emulators() -> None:
    meta = {"user_id": "acme", "header": "ACME"}
    creds = demo_credentials()
    record = {
        "method": "POST",
        "params": [["UserId", "acme"], ["Password", "***"], ["Header", "ACME"]],
    }
    assert replay_request(record, meta, creds).params == (
        ("UserId", "demo"),
        ("Password", "demo"),
        ("Header", "DEMO"),
    )
    stranger = nonexistent_user_id()
    record = {"params": [["UserId", stranger], ["Password", "***"], ["Header", "ACMe"]]}
    params = dict(replay_request(record, meta, creds).params)
    assert params["UserId"] == stranger
    assert params["Password"] not in ("***", "demo")
    assert params["Header"] == "ACMe"


def test_replay_compares_status_and_body() -> None:
    record = {"case": "c", "status": 200, "body": "9"}
    same = compare(record, exchange(valid(), body="9"), None)
    other = compare(record, exchange(valid(), body="5"), None)
    assert (same.agree, other.agree) == (True, False)
    assert "recorded '9', emulator '5'" in other.describe()
    assert score([same, other]) == "replay: 1/2 exchanges agree with the recording (50.0%)"


def test_a_base_url_gets_the_documented_path() -> None:
    assert send_url_for("https://www.ismartsms.net") == (
        "https://www.ismartsms.net/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx"
    )
    assert send_url_for("http://h/iBulkSMS/HttpWS/SMSDynamicAPI.aspx").endswith(
        "SMSDynamicAPI.aspx"
    )


def test_the_kit_does_not_import_the_code_it_judges() -> None:
    """Only the harness (which starts an emulator) may import mock_server, and only the
    module that judges the client (test_client.py) imports client and the protocol package
    (the client's pre-checks live there): the oracle, the strategies and the transport import
    none of them. Every module counts, those of the oracle's and the strategies' packages too."""
    for path in (ROOT / "contract_tests").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        imports = {
            ".".join(name.split(".")[:2])
            for name in re.findall(r"^\s*(?:from|import)\s+([\w.]+)", text, flags=re.M)
        }
        assert not {"client", "mock_server"} & imports, path.name  # the pre-namespace names
        if path.name != "test_client.py":
            assert "ismart_sms_kit.client" not in imports, path.name
            assert "ismart_sms_kit.protocol" not in imports, path.name
        if path.name != "harness.py":
            assert "ismart_sms_kit.mock_server" not in imports, path.name


@pytest.mark.parametrize("package", ["oracle", "strategies"])
def test_the_oracle_and_the_strategies_export_every_public_name_of_their_modules(
    package: str,
) -> None:
    """Split by domain behind one ``__init__`` (as Hypothesis' strategies are): every public
    name a module of ``_internal/`` defines is exported (``__all__``), defined in one module
    only, and the package exports nothing else."""
    exported = importlib.import_module(f"ismart_sms_kit.contract_tests.{package}")
    defined: dict[str, str] = {}
    for path in sorted((ROOT / "contract_tests" / package / "_internal").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            else:
                continue
            for name in names:
                if not name.startswith("_"):
                    assert name not in defined, f"{name}: {defined.get(name)} and {path.name}"
                    defined[name] = path.name
    assert sorted(defined) == sorted(exported.__all__)
    public = {name for name in dir(exported) if name[0] not in "_@"}  # @: pytest's rewriting
    assert public == set(exported.__all__)  # the package itself adds nothing


# --- no password in any repr ---------------------------------------------------------------------


def test_no_object_the_kit_builds_shows_the_password() -> None:
    contract = live_contract()
    params = contract.base(MobileNo="1")
    request = Request.of(params)
    exchange = Exchange("t#1", request, "/p", 200, "9", None, 1.0, live_oracle().expect(request))
    with pytest.raises(UnsafeRequest) as refused:
        guard().check(Request.of(valid()))
    shown = [
        repr(params),
        str(params),
        repr(request),
        request.shown(),
        repr(exchange),
        repr(LIVE),
        repr(contract),
        str(refused.value),
        repr(apply(params, {"Message": "x"})),
        repr(contract.prepare(params)),
    ]
    for text in shown:
        assert LIVE.password not in text, text
    assert "'Password': '***'" in request.shown()
    assert Request.of({**valid(), "Password": ""}).shown().count("'Password': ''") == 1


def test_a_mismatch_says_what_was_sent_and_what_the_contract_says() -> None:
    contract = live_contract()
    contract.sender.max_requests = None
    contract.sender.guard = None
    request = Request.of(valid(MobileNo="1"))
    verdict = contract.oracle.expect(request)
    contract.sender.send = lambda *a, **k: Exchange(  # type: ignore[method-assign]
        "t#1", request, "/p", 200, "1", None, 1.0, verdict, "", "text/plain"
    )
    with pytest.raises(AssertionError) as failed:
        contract.judge(request, verdict)
    text = str(failed.value)
    assert "the target answered '1', the contract says 9" in text
    assert "'MobileNo': '1'" in text and LIVE.password not in text


# --- the late sentinel and numbers no subscriber holds -------------------------------------------


@pytest.mark.parametrize(
    ("item", "free"),
    [
        ("96800123456", True),
        ("+96800123456", True),
        ("0096800123456", True),
        ("٩٦٨٠٠١٢٣٤٥٦", True),  # Arabic-Indic digits of 96800123456
        ("01234567", True),  # local, 0 first: 968 + it is still unassigned
        ("12", True),
        ("96891234567", False),
        ("91234567", False),  # an Omani mobile without the country code
        ("0096891234567", False),
        ("9689123456", False),
        ("97150123456", False),
    ],
)
def test_unassigned_numbers_are_those_no_reading_gives_a_subscriber(item: str, free: bool) -> None:
    assert unassigned(item) is free


def test_the_guard_accepts_the_late_sentinel_only_with_unassigned_numbers() -> None:
    sentinel = sentinel_header()
    ok = Request.of(valid(Header=sentinel, MobileNo="96800123456,96805000001", Lang="7"))
    assert "late sentinel" in guard().check(ok)
    for mobile in ("96891234567", "96800123456,96891234567", "91234567"):
        with pytest.raises(UnsafeRequest):
            guard().check(Request.of(valid(Header=sentinel, MobileNo=mobile)))
    with pytest.raises(UnsafeRequest):  # a header the account might have
        guard().check(Request.of(valid(Header="NotOurs", MobileNo="96800123456")))


def test_a_repeated_name_must_be_safe_under_every_reading() -> None:
    both_empty = Request((*Request.of(valid(Message="")).params, ("message", "")))
    with pytest.raises(UnsafeRequest):  # ASP.NET reads "," : a message
        guard().check(both_empty)
    no_numbers = Request((*Request.of(valid(MobileNo="1")).params, ("mobileNo", "22")))
    assert "no-number" in guard().check(no_numbers)
    second_real = Request((*Request.of(valid(Message="")).params, ("message", "hello")))
    with pytest.raises(UnsafeRequest):  # ASP.NET reads ",hello", the last value "hello"
        guard().check(second_real)
    numbers = Request.of(valid(Header=sentinel_header(), MobileNo="96800123456"))
    safe = Request((*numbers.params, ("MobileNo", "96800123457")))
    assert "late sentinel" in guard().check(safe)
    unsafe = Request((*numbers.params, ("mobileno", "96891234567")))
    with pytest.raises(UnsafeRequest):
        guard().check(unsafe)


def test_the_sentinel_keeps_a_repeated_name_under_test() -> None:
    contract = live_contract()
    pairs = [*contract.base(Lang="0").items(), ("Lang", "0")]
    prepared = contract.prepare(pairs, subject={"Lang"})
    assert is_sentinel_header(prepared["Header"])
    request = contract.prepare_request(Request.of(pairs), subject={"Lang"})
    assert [v for k, v in request.params if k == "Lang"] == ["0", "0"]
    assert contract.oracle.expect(request).code == 10


# --- the request plan ----------------------------------------------------------------------------


def test_the_plan_shares_the_cap_by_weight_and_keeps_one_for_each_later_test() -> None:
    assert share_of(300, 100) == 6  # twice the fair share
    assert share_of(300, 100, weight=29, weight_left=2000) == 8
    assert share_of(10, 10) == 1
    assert share_of(5, 10) == 1
    assert share_of(40, 1) == 40
    assert share_of(0, 3) == 0
    assert share_of(200, 2, weight=500, weight_left=502) == 199
