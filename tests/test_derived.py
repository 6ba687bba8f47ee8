"""What used to be kept by hand is derived: a new return code is a magic number, a rule
action's kind is decided once when it is parsed, an account field is read by its type."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timezone
from enum import IntEnum
from pathlib import Path

import pytest
import requests

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config, apply_mapping, load_rules_file
from ismart_sms_kit.mock_server.config.endpoints import (
    ENDPOINT_SETTINGS,
    EndpointConfig,
    build_endpoint,
)
from ismart_sms_kit.mock_server.config.settings import SETTINGS, Settings
from ismart_sms_kit.mock_server.rules.actions import ActionKind
from ismart_sms_kit.mock_server.rules.rule import parse_rule
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.mock_server.state.accounts import (
    FIELD_PARSERS,
    Account,
    AccountError,
    coerce_field,
    field_parsers,
)
from ismart_sms_kit.protocol import spec
from ismart_sms_kit.protocol.spec import (
    LEGACY_SEND_PATH,
    MAGIC_CODES,
    SEND_PATH,
    ReturnCode,
    send_failure_codes,
)
from ismart_sms_kit.protocol.validation import Limits
from tests.conftest import SAMPLE


def test_the_magic_codes_are_the_send_failures_of_return_code() -> None:
    assert sorted(MAGIC_CODES) == list(range(2, 26))  # today: 2-25, not 1, not 31-33


def test_every_code_has_its_description_and_origin_in_one_row() -> None:
    """The one table of ``spec._CODES``: a code added to ``ReturnCode`` without its row fails
    here, by name; the delivery report's own codes (never a magic number) are read from it."""
    missing = [code.name for code in ReturnCode if code not in spec._CODES]
    assert missing == []
    assert sorted(spec.DELIVERY_REPORT_CODES) == [31, 32, 33]
    assert [c for c in ReturnCode if c.documented] == list(ReturnCode)[:20]


def with_code_26() -> type[IntEnum]:
    members = {code.name: code.value for code in ReturnCode}
    return IntEnum("ReturnCode", {**members, "NEW_FAULT": 26})


def test_a_code_added_to_return_code_is_a_magic_number_without_other_edits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each endpoint's magic codes are the send failures of ``ReturnCode`` less the codes that
    endpoint cannot answer, read when the endpoint is built: a code 26 is one on the form
    endpoints (which answer every code), and stays a plain number on REST and SOAP only if it
    is listed among theirs (``config.endpoints.NOT_ANSWERED``)."""
    extended = send_failure_codes(with_code_26())
    assert extended == MAGIC_CODES | {26}
    request = {**SAMPLE, "MobileNo": "96800000026"}
    with ServerThread(create_app(Config(seed=0))) as server:
        assert requests.post(server.url + SEND_PATH, data=request, timeout=10).text == "1"
    monkeypatch.setattr(spec, "MAGIC_CODES", extended)  # as ReturnCode with a 26 would give
    with ServerThread(create_app(Config(seed=0))) as server:
        assert requests.post(server.url + SEND_PATH, data=request, timeout=10).text == "26"
        legacy = server.url + LEGACY_SEND_PATH
        assert requests.post(legacy, data=request, timeout=10).text == "26"


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ({"code": 4}, ActionKind.CODE),
        ({"http_status": 503}, ActionKind.HTTP_STATUS),
        ({"http_status": 503, "body": "x"}, ActionKind.HTTP_STATUS),
        ({"body": "x"}, ActionKind.BODY),
        ({"hang": True}, ActionKind.HANG),
        ({"drop": True}, ActionKind.DROP),
        ({"delay_ms": 5}, ActionKind.CONTINUE),
        ({"delivery": "failed"}, ActionKind.CONTINUE),
        ({"rate_limit": 1}, ActionKind.HTTP_STATUS),  # 429 Too Many Requests
    ],
)
def test_an_action_carries_its_kind_from_parsing(
    action: dict[str, object], kind: ActionKind
) -> None:
    rule = parse_rule({"name": "r", "action": action}, rule_id=1, source="test")
    assert rule.action.kind is kind
    assert rule.action.final is (kind is not ActionKind.CONTINUE)


def test_an_account_field_is_read_by_its_type_without_a_list_of_fields() -> None:
    """A new boolean field is read as a boolean (once a list of strings, unless it was added
    to a hand-kept list), a date-time as one: the parsers follow the fields' types."""

    @dataclass(slots=True)
    class WithNewFields(Account):
        loves_flash: bool = False
        renews_at: datetime | None = None

    parsers = field_parsers(WithNewFields)
    assert parsers["loves_flash"]("loves_flash", True) is True
    with pytest.raises(AccountError, match="must be true or false"):
        parsers["loves_flash"]("loves_flash", ["yes"])
    assert parsers["renews_at"]("renews_at", "2030-01-01T00:00:00Z") == datetime(
        2030, 1, 1, tzinfo=timezone.utc
    )
    assert set(field_parsers(Account)) == set(FIELD_PARSERS)
    assert coerce_field("web_service", False) is False
    with pytest.raises(AccountError, match="must be at least 1"):
        coerce_field("lockout_threshold", 0)


