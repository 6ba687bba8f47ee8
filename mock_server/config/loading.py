"""Loading a configuration: a config file's document (:func:`load_file`, :func:`apply_mapping`),
``--rules`` files (:func:`load_rules_file`, :func:`read_rules_file`, also read by the hot
reload) and the ``ISMART_MOCK_<NAME>`` environment variables (:func:`apply_environment`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from ismart_sms_kit.mock_server.config.endpoints import ENDPOINT_PATHS, build_endpoint
from ismart_sms_kit.mock_server.config.model import Config, RuleSource
from ismart_sms_kit.mock_server.config.settings import (
    SETTINGS,
    ConfigError,
    parse_bool,
    parse_setting,
)
from ismart_sms_kit.mock_server.state.accounts import AccountError, account_from_mapping

SECTIONS: Final = frozenset(
    {"settings", "endpoints", "demo_accounts", "closed_companies", "accounts", "rules"}
)


def apply_mapping(config: Config, data: Mapping[str, Any], where: str) -> Config:
    """Apply a parsed config document to ``config`` (in place) and return it."""
    unknown = set(data) - SECTIONS
    if unknown:
        raise ConfigError(
            f"{where}: unknown section(s) {sorted(unknown)} (known: {sorted(SECTIONS)})"
        )
    for name, raw in (data.get("settings") or {}).items():
        setattr(config.settings, name, parse_setting(name, raw, where))
    for name, overrides in (data.get("endpoints") or {}).items():
        if name not in ENDPOINT_PATHS:
            raise ConfigError(
                f"{where}: endpoints.{name}: unknown endpoint (known: {', '.join(ENDPOINT_PATHS)})"
            )
        if not isinstance(overrides, Mapping):
            raise ConfigError(f"{where}: endpoints.{name}: must be a mapping of settings")
        config.endpoints[name] = build_endpoint(name, overrides, where)
    if not parse_bool(data.get("demo_accounts", True)):
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
    if rules:
        config.rule_sources.append(RuleSource(where, rules))
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
    config.rule_sources.append(RuleSource(str(path), data, watched=True))
    return config


def apply_environment(config: Config, environ: Mapping[str, str] | None = None) -> Config:
    env = os.environ if environ is None else environ
    for setting in SETTINGS:
        raw = env.get(f"ISMART_MOCK_{setting.name.upper()}")
        if raw is not None:
            setattr(config.settings, setting.name, parse_setting(setting.name, raw, "environment"))
    return config
