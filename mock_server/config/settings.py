"""The global settings' table (:data:`SETTINGS`: name, default, help, kind) and the value
parsers every setting is read with, from a config file or the environment alike; the docs'
tests read the same table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Final


class ConfigError(ValueError):
    """A configuration mistake, naming where it is (file, section, item, field)."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: type


def parse_bool(value: Any) -> bool:
    """true/false, yes/no, on/off, 1/0 (any case), or a YAML boolean."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def parse_int(value: Any) -> int:
    """A whole number (a YAML boolean is not one)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    return int(value)


def parse_status(value: Any) -> int:
    """An HTTP status from 200 to 599."""
    status = parse_int(value)
    if not 200 <= status <= 599:
        raise ValueError(f"error_status {status} is not an HTTP status from 200 to 599")
    return status


def parse_list(value: Any) -> list[str]:
    """A list of strings, or one string of comma-separated items (the environment's form)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"{value!r} is not a list of strings")


_PARSERS: Final[dict[type, Callable[[Any], Any]]] = {
    bool: parse_bool,
    int: parse_int,
    str: str,
    list: parse_list,
}


def _setting(default: int | bool | str, help: str) -> Any:
    """A field of :class:`Settings`: its default and its help (``--help``, the docs)."""
    return field(default=default, metadata={"help": help})


@dataclass(slots=True)
class Settings:
    """The global settings, typed: one field each, its default and help beside it (the table
    :data:`SETTINGS` is read from them)."""

    max_body_bytes: int = _setting(65_536, "largest request body read; a larger one answers 15")
    message_cap: int = _setting(10_000, "messages kept in the store (oldest dropped first)")
    journal_cap: int = _setting(10_000, "requests kept in the journal (oldest dropped first)")
    journal_max_params: int = _setting(
        32, "parameters one journal entry keeps (the gateway's own first); it says what it cut"
    )
    journal_max_value_chars: int = _setting(1024, "characters one journal entry keeps of a value")
    journal_max_entry_chars: int = _setting(
        4096, "characters one journal entry keeps of all its parameters' names and values"
    )
    magic_numbers: bool = _setting(
        True, "968000000NN answers code NN (02..25, 99: a failed delivery) with no setup"
    )
    magic_prefix: str = _setting(
        "968000000",
        "the magic numbers are this prefix + 2 digits; the default, 968000000, is a range no "
        "Omani subscriber can hold; any other range is one real people could hold, and the "
        "emulator warns at start-up (an app left pointing at the live gateway would text them)",
    )
    rules_reload_ms: int = _setting(
        500, "how often --rules files are checked for changes; 0 = never"
    )
    utc_offset_minutes: int = _setting(
        240, "the gateway clock's offset from UTC, for PushDateTime (Asia/Muscat is +240)"
    )
    delivery_delay_ms: int = _setting(
        0, "simulated delivery: a message is 'delivered' this long after it is due"
    )
    oman_networks: list[str] = field(
        default_factory=list,
        metadata={
            "help": "client networks counted as inside Oman; oman_only accounts answer 21 to others"
        },
    )
    admin_token: str = _setting("", "when set, the admin API and inbox need this token")
    allowed_hosts: list[str] = field(
        default_factory=list,
        metadata={
            "help": "Host names the admin API and inbox answer besides localhost and IP "
            "addresses (DNS rebinding guard); * allows any"
        },
    )
    header_timeout_ms: int = _setting(
        10_000,
        "a request line and headers of which no byte arrives this long: 408, connection closed",
    )
    body_timeout_ms: int = _setting(
        30_000, "a request body of which no byte arrives this long: 408, connection closed"
    )
    idle_timeout_ms: int = _setting(
        5000, "a connection with no request in progress closed after this long (keep-alive too)"
    )
    write_timeout_ms: int = _setting(
        30_000,
        "an answer (a journal page, an event stream) whose client reads none of it this long: "
        "connection closed",
    )
    max_connections: int = _setting(
        1000,
        "open connections at most (and below the file limit); a new one beyond closes the "
        "oldest that is idle or still sending its request",
    )


_KINDS: Final[dict[str, type]] = {"int": int, "bool": bool, "str": str, "list[str]": list}
SETTINGS: Final = tuple(
    Setting(
        f.name,
        f.default if f.default is not MISSING else f.default_factory(),  # type: ignore[operator]
        f.metadata["help"],
        _KINDS[str(f.type)],  # the annotation as written (``from __future__ import annotations``)
    )
    for f in fields(Settings)
)
"""The settings' table (name, default, help, kind), from :class:`Settings`."""
SETTINGS_BY_NAME: Final = {s.name: s for s in SETTINGS}


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
