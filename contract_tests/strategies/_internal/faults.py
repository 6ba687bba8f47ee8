"""Faults, for precedence: ways to break a valid request, each touching named fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from ismart_sms_kit.contract_tests.strategies._internal.datetimes import (
    DateParts,
    impossible_dates,
    malformed_datetimes,
)
from ismart_sms_kit.contract_tests.strategies._internal.headers import unregistered_headers
from ismart_sms_kit.contract_tests.strategies._internal.langs import lang_values
from ismart_sms_kit.contract_tests.strategies._internal.messages import too_long_messages
from ismart_sms_kit.contract_tests.strategies._internal.phones import one_bad_in_batch
from ismart_sms_kit.contract_tests.strategies._internal.reference_ids import invalid_reference_ids
from ismart_sms_kit.contract_tests.strategies._internal.text import ASCII_LETTERS, blank_text

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
