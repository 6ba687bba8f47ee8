"""The emulator's HTTP protocol: uvicorn's httptools protocol, subclassed
(:class:`DroppableHttpToolsProtocol`; what it adds is listed in the package's docstring)."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Any, Final

from ismart_sms_kit.mock_server.transport.coalescing import CoalescingTransport
from ismart_sms_kit.mock_server.transport.compat import (
    api_problem,
    attribute_problem,
    compatibility_warning,
    httptools_protocol,
    overridden_api,
    shadowing_problem,
)
from ismart_sms_kit.mock_server.transport.settings import (
    ABORT_EXTENSION,
    ANSWER_EXTENSION,
    BODY_EXTENSION,
    DEFAULT_HTTP_SETTINGS,
    HTTP_SETTINGS,
    SHUTDOWN_EXTENSION,
    HttpSettings,
    connection_cap,
)

_ANSWER_15: Final = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 2\r\n"
    b"connection: close\r\n\r\n15"
)

_TIMED_OUT: Final = b"the request did not arrive in time; nothing was done with it: send it again"
_ANSWER_408: Final = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_TIMED_OUT), _TIMED_OUT)
)

if TYPE_CHECKING:
    from httptools import HttpParserError, HttpParserUpgrade
else:
    try:
        from httptools import HttpParserError, HttpParserUpgrade
    except ImportError:  # no httptools: no uvicorn protocol to subclass, ours is not used
        HttpParserError = HttpParserUpgrade = ValueError

WEBSOCKETS: Final = "none"
"""uvicorn's ``ws=`` for the emulator: it serves no WebSocket, so an upgrade request is answered
as plain HTTP (:meth:`DroppableHttpToolsProtocol.data_received`) and no WebSocket library is
imported at start-up (``"auto"`` imports ``websockets``: a twentieth of the emulator's start)."""

_HTTPTOOLS_PROTOCOL = httptools_protocol()
_STATUS_LINES: Final = {
    200: b"HTTP/1.1 200 OK\r\n",
}

if TYPE_CHECKING:
    from uvicorn.config import Config
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
    from uvicorn.server import ServerState
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


def _default_headers(server_state: Any) -> bytes:
    """uvicorn's default headers (``date``, refreshed each second, and any configured),
    encoded once per list of them."""
    headers = server_state.default_headers
    cached = getattr(server_state, "ismart_default_headers", None)
    if cached is not None and cached[0] is headers:
        return cached[1]  # type: ignore[no-any-return]
    encoded = b"".join(name.lower() + b": " + value + b"\r\n" for name, value in headers)
    server_state.ismart_default_headers = (headers, encoded)
    return encoded


class DroppableHttpToolsProtocol(_Base):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(config, server_state, app_state, *args, **kwargs)
        self.shutting_down = asyncio.Event()
        state: Any = getattr(self, "app_state", None) or {}
        self.settings: HttpSettings = state.get(HTTP_SETTINGS) or DEFAULT_HTTP_SETTINGS
        self.deadline: float | None = None
        """When this connection is closed unless its client gets on (None: not waiting for
        the client, a request is being answered)."""
        self.waiting_since = 0.0
        self.peer_done = False
        """The client half-closed: close once the answers of its whole requests are out."""
        self.reading = 0.0
        """While a request is arriving, its part's time-out (header or body), which each byte
        that arrives starts again; 0 otherwise."""
        self.write_stalled = False
        """The client stopped reading: the transport's buffer is above its high-water mark
        (the answer waits for it to drain) since ``waiting_since``; closed at the write
        time-out unless it drains."""
        keep_alive: Any = self.settings.idle_timeout_s  # uvicorn's, after an answer
        self.timeout_keep_alive = keep_alive
        self.upgrade_body_left = -1
        """Bytes of body still due for a request whose ``Upgrade`` header was ignored (-1:
        none such on this connection)."""
        self.answer_whole = self._answer_whole  # bound once, not per request
        self.whole_body = self._whole_body

    def _whole_body(self, scope: Any) -> bytes | None:
        """``BODY_EXTENSION``: the body ``receive()`` would give, once all of it is here."""
        cycle = self.cycle
        if (
            cycle is None
            or cycle.scope is not scope
            or cycle.more_body
            or cycle.disconnected
            or cycle.response_complete
        ):
            return None
        body = bytes(cycle.body)
        cycle.body = bytearray()
        cycle.message_event.clear()
        return body

    def _answer_whole(self, scope: Any, status: int, headers: bytes, body: bytes) -> bool:
        """``ANSWER_EXTENSION``: what uvicorn's cycle writes for a ``http.response.start``
        (its default headers first) and a last ``http.response.body``, in one write."""
        cycle = self.cycle
        status_line = _STATUS_LINES.get(status)
        if (
            status_line is None
            or cycle is None
            or cycle.scope is not scope
            or cycle.access_log  # uvicorn writes the access log line as it starts a response
            or cycle.response_started
            or cycle.disconnected
            or self.flow.write_paused
            or self.transport.is_closing()
        ):
            return False
        cycle.response_started = cycle.response_complete = True
        cycle.waiting_for_100_continue = False
        keep_alive: bool = cycle.keep_alive
        data = status_line + _default_headers(self.server_state) + headers
        data += b"\r\n" if keep_alive else b"connection: close\r\n\r\n"
        if scope["method"] != "HEAD":
            data += body
        transport: Any = self.transport  # the CoalescingTransport of connection_made
        transport.write_now(data)
        cycle.message_event.set()
        if not keep_alive:
            self.transport.close()
        cycle.on_response()
        return True

    def _wait(self, seconds: float) -> None:
        now = self.loop.time()
        self.waiting_since = now
        self.deadline = now + seconds

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalescing: Any = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)
        self.extensions = {
            ABORT_EXTENSION: coalescing.abort,
            SHUTDOWN_EXTENSION: self.shutting_down,
            ANSWER_EXTENSION: self.answer_whole,
            BODY_EXTENSION: self.whole_body,
        }
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
        transport = self.transport
        if self.reading and not transport.is_closing():
            # a request that stopped arriving: 408 (nothing was done with it, a retry is safe),
            # unless an answer to it (or to one before it) is under way
            self.reading = 0.0
            cycle = self.cycle
            if cycle is None or cycle.response_complete or not cycle.response_started:
                transport.write(_ANSWER_408)
                transport.close()
                return
        if transport.get_write_buffer_size():  # close() would wait for a stalled reader
            transport.abort()
        elif not transport.is_closing():
            transport.close()

    def pause_writing(self) -> None:
        """The client is not reading what was written: the answer's next write waits (uvicorn's
        flow control), and the connection is closed if it stays so for ``write_timeout_s``."""
        super().pause_writing()
        self.write_stalled = True
        self.waiting_since = now = self.loop.time()
        self.deadline = now + self.settings.write_timeout_s

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.write_stalled:
            self.write_stalled = False
            cycle = self.cycle
            if cycle is not None and cycle.response_complete and not self.pipeline:
                self._wait(self.settings.idle_timeout_s)
            else:
                self.deadline = None

    def data_received(self, data: bytes) -> None:
        """uvicorn's, except for a request with an ``Upgrade`` header (WebSocket, ``h2c``):
        the emulator serves no WebSocket and no HTTP/2, so the header is ignored and the
        request answered as plain HTTP/1.1, body and all (docs/decisions.md, "Upgrade
        requests"), as IIS answers a page that accepts no WebSocket. httptools, which takes
        everything after such a request's headers for the new protocol, ends the message
        there; the body is handed on here, and the connection closes with the answer."""
        if self.upgrade_body_left >= 0:
            self._upgraded_body(data)
        else:
            self._unset_keepalive_if_required()
            try:
                self.parser.feed_data(data)
            except HttpParserError:
                self.logger.warning("Invalid HTTP request received.")
                self.send_400_response("Invalid HTTP request received.")
                return
            except HttpParserUpgrade as upgrade:
                self._ignore_upgrade(data[upgrade.args[0] :])
        if self.reading and self.deadline is not None:  # it is arriving: its time-out again
            self.deadline = self.loop.time() + self.reading

    def _ignore_upgrade(self, rest: bytes) -> None:
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return
        cycle.keep_alive = False  # the parser takes no further request on this connection
        length = next((v for k, v in cycle.scope["headers"] if k == b"content-length"), b"0")
        self.upgrade_body_left = int(length) if length.isdigit() else 0
        if self.upgrade_body_left:  # the message is not whole after all: the body follows
            cycle.more_body = True
            self.reading = self.settings.body_timeout_s
            self.deadline = self.loop.time() + self.reading
            self._upgraded_body(rest)

    def _upgraded_body(self, data: bytes) -> None:
        left = self.upgrade_body_left
        if left > 0 and data:
            chunk = data[:left]
            self.upgrade_body_left = left - len(chunk)
            self.on_body(chunk)
            if self.upgrade_body_left == 0:
                self.on_message_complete()

    # The three below run for every request: ``_wait`` is written out in them.
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.waiting_since = now = self.loop.time()
        self.reading = timeout = self.settings.header_timeout_s
        self.deadline = now + timeout
        scope: Any = self.scope
        scope["extensions"] = self.extensions  # the same for every request of the connection

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        # the body's own time-out; the request keeps its place among the waiting (since its
        # first byte) for the connection cap
        self.reading = timeout = self.settings.body_timeout_s
        self.deadline = self.loop.time() + timeout

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.deadline = None
        self.reading = 0.0

    def on_response_complete(self) -> None:
        """uvicorn's, without its keep-alive timer (a ``call_later`` per answer, cancelled by
        the next request): the sweeper closes an idle connection at its deadline, set here."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self._unset_keepalive_if_required()
        self.flow.resume_reading()
        if self.pipeline:
            queued, app = self.pipeline.pop()
            self._start_asgi_task(queued, app)
        cycle = self.cycle
        if self.peer_done and not self.pipeline and (cycle.response_complete or cycle.disconnected):
            self.transport.close()
        elif self.write_stalled:  # the answer is not out: the write time-out stands
            return
        elif cycle.response_complete and not self.pipeline:  # beside uvicorn's keep-alive
            self.waiting_since = now = self.loop.time()
            self.deadline = now + self.settings.idle_timeout_s

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


OWN_NAMES: Final = frozenset(
    {"settings", "shutting_down", "deadline", "waiting_since", "peer_done", "write_stalled"}
    | {"answer_whole", "reading", "extensions", "whole_body", "_whole_body"}
    | {"_wait", "_make_room", "timed_out", "_answer_whole"}
    | {"upgrade_body_left", "_ignore_upgrade", "_upgraded_body"}
)
"""What :class:`DroppableHttpToolsProtocol` adds (attributes, methods): ``HttpToolsProtocol``
must have none of them, or the subclass would override it unawares."""
PROTOCOL_API, _MAY_TAKE_MORE = overridden_api(DroppableHttpToolsProtocol, OWN_NAMES)
"""Each ``HttpToolsProtocol`` method :class:`DroppableHttpToolsProtocol` overrides, with its
parameters, read from the subclass (``__init__``, which passes on ``*args``, may take more)."""
PROTOCOL_ATTRIBUTES: Final = (
    "_start_asgi_task",
    "_unset_keepalive_if_required",
    "app_state",
    "connections",
    "cycle",
    "flow",
    "logger",
    "loop",
    "on_body",
    "parser",
    "pipeline",
    "scope",
    "server_state",
    "timeout_keep_alive",
    "transport",
    "url",
)
"""The ``HttpToolsProtocol`` attributes :class:`DroppableHttpToolsProtocol` reads or sets
(``tests/test_uvicorn_compat.py`` reads its source to hold this list to it)."""
CYCLE_ATTRIBUTES: Final = (
    "access_log",
    "body",
    "disconnected",
    "keep_alive",
    "message_event",
    "more_body",
    "on_response",
    "response_complete",
    "response_started",
    "scope",
    "waiting_for_100_continue",
)
"""The attributes of the protocol's ``cycle`` (uvicorn's ``RequestResponseCycle``) it reads or
sets."""


def protocol_api_problem(base: type[Any] | None, cycle: type[Any] | None = None) -> str | None:
    """Why ``base`` is not the ``HttpToolsProtocol`` :class:`DroppableHttpToolsProtocol`
    subclasses, or None. Checked: each method the subclass overrides, with its parameters;
    each attribute it reads or sets, on the protocol and on its request ``cycle`` (by default
    the ``RequestResponseCycle`` of the module of ``base`` or of a class it derives from); none
    of the names the subclass adds. The attributes are read from the classes' source: where it
    cannot be read, that is the problem (the emulator then serves with uvicorn's own
    protocol)."""
    if base is None:
        return "uvicorn.protocols.http.httptools_impl.HttpToolsProtocol cannot be imported"
    if not issubclass(base, asyncio.Protocol):
        return f"{base.__module__}.{base.__qualname__} is not an asyncio.Protocol"
    problem = (
        api_problem(base, PROTOCOL_API, _MAY_TAKE_MORE)
        or shadowing_problem(base, OWN_NAMES)
        or attribute_problem(base, PROTOCOL_ATTRIBUTES)
    )
    if problem is not None:
        return problem
    modules = [sys.modules.get(klass.__module__) for klass in base.__mro__]
    found = (getattr(module, "RequestResponseCycle", None) for module in modules)
    cycle = cycle or next((c for c in found if isinstance(c, type)), None)
    if cycle is None:
        return f"{base.__module__} has no RequestResponseCycle"
    return attribute_problem(cycle, CYCLE_ATTRIBUTES)


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
