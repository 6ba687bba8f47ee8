"""Reading an admin call's JSON body within limits (:func:`read_json`): at most
``MAX_BODY_BYTES`` (413) and ``MAX_DEPTH`` levels of nesting (400), each refused with an exact
error rather than read whole into memory or answered 500 (Python's parser recurses: deep enough
nesting is a ``RecursionError``)."""

from __future__ import annotations

import json
import re
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

MAX_BODY_BYTES: Final = 1024 * 1024
"""The largest admin body read: an account with thousands of opted-out numbers, a rule, fit."""
MAX_DEPTH: Final = 32
"""The deepest nesting of arrays and objects read: no admin body needs more than 4."""

_STRINGS: Final = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS: Final = re.compile(rb"[\[\]{}]")


class BadBody(Exception):
    """An admin body refused before it is parsed: its status and error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def depth(body: bytes) -> int:
    """How deep the arrays and objects of the JSON text ``body`` nest (outside its strings)."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return 0  # too few to be too deep: the usual body
    deepest = level = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b'""', body)):
        if bracket in (b"[", b"{"):
            level += 1
            deepest = max(deepest, level)
        else:
            level -= 1
    return deepest


async def read_json(request: Request) -> Any:
    """The request's JSON body; :class:`BadBody` when it is too large or too deep,
    ``ValueError`` when it is not JSON."""
    body = bytearray()
    over = False
    async for chunk in request.stream():  # counted as it comes, whatever Content-Length says
        if not over:
            body += chunk
            over = len(body) > MAX_BODY_BYTES
    if over:
        raise BadBody(413, f"the body is over {MAX_BODY_BYTES} bytes, the admin API's limit")
    if depth(bytes(body)) > MAX_DEPTH:
        raise BadBody(400, f"the JSON body is nested deeper than {MAX_DEPTH} levels")
    return json.loads(body)


async def bad_body(request: Request, exc: Exception) -> Response:
    """The answer to a :class:`BadBody` (an app exception handler)."""
    status = exc.status if isinstance(exc, BadBody) else 400
    return JSONResponse({"error": str(exc)}, status_code=status)
