"""Letting a fault rule drop a connection: ASGI has no way to say "close without answering".

uvicorn's httptools protocol is subclassed to put the connection's ``abort`` into the request
scope (``scope["extensions"]["ismart.abort"]``), and a shutdown event beside it.
``ismart-mock`` and ``ServerThread`` use it; under another ASGI server a ``drop`` rule falls
back to closing the connection after a response start with no body.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

ABORT_EXTENSION = "ismart.abort"
SHUTDOWN_EXTENSION = "ismart.shutdown"
"""Key of an :class:`asyncio.Event` in ``scope["extensions"]``, set when the server begins a
graceful shutdown, so that long-lived answers (the inbox's event stream, a ``hang`` rule) end
at once instead of at uvicorn's graceful-shutdown timeout."""


class DroppableHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shutting_down = asyncio.Event()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        scope: Any = self.scope
        scope["extensions"] = {
            ABORT_EXTENSION: self.transport.abort,
            SHUTDOWN_EXTENSION: self.shutting_down,
        }

    def shutdown(self) -> None:
        self.shutting_down.set()
        super().shutdown()
