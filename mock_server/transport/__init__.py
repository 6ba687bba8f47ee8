"""The emulator's HTTP connections: uvicorn's httptools protocol, subclassed.

* A fault rule can drop a connection (ASGI has no way to say "close without answering"): the
  connection's ``abort`` goes into the request scope (``scope["extensions"]["ismart.abort"]``),
  with a shutdown event beside it. Under another ASGI server a ``drop`` rule falls back to
  closing the connection after a response start with no body.
* A client that half-closes (``shutdown(SHUT_WR)``) after whole gateway requests gets every
  answer; the connection closes once they are written. A request left incomplete by the
  half-close is a disconnect.
* Time-outs (:class:`HttpSettings`): a connection with no request in progress is closed after
  ``idle_timeout_ms`` (uvicorn's keep-alive time-out, which it starts only after a first
  answer, and here from the connection's start too); a request line and headers must be
  whole ``header_timeout_ms`` after their first byte, a body ``body_timeout_ms`` after its
  headers. One timer per server looks at the connections' deadlines a few times a second.
* A connection cap: beyond ``max_connections`` (and never closer than ``FD_MARGIN`` to the
  process's file limit, where the server could not accept at all), a new connection closes the
  oldest one that is idle or still sending its request, so slow clients cannot lock honest ones
  out; a connection whose request is being answered is never closed for it. (uvicorn's
  ``limit_concurrency`` answers 503 to everyone beyond its limit instead, honest clients
  included.)
* An over-long URL on a send endpoint, which the HTTP parser refuses, answers the gateway's
  ``15`` instead of ``400 Invalid HTTP request``.

The settings come from the app's lifespan state (``HTTP_SETTINGS``); ``ismart-mock`` and
``ServerThread`` use this protocol.

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
import resource
import socket
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

HTTP_SETTINGS: Final = "ismart.http"
"""Key of the :class:`HttpSettings` in the app's lifespan state."""
FD_MARGIN: Final = 64
"""File descriptors kept free for everything else (the state file, logs, a new connection)."""


@dataclass(frozen=True)
class HttpSettings:
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    idle_timeout_s: float = 5.0
    max_connections: int = 1000
    gateway_paths: frozenset[bytes] = frozenset()
    """Send endpoints' paths, lower case, as bytes: an unparseable request to one answers 15,
    and one that half-closes gets its answer."""

    @property
    def sweep_s(self) -> float:
        """How often the deadlines are looked at: a tenth of the shortest, 50 to 500 ms (a
        connection is closed that much after its time-out at most)."""
        shortest = min(self.header_timeout_s, self.body_timeout_s, self.idle_timeout_s)
        return max(0.05, min(0.5, shortest / 10))


DEFAULT_HTTP_SETTINGS: Final = HttpSettings()
_ANSWER_15: Final = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 2\r\n"
    b"connection: close\r\n\r\n15"
)


def connection_cap(settings: HttpSettings) -> int:
    """``max_connections``, lowered to stay ``FD_MARGIN`` below the file limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return settings.max_connections
    return max(1, min(settings.max_connections, soft - FD_MARGIN))


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


class _Sweeper:
    """One per server: closes the connections whose deadline has passed, every ``sweep_s``
    while there are connections."""

    def __init__(self, loop: asyncio.AbstractEventLoop, connections: set[Any], every: float):
        self.loop = loop
        self.connections = connections
        self.every = every
        self.handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        if self.handle is None:
            self.handle = self.loop.call_later(self.every, self.sweep)

    def sweep(self) -> None:
        self.handle = None
        now = self.loop.time()
        for protocol in list(self.connections):
            deadline = getattr(protocol, "deadline", None)
            if deadline is not None and deadline <= now:
                protocol.timed_out()
        if self.connections:
            self.start()


class DroppableHttpToolsProtocol(_Base):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shutting_down = asyncio.Event()
        state: Any = getattr(self, "app_state", None) or {}
        self.settings: HttpSettings = state.get(HTTP_SETTINGS) or DEFAULT_HTTP_SETTINGS
        self.deadline: float | None = None
        """When this connection is closed unless its client gets on (None: not waiting for
        the client, a request is being answered)."""
        self.waiting_since = 0.0
        self.peer_done = False
        """The client half-closed: close once the answers of its whole requests are out."""
        keep_alive: Any = self.settings.idle_timeout_s  # uvicorn's, after an answer
        self.timeout_keep_alive = keep_alive

    def _wait(self, seconds: float) -> None:
        now = self.loop.time()
        self.waiting_since = now
        self.deadline = now + seconds

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalescing: Any = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)
        self._wait(self.settings.idle_timeout_s)
        state: Any = self.server_state
        sweeper: _Sweeper | None = getattr(state, "ismart_sweeper", None)
        if sweeper is None:
            sweeper = _Sweeper(self.loop, self.connections, self.settings.sweep_s)
            state.ismart_sweeper = sweeper
        sweeper.start()
        if len(self.connections) > 32 and len(self.connections) > connection_cap(self.settings):
            self._make_room()

    def _make_room(self) -> None:
        """Close the connection that has waited longest for its client (this one apart)."""
        oldest: Any = None
        protocol: Any
        for protocol in self.connections:
            if protocol is self or getattr(protocol, "deadline", None) is None:
                continue
            if oldest is None or protocol.waiting_since < oldest.waiting_since:
                oldest = protocol
        if oldest is not None:
            oldest.timed_out()

    def timed_out(self) -> None:
        self.deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._wait(self.settings.header_timeout_s)
        scope: Any = self.scope
        scope["extensions"] = {
            ABORT_EXTENSION: self.transport.abort,
            SHUTDOWN_EXTENSION: self.shutting_down,
        }

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._wait(self.settings.body_timeout_s)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.deadline = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if self.peer_done and not self.pipeline and (cycle.response_complete or cycle.disconnected):
            self.transport.close()
        elif cycle.response_complete and not self.pipeline:
            self._wait(self.settings.idle_timeout_s)  # beside uvicorn's keep-alive time-out

    def eof_received(self) -> bool | None:  # type: ignore[override]
        """The client half-closed: keep the connection open for the answers of its whole
        requests to the gateway (None closes it at once: nothing is left to answer). Elsewhere
        (event streams, long-polls, the admin API) the end of the client's data is taken as
        the client leaving, as before: a stream would otherwise run until its next write
        failed."""
        self.peer_done = True
        cycle = self.cycle
        if cycle is None:
            return None
        path: str = cycle.scope.get("path", "")
        if path.lower().encode("utf-8", "replace") not in self.settings.gateway_paths:
            return None  # a stream, a long-poll, the admin API: the client has left
        if not cycle.response_complete and cycle.more_body:  # it will never be whole
            cycle.disconnected = True
            cycle.message_event.set()
        if self.pipeline or not (cycle.response_complete or cycle.disconnected):
            self.deadline = None
            return True
        return None

    def send_400_response(self, msg: str) -> None:
        """The parser refused the request: a send endpoint answers 15, as the gateway does
        for a request it cannot read; anything else gets uvicorn's 400."""
        url: bytes = getattr(self, "url", b"") or b""
        path = url.split(b"?", 1)[0].lower()
        if path and path in self.settings.gateway_paths:
            self.transport.write(_ANSWER_15)
            self.transport.close()
            return
        super().send_400_response(msg)

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
