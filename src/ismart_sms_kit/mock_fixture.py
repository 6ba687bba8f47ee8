"""The ``ismart_mock`` pytest fixture's emulator: a real one on a free loopback port.

Installed with the package (entry point ``pytest11``: :mod:`ismart_sms_kit.pytest_plugin`, which
imports this module only when a test uses the fixture), so any test can ask for it::

    def test_otp_is_sent(ismart_mock):
        ismart_mock.add_rule(match={"mobile": "96899000001"}, action={"code": 4})
        my_app.send_otp(url=ismart_mock.send_url, ...)
        assert "123456" in ismart_mock.latest("96899123456")["text"]

One server per test session (importing this module, the emulator with it, takes about half a
second to a second; the server then answers within some 40 ms: ``python -m
benchmarks.fixture_start``); every test gets it back
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

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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


def journal_section(mock: object) -> tuple[str, str] | None:
    """The report section of a failed test that used ``ismart_mock``: what the emulator
    received during that test (None if ``mock`` is not an :class:`IsmartMock`)."""
    if not isinstance(mock, IsmartMock):
        return None
    try:
        text = format_journal(mock.requests(limit=50))
    except Exception as exc:  # the report must not fail because the server is gone
        text = f"(journal unavailable: {exc})"
    return ("ismart-mock journal (this test's requests)", text)


@contextmanager
def running_mock(config: Config, port: int | None = None) -> Iterator[IsmartMock]:
    """An emulator with ``config`` on a loopback port (``port``, or one the system picks),
    for the session's fixture."""
    app = create_app(config)
    with ServerThread(app, port=port) as server:
        mock = IsmartMock(server, app)
        try:
            yield mock
        finally:
            mock.close()
