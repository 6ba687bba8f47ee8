"""The oracle and its verdict: each step's check in the order, the first fault answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from ismart_sms_kit.contract_tests.oracle._internal.accounts import _account_step, _check_password
from ismart_sms_kit.contract_tests.oracle._internal.datetimes import _check_push
from ismart_sms_kit.contract_tests.oracle._internal.fields import _check_request
from ismart_sms_kit.contract_tests.oracle._internal.header import _check_flash, _check_header
from ismart_sms_kit.contract_tests.oracle._internal.interfaces import (
    FORM,
    check_interface,
    order_for,
)
from ismart_sms_kit.contract_tests.oracle._internal.lang import _check_lang
from ismart_sms_kit.contract_tests.oracle._internal.length import (
    Length,
    _check_blank,
    _check_length,
    _length,
)
from ismart_sms_kit.contract_tests.oracle._internal.order import DEFAULT_ORDER, STEP_CODES
from ismart_sms_kit.contract_tests.oracle._internal.phones import _check_mobile, _recipients
from ismart_sms_kit.contract_tests.oracle._internal.reading import (
    AccountFacts,
    Fault,
    _Reading,
)
from ismart_sms_kit.contract_tests.oracle._internal.request import Request


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


class Oracle:
    """Predicts the gateway's answer to one request against known accounts."""

    def __init__(
        self,
        accounts: Iterable[AccountFacts],
        order: Sequence[str] = DEFAULT_ORDER,
        interface: str = FORM,
    ) -> None:
        self.accounts = {a.user_id: a for a in accounts}
        self.base_order = tuple(order)
        """The run's order (the documented endpoint's); :attr:`order` is the interface's."""
        self.interface = check_interface(interface)
        self.order = order_for(interface, self.base_order)

    def with_account(self, account: AccountFacts) -> Oracle:
        return Oracle([*self.accounts.values(), account], self.base_order, self.interface)

    def on(self, interface: str) -> Oracle:
        """The oracle of another interface (its order, codes and readings), same accounts."""
        return Oracle(self.accounts.values(), self.base_order, interface)

    def expect(self, request: Request) -> Verdict:
        user_id = request.get("UserId")
        account = self.accounts.get(user_id) if user_id is not None else None
        reading = _Reading(request, account, interface=self.interface)
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
    "flash": _check_flash,
    "credit_expired": _account_step("credit_expired", 14),
    "credit": _account_step("credit", 4),
}


assert set(_CHECKS) == set(STEP_CODES) == {*DEFAULT_ORDER, "flash"}
