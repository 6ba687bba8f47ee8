"""Issue 21, points 1 and 7, over real HTTP: send-then-wait works in the natural order (a wait
sees the messages since the handle started, the last reset or a mark), ``after="now"`` still
waits only for new ones; the ``ismart_mock`` fixture's port can be pinned, and a server holds
its port from the moment it is made (no release-then-bind race)."""

from __future__ import annotations

import os
import socket
import textwrap
import threading
from collections.abc import Iterator

import pytest
import requests

from ismart_sms_kit.client.mock_admin import MockAdmin
from ismart_sms_kit.mock_fixture import IsmartMock
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread, free_port
from tests.conftest import SAMPLE, refusing_port

pytest_plugins = ["pytester"]

OTP_TO = "96899123456"


def send(mock: MockAdmin, text: str, to: str = OTP_TO, **headers: str) -> None:
    form = {**SAMPLE, "MobileNo": to, "Message": text}
    answer = requests.post(mock.send_url, data=form, headers=headers, timeout=10).text
    assert answer == "1"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(create_app(Config(seed=0))) as running:
        yield running


# --- point 1: send, then wait -------------------------------------------------------------------


def test_fixture_send_then_wait_finds_the_message(ismart_mock: IsmartMock) -> None:
    send(ismart_mock, "Your code is 123456")  # the app sends first, as it does in real life
    assert ismart_mock.wait_for(to=OTP_TO, contains="code", timeout=2)["text"][-6:] == "123456"


def test_mock_admin_send_then_wait_finds_the_message(server: ServerThread) -> None:
    admin = MockAdmin(server.url)
    admin.reset()
    send(admin, "Your code is 654321")
    assert admin.wait_for(to=OTP_TO, timeout=2)["text"].startswith("Your code")


def test_a_scoped_handle_send_then_wait(server: ServerThread) -> None:
    admin = MockAdmin(server.url, scope=f"ci-{os.getpid()}")
    send(admin, "Your code is 111111", **admin.scope_headers)
    assert admin.wait_for(to=OTP_TO, timeout=2)["text"].startswith("Your code")
    admin.reset()  # this scope only


def test_a_new_handle_does_not_see_what_was_sent_before_it_started(server: ServerThread) -> None:
    before = MockAdmin(server.url)
    send(before, "old code 1", to="96899000501")
    admin = MockAdmin(server.url)
    send(admin, "new code 2", to="96899000502")
    assert admin.wait_for(to="96899000502", timeout=2)["text"] == "new code 2"
    with pytest.raises(TimeoutError):
        admin.wait_for(to="96899000501", timeout=0.2)
    assert before.wait_for(to="96899000501", timeout=2)["text"] == "old code 1"


def test_a_reset_starts_a_new_window(server: ServerThread) -> None:
    admin = MockAdmin(server.url)
    admin.mark()
    admin.reset()
    send(admin, "after the reset")
    assert admin.wait_for(to=OTP_TO, timeout=2)["text"] == "after the reset"


def test_a_mark_waits_for_the_second_message_to_the_same_number(server: ServerThread) -> None:
    admin = MockAdmin(server.url)
    send(admin, "first code 1111")
    assert admin.wait_for(to=OTP_TO, timeout=2)["text"] == "first code 1111"
    mark = admin.mark()  # the test is about to ask the app to send again
    send(admin, "second code 2222")
    assert admin.wait_for(to=OTP_TO, timeout=2)["text"] == "second code 2222"
    assert admin.wait_for(to=OTP_TO, after=mark, timeout=2)["text"] == "second code 2222"
    assert admin.wait_for(to=OTP_TO, after=0, timeout=2)["id"] < mark + 1  # everything kept


def test_after_now_waits_only_for_a_new_message(ismart_mock: IsmartMock) -> None:
    send(ismart_mock, "old code 1111")
    later = threading.Timer(0.2, send, args=(ismart_mock, "code 4242"))
    later.start()
    try:
        message = ismart_mock.wait_for(to=OTP_TO, after="now", timeout=10)
    finally:
        later.join()
    assert message["text"] == "code 4242"


def test_wait_rejects_a_word_it_does_not_know(ismart_mock: IsmartMock) -> None:
    with pytest.raises(ValueError, match="after="):
        ismart_mock.wait_for(to=OTP_TO, after="soon", timeout=1)  # type: ignore[arg-type]


# --- point 7: the fixture's port, bound first ---------------------------------------------------


def test_a_server_holds_its_port_from_the_moment_it_is_made() -> None:
    server = ServerThread(create_app(Config(seed=0)))
    try:
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", server.port))  # nobody can take it before start()
        with server:
            assert requests.get(server.url + "/_mock/api/health", timeout=5).ok
    finally:
        server.stop()


def test_a_port_in_use_is_named() -> None:
    with refusing_port() as port, pytest.raises(OSError, match=f"127.0.0.1:{port} is in use"):
        ServerThread(create_app(Config(seed=0)), port=port)


@pytest.mark.subprocess
def test_the_fixture_port_can_be_pinned(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            def test_pinned(ismart_mock):
                print("URL", ismart_mock.url)
            """
        )
    )
    port = free_port()
    by_option = pytester.runpytest_subprocess(
        "-s", "-p", "no:cacheprovider", f"--ismart-mock-port={port}"
    )
    by_option.assert_outcomes(passed=1)
    by_option.stdout.fnmatch_lines([f"*URL http://127.0.0.1:{port}*"])
    pytester.makeini(f"[pytest]\nismart_mock_port = {port}\n")
    by_ini = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    by_ini.assert_outcomes(passed=1)
    by_ini.stdout.fnmatch_lines([f"*URL http://127.0.0.1:{port}*"])


@pytest.mark.subprocess
def test_a_pinned_port_in_use_fails_the_session_with_its_number(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_pinned(ismart_mock):\n    pass\n")
    with refusing_port() as port:
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", f"--ismart-mock-port={port}"
        )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*127.0.0.1:{port} is in use*"])


# --- point 1, the HTTP API: curl users send, then wait, too -------------------------------------


def test_the_wait_endpoint_sees_what_was_sent_before_the_call(ismart_mock: IsmartMock) -> None:
    send(ismart_mock, "Your code is 777777")
    wait = ismart_mock.url + "/_mock/api/messages/wait"
    found = requests.get(wait, params={"to": OTP_TO, "timeout_ms": 2000}, timeout=10)
    assert found.status_code == 200 and found.json()["text"] == "Your code is 777777"
    only_new = requests.get(
        wait, params={"to": OTP_TO, "timeout_ms": 100, "after": "now"}, timeout=10
    )
    assert only_new.status_code == 408
    bad = requests.get(wait, params={"after": "later"}, timeout=10)
    assert (bad.status_code, bad.json()["field"]) == (400, "after")
