"""``GET /_mock/api/messages/wait``: long-poll until a matching message arrives.

A test sends through its app, then waits for the SMS instead of sleeping::

    GET /_mock/api/messages/wait?to=96899123456&contains=code&timeout_ms=5000

The wait matches by message identity, never by counting: it answers the first matching
message whose id is above ``after`` (by default the newest message id when the call was made,
so only a message that arrives during the call counts; pass the id of a message you have seen
to also accept one that arrived since). Ids only ever grow, also across resets and when the
caps drop old messages. Answers 200 with the message, or 408 when ``timeout_ms`` passes.

The wait is woken at once by a message stored in this process and also looks every
``POLL_S`` seconds, which covers messages stored by another worker sharing the same state.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ismart_sms_kit.mock_server.admin.api import (
    BadFilter,
    _backend,
    error,
    message_json,
    message_query,
    parse_whole,
    request_scope,
)

POLL_S = 0.2
DEFAULT_TIMEOUT_MS = 10_000
MAX_TIMEOUT_MS = 300_000
MATCH_FILTERS = ("to", "user", "header", "contains", "after", "scope")


async def wait_for_message(request: Request) -> Response:
    backend = _backend(request)
    query = dict(request.query_params)
    try:
        timeout_ms = parse_whole(
            query.pop("timeout_ms", None), "timeout_ms", DEFAULT_TIMEOUT_MS, 0, MAX_TIMEOUT_MS
        )
        unknown = sorted(set(query) - set(MATCH_FILTERS))
        if unknown:
            raise BadFilter(
                unknown[0],
                f"unknown filter {unknown[0]!r} (known: {', '.join(MATCH_FILTERS)}, timeout_ms)",
            )
        if "after" not in query:
            query["after"] = str(backend.storage.latest_ids()[0])
        wanted = message_query(query, request_scope(request), limit=1, oldest_first=True)
    except BadFilter as exc:
        return error(400, str(exc), exc.field)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_ms / 1000
    arrived = asyncio.Event()
    backend.listeners.add(arrived)
    try:
        while True:
            found = backend.storage.find_messages(wanted)
            if found:
                return JSONResponse(message_json(backend, found[0]))
            left = deadline - loop.time()
            if left <= 0:
                return JSONResponse(
                    {
                        "error": f"no matching message within {timeout_ms} ms",
                        "after": wanted.after,
                    },
                    status_code=408,
                )
            arrived.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(arrived.wait(), min(left, POLL_S))
    finally:
        backend.listeners.discard(arrived)
