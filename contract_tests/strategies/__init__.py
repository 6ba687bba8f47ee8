"""Every Hypothesis strategy of the contract kit, as typed keyword-only factories.

Strategies generate request *values* only; what the gateway must answer is the oracle's
business (``ismart_sms_kit.contract_tests.oracle``), and sending is the transport's
(``ismart_sms_kit.contract_tests.transport``),
so that one generated case runs against any target. Nothing here knows the expected code.

As in Hypothesis' own ``hypothesis.strategies``, the strategies live in ``_internal/``, one
module per domain (``text``: alphabets, blank text, a name respelled; ``phones``;
``headers``; ``datetimes``: PushDateTime; ``messages``: lengths; ``langs``;
``reference_ids``; ``faults``: the precedence tests' faults), and this module re-exports the
public ones (``__all__``): import them from here,
``from ismart_sms_kit.contract_tests import strategies as s``. A name with a leading
underscore is shared between the ``_internal/`` modules only.
"""

from ismart_sms_kit.contract_tests.strategies._internal.datetimes import (
    DateParts,
    impossible_dates,
    malformed_datetimes,
    real_dates,
    single_digit_datetimes,
)
from ismart_sms_kit.contract_tests.strategies._internal.faults import (
    Changes,
    FaultKind,
    fault_kinds,
    fault_pairs,
    nonexistent_user_ids,
)
from ismart_sms_kit.contract_tests.strategies._internal.headers import (
    case_variants,
    header_text,
    long_headers,
    padded,
    unregistered_headers,
)
from ismart_sms_kit.contract_tests.strategies._internal.langs import (
    INVALID_LANGS,
    VALID_LANGS,
    lang_values,
)
from ismart_sms_kit.contract_tests.strategies._internal.messages import (
    MessageCase,
    boundary_messages,
    part_edges,
    plain_messages,
    too_long_messages,
)
from ismart_sms_kit.contract_tests.strategies._internal.phones import (
    UNASSIGNED_PREFIXES,
    VALID_PREFIXES,
    invalid_number,
    invalid_separators,
    joined_numbers,
    local_numbers,
    one_bad_in_batch,
    undeliverable_mobile,
    use_unassigned_numbers,
    valid_numbers,
    valid_numbers_one,
    valid_separators,
)
from ismart_sms_kit.contract_tests.strategies._internal.reference_ids import (
    invalid_reference_id,
    invalid_reference_ids,
    reference_id,
    valid_reference_ids,
)
from ismart_sms_kit.contract_tests.strategies._internal.text import (
    ARABIC,
    ASCII_LETTERS,
    ASTRAL,
    GSM_NARROW,
    GSM_WIDE,
    NON_GSM_BMP,
    WHITESPACE,
    blank_text,
    respelled,
)

__all__ = [
    "ARABIC",
    "ASCII_LETTERS",
    "ASTRAL",
    "GSM_NARROW",
    "GSM_WIDE",
    "INVALID_LANGS",
    "NON_GSM_BMP",
    "UNASSIGNED_PREFIXES",
    "VALID_LANGS",
    "VALID_PREFIXES",
    "WHITESPACE",
    "Changes",
    "DateParts",
    "FaultKind",
    "MessageCase",
    "blank_text",
    "boundary_messages",
    "case_variants",
    "fault_kinds",
    "fault_pairs",
    "header_text",
    "impossible_dates",
    "invalid_number",
    "invalid_reference_id",
    "invalid_reference_ids",
    "invalid_separators",
    "joined_numbers",
    "lang_values",
    "local_numbers",
    "long_headers",
    "malformed_datetimes",
    "nonexistent_user_ids",
    "one_bad_in_batch",
    "padded",
    "part_edges",
    "plain_messages",
    "real_dates",
    "reference_id",
    "respelled",
    "single_digit_datetimes",
    "too_long_messages",
    "undeliverable_mobile",
    "unregistered_headers",
    "use_unassigned_numbers",
    "valid_numbers",
    "valid_numbers_one",
    "valid_reference_ids",
    "valid_separators",
]
