"""Issue 19, points 1 and 8: the journal is bounded in bytes per entry and says what it cut;
near-miss password names are masked everywhere (journal, event stream, state file)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import requests

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tests.hardening import FORM, body_of, exchange, last_entry, raw_post

# --- 1. the journal, bounded in bytes ---------------------------------------------------------


def test_an_entry_of_thousands_of_empty_parameters_keeps_a_bounded_few(
    served: ServerThread,
) -> None:
    count = size = 0
    pieces: list[str] = []
    while size + count < 65_000:  # names and "=", joined by "&"
        pieces.append(f"{count}=")
        size += len(pieces[-1])
        count += 1
    body = "&".join(pieces).encode()
    close = "Connection: close\r\n"  # read to the end without waiting out the idle time-out
    answer = exchange(served.host, served.port, raw_post(SEND_PATH, body, extra=close))
    assert body_of(answer) == b"15"
    entry = last_entry(served.url)
    params = entry["params"]
    assert isinstance(params, dict)
    assert len(params) <= 32, len(params)  # journal_max_params
    assert len(json.dumps(entry)) < 8192
    cut = entry["params_cut"]
    assert isinstance(cut, str) and f"of {count} parameters" in cut, cut


def test_a_60_kb_value_is_cut_and_the_entry_says_so(served: ServerThread) -> None:
    data = {**SAMPLE, "junk": "J" * 60_000}
    assert requests.post(served.url + SEND_PATH, data=data, timeout=10).text == "1"
    entry = last_entry(served.url)
    params = entry["params"]
    assert isinstance(params, dict)
    assert params["Message"] == SAMPLE["Message"]  # the gateway's own parameters are kept whole
    assert 0 < len(params["junk"]) <= 1024
    assert "junk" in str(entry["params_cut"])
    assert len(json.dumps(entry)) < 8192


def test_a_sqlite_state_grows_by_a_bounded_amount_per_junk_request(tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite"
    config = Config(seed=0)
    config.state = f"sqlite:{state}"
    data = {**SAMPLE, "UserId": "nobody", "junk": "J" * 60_000}

    with ServerThread(create_app(config)) as server, requests.Session() as session:
        session.post(server.url + SEND_PATH, data=data, timeout=10)
        before = _pages_in_use(state)
        for _ in range(30):
            assert session.post(server.url + SEND_PATH, data=data, timeout=10).text == "3"
        after = _pages_in_use(state)
    assert (after - before) / 30 < 16_384, after - before  # was 135 KB a request


def _pages_in_use(state: Path) -> int:
    """The bytes of ``state``'s pages that hold data, its write-ahead log folded in first: the
    files' sizes alone depend on when SQLite last checkpointed (the WAL grows until then, and
    freed pages stay in the file), which made this test fail now and then."""
    with closing(sqlite3.connect(state)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, free, size = (
            db.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count", "page_size")
        )
    return int((pages - free) * size)


# --- 8. near-miss password names ----------------------------------------------------------------

NEAR_MISSES = {
    "Password ": "NearMiss1",
    " Password": "NearMiss2",  # +Password
    "Password\x00": "NearMiss3",
    "Password[]": "NearMiss4",
    "pwd": "NearMiss5",
    "Passwd": "NearMiss6",
    "api_token": "NearMiss7",
    "client_secret": "NearMiss8",
    "Pass%77ord": "NearMiss9",  # still escaped once decoded
}


def test_near_miss_password_names_are_masked_in_the_journal_and_the_state_file(
    tmp_path: Path,
) -> None:
    state = tmp_path / "s.sqlite"
    config = Config(seed=0)
    config.state = f"sqlite:{state}"
    with ServerThread(create_app(config)) as server:
        body = urlencode({**SAMPLE, **NEAR_MISSES}).encode()
        answer = requests.post(
            server.url + SEND_PATH, data=body, headers={"Content-Type": FORM}, timeout=10
        )
        assert answer.text == "1"
        entry = last_entry(server.url)
        events = requests.get(
            server.url + "/_mock/api/events?after=0-0", stream=True, timeout=10
        ).iter_content(65536)
        streamed = b""
        while b"event: request" not in streamed:
            streamed += next(events)
    params = entry["params"]
    assert isinstance(params, dict)
    assert params["UserId"] == "ismartsms" and params["Password"] == "***"
    for name in NEAR_MISSES:
        assert params[name] == "***", (name, params)
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("s.sqlite*") if p.is_file())
    for secret in NEAR_MISSES.values():
        assert secret.encode() not in stored
        assert secret.encode() not in streamed
