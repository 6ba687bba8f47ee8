"""Carrying out a fault rule's final action over HTTP: a response with another status or a raw
body, a hang, a dropped connection (:func:`response_for`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ismart_sms_kit.mock_server.incoming import Answer
from ismart_sms_kit.mock_server.rules.actions import Action, ActionKind
from ismart_sms_kit.mock_server.transport import ABORT_EXTENSION, SHUTDOWN_EXTENSION


class Dropped(Response):
    """A non-answer: the connection was (or is now) closed without an HTTP response."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        abort = scope.get("extensions", {}).get(ABORT_EXTENSION)
        if abort is not None:
            abort()
            return
        # Another ASGI server: start a response that promises a body and never send it.
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
        )
        raise ConnectionAbortedError("dropped by a fault rule")


class Hung(Response):
    """No answer for ``hang_ms``, or until the client gives up or the server stops; then the
    connection is dropped. The request is journaled when the hang starts, not when it ends, so
    it never shows up in a later test's journal."""

    def __init__(self, hang_ms: int) -> None:
        super().__init__(status_code=200)
        self.hang_ms = hang_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        shutdown = scope.get("extensions", {}).get(SHUTDOWN_EXTENSION)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.hang_ms / 1000
        while (left := deadline - loop.time()) > 0 and not (shutdown and shutdown.is_set()):
            try:
                message = await asyncio.wait_for(receive(), timeout=min(left, 0.5))
            except asyncio.TimeoutError:
                continue
            if message["type"] == "http.disconnect":
                break
        await Dropped()(scope, receive, send)


def _reason_phrase(status: int) -> str:
    """The default body of an ``http_status`` rule: the status's reason phrase, as IIS answers
    (``Service Unavailable``); none for a status that has none."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def response_for(action: Action) -> Response | None:
    """The response that carries ``action`` out; None for a ``code`` (answered as any code)."""
    match action.kind:
        case ActionKind.CODE:
            return None
        case ActionKind.HTTP_STATUS:
            status = action.http_status or 200
            body = action.body if action.body is not None else _reason_phrase(status)
            return Response(body, status, media_type=action.content_type or "text/html")
        case ActionKind.BODY:
            return Response(action.body, media_type=action.content_type or "text/plain")
        case ActionKind.HANG:
            return Hung(action.hang_ms)
        case _:
            return Dropped()


async def write(
    answer: Answer,
    scope: Scope,
    receive: Receive,
    send: Send,
    code_answer: Callable[[Scope, Send, int], Awaitable[None]],
    own: ASGIApp | None = None,
) -> None:
    """Every gateway endpoint's write: a fault rule's action carried out, else the code in
    the endpoint's shape (``code_answer``), else (no code) the endpoint's ``own`` answer to
    a request it refused, or a dropped connection."""
    response = response_for(answer.action) if answer.action is not None else None
    code = answer.decision.code
    if response is not None:
        await response(scope, receive, send)
    elif code is not None:
        await code_answer(scope, send, code)
    else:
        await (own or Dropped())(scope, receive, send)
