"""uvicorn's internals the emulator relies on (``HttpToolsProtocol``, ``Multiprocess``): checked
before use; a uvicorn whose internals differ gets a warning and uvicorn's own protocol, never a
crash. The mismatch is simulated with stand-in classes handed to the checks, as a changed uvicorn
would hand its own classes; nothing of the emulator is mocked."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import requests
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.mock_server.transport import (
    PROTOCOL_PROBLEM,
    DroppableHttpToolsProtocol,
    UvicornCompatibilityWarning,
    http_protocol,
    multiprocess_api_problem,
    protocol_api_problem,
)
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE


def test_the_installed_uvicorn_is_what_the_emulator_subclasses() -> None:
    assert protocol_api_problem(HttpToolsProtocol) is None
    assert PROTOCOL_PROBLEM is None
    assert multiprocess_api_problem(Multiprocess) is None
    assert http_protocol() is DroppableHttpToolsProtocol


class RenamedHook(asyncio.Protocol):
    """A later HttpToolsProtocol whose per-request hook was renamed."""

    def __init__(self, config: Any, server_state: Any, app_state: Any) -> None:
        pass

    def connection_made(self, transport: Any) -> None:
        pass

    def on_request_begin(self) -> None:
        pass

    def shutdown(self) -> None:
        pass


class NewSignature(RenamedHook):
    """One whose connection hook takes another argument."""

    def connection_made(self, transport: Any, peer: Any = None) -> None:  # type: ignore[override]
        pass

    def on_message_begin(self) -> None:
        pass


class ExtraInitArguments(NewSignature):
    """One whose constructor only gained arguments: still compatible."""

    def __init__(self, config: Any, server_state: Any, app_state: Any, _loop: Any = None) -> None:
        pass

    def connection_made(self, transport: Any) -> None:
        pass


def test_a_changed_protocol_is_named() -> None:
    assert "no method on_message_begin()" in (protocol_api_problem(RenamedHook) or "")
    assert "connection_made(self, transport, peer)" in (protocol_api_problem(NewSignature) or "")
    assert "cannot be imported" in (protocol_api_problem(None) or "")
    assert "not an asyncio.Protocol" in (protocol_api_problem(object) or "")
    assert protocol_api_problem(ExtraInitArguments) is None


def test_a_changed_supervisor_is_named() -> None:
    class OldMultiprocess:  # uvicorn's earlier signature, with a target
        def __init__(self, config: Any, target: Any, sockets: Any) -> None:
            pass

        def run(self) -> None:
            pass

    problem = multiprocess_api_problem(OldMultiprocess)
    assert problem is not None and "(self, config, target, sockets)" in problem


def test_a_mismatch_warns_and_the_emulator_serves_with_uvicorns_own_protocol() -> None:
    with pytest.warns(UvicornCompatibilityWarning, match="on_message_begin.*own HTTP protocol"):
        fallback = http_protocol(protocol_api_problem(RenamedHook))
    assert fallback == "auto"
    with ServerThread(create_app(Config(seed=0)), http=fallback) as server:
        answer = requests.post(server.url + SEND_PATH, data=SAMPLE, timeout=10)
        assert (answer.status_code, answer.text) == (200, "1")
        rule = {"match": {"mobile": "96899000001"}, "action": {"drop": True}}
        assert requests.post(server.url + "/_mock/api/rules", json=rule, timeout=10).ok
        # no answer: the fallback starts a response that promises a body and closes
        with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            requests.post(
                server.url + SEND_PATH, data={**SAMPLE, "MobileNo": "96899000001"}, timeout=10
            )
