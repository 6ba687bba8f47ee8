"""The inbox's live feed, ``GET /_mock/api/events``, read as a plain HTTP client would: a real
uvicorn on a loopback port, server-sent events parsed line by line."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from ismart_sms_kit.mock_server.admin.inbox import events
from ismart_sms_kit.mock_server.admin.inbox.events import EVENTS_PATH, Cursor
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.config import Config, load_rules_file
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.mock_server.state.memory import MemoryStorage
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE, Emulator


@dataclass
class Event:
    event: str
    id: str | None
    data: Any


class EventStream:
    """A client of the event stream; every read waits at most ``read_timeout`` seconds."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        read_timeout: float = 10,
    ) -> None:
        self.response = requests.get(
            base_url + EVENTS_PATH,
            headers=headers,
            params=params,
            stream=True,
            timeout=(5, read_timeout),
        )
        self.lines = self.response.iter_lines(decode_unicode=True)
        self.comments: list[str] = []
        self.retry: str | None = None

    def next(self) -> Event:
        fields: dict[str, str] = {}
        for line in self.lines:
            if line == "":
                if "event" in fields or "data" in fields:
                    data = json.loads(fields["data"]) if "data" in fields else None
                    return Event(fields.get("event", "message"), fields.get("id"), data)
                continue
            if line.startswith(":"):
                self.comments.append(line)
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "retry":
                self.retry = value
            elif name == "data" and "data" in fields:
                fields["data"] += "\n" + value
            else:
                fields[name] = value
        raise EOFError("the event stream ended")

    def next_comment(self) -> str:
        """Read on to the next comment line (events in between are dropped)."""
        for line in self.lines:
            if line.startswith(":"):
                return line
        raise EOFError("the event stream ended")

    def until(self, predicate: Callable[[Event], bool], limit: int = 50) -> list[Event]:
        """Events up to and including the first one that satisfies ``predicate``."""
        seen = []
        for _ in range(limit):
            seen.append(self.next())
            if predicate(seen[-1]):
                return seen
        raise AssertionError(f"no such event among {seen}")

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def send(base_url: str, *, scope: str = "", **overrides: str) -> str:
    """The sample sent now with ``overrides``, in ``scope`` (``X-Mock-Scope``) if given."""
    data = {**SAMPLE, "PushDateTime": "", **overrides}
    headers = {"X-Mock-Scope": scope} if scope else {}
    return requests.post(base_url + SEND_PATH, data=data, headers=headers, timeout=10).text


