"""Header: registered for the account, at most 11 characters, compared exactly; none (or a
blank one) is the account's default sender (19)."""

from __future__ import annotations

from typing import Final

from ismart_sms_kit.contract_tests.oracle._internal.accounts import _no_account
from ismart_sms_kit.contract_tests.oracle._internal.reading import Fault, _Reading
from ismart_sms_kit.contract_tests.oracle._internal.text import is_blank

HEADER_MAX: Final = 11


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


FLASH_VALUES: Final = frozenset({"Y", "N", "y", "n"})


def _check_flash(r: _Reading) -> Fault | None:
    """FLashSMS (22, the older endpoint's step): absent, or Y or N in either case."""
    flash = r.request.get("FLashSMS")
    if flash is None:
        return None
    r.rely("A-FLASH")
    if flash not in FLASH_VALUES:
        return Fault("flash", 22, f"FLashSMS {flash!r} is not Y or N", ("A-FLASH",))
    return None
