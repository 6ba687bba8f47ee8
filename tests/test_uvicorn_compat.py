"""uvicorn's internals the emulator relies on (``HttpToolsProtocol``, ``Multiprocess``): checked
before use; a uvicorn whose internals differ gets a warning and uvicorn's own protocol, never a
crash. The mismatch is simulated with stand-in classes handed to the checks, as a changed uvicorn
would hand its own classes; nothing of the emulator is mocked."""

from __future__ import annotations

import ast
import asyncio
import inspect
import textwrap
from pathlib import Path
from typing import Any

import pytest
import requests
from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.mock_server.transport import (
    CYCLE_ATTRIBUTES,
    OWN_NAMES,
    PROTOCOL_API,
    PROTOCOL_ATTRIBUTES,
    PROTOCOL_PROBLEM,
    DroppableHttpToolsProtocol,
    UvicornCompatibilityWarning,
    http_protocol,
    multiprocess_api_problem,
    protocol_api_problem,
)
from ismart_sms_kit.mock_server.transport.compat import instance_attributes
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


class ExtraInitArguments(HttpToolsProtocol):
    """One whose constructor only gained arguments, all else as it is: still compatible (a
    whole protocol: the check covers every method and attribute the subclass relies on)."""

    def __init__(
        self, config: Any, server_state: Any, app_state: Any, _loop: Any = None, limit: Any = None
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)


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


# --- the check covers exactly what the subclass overrides or touches ------------------------


def _touched(cls: type[Any]) -> tuple[set[str], set[str]]:
    """What ``cls``'s own source reads or sets on ``self`` (``self.x``, ``getattr(self, "x")``)
    and on its request cycle (``self.cycle.x``, or a local named ``cycle``), read with ast."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    on_self: set[str] = set()
    on_cycle: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id == "self":
                on_self.add(node.attr)
            elif (isinstance(owner, ast.Name) and owner.id == "cycle") or (
                isinstance(owner, ast.Attribute) and owner.attr == "cycle"
            ):
                on_cycle.add(node.attr)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "self"
            and isinstance(node.args[1], ast.Constant)
        ):
            on_self.add(str(node.args[1].value))
    return on_self, on_cycle


def test_the_check_covers_every_method_the_subclass_overrides() -> None:
    """A method of uvicorn's protocol that the subclass overrides is checked (its name and
    parameters), whatever it is: the list is the subclass's, not a copy of it."""
    overridden = {
        name
        for name, member in vars(DroppableHttpToolsProtocol).items()
        if inspect.isfunction(member) and hasattr(HttpToolsProtocol, name)
    }
    assert {"__init__", "eof_received", "on_headers_complete", "send_400_response"} <= overridden
    assert overridden == set(PROTOCOL_API)
    for name in overridden - {"__init__"}:
        mine = list(inspect.signature(vars(DroppableHttpToolsProtocol)[name]).parameters)
        assert PROTOCOL_API[name] == mine, name


def test_the_check_covers_every_attribute_the_subclass_touches() -> None:
    on_self, on_cycle = _touched(DroppableHttpToolsProtocol)
    own = set(vars(DroppableHttpToolsProtocol)) | OWN_NAMES
    assert on_self - own == set(PROTOCOL_ATTRIBUTES)
    assert on_cycle == set(CYCLE_ATTRIBUTES)
    # what the subclass adds is its own: uvicorn's protocol has none of it
    base_attributes = instance_attributes(HttpToolsProtocol) or frozenset()
    assert {"pipeline", "cycle", "url", "timeout_keep_alive"} <= base_attributes
    added = {n for n in on_self if not hasattr(HttpToolsProtocol, n)} - base_attributes
    assert added == OWN_NAMES & on_self


class RenamedPipeline(asyncio.Protocol):
    """A later HttpToolsProtocol with every method the subclass overrides, whose queue of
    pipelined requests was renamed (``pending``); beside uvicorn's own request cycle."""

    def __init__(self, config: Any, server_state: Any, app_state: Any) -> None:
        self.loop = self.app_state = self.server_state = self.connections = None
        self.transport = self.scope = self.cycle = self.url = self.timeout_keep_alive = None
        self.flow = self.pending = self.logger = self.parser = None

    def on_body(self, body: bytes) -> None:
        pass

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        pass

    def _unset_keepalive_if_required(self) -> None:
        pass

    def connection_made(self, transport: Any) -> None:
        pass

    def eof_received(self) -> None:
        pass

    def on_message_begin(self) -> None:
        pass

    def on_headers_complete(self) -> None:
        pass

    def on_message_complete(self) -> None:
        pass

    def on_response_complete(self) -> None:
        pass

    def send_400_response(self, msg: str) -> None:
        pass

    def shutdown(self) -> None:
        pass


class WithPipeline(RenamedPipeline):
    """The same, with its ``pipeline``: compatible."""

    def __init__(self, config: Any, server_state: Any, app_state: Any) -> None:
        super().__init__(config, server_state, app_state)
        self.pipeline = None


class CycleWithoutMoreBody:
    """A later request cycle that no longer says whether more of the body is to come."""

    def __init__(self) -> None:
        self.scope = self.disconnected = self.response_complete = self.message_event = None
        self.keep_alive = self.on_response = self.response_started = self.body = None
        self.access_log = None
        self.waiting_for_100_continue = None


class OwnsTimedOut(HttpToolsProtocol):
    """A later HttpToolsProtocol that gained a method of the subclass's own name."""

    def timed_out(self) -> None:
        pass


def test_a_protocol_missing_what_the_subclass_touches_is_named() -> None:
    assert protocol_api_problem(WithPipeline, httptools_impl.RequestResponseCycle) is None
    assert "no RequestResponseCycle" in (protocol_api_problem(WithPipeline) or "")
    assert "no attribute pipeline" in (protocol_api_problem(RenamedPipeline) or "")
    assert "CycleWithoutMoreBody has no attribute more_body" in (
        protocol_api_problem(WithPipeline, CycleWithoutMoreBody) or ""
    )
    assert "already has timed_out" in (protocol_api_problem(OwnsTimedOut) or "")
    changed = type("NoMoreBody", (WithPipeline,), {"send_400_response": lambda self: None})
    assert "send_400_response(self) is not send_400_response(self, msg)" in (
        protocol_api_problem(changed) or ""
    )


def test_what_the_check_read_of_a_source_file_is_kept_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attributes read from a source file are kept (``compat._CACHE``), so a start reads
    them without parsing it again; a changed file is parsed again."""
    from ismart_sms_kit.mock_server.transport import compat

    source = tmp_path / "module.py"
    source.write_text("class A:\n    def __init__(self):\n        self.x = 1\n")
    monkeypatch.setattr(compat, "_CACHE", tmp_path / "cache.json")
    compat._assignments.cache_clear()
    assert compat._assignments(str(source)) == {"A": frozenset({"x"})}
    parsed: list[str] = []
    real = compat._parse_assignments
    monkeypatch.setattr(
        compat, "_parse_assignments", lambda name: parsed.append(name) or real(name)
    )
    compat._assignments.cache_clear()
    assert compat._assignments(str(source)) == {"A": frozenset({"x"})}
    assert parsed == []  # read from the cache
    source.write_text("class A:\n    def __init__(self):\n        self.why = 1\n")
    compat._assignments.cache_clear()
    assert compat._assignments(str(source)) == {"A": frozenset({"why"})}
    assert parsed == [str(source)]
    compat._assignments.cache_clear()