def wait_until(predicate: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def is_message(text: str) -> Callable[[Event], bool]:
    return lambda e: e.event == "message" and e.data["text"] == text


# --- the stream --------------------------------------------------------------------------------


def test_the_stream_sends_each_new_message_and_request_as_it_happens(emulator: Emulator) -> None:
    with EventStream(emulator.url) as stream:
        assert stream.response.status_code == 200
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        assert stream.response.headers["cache-control"] == "no-cache"
        first = stream.next()
        assert (first.event, first.data) == ("health", {"rules_errors": {}})
        assert stream.retry == "1000"

        assert send(emulator.url, Message="Your code is 4821") == "1"
        message = stream.next()
        assert message.event == "message"
        assert message.data == emulator.session.get(emulator.url + "/_mock/api/messages").json()[0]
        assert message.data["text"] == "Your code is 4821"
        assert (message.data["encoding"], message.data["parts"], message.data["units"]) == (
            "GSM7",
            1,
            17,
        )
        request = stream.next()
        assert request.event == "request"
        assert (request.data["code"], request.data["decided_by"]) == (1, "accepted")
        assert request.data["messages"] == [message.data["id"]]

        assert send(emulator.url, Password="wrong-Pa55word!") == "3"
        rejected = stream.next()
        assert rejected.event == "request"
        assert rejected.data["code"] == 3
        assert rejected.data["description"] == "User or Password is wrong."
        assert rejected.data["decided_by"] == "password"
        assert rejected.data["params"]["Password"] == "***"
        assert rejected.id == f"{message.data['id']}-{rejected.data['id']}"


def test_a_new_stream_starts_with_what_arrives_from_then_on(emulator: Emulator) -> None:
    send(emulator.url, Message="before the stream")
    with EventStream(emulator.url) as stream:
        send(emulator.url, Message="after the stream opened")
        events_seen = stream.until(lambda e: e.event == "message")
    texts = [e.data["text"] for e in events_seen if e.event == "message"]
    assert texts == ["after the stream opened"]


def test_a_scoped_stream_sends_only_its_scopes_messages_and_requests(emulator: Emulator) -> None:
    assert send(emulator.url, scope="run-a", Message="a before") == "1"
    with (
        EventStream(emulator.url, params={"scope": "run-a"}) as a,
        EventStream(emulator.url, headers={"X-Mock-Scope": "run-b"}) as b,
    ):
        assert send(emulator.url, scope="run-b", Message="b 1") == "1"
        send(emulator.url, Message="unscoped")
        assert send(emulator.url, scope="run-a", Message="a 1") == "1"
        seen_a = a.until(is_message("a 1"))
        seen_b = b.until(is_message("b 1"))
        # resuming a scoped stream from its last id: the scope's next message, not b's
        resumed = EventStream(
            emulator.url, params={"scope": "run-a"}, headers={"Last-Event-ID": seen_a[-1].id or ""}
        )
        assert send(emulator.url, scope="run-b", Message="b 2") == "1"
        assert send(emulator.url, scope="run-a", Message="a 2") == "1"
        with resumed:
            assert [
                e.data["text"] for e in resumed.until(is_message("a 2")) if e.event == "message"
            ] == ["a 2"]
    assert [e.data["text"] for e in seen_a if e.event == "message"] == ["a 1"]
    assert {e.data["scope"] for e in seen_a if e.event in ("message", "request")} == {"run-a"}
    assert [e.data["text"] for e in seen_b if e.event == "message"] == ["b 1"]


def test_arabic_text_arrives_intact(emulator: Emulator) -> None:
    arabic = "مرحبا، رمز التحقق الخاص بك هو 4821"
    with EventStream(emulator.url) as stream:
        assert send(emulator.url, Message=arabic, Lang="64") == "1"
        message = stream.until(lambda e: e.event == "message")[-1]
    assert message.data["text"] == arabic
    assert (message.data["lang"], message.data["encoding"], message.data["units"]) == (
        64,
        "UCS2",
        34,
    )


def test_last_event_id_resumes_right_after_the_last_event_seen(emulator: Emulator) -> None:
    with EventStream(emulator.url) as stream:
        send(emulator.url, Message="one")
        seen = stream.until(lambda e: e.event == "request")
    resume_from = seen[-1].id
    assert resume_from is not None
    send(emulator.url, Message="two")
    send(emulator.url, Message="three")
    with EventStream(emulator.url, headers={"Last-Event-ID": resume_from}) as stream:
        replayed = stream.until(lambda e: e.event == "request" and e.data["code"] == 1, limit=10)
        replayed += stream.until(lambda e: e.event == "request")
    messages = [e.data["text"] for e in replayed if e.event == "message"]
    requests_ = [e.data["params"]["Message"] for e in replayed if e.event == "request"]
    assert messages == ["two", "three"]
    assert requests_ == ["two", "three"]


def test_after_in_the_query_string_starts_a_first_connection_from_known_ids(
    emulator: Emulator,
) -> None:
    send(emulator.url, Message="known")
    known = emulator.session.get(emulator.url + "/_mock/api/messages").json()[0]
    journal = emulator.session.get(emulator.url + "/_mock/api/requests").json()[0]
    send(emulator.url, Message="new")
    with EventStream(emulator.url, params={"after": f"{known['id']}-{journal['id']}"}) as stream:
        message = stream.until(lambda e: e.event == "message")[-1]
    assert message.data["text"] == "new"


def test_last_event_id_wins_over_after(emulator: Emulator) -> None:
    send(emulator.url, Message="first")
    send(emulator.url, Message="second")
    first = emulator.session.get(emulator.url + "/_mock/api/messages").json()[1]
    with EventStream(
        emulator.url, headers={"Last-Event-ID": f"{first['id']}-0"}, params={"after": "0-0"}
    ) as stream:
        message = stream.until(lambda e: e.event == "message")[-1]
    assert message.data["text"] == "second"


@pytest.mark.parametrize("bad", ["x", "12", "1-b", "-1-2"])
def test_a_malformed_event_id_is_refused(emulator: Emulator, bad: str) -> None:
    response = emulator.session.get(
        emulator.url + EVENTS_PATH, params={"after": bad}, timeout=5, stream=True
    )
    with response:
        assert response.status_code == 400
        assert response.json()["field"] == "after"


def test_a_request_journaled_late_is_not_missed(emulator: Emulator) -> None:
    """A request that a rule delays is journaled after a later one; the stream sends both, in
    the order they were journaled (the order of their ids)."""
    admin = emulator.url + "/_mock/api/rules"
    rule = emulator.session.post(
        admin,
        json={"name": "slow", "match": {"mobile": "96899000777"}, "action": {"delay_ms": 1000}},
    ).json()["id"]
    with EventStream(emulator.url) as stream:
        slow = threading.Thread(
            target=send, args=(emulator.url,), kwargs={"MobileNo": "96899000777"}
        )
        slow.start()
        try:
            wait_until(
                lambda: any(
                    r["id"] == rule and r["seen"] == 1
                    for r in emulator.session.get(admin, timeout=5).json()
                )
            )
            assert send(emulator.url, MobileNo="96899000888") == "1"
        finally:
            slow.join()
        journaled = [
            e
            for e in stream.until(
                lambda e: e.event == "request" and e.data["params"]["MobileNo"] == "96899000777"
            )
            if e.event == "request"
        ]
    numbers = [e.data["params"]["MobileNo"] for e in journaled]
    assert numbers == ["96899000888", "96899000777"]
    assert journaled[0].data["id"] < journaled[1].data["id"]  # ids in journal order


def test_a_reset_tells_the_client_to_clear_then_goes_on(emulator: Emulator) -> None:
    with EventStream(emulator.url) as stream:
        send(emulator.url, Message="before the reset")
        stream.until(lambda e: e.event == "request")
        emulator.session.post(emulator.url + "/_mock/api/reset", timeout=5)
        send(emulator.url, Message="after the reset")
        seen = stream.until(is_message("after the reset"))
    cleared = [e for e in seen if e.event == "cleared"]
    assert [e.data for e in cleared] == [{"messages": True, "requests": True}]
    assert seen.index(cleared[0]) < len(seen) - 1


def test_a_scopes_reset_clears_an_unscoped_stream_and_resends_what_is_left(
    emulator: Emulator,
) -> None:
    """The last thing the unscoped stream got is another scope's, so it is not gone; what the
    reset removed is in the client's lists all the same: it is told to clear, then gets the
    newest of what is left."""

    with EventStream(emulator.url) as stream:
        assert send(emulator.url, scope="run-a", Message="a's") == "1"
        assert send(emulator.url, scope="run-b", Message="b's") == "1"
        stream.until(lambda e: e.event == "request" and e.data["scope"] == "run-b")
        emulator.session.post(
            emulator.url + "/_mock/api/reset", headers={"X-Mock-Scope": "run-a"}, timeout=5
        )
        seen = stream.until(lambda e: e.event == "request")
    assert [e.event for e in seen] == ["cleared", "message", "request"]
    assert seen[0].data == {"messages": True, "requests": True}
    assert seen[1].data["text"] == "b's" and seen[2].data["scope"] == "run-b"


def test_deleting_the_messages_clears_only_the_messages(emulator: Emulator) -> None:
    with EventStream(emulator.url) as stream:
        send(emulator.url, Message="soon gone")
        stream.until(lambda e: e.event == "request")
        emulator.session.delete(emulator.url + "/_mock/api/messages", timeout=5)
        send(emulator.url, Message="still here")
        seen = stream.until(is_message("still here"))
    assert [e.data for e in seen if e.event == "cleared"] == [{"messages": True, "requests": False}]


def test_a_stream_resumed_against_a_restarted_server_starts_over() -> None:
    """The ids of a new server start again: the last ids the client saw are gone, so it is
    told to clear and gets everything the new server has."""
    with ServerThread(create_app(Config(seed=0))) as server:
        send(server.url, Message="on the new server")
        with EventStream(server.url, headers={"Last-Event-ID": "40-95"}) as stream:
            seen = stream.until(lambda e: e.event == "request")
    assert seen[0].event == "cleared"
    assert seen[0].data == {"messages": True, "requests": True}
    assert [e.data["text"] for e in seen if e.event == "message"] == ["on the new server"]


# --- health ------------------------------------------------------------------------------------


def write_rules(path: Path, code: object) -> None:
    path.write_text(f"rules:\n  - name: always\n    action: {{code: {code}}}\n")


def test_a_broken_rules_file_is_reported_on_the_stream_and_its_repair_too(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules.yaml"
    write_rules(rules, 4)
    config = load_rules_file(rules, Config(seed=0))
    config.settings.rules_reload_ms = 50
    with ServerThread(create_app(config)) as server, EventStream(server.url) as stream:
        assert stream.next().data == {"rules_errors": {}}
        write_rules(rules, "four")
        broken = stream.until(lambda e: e.event == "health")[-1]
        assert list(broken.data["rules_errors"]) == [str(rules)]
        assert "action.code" in broken.data["rules_errors"][str(rules)]
        write_rules(rules, 9)
        mended = stream.until(lambda e: e.event == "health")[-1]
        assert mended.data == {"rules_errors": {}}


# --- liveness: heartbeat, other workers, ends -------------------------------------------------


def test_an_idle_stream_sends_a_heartbeat_comment(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "HEARTBEAT_S", 0.05)
    with EventStream(emulator.url) as stream:
        stream.next()  # health
        assert stream.next_comment() == ": keep-alive"
        send(emulator.url, Message="after a quiet while")
        assert stream.until(is_message("after a quiet while"))


def test_messages_stored_by_another_worker_are_seen_by_polling() -> None:
    """Two apps on one storage stand for two worker processes on one SQLite file: a message
    sent to one wakes nothing in the other, whose stream finds it by polling."""
    config = Config(seed=0)
    shared = MemoryStorage(config.accounts, config.closed_companies)
    with (
        ServerThread(create_app(config, storage=shared)) as watched,
        ServerThread(create_app(config, storage=shared)) as other,
        EventStream(watched.url) as stream,
    ):
        assert send(other.url, Message="from the other worker") == "1"
        seen = stream.until(is_message("from the other worker"))
    assert seen[-1].data["id"] == shared.messages()[-1].id


def listeners(emulator: Emulator) -> int:
    backend: Backend = emulator.app.state.backend
    return len(backend.listeners)


def test_the_stream_ends_when_the_client_goes(emulator: Emulator) -> None:
    wait_until(lambda: listeners(emulator) == 0)  # the streams of earlier tests are gone
    stream = EventStream(emulator.url)
    stream.next()
    assert listeners(emulator) == 1
    stream.close()
    wait_until(lambda: listeners(emulator) == 0)


@pytest.fixture
def uvicorn_errors(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.ERROR, logger="uvicorn.error"):
        yield caplog


def test_the_stream_ends_cleanly_when_the_server_shuts_down(
    uvicorn_errors: pytest.LogCaptureFixture,
) -> None:
    server = ServerThread(create_app(Config(seed=0)))
    with server:
        stream = EventStream(server.url)
        stream.next()
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        with pytest.raises(EOFError):  # the end of the chunked body, not a broken connection
            while True:
                stream.next()
        stopping.join()
        stream.close()
    assert not server._thread.is_alive()
    assert [r.getMessage() for r in uvicorn_errors.records] == []


def test_the_cursor_names_the_last_message_and_request() -> None:
    assert Cursor.parse("12-40") == Cursor(12, 40)
    assert Cursor(12, 40).event_id == "12-40"
    with pytest.raises(ValueError, match="not an event id"):
        Cursor.parse("12")
