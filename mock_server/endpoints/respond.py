"""Writing the gateway's answer: ``200 text/plain`` with the bare code."""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import Scope, Send

from ismart_sms_kit.mock_server.transport import ANSWER_EXTENSION

_ANSWERS = {code: str(code).encode() for code in range(0, 100)}
_TEXT_PLAIN = b"text/plain; charset=utf-8"
_ANSWER_HEADERS = {
    code: ((b"content-length", str(len(body)).encode()), (b"content-type", _TEXT_PLAIN))
    for code, body in _ANSWERS.items()
}
_ANSWER_HEAD = {
    code: b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    for code, headers in _ANSWER_HEADERS.items()
}
"""The same headers, encoded: what the transport's one-write answer takes."""


def answer(code: int) -> Response:
    body = _ANSWERS.get(code) or str(code).encode()
    return Response(body, media_type="text/plain")


def answer_now(scope: Scope, code: int) -> bool:
    """Write the answer ``code`` at once where the transport offers it (``ANSWER_EXTENSION``:
    one write, no ASGI messages); False: send it with :func:`send_answer`."""
    body = _ANSWERS.get(code)
    extensions = scope.get("extensions")
    whole = extensions.get(ANSWER_EXTENSION) if extensions and body is not None else None
    return whole is not None and bool(whole(scope, 200, _ANSWER_HEAD[code], body))


async def send_answer(scope: Scope, send: Send, code: int) -> None:
    """What ``answer(code)`` sends, without building a Response: 200, ``text/plain``, the
    bare digits; in one write where the transport offers it (``ANSWER_EXTENSION``)."""
    body = _ANSWERS.get(code)
    if body is None:
        body = str(code).encode()
        fixed = ((b"content-length", str(len(body)).encode()), (b"content-type", _TEXT_PLAIN))
    elif answer_now(scope, code):
        return
    else:
        fixed = _ANSWER_HEADERS[code]
    await send({"type": "http.response.start", "status": 200, "headers": list(fixed)})
    await send({"type": "http.response.body", "body": body})
