"""Configuration: one table of settings drives the config file, the environment and the docs.

A config file (YAML, ``--config FILE``) may hold::

    settings:            # any global setting of SETTINGS below
      max_body_bytes: 65536
    endpoints:           # per-endpoint settings of ENDPOINT_SETTINGS below
      SMSDynamicRefIntlAPI: {header_required: true}
    demo_accounts: true  # keep the embedded demo accounts (default true)
    closed_companies: [Gone LLC]   # companies that no longer exist: their accounts answer 2
    accounts:            # added to (or replacing, by user_id) the demo accounts
      - {user_id: acme, password: s3cret, company: Acme LLC, headers: [ACME], credit: 500}

Every global setting can also be given as an environment variable ``ISMART_MOCK_<NAME>``
(upper case); the command-line options win over both.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from ismart_sms_kit.mock_server.state.accounts import (
    DEMO_CLOSED_COMPANIES,
    Account,
    AccountError,
    account_from_mapping,
    demo_accounts,
)
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


class ConfigError(ValueError):
    """A configuration mistake, naming where it is (file, section, item, field)."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: type


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    return int(value)


def _status(value: Any) -> int:
    status = _int(value)
    if not 200 <= status <= 599:
        raise ValueError(f"error_status {status} is not an HTTP status from 200 to 599")
    return status


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"{value!r} is not a list of strings")


_PARSERS: Final[dict[type, Callable[[Any], Any]]] = {
    bool: _bool,
    int: _int,
    str: str,
    list: _list,
}

SETTINGS: Final = (
    Setting("max_body_bytes", 65_536, "largest request body read; a larger one answers 15", int),
    Setting("message_cap", 10_000, "messages kept in the store (oldest dropped first)", int),
    Setting("journal_cap", 10_000, "requests kept in the journal (oldest dropped first)", int),
    Setting(
        "journal_max_params",
        32,
        "parameters one journal entry keeps (the gateway's own first); it says what it cut",
        int,
    ),
    Setting("journal_max_value_chars", 1024, "characters one journal entry keeps of a value", int),
    Setting(
        "journal_max_entry_chars",
        4096,
        "characters one journal entry keeps of all its parameters' names and values",
        int,
    ),
    Setting(
        "magic_numbers",
        True,
        "968000000NN answers code NN (02..25, 99: a failed delivery) with no setup",
        bool,
    ),
    Setting(
        "magic_prefix",
        "968000000",
        "the magic numbers are this prefix + 2 digits; the default, 968000000, is a range no "
        "Omani subscriber can hold; any other range is one real people could hold, and the "
        "emulator warns at start-up (an app left pointing at the live gateway would text them)",
        str,
    ),
    Setting(
        "rules_reload_ms", 500, "how often --rules files are checked for changes; 0 = never", int
    ),
    Setting(
        "utc_offset_minutes",
        240,
        "the gateway clock's offset from UTC, for PushDateTime (Asia/Muscat is +240)",
        int,
    ),
    Setting(
        "delivery_delay_ms",
        0,
        "simulated delivery: a message is 'delivered' this long after it is due",
        int,
    ),
    Setting(
        "oman_networks",
        [],
        "client networks counted as inside Oman; oman_only accounts answer 21 to others",
        list,
    ),
    Setting("admin_token", "", "when set, the admin API and inbox need this token", str),
    Setting(
        "allowed_hosts",
        [],
        "Host names the admin API and inbox answer besides localhost and IP addresses "
        "(DNS rebinding guard); * allows any",
        list,
    ),
    Setting(
        "header_timeout_ms",
        10_000,
        "a request line and headers not complete this long after they began: connection closed",
        int,
    ),
    Setting(
        "body_timeout_ms",
        30_000,
        "a request body not complete this long after its headers: connection closed",
        int,
    ),
    Setting(
        "idle_timeout_ms",
        5_000,
        "a connection with no request in progress closed after this long (keep-alive too)",
        int,
    ),
    Setting(
        "max_connections",
        1_000,
        "open connections at most (and below the file limit); a new one beyond closes the "
        "oldest that is idle or still sending its request",
        int,
    ),
)
SETTINGS_BY_NAME: Final = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class EndpointConfig:
    """How one gateway endpoint behaves; the per-endpoint settings."""

    name: str
    path: str
    validation_order: tuple[str, ...]
    limits: Limits
    header_case_sensitive: bool = True
    flash: bool = False
    enabled: bool = True
    interface: str = FORM
    """``form`` (the HTTP API), ``rest`` or ``soap``: how requests are read and answered."""
    error_status: int = 201
    lenient_json: bool = True
    form_body: bool = True
    schedule_strict: bool = False
    recipients_text: bool = False
    web_service_code: ReturnCode = ReturnCode.NOT_REGISTERED_WEB_SERVICE
    header_required: bool = False
    """Absent or bare ``Header`` answers 15 (the strict reading); else the default sender."""
    blank_header_default: bool = True
    """``Header=`` (empty or white space) goes out under the default sender; else 19."""


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
    Setting("flash", False, "read FLashSMS (Y/N, else 22); true on the legacy endpoint", bool),
    Setting("flash_lower_case", True, "accept y/n as well as Y/N in FLashSMS", bool),
    Setting(
        "push_datetime_lenient",
        False,
        "also read PushDateTime as .NET en-US DateTime.Parse would (AM/PM, no seconds, ISO)",
        bool,
    ),
    Setting("enabled", True, "serve this endpoint at all (else 404)", bool),
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
        "flash": True,
        "reference_ids_strict": False,
    },
    "PostSMS": _WEB_SERVICE_DEFAULTS,
    "IBulkSMS": _WEB_SERVICE_DEFAULTS,
}


