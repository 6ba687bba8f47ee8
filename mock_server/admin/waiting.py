"""``GET /_mock/api/messages/wait``: long-poll until a matching message arrives.

A test sends through its app, then waits for the SMS instead of sleeping::

    GET /_mock/api/messages/wait?to=96899123456&contains=code&timeout_ms=5000

The wait matches by message identity, never by counting: it answers the oldest matching
message whose id is above ``after``. Without ``after`` that is any message the emulator keeps
for the call's view, i.e. everything since the last reset (a reset forgets the messages), so
"send, then wait" works in that natural order; ``after=now`` waits only for a message that
arrives during the call; ``after=ID`` for one newer than a message already seen. Ids only ever
grow, also across resets and when the caps drop old messages. Answers 200 with the message, or
408 when ``timeout_ms`` passes. It ends when its client goes (``http.disconnect``) and when the
server begins to shut down (503), so that neither an abandoned wait nor one still waiting keeps
looking for its ``timeout_ms``.

The wait is woken at once by a message stored in this process (in its scope, if it has one)
and also looks every ``POLL_S`` seconds, which covers messages stored by another worker sharing
the same state. Each look costs next to nothing unless something was stored since the last
(``Storage.version`` changed), and then reads only the messages stored since.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ismart_sms_kit.mock_server.admin.api import (
    BadFilter,
    backend_of,
    error,
    message_json,
    message_query,
    parse_whole,
    request_scope,
)
from ismart_sms_kit.mock_server.transport import SHUTDOWN_EXTENSION

POLL_S = 0.2
DEFAULT_TIMEOUT_MS = 10_000
MAX_TIMEOUT_MS = 300_000
MATCH_FILTERS = ("to", "user", "header", "contains", "after", "scope")


async def woken_or_after(event: asyncio.Event, seconds: float) -> None:
    """Return when ``event`` is set or after ``seconds``, whichever comes first (setting it
    then): one timer, where ``asyncio.wait_for`` makes a task each time, which hundreds of
    idle event streams and long-polls pay for a few times a second each."""
    if event.is_set():
        return
    handle = asyncio.get_running_loop().call_later(seconds, event.set)
    try:
        await event.wait()
    finally:
        handle.cancel()


async def wait_for_message(request: Request) -> Response:
    backend = backend_of(request)
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
        if query.get("after") == "now":
            query["after"] = str(backend.storage.latest_ids()[0])
        wanted = message_query(query, request_scope(request), limit=1, oldest_first=True)
    except BadFilter as exc:
        return error(400, str(exc), exc.field)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_ms / 1000
    arrived = asyncio.Event()
    backend.listen(arrived, wanted.scope)
    gone = asyncio.Event()  # the client went, or the server is shutting down
    watcher = asyncio.create_task(_until_gone(request, arrived, gone))
    looked = -1  # the newest message id at the last look
    version: tuple[int, int] | None = None  # the storage's version then
    try:
        while not gone.is_set():
            now_version = backend.storage.version(wanted.scope)
            newest = backend.storage.latest_ids()[0] if now_version != version else looked
            version = now_version
            if newest != looked:
                # only what is newer than the last look (ids only grow): no rescans
                newer = dataclasses.replace(wanted, after=max(wanted.after, looked))
                found = backend.storage.find_messages(newer)
                if found:
                    return JSONResponse(message_json(backend, found[0]))
                looked = newest
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
            await woken_or_after(arrived, min(left, POLL_S))
        return error(503, "the client went away or the server is shutting down")
    finally:
        watcher.cancel()
        backend.unlisten(arrived, wanted.scope)


async def _until_gone(request: Request, arrived: asyncio.Event, gone: asyncio.Event) -> None:
    """Set ``gone`` (and wake the wait) when the client disconnects (``http.disconnect``) or
    the server begins to shut down (``SHUTDOWN_EXTENSION``), whichever comes first."""
    shutdown = request.scope.get("extensions", {}).get(SHUTDOWN_EXTENSION)
    waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(_disconnected(request))]
    if isinstance(shutdown, asyncio.Event):
        waits.append(asyncio.ensure_future(shutdown.wait()))
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
    gone.set()
    arrived.set()


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass
