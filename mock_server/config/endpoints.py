"""The gateway's endpoints: :class:`EndpointConfig` (how one behaves), its settings' table
(:data:`ENDPOINT_SETTINGS`), each endpoint's path and defaults, and :func:`build_endpoint`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from ismart_sms_kit.mock_server.config.settings import (
    ConfigError,
    Setting,
    parse_bool,
    parse_int,
    parse_status,
)
from ismart_sms_kit.protocol import spec
from ismart_sms_kit.protocol.interfaces import FORM, WEB_SERVICE_NOT_CONFIGURED, interface_of
from ismart_sms_kit.protocol.spec import (
    LEGACY_SEND_PATH,
    REST_PATH,
    SEND_PATH,
    SOAP_PATH,
    ReturnCode,
)
from ismart_sms_kit.protocol.steps import DEFAULT_ORDER, LEGACY_ORDER, STEPS, WEB_SERVICE_ORDER
from ismart_sms_kit.protocol.validation import Limits

LEGACY_ONLY_CODES: Final = frozenset({22, 23, 24})
"""Codes only ``SMSDynamicAPI`` answers (its flash and opt-out steps, 24 for too many numbers):
the documented endpoint's magic numbers do not (docs/emulator.md, "Magic numbers")."""
WEB_SERVICE_NOT_ANSWERED: Final = frozenset({17, 19, 22, 24, 25})
"""Codes the REST and SOAP interfaces do not answer (docs/rest-soap.md, "Return codes"): 19,
22 and 24 need a field they have not (Header, FLashSMS; too many numbers is 9), 17 is 18 there,
and no REST or SOAP source knows 25 (field notes)."""
NOT_ANSWERED: Final[dict[str, frozenset[int]]] = {
    "SMSDynamicRefIntlAPI": LEGACY_ONLY_CODES,
    "SMSDynamicAPI": frozenset(),
    "PostSMS": WEB_SERVICE_NOT_ANSWERED,
    "IBulkSMS": WEB_SERVICE_NOT_ANSWERED,
}
"""What each endpoint's magic numbers do not answer: its default ``magic_codes`` are the send
failures of :class:`ReturnCode` (``spec.MAGIC_CODES``, read when the endpoint is built, so a
code added there is a magic number without another edit) less these."""


def default_magic_codes(name: str) -> list[int]:
    return sorted(c for c in spec.MAGIC_CODES if c not in NOT_ANSWERED[name])


ENDPOINT_SETTINGS: Final = (
    Setting("validation_order", list(DEFAULT_ORDER), "the checks in the order they run", list),
    Setting("mobile_lengths", [11], "accepted digit counts of one number", list),
    Setting("max_numbers", 50, "most numbers in one request", int),
    Setting("too_many_numbers_code", 9, "the code for more than max_numbers (24 on legacy)", int),
    Setting(
        "reference_ids_required",
        False,
        "answer 15 when referenceIds is absent or blank (a field report says the Ref endpoint "
        "does; the document calls them optional)",
        bool,
    ),
    Setting(
        "reference_ids_strict",
        True,
        "answer 15 unless each id is 3 to 6 digits (false on SMSDynamicAPI: any text, kept as "
        "given)",
        bool,
    ),
    Setting("header_case_sensitive", True, "match registered headers case-sensitively", bool),
    Setting(
        "header_required",
        False,
        "answer 15 to an absent or bare Header (else: sent under the account's default sender)",
        bool,
    ),
    Setting(
        "blank_header_default",
        True,
        "send Header= (empty or blank) under the account's default sender (else: 19)",
        bool,
    ),
    Setting(
        "flash",
        True,
        "read FLashSMS: Y a flash SMS, N a normal one (another value answers 22 where the "
        "validation_order has the flash step, as SMSDynamicAPI's does)",
        bool,
    ),
    Setting("flash_lower_case", True, "accept y/n as well as Y/N in FLashSMS", bool),
    Setting(
        "push_datetime_lenient",
        False,
        "also read PushDateTime as .NET en-US DateTime.Parse would (AM/PM, no seconds, ISO)",
        bool,
    ),
    Setting("enabled", True, "serve this endpoint at all (else 404)", bool),
    Setting(
        "magic_codes",
        default_magic_codes("SMSDynamicRefIntlAPI"),
        "the codes a magic number answers on this endpoint (only those it can answer: not 22, "
        "23, 24 on SMSDynamicRefIntlAPI, not 17, 19, 22, 24, 25 on PostSMS and IBulkSMS); "
        "another NN is a plain number",
        list,
    ),
    Setting(
        "web_service_code",
        17,
        "the code for an account not enabled for the web service (18 on PostSMS and IBulkSMS)",
        int,
    ),
    Setting(
        "error_status",
        201,
        "REST: the HTTP status of an answer whose Code is not 1 (unknown; 1 answers 201)",
        int,
    ),
    Setting(
        "lenient_json",
        True,
        "REST: read JSON as Json.NET does (single quotes, unquoted names, comments), else RFC 8259",
        bool,
    ),
    Setting("form_body", True, "REST: also read a form-urlencoded body (else 415)", bool),
    Setting(
        "schedule_strict",
        False,
        "REST: an unreadable ScheddateTime answers 16 (else the message is sent now)",
        bool,
    ),
    Setting(
        "recipients_text",
        False,
        "SOAP: read text inside Recipients as comma-separated numbers (ASMX ignores it: 8)",
        bool,
    ),
)
_DEFAULT: Final[dict[str, Any]] = {s.name: s.default for s in ENDPOINT_SETTINGS}
_WEB_SERVICE_CODE: Final = ReturnCode(_DEFAULT["web_service_code"])


