"""The request step (15): the required parameters and referenceIds."""

from __future__ import annotations

from typing import Final

from ismart_sms_kit.contract_tests.oracle._internal.interfaces import FORM
from ismart_sms_kit.contract_tests.oracle._internal.reading import Fault, _Reading
from ismart_sms_kit.contract_tests.oracle._internal.text import is_ascii_digits

REQUIRED: Final = ("UserId", "Password", "MobileNo", "Message", "Lang")
"""The parameters whose absence answers 15 (a missing Header is A-HEADER-DEFAULT)."""


REFERENCE_ID_DIGITS: Final = range(3, 7)


def reference_id_problem(raw: str | None) -> str | None:
    """Why referenceIds is refused, or None (A-REFIDS-OPTIONAL/FORMAT)."""
    if raw is None or raw.strip(" ") == "":
        return None
    for item in raw.split(","):
        item = item.strip(" ")
        if not (is_ascii_digits(item) and len(item) in REFERENCE_ID_DIGITS):
            return f"referenceIds item {item!r} is not 3 to 6 digits"
    return None


def _check_request(r: _Reading) -> Fault | None:
    missing = [name for name in REQUIRED if not r.request.has(name)]
    if missing:
        return Fault("request", 15, f"missing {', '.join(missing)}", ("A-MISSING-FIELD",))
    refs = r.request.get("referenceIds")
    problem = reference_id_problem(refs)
    if refs is None or refs.strip(" ") == "":
        r.rely("A-REFIDS-OPTIONAL")
        return None
    if r.interface != FORM:  # the older endpoint: any text; REST and SOAP have none
        r.rely("A-LEGACY")
        return None
    if problem:
        return Fault("request", 15, problem, ("A-REFIDS-FORMAT",))
    r.rely("A-REFIDS-COUNT")
    return None
