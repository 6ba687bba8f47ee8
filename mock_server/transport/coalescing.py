"""Writing a response's head and body in one ``send()`` (:class:`CoalescingTransport`)."""

from __future__ import annotations

import asyncio
from typing import Any


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
        if self._transport.is_closing():  # the peer is gone: nothing can be written
            self._held = None
            return
        held = self._held
        if held is None:
            self._held = bytes(data)
            self._loop.call_soon(self._flush)
        else:
            self._held = b""  # the flush is still scheduled: it finds nothing to write
            self._transport.write(held + data)

    def write_now(self, data: bytes) -> None:
        """Write ``data`` (after what is held) at once: a whole response."""
        held = self._held
        if held:
            self._held = b""
            data = held + data
        self._transport.write(data)

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
