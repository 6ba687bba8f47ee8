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
* A request with an ``Upgrade`` header (WebSocket, ``h2c`` from ``curl --http2``) is answered
  as plain HTTP/1.1, body and all, and the connection then closes: the emulator serves no
  WebSocket (``WEBSOCKETS``, uvicorn's ``ws="none"``: nor does it import a WebSocket library at
  start-up) and IIS answers such a request to a page the same way (docs/decisions.md). Under
  uvicorn's own protocol (the fallback below) such a POST's body is lost: it answers 15.
* An over-long URL on a send endpoint, which the HTTP parser refuses, answers the gateway's
  ``15`` instead of ``400 Invalid HTTP request``.

The settings come from the app's lifespan state (``HTTP_SETTINGS``); ``ismart-mock`` and
``ServerThread`` use this protocol.

``HttpToolsProtocol`` and ``uvicorn.supervisors.Multiprocess`` are uvicorn's internals, not its
public API: pyproject.toml bounds uvicorn to the versions tested, and :func:`http_protocol` and
:func:`multiprocess_api_problem` check, before use, that they still look as this package expects.
Where they do not (a uvicorn past the bound, or without httptools), the emulator warns
(:class:`UvicornCompatibilityWarning`) and serves with uvicorn's own protocol (``"auto"``;
``drop`` then falls back as above, and answers are not coalesced) or, for ``--workers``, with
``uvicorn.run(..., workers=N)`` (one shared listening socket).

One concern a module, re-exported here (``from ismart_sms_kit.mock_server.transport import ...``):
:mod:`.settings` (:class:`HttpSettings`, the scope's extension keys), :mod:`.protocol`
(:class:`DroppableHttpToolsProtocol`, :func:`http_protocol`), :mod:`.coalescing`
(:class:`CoalescingTransport`), :mod:`.compat` (the checks of uvicorn's internals) and
:mod:`.workers` (the ``--workers`` sockets); :mod:`.supervisor` (``--workers``' supervisor, imported
by the CLI only: it loads uvicorn's supervisors).
"""

from __future__ import annotations

from ismart_sms_kit.mock_server.transport.coalescing import (
    CoalescingTransport,
)
from ismart_sms_kit.mock_server.transport.compat import (
    MULTIPROCESS_API,
    UvicornCompatibilityWarning,
    compatibility_warning,
    multiprocess_api_problem,
)
from ismart_sms_kit.mock_server.transport.protocol import (
    CYCLE_ATTRIBUTES,
    OWN_NAMES,
    PROTOCOL_API,
    PROTOCOL_ATTRIBUTES,
    PROTOCOL_PROBLEM,
    WEBSOCKETS,
    DroppableHttpToolsProtocol,
    http_protocol,
    protocol_api_problem,
)
from ismart_sms_kit.mock_server.transport.settings import (
    ABORT_EXTENSION,
    ANSWER_EXTENSION,
    BODY_EXTENSION,
    DEFAULT_HTTP_SETTINGS,
    FD_MARGIN,
    HTTP_SETTINGS,
    SHUTDOWN_EXTENSION,
    HttpSettings,
    connection_cap,
)
from ismart_sms_kit.mock_server.transport.workers import (
    WorkerListener,
    worker_listener,
    worker_slots,
)

__all__ = [
    "ABORT_EXTENSION",
    "ANSWER_EXTENSION",
    "BODY_EXTENSION",
    "CYCLE_ATTRIBUTES",
    "DEFAULT_HTTP_SETTINGS",
    "FD_MARGIN",
    "HTTP_SETTINGS",
    "MULTIPROCESS_API",
    "OWN_NAMES",
    "PROTOCOL_API",
    "PROTOCOL_ATTRIBUTES",
    "PROTOCOL_PROBLEM",
    "SHUTDOWN_EXTENSION",
    "WEBSOCKETS",
    "CoalescingTransport",
    "DroppableHttpToolsProtocol",
    "HttpSettings",
    "UvicornCompatibilityWarning",
    "WorkerListener",
    "compatibility_warning",
    "connection_cap",
    "http_protocol",
    "multiprocess_api_problem",
    "protocol_api_problem",
    "worker_listener",
    "worker_slots",
]