@dataclass(frozen=True)
class EndpointConfig:
    """How one gateway endpoint behaves; the per-endpoint settings."""

    name: str
    path: str
    validation_order: tuple[str, ...]
    limits: Limits
    interface: str = FORM
    """``form`` (the HTTP API), ``rest`` or ``soap``: how requests are read and answered."""
    # the settings of ENDPOINT_SETTINGS that are not in ``limits``, their defaults from it
    header_case_sensitive: bool = _DEFAULT["header_case_sensitive"]
    flash: bool = _DEFAULT["flash"]
    enabled: bool = _DEFAULT["enabled"]
    error_status: int = _DEFAULT["error_status"]
    lenient_json: bool = _DEFAULT["lenient_json"]
    form_body: bool = _DEFAULT["form_body"]
    schedule_strict: bool = _DEFAULT["schedule_strict"]
    recipients_text: bool = _DEFAULT["recipients_text"]
    web_service_code: ReturnCode = _WEB_SERVICE_CODE
    header_required: bool = _DEFAULT["header_required"]
    """Absent or bare ``Header`` answers 15 (the strict reading); else the default sender."""
    magic_codes: frozenset[int] = frozenset(_DEFAULT["magic_codes"])
    """The codes a magic number (``968000000NN``) answers here; another NN is a plain number."""


ENDPOINT_SETTINGS_BY_NAME: Final = {s.name: s for s in ENDPOINT_SETTINGS}
ENDPOINT_PATHS: Final = {
    "SMSDynamicRefIntlAPI": SEND_PATH,
    "SMSDynamicAPI": LEGACY_SEND_PATH,
    "PostSMS": REST_PATH,
    "IBulkSMS": SOAP_PATH,
}
_WEB_SERVICE_DEFAULTS: Final[dict[str, Any]] = {
    "validation_order": list(WEB_SERVICE_ORDER),
    "flash": True,  # RecipientType 9, passed on as FLashSMS=Y
    "push_datetime_lenient": True,  # ScheddateTime as DateTime.Parse reads it
    "web_service_code": WEB_SERVICE_NOT_CONFIGURED,
}
_ENDPOINT_DEFAULTS: Final[dict[str, dict[str, Any]]] = {
    "SMSDynamicRefIntlAPI": {},
    "SMSDynamicAPI": {
        "validation_order": list(LEGACY_ORDER),
        "too_many_numbers_code": 24,
        "reference_ids_strict": False,
    },
    "PostSMS": _WEB_SERVICE_DEFAULTS,
    "IBulkSMS": _WEB_SERVICE_DEFAULTS,
}


_LIMITS: Final = frozenset(f.name for f in fields(Limits))
_READ: Final[dict[str, Callable[[Any], Any]]] = {
    "validation_order": lambda value: _order(tuple(str(step) for step in value)),
    "mobile_lengths": lambda value: frozenset(parse_int(n) for n in value),
    "too_many_numbers_code": lambda value: ReturnCode(parse_int(value)),
    "web_service_code": lambda value: ReturnCode(parse_int(value)),
    "error_status": parse_status,
    "magic_codes": lambda value: frozenset(parse_int(code) for code in value),
}
"""How a setting's value is read where its kind (``bool``, ``int``) does not say it all."""
_BY_KIND: Final[dict[type, Callable[[Any], Any]]] = {bool: parse_bool, int: parse_int}


def _order(order: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [s for s in order if s not in STEPS]
    if unknown:
        raise ValueError(f"unknown steps {unknown} (known: {', '.join(STEPS)})")
    if not order or order[0] != "request":
        raise ValueError("the first step must be 'request' (missing fields answer 15 first)")
    if len(set(order)) != len(order):
        raise ValueError("a step is listed twice")
    return order


def build_endpoint(name: str, overrides: Mapping[str, Any], where: str) -> EndpointConfig:
    """Endpoint ``name``: the table's defaults, its own, then ``overrides``; each setting read
    once, into ``limits`` (a field of :class:`Limits`) or the endpoint's own field."""
    values: dict[str, Any] = {
        **_DEFAULT,
        "magic_codes": default_magic_codes(name),
        **_ENDPOINT_DEFAULTS[name],
    }
    for key, raw in overrides.items():
        if key not in ENDPOINT_SETTINGS_BY_NAME:
            known = ", ".join(ENDPOINT_SETTINGS_BY_NAME)
            raise ConfigError(f"{where}: endpoints.{name}.{key}: unknown setting (known: {known})")
        values[key] = raw
    try:
        read = {
            setting.name: (_READ.get(setting.name) or _BY_KIND[setting.kind])(values[setting.name])
            for setting in ENDPOINT_SETTINGS
        }
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: endpoints.{name}: {exc}") from None
    order = read.pop("validation_order")
    limits = Limits(**{key: read.pop(key) for key in list(read) if key in _LIMITS})
    return EndpointConfig(
        name, ENDPOINT_PATHS[name], order, limits, interface=interface_of(name), **read
    )