def build_endpoint(name: str, overrides: Mapping[str, Any], where: str) -> EndpointConfig:
    values: dict[str, Any] = {s.name: s.default for s in ENDPOINT_SETTINGS}
    values.update(_ENDPOINT_DEFAULTS[name])
    for key, raw in overrides.items():
        setting = ENDPOINT_SETTINGS_BY_NAME.get(key)
        if setting is None:
            known = ", ".join(ENDPOINT_SETTINGS_BY_NAME)
            raise ConfigError(f"{where}: endpoints.{name}.{key}: unknown setting (known: {known})")
        values[key] = raw
    try:
        order = tuple(str(s) for s in values["validation_order"])
        unknown = [s for s in order if s not in STEPS]
        if unknown:
            raise ValueError(f"unknown steps {unknown} (known: {', '.join(STEPS)})")
        if not order or order[0] != "request":
            raise ValueError("the first step must be 'request' (missing fields answer 15 first)")
        if len(set(order)) != len(order):
            raise ValueError("a step is listed twice")
        lengths = frozenset(_int(n) for n in values["mobile_lengths"])
        too_many = ReturnCode(_int(values["too_many_numbers_code"]))
        limits = Limits(
            mobile_lengths=lengths,
            max_numbers=_int(values["max_numbers"]),
            too_many_numbers_code=too_many,
            reference_ids_required=_bool(values["reference_ids_required"]),
            reference_ids_strict=_bool(values["reference_ids_strict"]),
            flash_lower_case=_bool(values["flash_lower_case"]),
            push_datetime_lenient=_bool(values["push_datetime_lenient"]),
            blank_header_default=_bool(values["blank_header_default"]),
        )
        return EndpointConfig(
            name=name,
            path=ENDPOINT_PATHS[name],
            validation_order=order,
            limits=limits,
            header_case_sensitive=_bool(values["header_case_sensitive"]),
            flash=_bool(values["flash"]),
            enabled=_bool(values["enabled"]),
            interface=interface_of(name),
            error_status=_status(values["error_status"]),
            lenient_json=_bool(values["lenient_json"]),
            form_body=_bool(values["form_body"]),
            schedule_strict=_bool(values["schedule_strict"]),
            recipients_text=_bool(values["recipients_text"]),
            web_service_code=ReturnCode(_int(values["web_service_code"])),
            header_required=_bool(values["header_required"]),
            blank_header_default=_bool(values["blank_header_default"]),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: endpoints.{name}: {exc}") from None


@dataclass
class Config:
    """Everything ``create_app`` needs; ``Config()`` is the embedded demo defaults."""

    settings: dict[str, Any] = field(default_factory=lambda: {s.name: s.default for s in SETTINGS})
    endpoints: dict[str, EndpointConfig] = field(
        default_factory=lambda: {n: build_endpoint(n, {}, "defaults") for n in ENDPOINT_PATHS}
    )
    accounts: list[Account] = field(default_factory=demo_accounts)
    closed_companies: list[str] = field(default_factory=lambda: list(DEMO_CLOSED_COMPANIES))
    rules: list[dict[str, Any]] = field(default_factory=list)
    rule_sources: list[str] = field(default_factory=list)
    rule_files: list[str] = field(default_factory=list)  # watched for changes
    seed: int | None = None
    workers: int = 1
    """Processes serving the same state; above 1, run-time rules are refused (each worker
    has its own rule counters, so a rule added through one would apply in one only)."""
    state: str = "memory"
    """Where the state lives: ``memory`` or ``sqlite:PATH`` (survives restarts, shared by
    workers)."""

    def setting(self, name: str) -> Any:
        return self.settings[name]


SAFE_MAGIC_PREFIX: Final = "9680"
"""No Omani number starts with 0 after the country code: a magic range under ``9680`` can
never be a real subscriber's."""


def warnings(config: Config) -> list[str]:
    """What a user must be told loudly about this configuration (start-up, ``/health``)."""
    out: list[str] = []
    prefix = str(config.setting("magic_prefix"))
    if config.setting("magic_numbers") and not prefix.startswith(SAFE_MAGIC_PREFIX):
        out.append(
            f"magic_prefix {prefix!r}: the magic numbers {prefix}02..{prefix}25 are a range "
            "that real subscribers could hold. An app left pointing at the live gateway with "
            "these numbers would text strangers. Keep them out of production data and "
            "configuration; the default 968000000 cannot be assigned to anyone."
        )
    return out


def parse_setting(name: str, raw: Any, where: str) -> Any:
    setting = SETTINGS_BY_NAME.get(name)
    if setting is None:
        raise ConfigError(
            f"{where}: settings.{name}: unknown setting (known: {', '.join(SETTINGS_BY_NAME)})"
        )
    try:
        return _PARSERS[setting.kind](raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: settings.{name}: {exc}") from None


_TOP_KEYS: Final = frozenset(
    {"settings", "endpoints", "demo_accounts", "closed_companies", "accounts", "rules"}
)


def apply_mapping(config: Config, data: Mapping[str, Any], where: str) -> Config:
    """Apply a parsed config document to ``config`` (in place) and return it."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown section(s) {sorted(unknown)} (known: {sorted(_TOP_KEYS)})"
        )
    for name, raw in (data.get("settings") or {}).items():
        config.settings[name] = parse_setting(name, raw, where)
    for name, overrides in (data.get("endpoints") or {}).items():
        if name not in ENDPOINT_PATHS:
            raise ConfigError(
                f"{where}: endpoints.{name}: unknown endpoint (known: {', '.join(ENDPOINT_PATHS)})"
            )
        if not isinstance(overrides, Mapping):
            raise ConfigError(f"{where}: endpoints.{name}: must be a mapping of settings")
        config.endpoints[name] = build_endpoint(name, overrides, where)
    if not _bool(data.get("demo_accounts", True)):
        config.accounts = []
        config.closed_companies = []
    closed = data.get("closed_companies") or []
    if not isinstance(closed, list):
        raise ConfigError(f"{where}: closed_companies: must be a list of names")
    config.closed_companies.extend(str(c) for c in closed)
    by_id = {a.user_id: a for a in config.accounts}
    for i, item in enumerate(data.get("accounts") or []):
        label = f"{where}: accounts[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{label}: must be a mapping")
        if "user_id" in item:
            label += f" ({item['user_id']})"
        try:
            account = account_from_mapping(item)
        except AccountError as exc:
            raise ConfigError(f"{label}: {exc}") from None
        by_id[account.user_id] = account
    config.accounts = list(by_id.values())
    rules = data.get("rules") or []
    if not isinstance(rules, list):
        raise ConfigError(f"{where}: rules: must be a list of rules")
    config.rules.extend(rules)
    config.rule_sources.extend(where for _ in rules)
    return config


def load_file(path: str | Path, config: Config | None = None) -> Config:
    config = config if config is not None else Config()
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: the top level must be a mapping")
    return apply_mapping(config, data, where)


def read_rules_file(path: str | Path) -> list[Any]:
    """The rules of a ``--rules`` file: a mapping with ``rules:`` or a bare list of rules."""
    where = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    if data is None:
        return []
    if isinstance(data, Mapping) and set(data) <= {"rules"}:
        data = data.get("rules") or []
    if not isinstance(data, list):
        raise ConfigError(f"{where}: a rules file holds 'rules:' with a list of rules")
    return data


def load_rules_file(path: str | Path, config: Config) -> Config:
    """Add the rules of a ``--rules`` file; the file is watched for changes (hot reload)."""
    data = read_rules_file(path)
    config.rules.extend(data)
    config.rule_sources.extend(str(path) for _ in data)
    config.rule_files.append(str(path))
    return config


def apply_environment(config: Config, environ: Mapping[str, str] | None = None) -> Config:
    env = os.environ if environ is None else environ
    for setting in SETTINGS:
        raw = env.get(f"ISMART_MOCK_{setting.name.upper()}")
        if raw is not None:
            config.settings[setting.name] = parse_setting(setting.name, raw, "environment")
    return config
