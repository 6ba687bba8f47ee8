"""The contract kit's options and its plan, checked in this process.

The kit reads and checks its options once (``KitSettings.from_config``) and prints its plan
before anything is sent (``plan``). Both are checked here on a real pytest ``Config`` parsed
from the same command line a user types, with the kit's conftest as its plugin: no child
pytest is needed for what is decided before collection (a ``--collect-only`` child took 10-26 s).
The runs of the kit itself are in ``tests/test_contract_kit_runs.py``.
"""

from __future__ import annotations

import pytest

from ismart_sms_kit.contract_tests import conftest as kit_conftest
from ismart_sms_kit.contract_tests.run import KitRun
from ismart_sms_kit.contract_tests.settings import KitSettings
from ismart_sms_kit.contract_tests.target import base_url_of, verify_emulator
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from tests.kit_mutants import KIT_PLUGINS, LEAN_CHILD

pytest_plugins = ["pytester"]

LIVE = {"ISMART_USER_ID": "liveuser", "ISMART_PASSWORD": "Zq7-Secret", "ISMART_HEADER": "LIVEHDR"}


def settings(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str, **env: str
) -> KitSettings:
    """The kit's settings for the command line ``args`` and the environment ``env`` (no
    other ``ISMART_*`` variable), as ``pytest ... ARGS`` would read them (with the plugins a
    child run of the kit loads: ``tests/kit_mutants.py``)."""
    for name in ("ISMART_URL", *LIVE):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**env, **LEAN_CHILD}.items():
        monkeypatch.setenv(name, value)
    config = pytester.parseconfig(*KIT_PLUGINS, "-p", kit_conftest.__name__, *args)
    return KitSettings.from_config(config)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ismart-url=http://127.0.0.1:9"], "needs ISMART_USER_ID"),
        (["--ismart-allow-delivery"], "needs --ismart-test-number"),
        (
            ["--ismart-allow-delivery", "--ismart-test-number=96899000111"],
            "--ismart-max-sends >= 1",
        ),
        (["--ismart-url=https://www.ismartsms.net", "--ismart-emulator"], "is the live"),
        (["--ismart-order=mobile,request"], "--ismart-order"),
        (["--ismart-emulator"], "--ismart-emulator needs --ismart-url"),
        (["--ismart-max-requests=-1"], "--ismart-max-requests must be >= 0"),
        (["--ismart-interface=fax"], "--ismart-interface"),
        (["--ismart-allow-lockout=spare"], "for an external target"),
        (["--ismart-max-wrong-passwords=1"], "must be >= 2"),
    ],
)
def test_unsafe_or_wrong_options_are_refused_before_anything_is_sent(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    with pytest.raises(pytest.UsageError, match=message):
        settings(pytester, monkeypatch, *args)


def test_the_default_plan_paces_one_request_a_second_and_caps_at_300(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    kit = settings(pytester, monkeypatch, ISMART_URL="http://127.0.0.1:9", **LIVE)
    assert kit.external
    lines = kit_conftest.plan(KitRun(kit, "live"))
    assert "  request budget: at most 300 requests, at most 1 request(s)/s" in lines
    assert any("EXTERNAL, live-safe" in line for line in lines)
    assert not any(LIVE["ISMART_PASSWORD"] in line for line in lines)


@pytest.mark.parametrize(
    ("user", "message"),
    [
        (LIVE["ISMART_USER_ID"], "must name a spare account"),
        ("ctnouser1234", "a made-up one has nothing to lock"),
        (" ", "a real spare account"),
    ],
)
def test_the_lockout_consent_names_a_real_spare_account(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, user: str, message: str
) -> None:
    with pytest.raises(pytest.UsageError, match=message):
        settings(
            pytester,
            monkeypatch,
            f"--ismart-allow-lockout={user}",
            ISMART_URL="http://127.0.0.1:9",
            **LIVE,
        )


def test_the_plan_says_which_account_may_be_locked(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = {"ISMART_URL": "http://127.0.0.1:9", **LIVE}
    kit = settings(pytester, monkeypatch, **live)
    assert "  lockout: none (no --ismart-allow-lockout): no account is locked" in (
        kit_conftest.plan(KitRun(kit, "live"))
    )
    kit = settings(
        pytester,
        monkeypatch,
        "--ismart-allow-lockout=spare",
        "--ismart-max-wrong-passwords=4",
        **live,
    )
    assert (kit.lockout_user, kit.max_wrong_passwords) == ("spare", 4)
    assert (
        "  lockout: ALLOWED for the spare account spare, at most 4 wrong password(s) (only the "
        "vendor unlocks it)"
    ) in kit_conftest.plan(KitRun(kit, "live"))


def test_ismart_emulator_accepts_the_emulator(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ServerThread(create_app(Config())) as server:
        kit = settings(pytester, monkeypatch, f"--ismart-url={server.url}", "--ismart-emulator")
        assert kit.url is not None and not kit.external
        assert verify_emulator(base_url_of(kit.url)) is None
    lines = kit_conftest.plan(KitRun(kit, "ci"))
    assert any("checked at /_mock/api/health" in line for line in lines)
    assert any("no cap, unpaced" in line for line in lines)