def test_the_settings_table_is_read_from_the_typed_settings() -> None:
    """One list: ``Settings`` (typed fields, each with its default and help); the table the
    loaders, ``--help`` and the docs read follows it."""
    assert [s.name for s in SETTINGS] == [f.name for f in fields(Settings)]
    defaults = Settings()
    for setting in SETTINGS:
        assert getattr(defaults, setting.name) == setting.default
        assert isinstance(setting.default, setting.kind)
    config = Config()
    config.settings.max_body_bytes = 10
    assert Config().settings.max_body_bytes == 65_536  # each Config has its own
    assert Config().settings.oman_networks is not Config().settings.oman_networks


def test_an_endpoint_setting_is_read_from_its_table_once() -> None:
    """Each row of ``ENDPOINT_SETTINGS`` lands in one place, the endpoint's ``limits`` or its
    own field, with the table's default; ``blank_header_default`` is kept once."""
    endpoint = build_endpoint("SMSDynamicRefIntlAPI", {}, "test")
    own = {f.name for f in fields(EndpointConfig)}
    in_limits = {f.name for f in fields(Limits)}
    for setting in ENDPOINT_SETTINGS:
        assert (setting.name in own) != (setting.name in in_limits), setting.name
        where = endpoint.limits if setting.name in in_limits else endpoint
        value = getattr(where, setting.name)
        expected = setting.default
        if setting.name == "validation_order":
            expected = tuple(expected)
        elif setting.name in ("mobile_lengths", "magic_codes"):
            expected = frozenset(expected)
        assert value == expected, setting.name
        if setting.name in own and setting.name != "validation_order":
            default = next(f.default for f in fields(EndpointConfig) if f.name == setting.name)
            assert default == expected, setting.name  # the dataclass's, from the table
    off = build_endpoint("SMSDynamicRefIntlAPI", {"blank_header_default": "false"}, "test")
    assert off.limits.blank_header_default is False


def test_the_rules_come_from_one_list_of_sources(tmp_path: Path) -> None:
    """A config's ``rules:`` and each ``--rules`` file are one ``RuleSource`` each: the rules
    with where they come from, and the files watched, both read from that one list."""
    config = apply_mapping(Config(), {"rules": [{"action": {"code": 4}}]}, "config.yaml")
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {action: {code: 5}}\n  - {action: {drop: true}}\n")
    load_rules_file(path, config)
    assert [source.where for source in config.rule_sources] == ["config.yaml", str(path)]
    assert [where for _, where in config.rules] == ["config.yaml", str(path), str(path)]
    assert config.rule_files == [str(path)]
    empty = tmp_path / "empty.yaml"
    empty.write_text("rules: []\n")
    load_rules_file(empty, config)  # watched even while it holds none
    assert config.rule_files == [str(path), str(empty)]
