"""Letting a fault rule drop a connection: ASGI has no way to say "close without answering".

uvicorn's httptools protocol is subclassed to put the connection's ``abort`` into the request
scope (``scope["extensions"]["ismart.abort"]``), and a shutdown event beside it.
``ismart-mock`` and ``ServerThread`` use it; under another ASGI server a ``drop`` rule falls
back to closing the connection after a response start with no body.

``HttpToolsProtocol`` and ``uvicorn.supervisors.Multiprocess`` are uvicorn's internals, not its
public API: pyproject.toml bounds uvicorn to the versions tested, and :func:`http_protocol` and
:func:`multiprocess_api_problem` check, before use, that they still look as this module expects.
Where they do not (a uvicorn past the bound, or without httptools), the emulator warns
(:class:`UvicornCompatibilityWarning`) and serves with uvicorn's own protocol (``"auto"``;
``drop`` then falls back as above, and answers are not coalesced) or, for ``--workers``, with
``uvicorn.run(..., workers=N)`` (one shared listening socket).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import socket
import warnings
from typing import TYPE_CHECKING, Any

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


class UvicornCompatibilityWarning(RuntimeWarning):
    """uvicorn's internals are not what the emulator was written against: it falls back."""


def _httptools_protocol() -> type[Any] | None:
    """uvicorn's ``HttpToolsProtocol``, or None where it cannot be imported (no httptools, or
    a uvicorn that moved it)."""
    try:
        module = importlib.import_module("uvicorn.protocols.http.httptools_impl")
    except ImportError:
        return None
    found = getattr(module, "HttpToolsProtocol", None)
    return found if isinstance(found, type) else None


def _parameters(cls: type[Any], name: str) -> list[str] | None:
    method = getattr(cls, name, None)
    if not callable(method):
        return None
    try:
        return list(inspect.signature(method).parameters)
    except (TypeError, ValueError):
        return None


def _api_problem(cls: type[Any], expected: dict[str, list[str]], prefix: set[str]) -> str | None:
    for name, wanted in expected.items():
        found = _parameters(cls, name)
        if found is None:
            return f"{cls.__module__}.{cls.__qualname__} has no method {name}()"
        if found != wanted and not (name in prefix and found[: len(wanted)] == wanted):
            return (
                f"{cls.__module__}.{cls.__qualname__}.{name}({', '.join(found)}) is not "
                f"{name}({', '.join(wanted)})"
            )
    return None


PROTOCOL_API: dict[str, list[str]] = {
    "__init__": ["self", "config", "server_state", "app_state"],
    "connection_made": ["self", "transport"],
    "on_message_begin": ["self"],
    "shutdown": ["self"],
}
"""What :class:`DroppableHttpToolsProtocol` relies on (``__init__`` may take more)."""

MULTIPROCESS_API: dict[str, list[str]] = {
    "__init__": ["self", "config", "sockets"],
    "run": ["self"],
}
"""What ``ismart-mock --workers`` relies on in ``uvicorn.supervisors.Multiprocess``."""


def protocol_api_problem(base: type[Any] | None) -> str | None:
    """Why ``base`` is not the ``HttpToolsProtocol`` this module subclasses, or None."""
    if base is None:
        return "uvicorn.protocols.http.httptools_impl.HttpToolsProtocol cannot be imported"
    if not issubclass(base, asyncio.Protocol):
        return f"{base.__module__}.{base.__qualname__} is not an asyncio.Protocol"
    return _api_problem(base, PROTOCOL_API, {"__init__"})


def multiprocess_api_problem(supervisor: type[Any]) -> str | None:
    """Why ``supervisor`` is not the ``Multiprocess`` ``ismart-mock --workers`` drives, or
    None."""
    return _api_problem(supervisor, MULTIPROCESS_API, set())


def compatibility_warning(problem: str, fallback: str) -> None:
    warnings.warn(
        f"ismart-mock: {problem} (uvicorn's internals changed; pyproject.toml bounds the "
        f"versions tested): {fallback}",
        UvicornCompatibilityWarning,
        stacklevel=3,
    )


_HTTPTOOLS_PROTOCOL = _httptools_protocol()

if TYPE_CHECKING:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
else:  # a stand-in where it is missing: the class below is then never used
    _Base = _HTTPTOOLS_PROTOCOL or asyncio.Protocol


class DroppableHttpToolsProtocol(_Base):
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


PROTOCOL_PROBLEM = protocol_api_problem(_HTTPTOOLS_PROTOCOL)
"""Why the installed uvicorn's ``HttpToolsProtocol`` cannot be subclassed here, or None."""


def http_protocol(problem: str | None = PROTOCOL_PROBLEM) -> type[asyncio.Protocol] | str:
    """uvicorn's ``http=`` for the emulator: :class:`DroppableHttpToolsProtocol` where uvicorn's
    ``HttpToolsProtocol`` is what it subclasses (``problem`` is None), else ``"auto"`` (uvicorn's
    own choice) with a :class:`UvicornCompatibilityWarning` naming the problem."""
    if problem is None:
        return DroppableHttpToolsProtocol
    compatibility_warning(
        problem,
        "serving with uvicorn's own HTTP protocol (a drop rule then closes the connection "
        "after a response start instead of dropping it)",
    )
    return "auto"


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
