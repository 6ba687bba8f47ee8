"""What a contract test holds: one target, its sender, the oracle, and the comparison.

A test builds request values (from ``ismart_sms_kit.contract_tests.strategies``) on top of
:meth:`Contract.base` and calls :meth:`Contract.check`, which

1. on a live-safe target, adds a *sentinel* fault when the request has no delivery-proof fault
   of its own, on a field the test is not about, as late in the validation order as possible
   (so the field under test is still judged before it when the order allows): a made-up header
   (19, after Lang, length and PushDateTime) when every number is one no subscriber holds, else
   an empty message, ``MobileNo=1`` or a made-up user id;
2. asks the oracle for the expected answer;
3. sends through the kit's transport (plan and cap, guard, pace, recording);
4. fails with the oracle's reasoning and the request (password masked) when the target's answer
   differs: another code, another status, or, from an emulator, another content type than the
   ``text/plain`` it promises.

Checks outside the oracle (what an emulator stored, the lockout sequence, the credit) go
through :func:`agree`, which says what was sent and what the contract says.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from ismart_sms_kit.contract_tests.accounts import (
    DEMO_ACCOUNTS,
    STATE_ACCOUNTS,
    nonexistent_user_id,
    sentinel_header,
)
from ismart_sms_kit.contract_tests.interfaces import Channels, carried, title
from ismart_sms_kit.contract_tests.oracle import (
    ACCOUNT_STEPS,
    FORM,
    WEB_SERVICE_INTERFACES,
    Oracle,
    Params,
    Request,
    Verdict,
)
from ismart_sms_kit.contract_tests.safety import (
    UNASSIGNED_SAMPLE,
    DeliveryBudget,
    LockoutConsent,
    delivery_proof_faults,
    late_sentinel,
    readings,
)
from ismart_sms_kit.contract_tests.strategies import Changes, FaultKind, fault_kinds
from ismart_sms_kit.contract_tests.target import Target
from ismart_sms_kit.contract_tests.transport import Exchange, RequestCapReached, Sender, Wire

BASE_NUMBER = "96891234567"
"""The number of :meth:`Contract.base` on an emulator (live-safe: :data:`UNASSIGNED_SAMPLE`)."""
BASE_MESSAGE = "Contract test"

Pairs = Sequence[tuple[str, str]]
"""Parameters as (name, value) pairs: names in any case, repeated names kept."""


@dataclass
class Mismatch:
    test: str
    expected: Verdict
    exchange: Exchange


class Contract:
    """Not a dataclass on purpose: Hypothesis prints a failing example's arguments, and it
    pretty-prints dataclasses field by field (the whole run state)."""

    def __init__(
        self,
        target: Target,
        sender: Sender,
        oracle: Oracle,
        budget: DeliveryBudget,
        lockout: LockoutConsent | None = None,
    ) -> None:
        self.target = target
        self.sender = sender
        self.oracle = oracle
        self.budget = budget
        self.lockout = lockout or LockoutConsent()
        """The spare account a live run may lock (``--ismart-allow-lockout``), if any."""
        self.mismatches: list[Mismatch] = []
        self.cut_short: dict[str, str] = {}
        """Tests the request plan or cap stopped before they finished, and why."""
        self._counters: dict[str, int] = {}
        self.channels = Channels(target.send_url, sender.timeout)
        """The kit's clients of the target's interfaces (form, legacy, REST, SOAP)."""

    def __repr__(self) -> str:
        return f"Contract({self.target.describe()})"

    # --- building requests -------------------------------------------------------------------

    @property
    def base_number(self) -> str:
        return UNASSIGNED_SAMPLE if self.live_safe else BASE_NUMBER

    def base(self, **changes: str | None) -> Params:
        """A request the oracle accepts for the target's main account, with ``changes``
        (None removes a field)."""
        creds = self.target.credentials
        params = Params(
            UserId=creds.user_id,
            Password=creds.password,
            MobileNo=self.base_number,
            Message=BASE_MESSAGE,
            Lang="0",
            Header=creds.header,
            referenceIds="101",
        )
        return apply(params, changes)

    def fault_kinds(self) -> list[FaultKind]:
        demo: list[tuple[str, str]] = []
        if self.target.capabilities.demo_accounts:
            demo = [(a.user_id, a.password) for a in DEMO_ACCOUNTS if a.user_id in STATE_ACCOUNTS]
        main = self.oracle.accounts[self.target.credentials.user_id]
        return fault_kinds(registered_headers=main.headers, demo_accounts=demo)

    def prepare(self, params: Mapping[str, str] | Pairs, *, subject: Iterable[str] = ()) -> Params:
        """``params`` made safe for a live-safe target (see :meth:`prepare_request`)."""
        return Params(self.prepare_request(Request.of(params), subject=subject).params)

    def prepare_request(
        self, request: Request, *, subject: Iterable[str] = (), interface: str = FORM
    ) -> Request:
        """``request``, made safe for a live-safe target: a wrong (or missing) password goes
        with a made-up user id, never the real one, and a sentinel fault is added when the
        request has no delivery-proof fault of its own (under every reading of a repeated
        name), on a field outside ``subject`` and the fields the request changed, the latest
        in the validation order that is usable."""
        if not self.target.capabilities.live_safe:
            return request
        real = self.target.credentials
        if request.get("UserId") == real.user_id and request.get("Password") != real.password:
            request = with_changes(request, {"UserId": nonexistent_user_id()})
        web_service = interface in WEB_SERVICE_INTERFACES
        if all(
            delivery_proof_faults(r, real.user_id) for r in readings(carried(interface, request))
        ):
            return request
        about = {name.lower() for name in subject}
        about |= {name.lower() for name in changed_fields(self.base(), request)}
        candidates: list[tuple[str, Changes]] = [
            ("header", {"Header": sentinel_header()}),
            ("message_blank", {"Message": ""}),
            ("mobile", {"MobileNo": "1"}),
            (
                self._first_account_step(),
                {"UserId": nonexistent_user_id(), "Password": secrets.token_hex(4)},
            ),
        ]

        def usable(step: str, changes: Changes) -> bool:
            if {name.lower() for name in changes} & about:
                return False
            if step == "header" and web_service:  # no Header on REST and SOAP
                return False
            if step == "header":
                changed = with_changes(request, changes)
                return all(late_sentinel(r) for r in readings(changed))
            return True

        found = [(s, c) for s, c in candidates if usable(s, c)] or candidates[-1:]
        order = self.oracle.on(interface).order
        _, changes = max(found, key=lambda sc: order.index(sc[0]) if sc[0] in order else -1)
        return with_changes(request, changes)

    def _first_account_step(self) -> str:
        return next(s for s in self.oracle.order if s in ACCOUNT_STEPS)

    # --- sending and judging ------------------------------------------------------------------

    def case_id(self) -> str:
        test = current_test()
        self._counters[test] = self._counters.get(test, 0) + 1
        return f"{test}#{self._counters[test]}"

    def send(self, request: Request, verdict: Verdict | None = None) -> Exchange:
        return self.send_wire(request, verdict)

    def send_wire(
        self, request: Request, verdict: Verdict | None = None, wire: Wire | None = None
    ) -> Exchange:
        """Send ``request`` (through the cap, guard, pace and recording), as ``wire`` says if
        given (another URL, body or headers); a run's cap reached skips the test."""
        try:
            return self.sender.send(request, case=self.case_id(), verdict=verdict, wire=wire)
        except RequestCapReached as exc:
            self.cut_short.setdefault(current_test(), str(exc))
            pytest.skip(f"CUT SHORT: {exc}")

    def check(
        self,
        params: Mapping[str, str] | Pairs,
        *,
        subject: Iterable[str] = (),
        method: str = "POST",
        oracle: Oracle | None = None,
        code: int | None = None,
    ) -> tuple[Verdict, Exchange]:
        """Send ``params`` (made live-safe when needed) and assert the oracle's answer.

        ``code``: what the test means the case to be; asserted against the oracle on the
        request as the test built it (before any sentinel), so a strategy that drifts from
        its purpose fails the test instead of silently testing something else."""
        judge = oracle or self.oracle
        built = Request.of(params, method)
        if code is not None:
            intended = judge.expect(built)
            assert intended.code == code, (
                f"not the case the test means (it means {code}): {intended.explain()}\n"
                f"  request: {built.shown()}"
            )
        request = self.prepare_request(built, subject=subject)
        return self.judge(request, judge.expect(request))

    def judge(self, request: Request, verdict: Verdict) -> tuple[Verdict, Exchange]:
        """Send ``request`` as it is and assert the target answers ``verdict``'s code (from an
        emulator, as ``text/plain``)."""
        exchange = self.send(request, verdict)
        problem = None
        if not exchange.answered(verdict.code):
            problem = f"the target answered {exchange.code_text}, the contract says {verdict.code}"
        elif not self.live_safe and not exchange.plain_text:
            problem = (
                f"the target answered {exchange.code_text} as {exchange.content_type!r}; the "
                "emulator promises text/plain (the bare code)"
            )
        if problem is not None:
            self.mismatches.append(Mismatch(current_test(), verdict, exchange))
            raise AssertionError(
                f"{problem}\n  oracle: {verdict.explain()}\n  request: {request.shown()}"
            )
        return verdict, exchange

    def check_on(
        self,
        interface: str,
        params: Mapping[str, str] | Pairs,
        *,
        subject: Iterable[str] = (),
        code: int | None = None,
        oracle: Oracle | None = None,
    ) -> tuple[Verdict, Exchange]:
        """:meth:`check` through ``interface`` (``form``, ``legacy``, ``rest``, ``soap``): its
        oracle (order, codes, readings), its client, its answer shape; a failure names it."""
        if interface == FORM and oracle is None:
            return self.check(params, subject=subject, code=code)
        judge = (oracle or self.oracle).on(interface)
        built = Request.of(params)
        if code is not None:
            intended = judge.expect(built)
            assert intended.code == code, (
                f"{title(interface)}: not the case the test means (it means {code}): "
                f"{intended.explain()}\n  request: {built.shown()}"
            )
        request = self.prepare_request(built, subject=subject, interface=interface)
        return self.judge_on(interface, request, judge.expect(request))

    def send_on(self, interface: str, request: Request, verdict: Verdict | None = None) -> Exchange:
        """Send ``request`` through ``interface``'s client (cap, guard, pace, recording)."""
        if interface == FORM:
            return self.send(request, verdict)
        problem = self.channels.soap_problem if interface == "soap" else None
        if problem is not None:
            pytest.skip(f"{title(interface)}: {problem}")
        wire = self.channels.wire(interface, request)
        try:
            exchange = self.sender.send(
                request,
                case=self.case_id(),
                verdict=verdict,
                wire=wire,
                guarded=carried(interface, request),
            )
        except RequestCapReached as exc:
            self.cut_short.setdefault(current_test(), str(exc))
            pytest.skip(f"CUT SHORT: {exc}")
        if exchange.status == 404 and self.live_safe:
            pytest.skip(f"{title(interface)}: the target does not serve {exchange.path} (404)")
        return exchange

    def judge_on(
        self, interface: str, request: Request, verdict: Verdict
    ) -> tuple[Verdict, Exchange]:
        """Send ``request`` through ``interface`` as it is and assert it answers ``verdict``'s
        code in that interface's shape."""
        if interface == FORM:
            return self.judge(request, verdict)
        exchange = self.send_on(interface, request, verdict)
        answer = self.channels.read(interface, exchange, strict_type=not self.live_safe)
        problem = answer.problem
        if problem is None and answer.code != verdict.code:
            problem = f"the target answered {answer.code}"
        if problem is not None:
            self.mismatches.append(Mismatch(current_test(), verdict, exchange))
            raise AssertionError(
                f"{title(interface)}: {problem}; the contract says {verdict.code}\n"
                f"  oracle ({interface}): {verdict.explain()}\n  request: {request.shown()}"
            )
        return verdict, exchange

    def stored(self) -> list[dict[str, Any]] | None:
        """The messages the emulator stored for the last request, oldest first (None: no admin
        API on this target)."""
        admin = self.target.admin
        if admin is None:
            return None
        entries = admin.journal(limit=1)
        ids = set(entries[0]["messages"]) if entries else set()
        if not ids:
            return []
        return sorted(
            (m for m in admin.messages(limit=len(ids)) if m["id"] in ids), key=lambda m: m["id"]
        )

    @property
    def live_safe(self) -> bool:
        return self.target.capabilities.live_safe

    def _deliverable(self, params: Mapping[str, str], why: str = "") -> Params:
        """``params`` ready to be delivered: as they are to an emulator; to a live target only
        within the delivery budget (else the test is skipped, saying ``why`` it needs it), to
        the test number."""
        prepared = Params(params)
        if self.target.capabilities.live_safe:
            if not self.budget.allowed:
                pytest.skip(f"delivery is not allowed (--ismart-allow-delivery){why}")
            if self.budget.remaining <= 0:
                pytest.skip(f"the --ismart-max-sends budget ({self.budget.max_sends}) is used")
            prepared["MobileNo"] = self.budget.test_number or ""
        return prepared

    def deliver(self, params: Mapping[str, str]) -> tuple[Verdict, Exchange]:
        """Send a request the oracle accepts: freely to an emulator; to a live target only with
        ``--ismart-allow-delivery``, to the test number, within ``--ismart-max-sends``."""
        request = Request.of(self._deliverable(params))
        verdict = self.oracle.expect(request)
        assert verdict.accepted, f"not a deliverable request: {verdict.explain()}"
        return self.judge(request, verdict)  # no sentinel: this one is meant to be delivered

    def check_or_deliver(
        self,
        interface: str,
        params: Mapping[str, str],
        *,
        subject: Iterable[str] = (),
        code: int | None = None,
    ) -> tuple[Verdict, Exchange]:
        """:meth:`check_on`, except that a request the oracle accepts goes, on a live target
        with delivery budget left, to the test number as it is (:meth:`deliver_on`) instead of
        behind a sentinel: the field it is about (one a gateway could refuse: an empty Header,
        a FLashSMS value) is then judged, not hidden by the sentinel's earlier code. Without
        the budget (or once it is used) it is :meth:`check_on`, as before."""
        within_budget = self.live_safe and self.budget.remaining > 0
        if within_budget and self.oracle.on(interface).expect(Request.of(params)).accepted:
            return self.deliver_on(interface, params)
        return self.check_on(interface, params, subject=subject, code=code)

    def probe(self, params: Mapping[str, str], *, code: int) -> tuple[Verdict, Exchange]:
        """Send a request the oracle refuses with ``code`` although it carries no
        delivery-proof fault: its one fault is a rule a gateway could read otherwise (a header
        in another case, padded), and no sentinel can go with it (the header is the latest
        one; any other would be checked first and hide it). To an emulator it goes as it is;
        to a live target only within the delivery budget, to the test number, counted against
        ``--ismart-max-sends`` (else skipped): a gateway that keeps the contract refuses it and
        nothing is delivered; one that does not delivers one SMS to the user's own test number,
        and the test fails saying so."""
        why = (
            ": live, this rule is judged only at the test number, within the delivery budget "
            "(any sentinel fault would be checked first and hide it)"
        )
        request = Request.of(self._deliverable(params, why))
        verdict = self.oracle.expect(request)
        assert verdict.code == code, (
            f"not the case the test means (it means {code}): {verdict.explain()}\n"
            f"  request: {request.shown()}"
        )
        before = len(self.mismatches)
        try:
            return self.judge(request, verdict)  # no sentinel: nothing else may decide it
        except AssertionError as exc:
            new = self.mismatches[before:]
            if self.live_safe and new and new[-1].exchange.answered(1):
                raise AssertionError(
                    f"{exc}\n  delivered: the gateway accepted it, so one SMS went to the "
                    f"test number {self.budget.test_number} (--ismart-allow-delivery)"
                ) from None
            raise

    def deliver_on(self, interface: str, params: Mapping[str, str]) -> tuple[Verdict, Exchange]:
        """:meth:`deliver` through ``interface`` (the same budget on a live target)."""
        if interface == FORM:
            return self.deliver(params)
        request = Request.of(self._deliverable(params))
        verdict = self.oracle.on(interface).expect(request)
        assert verdict.accepted, (
            f"{title(interface)}: not a deliverable request: {verdict.explain()}"
        )
        return self.judge_on(interface, request, verdict)


