"""A long list answered a page and a piece at a time (:func:`json_pages`): what a client that
stops reading holds is one page of the store and one piece of JSON, not the whole answer.

A page of the journal is up to 10,000 entries of up to about 4 KB each: built whole, each
stalled reader of it held some 40 MB (issue 28), and with SQLite state the entries read for
it too. Here the store is read ``PAGE_ITEMS`` at a time, each page only once the one before
it is written, and the JSON is written in pieces of about ``PIECE_BYTES``: each ``send``
waits until the transport has room (uvicorn's flow control), and the connection is closed at
the write time-out (``write_timeout_ms``) if the client reads none of it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Final, Protocol, TypeVar

from starlette.responses import JSONResponse, Response, StreamingResponse

PIECE_BYTES: Final = 64 * 1024
PAGE_ITEMS: Final = 100
"""Items read from the store at a time; a list of at most this many is answered whole (with
its ``Content-Length``)."""

_encode = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
).encode


class _Stored(Protocol):
    @property
    def id(self) -> int: ...


S = TypeVar("S", bound=_Stored)
Fetch = Callable[[int, int], Sequence[S]]


async def _pieces(
    first: Sequence[S], fetch: Fetch[S], limit: int, shown: Callable[[S], Any]
) -> AsyncIterator[bytes]:
    page, left = first, limit - len(first)
    held: list[str] = ["["]
    size, comma = 1, ""
    while page:
        for item in page:
            text = _encode(shown(item))
            held.append(comma + text)
            size, comma = size + len(text) + 1, ","
            if size >= PIECE_BYTES:
                yield "".join(held).encode("utf-8")
                held, size = [], 0
        if left <= 0 or len(page) < PAGE_ITEMS:
            break
        page = fetch(page[-1].id, min(PAGE_ITEMS, left))  # the next page, read when due
        left -= len(page)
    held.append("]")
    yield "".join(held).encode("utf-8")


def json_pages(fetch: Fetch[S], limit: int, shown: Callable[[S], Any]) -> Response:
    """Up to ``limit`` items, newest first, as a JSON array (the same text as a
    ``JSONResponse`` of the list): ``fetch(before, count)`` reads the ``count`` newest items
    with an id below ``before`` (0: any)."""
    first = fetch(0, min(limit, PAGE_ITEMS))
    if len(first) < PAGE_ITEMS or limit <= PAGE_ITEMS:
        return JSONResponse([shown(item) for item in first])
    pieces = _pieces(first, fetch, limit, shown)
    return StreamingResponse(pieces, media_type="application/json")
