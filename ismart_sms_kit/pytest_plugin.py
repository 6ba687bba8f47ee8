"""The ``ismart_mock`` pytest fixture: a real emulator on a free loopback port.

Installed with the package (entry point ``pytest11``), so any test can ask for it::

    def test_otp_is_sent(ismart_mock):
        ismart_mock.add_rule(match={"mobile": "96899000001"}, action={"code": 4})
        my_app.send_otp(url=ismart_mock.send_url, ...)
        assert "123456" in ismart_mock.latest("96899123456")["text"]

One server per test session (it starts in a few tens of milliseconds); every test gets it back
in its start state (accounts, rules from the config, no messages). The handle is a
:class:`ismart_sms_kit.client.mock_admin.MockAdmin` (``add_rule``, ``messages``, ``latest``,
``wait_for``,
``requests``, ``reset``, ...). When a test using it fails, its report shows the journal of
that test: every request, its answer and what decided it. To start it with other
accounts or rules, override the session-scoped ``ismart_mock_config`` fixture in a conftest.py
and return a :class:`ismart_sms_kit.mock_server.config.Config` (e.g.
``load_file("accounts.yaml")``).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette

from ismart_sms_kit.client.mock_admin import MockAdmin
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread


class IsmartMock(MockAdmin):
    """A handle on a running emulator, driven through its admin API over real HTTP."""

    def __init__(self, server: ServerThread, app: Starlette) -> None:
        super().__init__(server.url)
        self.server = server
        self.app = app


def format_journal(entries: list[dict[str, Any]]) -> str:
    """One line per request, oldest first: what came in, what was answered and why."""
    lines = []
    for e in reversed(entries):
        answer = (
            f"code {e['code']}" if e.get("code") is not None else f"HTTP {e.get('http_status')}"
        )
        params = " ".join(f"{k}={v!r}" for k, v in (e.get("params") or {}).items())
        lines.append(
            f"#{e['id']} {e['method']} {e['endpoint']} -> {answer} "
            f"[{e.get('decided_by')}: {e.get('reason')}]  {params}"
        )
    return "\n".join(lines) or "(no requests reached the emulator)"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """When a test that used ``ismart_mock`` fails, show what the emulator received."""
    report = yield
    mock = getattr(item, "funcargs", {}).get("ismart_mock")
    if isinstance(mock, IsmartMock) and report.failed and call.when == "call":
        try:
            text = format_journal(mock.requests(limit=50))
        except Exception as exc:  # the report must not fail because the server is gone
            text = f"(journal unavailable: {exc})"
        report.sections.append(("ismart-mock journal (this test's requests)", text))
    return report


@pytest.fixture(scope="session")
def ismart_mock_config() -> Config:
    """The emulator's configuration: the embedded demo defaults. Override to change it."""
    return Config(seed=0)


@pytest.fixture(scope="session")
def _ismart_mock_session(ismart_mock_config: Config) -> Iterator[IsmartMock]:
    app = create_app(ismart_mock_config)
    with ServerThread(app) as server:
        mock = IsmartMock(server, app)
        yield mock
        mock.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ismart_accounts(*accounts): accounts (config-file mappings) that the ismart_mock "
        "fixture creates for this test",
    )


@pytest.fixture
def ismart_mock_accounts() -> list[dict[str, Any]]:
    """Accounts (the config file's mappings, ``password`` included) that ``ismart_mock``
    creates after each reset; none by default. Override it to declare an app's accounts."""
    return []


@pytest.fixture
def ismart_mock(
    _ismart_mock_session: IsmartMock,
    ismart_mock_accounts: list[dict[str, Any]],
    request: pytest.FixtureRequest,
) -> IsmartMock:
    """A running emulator in its start state, with the declared accounts (the
    ``ismart_mock_accounts`` fixture, then every ``ismart_accounts`` mark); see
    :class:`IsmartMock`."""
    _ismart_mock_session.reset()
    declared = list(ismart_mock_accounts)
    for mark in request.node.iter_markers("ismart_accounts"):
        declared.extend(mark.args)
    for account in declared:
        fields = dict(account)
        _ismart_mock_session.create_account(fields.pop("user_id"), fields.pop("password"), **fields)
    return _ismart_mock_session
