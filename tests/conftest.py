"""Shared fixtures: a real emulator (uvicorn on a free loopback port) per test module."""

from __future__ import annotations

import socket
import sys
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests
from starlette.applications import Starlette

from ismart_sms_kit.client.mock_admin import MockAdmin
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.config import Config, apply_mapping
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import SEND_PATH

SLOW_KINDS = ("subprocess", "browser", "install", "container", "kit_run")
"""The markers of the slow tier (pyproject.toml registers them; ``make test-fast`` deselects
every test that has one). docs/development.md says which is which."""
_SPAWNS = frozenset(
    {"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty"}
)
_spawn_allowed = True
"""Whether the running test may start a process: only a test marked with a slow kind may."""


def _no_unmarked_processes(event: str, args: tuple[object, ...]) -> None:
    """An audit hook (:func:`sys.addaudithook`): a test that starts a process without a slow
    marker fails, naming the marker, so the fast tier stays in one process as tests are added."""
    if not _spawn_allowed and event in _SPAWNS:
        raise RuntimeError(
            f"this test started a process ({event} {args[0]!r}) but has none of the markers "
            f"{', '.join(SLOW_KINDS)}: mark it (@pytest.mark.subprocess for a plain process) "
            "so that make test-fast leaves it to the slow tier (docs/development.md)"
        )


sys.addaudithook(_no_unmarked_processes)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    global _spawn_allowed
    _spawn_allowed = any(item.get_closest_marker(kind) for kind in SLOW_KINDS)
    try:
        return (yield)
    finally:
        _spawn_allowed = True


SAMPLE = {
    "UserId": "ismartsms",
    "Password": "ismartsms",
    "MobileNo": "96899123456",
    "Message": "TestMessage",
    "PushDateTime": "03/04/2018 07:30:00",
    "Lang": "0",
    "Header": "AnyHeader",
    "referenceIds": "101",
}
"""The vendor's own sample request, with a real 11-digit number in place of the X's."""


@dataclass
class Emulator:
    app: Starlette
    server: ServerThread
    session: requests.Session

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def send_url(self) -> str:
        return self.server.url + SEND_PATH

    @property
    def backend(self) -> Backend:
        backend: Backend = self.app.state.backend
        return backend

    def post(self, path: str = SEND_PATH, **kwargs: object) -> requests.Response:
        return self.session.post(self.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]

    def send(self, **overrides: str | None) -> str:
        """POST the sample request with ``overrides`` (None removes a field); the body."""
        data = {k: v for k, v in {**SAMPLE, **overrides}.items() if v is not None}
        return self.post(data=data).text


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def _module_emulator(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Emulator]:
    """The same tests run against both kinds of state."""
    config = Config()
    if request.param == "sqlite":
        config.state = f"sqlite:{tmp_path_factory.mktemp('state') / 'state.sqlite'}"
    app = create_app(config)
    with ServerThread(app) as server, requests.Session() as session:
        yield Emulator(app, server, session)


@pytest.fixture
def emulator(_module_emulator: Emulator) -> Emulator:
    """A running emulator with the embedded defaults, in its start state for every test."""
    _module_emulator.backend.reset()
    return _module_emulator


def acme_config(password: str) -> Config:
    """The demo defaults plus ``acme`` (header ``ACME``, 10,000 credits) with ``password``."""
    account = {"user_id": "acme", "password": password, "headers": ["ACME"], "credit": 10_000}
    return apply_mapping(Config(seed=0), {"accounts": [account]}, "test")


def fresh_admin(server: ServerThread) -> Iterator[MockAdmin]:
    """A ``MockAdmin`` on ``server``, reset first and closed after (for fixtures to yield from)."""
    admin = MockAdmin(server.url)
    admin.reset()
    yield admin
    admin.close()


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    config = Config(seed=0)
    if request.param == "sqlite":
        config.state = f"sqlite:{tmp_path_factory.mktemp('h') / 'state.sqlite'}"
    with ServerThread(create_app(config)) as server:
        yield server


@contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so no other process can take it
    meanwhile, as one could a port found free and released) but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
