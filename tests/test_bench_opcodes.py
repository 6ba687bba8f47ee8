"""``python -m benchmarks.opcodes``: it counts the server thread's own work on the send path."""

from __future__ import annotations

import pytest

from benchmarks.opcodes import ROOT, _count_in_child


@pytest.mark.subprocess
def test_counts_the_whole_server_path_of_a_send() -> None:
    result = _count_in_child(ROOT, 50)
    functions = result["functions"]
    # the server's path is traced, from uvicorn's protocol to the journal
    for name in (
        "http/httptools_impl.py:on_headers_complete",
        "endpoints/gateway.py:__call__",
        "mock_server/params.py:parse_urlencoded",
        "gateway/decide.py:decide",
        "gateway/commit.py:apply",
    ):
        assert functions.get(name, 0) >= 1, name
    # this process's own client is not (it runs on the main thread)
    assert not any("opcodes.py" in name for name in functions)
    assert 1000 < result["per_request"] < 100_000
