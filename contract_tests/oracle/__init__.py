"""The oracle: which code the gateway must answer, written from the vendor's tables.

This module is the contract, on purpose independent of ``client/`` and ``mock_server/``: it
has its own GSM 03.38 tables, its own length arithmetic and its own reading of each parameter,
all transcribed from ``shared/spec/ismart-http-post-api.md``. Where the specification is silent
or ambiguous, the decisions of docs/decisions.md fill the gap; each
such decision is a named :class:`Assumption` (``ASSUMPTIONS``), and every :class:`Verdict` lists
the assumptions it relied on, so that a run against the live gateway shows which decision
production does not share.

The oracle is pure: :meth:`Oracle.expect` looks at one request and what the kit knows about the
account (:class:`AccountFacts`); it keeps no state (lockout and credit over several requests
are modelled by the stateful test, not here).

The oracle lives in ``_internal/``, one module per domain, as Hypothesis' own
``hypothesis.strategies`` does (``assumptions``; ``order``: the validation order; ``text``;
``length``: the part table and GSM 03.38; ``lang``; ``phones``; ``datetimes``: PushDateTime;
``fields``: the request step; ``header``; ``request``: a request and its masking; ``reading``:
an account's facts, a fault, one reading; ``accounts``: the account steps; ``oracle``: the
:class:`Oracle` and its :class:`Verdict`), and this module re-exports the public names
(``__all__``): import them from here. A name with a leading underscore is shared between the
``_internal/`` modules only.
"""

from ismart_sms_kit.contract_tests.oracle._internal.assumptions import (
    ASSUMPTIONS,
    Assumption,
)
from ismart_sms_kit.contract_tests.oracle._internal.datetimes import (
    PushTime,
    days_in_month,
    parse_push_datetime,
)
from ismart_sms_kit.contract_tests.oracle._internal.fields import (
    REFERENCE_ID_DIGITS,
    REQUIRED,
    reference_id_problem,
)
from ismart_sms_kit.contract_tests.oracle._internal.header import (
    FLASH_VALUES,
    HEADER_MAX,
)
from ismart_sms_kit.contract_tests.oracle._internal.interfaces import (
    ALL_CODES,
    FORM,
    FORM_INTERFACES,
    INTERFACES,
    LEGACY,
    LEGACY_ONLY_CODES,
    LEGACY_TOO_MANY_NUMBERS,
    REST,
    SOAP,
    WEB_SERVICE_INTERFACES,
    WEB_SERVICE_NOT_ANSWERED,
    WEB_SERVICE_NOT_CONFIGURED,
    answerable_codes,
    check_interface,
    order_for,
)
from ismart_sms_kit.contract_tests.oracle._internal.lang import (
    INT_PARSE_WHITESPACE,
    LANGUAGES,
    parse_lang,
)
from ismart_sms_kit.contract_tests.oracle._internal.length import (
    GSM7,
    GSM7_BASIC,
    GSM7_BASIC_TABLE,
    GSM7_EXTENSION,
    MAX_PARTS,
    PER_PART,
    SINGLE_PART,
    SPEC_PART_LIMITS,
    TOO_LONG_PARTS,
    UCS2,
    Encoding,
    Length,
    encoding_of,
    is_gsm7,
    message_length,
    parts_for,
    unit_costs,
)
from ismart_sms_kit.contract_tests.oracle._internal.oracle import (
    Oracle,
    Verdict,
)
from ismart_sms_kit.contract_tests.oracle._internal.order import (
    ACCOUNT_STEPS,
    DEFAULT_ORDER,
    STEP_CODES,
    parse_order,
)
from ismart_sms_kit.contract_tests.oracle._internal.phones import (
    MAX_NUMBERS,
    MOBILE_DIGITS,
    number_problem,
    split_numbers,
)
from ismart_sms_kit.contract_tests.oracle._internal.reading import (
    AccountFacts,
    Fault,
)
from ismart_sms_kit.contract_tests.oracle._internal.request import (
    MASK,
    SECRET_NAMES,
    Params,
    Request,
    masked,
)
from ismart_sms_kit.contract_tests.oracle._internal.text import (
    NET_WHITESPACE,
    is_ascii_digits,
    is_blank,
)

__all__ = [
    "ACCOUNT_STEPS",
    "ALL_CODES",
    "ASSUMPTIONS",
    "DEFAULT_ORDER",
    "FLASH_VALUES",
    "FORM",
    "FORM_INTERFACES",
    "GSM7",
    "GSM7_BASIC",
    "GSM7_BASIC_TABLE",
    "GSM7_EXTENSION",
    "HEADER_MAX",
    "INTERFACES",
    "INT_PARSE_WHITESPACE",
    "LANGUAGES",
    "LEGACY",
    "LEGACY_ONLY_CODES",
    "LEGACY_TOO_MANY_NUMBERS",
    "MASK",
    "MAX_NUMBERS",
    "MAX_PARTS",
    "MOBILE_DIGITS",
    "NET_WHITESPACE",
    "PER_PART",
    "REFERENCE_ID_DIGITS",
    "REQUIRED",
    "REST",
    "SECRET_NAMES",
    "SINGLE_PART",
    "SOAP",
    "SPEC_PART_LIMITS",
    "STEP_CODES",
    "TOO_LONG_PARTS",
    "UCS2",
    "WEB_SERVICE_INTERFACES",
    "WEB_SERVICE_NOT_ANSWERED",
    "WEB_SERVICE_NOT_CONFIGURED",
    "AccountFacts",
    "Assumption",
    "Encoding",
    "Fault",
    "Length",
    "Oracle",
    "Params",
    "PushTime",
    "Request",
    "Verdict",
    "answerable_codes",
    "check_interface",
    "days_in_month",
    "encoding_of",
    "is_ascii_digits",
    "is_blank",
    "is_gsm7",
    "masked",
    "message_length",
    "number_problem",
    "order_for",
    "parse_lang",
    "parse_order",
    "parse_push_datetime",
    "parts_for",
    "reference_id_problem",
    "split_numbers",
    "unit_costs",
]
