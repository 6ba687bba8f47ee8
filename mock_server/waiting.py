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

from mock_server.admin import BadFilter, _backend, error, filter_messages
from mock_server.store import Message

POLL_S = 0.2
DEFAULT_TIMEOUT_MS = 10_000
MAX_TIMEOUT_MS = 300_000
MATCH_FILTERS = ("to", "user", "header", "contains")


def newest_id(messages: list[Message]) -> int:
    return messages[-1].id if messages else 0


def first_after(messages: list[Message], after: int, query: dict[str, str]) -> Message | None:
    """The oldest message above ``after`` that matches the filters (messages oldest first)."""
    fresh: list[Message] = []
    for message in reversed(messages):
        if message.id <= after:
            break
        fresh.append(message)
    fresh.reverse()
    found = filter_messages(fresh, {**query, "limit": str(max(len(fresh), 1))})
    return found[-1] if found else None


def _whole(query: dict[str, str], name: str, default: int, maximum: int) -> int:
    raw = query.pop(name, None)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > maximum:
        raise BadFilter(name, f"{name}={raw!r} is not a whole number from 0 to {maximum}")
    return int(raw)


async def wait_for_message(request: Request) -> Response:
    backend = _backend(request)
    query = dict(request.query_params)
    try:
        timeout_ms = _whole(query, "timeout_ms", DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS)
        after_raw = query.get("after")
        after = _whole(query, "after", 0, 2**63) if after_raw is not None else None
        unknown = sorted(set(query) - set(MATCH_FILTERS))
        if unknown:
            raise BadFilter(
                unknown[0],
                f"unknown filter {unknown[0]!r} (known: {', '.join(MATCH_FILTERS)}, "
                "after, timeout_ms)",
            )
        if after is None:
            after = newest_id(backend.storage.messages())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_ms / 1000
        arrived = asyncio.Event()
        backend.listeners.add(arrived)
        try:
            while True:
                found = first_after(backend.storage.messages(), after, query)
                if found is not None:
                    return JSONResponse(found.to_json(backend.clock()))
                left = deadline - loop.time()
                if left <= 0:
                    return JSONResponse(
                        {
                            "error": f"no matching message within {timeout_ms} ms",
                            "after": after,
                        },
                        status_code=408,
                    )
                arrived.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(arrived.wait(), min(left, POLL_S))
        finally:
            backend.listeners.discard(arrived)
    except BadFilter as exc:
        return error(400, str(exc), exc.field)
