"""Letting a fault rule drop a connection: ASGI has no way to say "close without answering".

uvicorn's httptools protocol is subclassed to put the connection's ``abort`` into the request
scope (``scope["extensions"]["ismart.abort"]``). ``ismart-mock`` and ``ServerThread`` use it;
under another ASGI server a ``drop`` rule falls back to closing the connection after a
response start with no body (documented in the README).
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

ABORT_EXTENSION = "ismart.abort"


class DroppableHttpToolsProtocol(HttpToolsProtocol):
    def on_message_begin(self) -> None:
        super().on_message_begin()
        scope: Any = self.scope
        scope["extensions"] = {ABORT_EXTENSION: self.transport.abort}
