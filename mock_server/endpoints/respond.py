"""Writing the gateway's answer: ``200 text/plain`` with the bare code."""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import Send

_ANSWERS = {code: str(code).encode() for code in range(0, 100)}
_TEXT_PLAIN = b"text/plain; charset=utf-8"
_ANSWER_HEADERS = {
    code: ((b"content-length", str(len(body)).encode()), (b"content-type", _TEXT_PLAIN))
    for code, body in _ANSWERS.items()
}


def answer(code: int) -> Response:
    body = _ANSWERS.get(code) or str(code).encode()
    return Response(body, media_type="text/plain")


async def send_answer(send: Send, code: int) -> None:
    """What ``answer(code)`` sends, without building a Response: 200, ``text/plain``, the
    bare digits."""
    body = _ANSWERS.get(code)
    if body is None:
        body = str(code).encode()
        fixed = ((b"content-length", str(len(body)).encode()), (b"content-type", _TEXT_PLAIN))
    else:
        fixed = _ANSWER_HEADERS[code]
    await send({"type": "http.response.start", "status": 200, "headers": list(fixed)})
    await send({"type": "http.response.body", "body": body})
