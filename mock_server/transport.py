"""Letting a fault rule drop a connection: ASGI has no way to say "close without answering".

uvicorn's httptools protocol is subclassed to put the connection's ``abort`` into the request
scope (``scope["extensions"]["ismart.abort"]``), and a shutdown event beside it.
``ismart-mock`` and ``ServerThread`` use it; under another ASGI server a ``drop`` rule falls
back to closing the connection after a response start with no body.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

ABORT_EXTENSION = "ismart.abort"
SHUTDOWN_EXTENSION = "ismart.shutdown"
"""Key of an :class:`asyncio.Event` in ``scope["extensions"]``, set when the server begins a
graceful shutdown, so that long-lived answers (the inbox's event stream, a ``hang`` rule) end
at once instead of at uvicorn's graceful-shutdown timeout."""


class CoalescingTransport:
    """The connection's transport as uvicorn's protocol sees it, writing a response's head and
    body in one ``send()``: uvicorn writes them separately, and on loopback each write is a
    system call that costs more than the gateway's own work. A write is held until the next
    write (joined with it) or the end of the event loop's current iteration, whichever comes
    first, so nothing waits longer than that (streams, ``100 Continue`` and HEAD answers
    included); ``close()`` writes what is held first, ``abort()`` drops it."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held = self._held
        if held is None:
            self._held = bytes(data)
            self._loop.call_soon(self._flush)
        else:
            self._held = b""  # the flush is still scheduled: it finds nothing to write
            self._transport.write(held + data)

    def writelines(self, lines: Any) -> None:
        self.write(b"".join(lines))

    def _flush(self) -> None:
        held, self._held = self._held, None
        if held and not self._transport.is_closing():
            self._transport.write(held)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class DroppableHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shutting_down = asyncio.Event()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalescing: Any = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)

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


class WorkerListener(socket.socket):
    """The listening socket of ``--workers N``, bound by the supervising process: a worker
    that receives it (uvicorn pickles it to each worker process it starts) gets a socket of its
    own bound to the same address with ``SO_REUSEPORT``, so the kernel spreads connections
    evenly over the workers. With one socket shared by all of them, whichever worker wakes
    first takes a whole burst of connections (seen here: all 64 of a load test on one worker,
    the other idle). The supervisor's own socket holds the port and never listens."""

    def __reduce__(self) -> tuple[Any, ...]:
        host, port = self.getsockname()[:2]
        return (_bound, (self.family, host, port, socket.socket))


def _bound(family: int, host: str, port: int, kind: type[socket.socket]) -> socket.socket:
    sock = kind(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def worker_listener(host: str, port: int) -> socket.socket:
    """The supervisor's socket for ``--workers`` (a plain shared socket where the system has
    no ``SO_REUSEPORT``). A port that anything already listens on is refused (``OSError``), as
    uvicorn refuses it: ``SO_REUSEPORT`` alone would let a second emulator share it silently."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
        if not hasattr(socket, "SO_REUSEPORT"):
            shared = probe.dup()
            shared.set_inheritable(True)
            return shared
    return _bound(family, host, port, WorkerListener)
