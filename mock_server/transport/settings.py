"""What the emulator's connections are held to (:class:`HttpSettings`: time-outs, the
connection cap), and the keys it puts in the app's state and the request scope."""

from __future__ import annotations

import resource
from dataclasses import dataclass
from typing import Final

HTTP_SETTINGS: Final = "ismart.http"
"""Key of the :class:`HttpSettings` in the app's lifespan state."""
FD_MARGIN: Final = 64
"""File descriptors kept free for everything else (the state file, logs, a new connection)."""


@dataclass(frozen=True)
class HttpSettings:
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    idle_timeout_s: float = 5.0
    write_timeout_s: float = 30.0
    """An answer whose client reads none of it for this long: connection closed."""
    max_connections: int = 1000
    gateway_paths: frozenset[bytes] = frozenset()
    """Send endpoints' paths, lower case, as bytes: an unparseable request to one answers 15,
    and one that half-closes gets its answer."""

    @property
    def sweep_s(self) -> float:
        """How often the deadlines are looked at: a tenth of the shortest, 50 to 500 ms (a
        connection is closed that much after its time-out at most)."""
        shortest = min(
            self.header_timeout_s, self.body_timeout_s, self.idle_timeout_s, self.write_timeout_s
        )
        return max(0.05, min(0.5, shortest / 10))


DEFAULT_HTTP_SETTINGS: Final = HttpSettings()


def connection_cap(settings: HttpSettings) -> int:
    """``max_connections``, lowered to stay ``FD_MARGIN`` below the file limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return settings.max_connections
    return max(1, min(settings.max_connections, soft - FD_MARGIN))


ABORT_EXTENSION = "ismart.abort"
BODY_EXTENSION = "ismart.body"
"""Key of ``body(scope) -> bytes | None`` in ``scope["extensions"]``: the request's whole body
when it has all arrived (taken, as ``receive()`` takes it), without an ASGI message; None:
read it with ``receive()``."""
ANSWER_EXTENSION = "ismart.answer"
"""Key of ``answer(scope, status, headers, body) -> bool`` in ``scope["extensions"]``: writes
a whole small response (``headers``: its encoded header lines) in one write, without the two
ASGI messages; False when it cannot (a response started, the request pipelined behind
another, the client gone or not reading): then send it the ASGI way."""
SHUTDOWN_EXTENSION = "ismart.shutdown"
"""Key of an :class:`asyncio.Event` in ``scope["extensions"]``, set when the server begins a
graceful shutdown, so that long-lived answers (the inbox's event stream, a ``hang`` rule) end
at once instead of at uvicorn's graceful-shutdown timeout."""