def current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "outside-a-test").rsplit(" ", 1)[0]


def agree(got: Any, want: Any, *, what: str, says: str, sent: Any = None) -> None:
    """Fail unless ``got == want``, saying what was looked at, what the contract says and why,
    and what was sent (a :class:`Request`, parameters or a list of them; passwords masked)."""
    if got == want:
        return
    lines = [f"{what}: the target has {got!r}, the contract says {want!r}", f"  because: {says}"]
    if sent is not None:
        lines.append(f"  sent: {describe_sent(sent)}")
    raise AssertionError("\n".join(lines))


def describe_sent(sent: Any) -> str:
    if isinstance(sent, Request):
        return sent.shown()
    if isinstance(sent, Mapping):
        return Request.of(sent).shown()
    if isinstance(sent, (list, tuple)):
        return "; ".join(describe_sent(s) for s in sent)
    return str(sent)


def apply(params: Mapping[str, str], changes: Mapping[str, str | None]) -> Params:
    out = Params(params)
    for name, value in changes.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def with_changes(request: Request, changes: Mapping[str, str | None]) -> Request:
    """``request`` with each named field (in any case, every occurrence) replaced by one value
    in place of its first occurrence (at the end if absent), or removed (None)."""
    pairs = list(request.params)
    for name, value in changes.items():
        key = name.lower()
        at = next((i for i, (k, _) in enumerate(pairs) if k.lower() == key), len(pairs))
        rest = [(k, v) for k, v in pairs[at:] if k.lower() != key]
        pairs = pairs[:at] + ([(name, value)] if value is not None else []) + rest
    return Request(tuple(pairs), request.method)


def changed_fields(base: Mapping[str, str], request: Request) -> set[str]:
    """The fields (lower case) whose reading differs from ``base``'s (names compared
    case-insensitively, repeated names joined, as the gateway reads them)."""
    names = {n.lower() for n in base} | {k.lower() for k, _ in request.params}
    base_request = Request.of(base)
    return {n for n in names if base_request.get(n) != request.get(n)}
