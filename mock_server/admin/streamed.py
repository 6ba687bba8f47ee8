"""A JSON array answered a piece at a time (:func:`json_array`): what a client that stops
reading holds is one piece and the transport's buffer, not the whole page.

A page of the journal is up to 10,000 entries of up to about 4 KB each: built whole, each
stalled reader of it held some 40 MB (issue 28). Written in pieces of about ``PIECE_BYTES``,
each ``send`` waits until the transport has room (uvicorn's flow control), and the connection
is closed at the write time-out (``write_timeout_ms``) if the client reads none of it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Final, TypeVar

from starlette.responses import JSONResponse, Response, StreamingResponse

PIECE_BYTES: Final = 64 * 1024
WHOLE_ITEMS: Final = 100
"""A list this long or shorter is answered whole (with its ``Content-Length``)."""

T = TypeVar("T")

_encode = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
).encode


async def _pieces(items: Sequence[T], shown: Callable[[T], Any]) -> AsyncIterator[bytes]:
    held: list[str] = ["["]
    size = 1
    for i, item in enumerate(items):
        text = _encode(shown(item))
        held.append("," + text if i else text)
        size += len(text) + 1
        if size >= PIECE_BYTES:
            yield "".join(held).encode("utf-8")
            held, size = [], 0
    held.append("]")
    yield "".join(held).encode("utf-8")


def json_array(items: Sequence[T], shown: Callable[[T], Any]) -> Response:
    """``[shown(item), ...]`` as JSON, the same text as a ``JSONResponse`` of the list; a long
    list is written in pieces (chunked), each item made JSON only when its piece is due."""
    if len(items) <= WHOLE_ITEMS:
        return JSONResponse([shown(item) for item in items])
    return StreamingResponse(_pieces(items, shown), media_type="application/json")
