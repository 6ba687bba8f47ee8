"""The global settings' table (:data:`SETTINGS`: name, default, help, kind) and the value
parsers every setting is read with, from a config file or the environment alike; the docs'
tests read the same table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
        "a request line and headers of which no byte arrives this long: 408, connection closed",
        int,
    ),
    Setting(
        "body_timeout_ms",
        30_000,
        "a request body of which no byte arrives this long: 408, connection closed",
        int,
    ),
    Setting(
        "idle_timeout_ms",
        5_000,
        "a connection with no request in progress closed after this long (keep-alive too)",
        int,
    ),
    Setting(
        "write_timeout_ms",
        30_000,
        "an answer (a journal page, an event stream) whose client reads none of it this long: "
        "connection closed",
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
