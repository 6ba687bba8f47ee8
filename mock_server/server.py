"""Running an emulator in a background thread on a free loopback port (tests, fixtures).

with ServerThread(create_app()) as server:
    requests.post(server.url + SEND_PATH, data=...)
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

from ismart_sms_kit.mock_server.transport import http_protocol


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


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
        self.port = port if port is not None else free_port(host)
        scheme = "https" if ssl_certfile else "http"
        self.url = f"{scheme}://{host}:{self.port}"
        config = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            log_level="warning",
            access_log=False,
            server_header=False,
            lifespan="on",
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
            http=http if http is not None else http_protocol(),
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)  # in a thread it installs no signal handlers
        self._thread = threading.Thread(target=self.server.run, daemon=True, name="ismart-mock")
        self._startup_timeout = startup_timeout

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the emulator on {self.url} did not start")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the emulator on {self.url} did not start in time")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
