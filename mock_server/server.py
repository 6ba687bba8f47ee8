"""Running an emulator in a background thread on a free loopback port (tests, fixtures).

with ServerThread(create_app()) as server:
    requests.post(server.url + SEND_PATH, data=...)

The server binds its socket when it is made and hands that very socket to uvicorn, so its port
(the one asked for, or one the system picks) is held from then on: no other process can take
it between "find a free port" and "listen on it", as it could with :func:`free_port`.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

from ismart_sms_kit.mock_server.transport import WEBSOCKETS, http_protocol


def free_port(host: str = "127.0.0.1") -> int:
    """A port free at this moment, released at once: another process may take it before you
    use it. For a server, let :class:`ServerThread` pick its own (it binds first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (0: the system picks) and listening (connections
    wait in its backlog until a server accepts them); an :class:`OSError` that names the
    address when it is taken. Listening at once matters: on Linux, two sockets with
    ``SO_REUSEADDR`` may both bind a port as long as neither listens."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind((host, port))
        sock.listen(2048)  # uvicorn's default backlog
    except OSError as exc:
        sock.close()
        where = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise OSError(exc.errno, f"{where} is in use: pick another port") from None
        raise OSError(exc.errno, f"cannot listen on {where}: {exc.strerror}") from None
    return sock


class ServerThread:
    """A real uvicorn server in a daemon thread; ``start()`` returns once it accepts."""

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
        startup_timeout: float = 10.0,
        http: type[asyncio.Protocol] | str | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self._socket = bind(host, port or 0)
        self.port: int = self._socket.getsockname()[1]
        scheme = "https" if ssl_certfile else "http"
        self.url = f"{scheme}://{host}:{self.port}"
        config = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            log_level="warning",
            access_log=False,
            server_header=False,
            ws=WEBSOCKETS,
            lifespan="on",
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
            http=http if http is not None else http_protocol(),
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)  # in a thread it installs no signal handlers
        self._thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self._socket]},
            daemon=True,
            name="ismart-mock",
        )
        self._startup_timeout = startup_timeout

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                late = self._thread.is_alive()  # still starting: out of time
                self.stop()
                raise (TimeoutError if late else RuntimeError)(
                    f"the emulator on {self.url} did not start" + (" in time" if late else "")
                )
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()  # uvicorn closes it too once it ran; a server never started did not

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
