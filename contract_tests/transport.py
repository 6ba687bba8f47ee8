"""The kit's HTTP layer: plain ``requests``, behind the guard, the cap, the pace and the recorder.

Every request of the suite to the gateway goes through :meth:`Sender.send`, in this order:
the hard cap on requests (:class:`RequestCapReached`, nothing sent), the live-safety guard
(:class:`ismart_sms_kit.contract_tests.safety.UnsafeRequest`, nothing sent), the pace (at most
``rate``
requests per second), then one HTTP request; the exchange is written to the recording, if any,
with every password masked.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Final
from urllib.parse import urlsplit, urlunsplit

import requests

from ismart_sms_kit.contract_tests.oracle import MASK, Request, Verdict, masked
from ismart_sms_kit.contract_tests.safety import Guard

RECORD_FORMAT: Final = 1


class RequestCapReached(Exception):
    """The run's request budget (``--ismart-max-requests``) is spent; nothing was sent."""


class ShareSpent(RequestCapReached):
    """The current test has used its share of the cap (the plan keeps some for the others)."""


MIN_SHARE: Final = 1
SLACK: Final = 2
"""A test may use up to this many times its fair share (a case can take more than one request,
and a test that uses less leaves the rest to the later ones)."""


def share_of(remaining: int, tests_left: int, weight: int = 1, weight_left: int = 0) -> int:
    """What the next test may send under the plan: up to :data:`SLACK` times its fair share of
    what is left, fair by ``weight`` (its examples) among the ``weight_left`` of the tests left
    (itself included; 0: all weigh 1), yet never so much that a later test would get nothing."""
    if remaining <= 0:
        return 0
    if tests_left <= 1:
        return remaining
    total = weight_left if weight_left > 0 else tests_left
    fair = SLACK * remaining * weight // max(total, weight)
    return max(MIN_SHARE, min(fair, remaining - MIN_SHARE * (tests_left - 1)))


UPGRADE_HEADERS: Final = {
    "h2c": {
        "Connection": "Upgrade, HTTP2-Settings",
        "Upgrade": "h2c",
        "HTTP2-Settings": "AAMAAABkAAQCAAAAAAIAAAAA",
    },
    "websocket": {"Connection": "Upgrade", "Upgrade": "websocket"},
}
"""Headers of a request that asks to switch protocols (A-UPGRADE): ``h2c`` as ``curl --http2``
sends them on an http:// URL, and a WebSocket upgrade."""


@dataclass(frozen=True)
class Wire:
    """How a request goes out on an interface other than the run's form URL: the URL, the body
    (form pairs, or bytes with its headers), and the interface's name for reports. The guard,
    the cap, the pace and the recording see the request's form reading (:class:`Request`)."""

    interface: str
    url: str
    body: bytes | list[tuple[str, str]]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Exchange:
    """One request sent and what came back (``status`` None: no HTTP answer at all)."""

    case: str
    request: Request
    path: str
    status: int | None
    body: str | None
    error: str | None
    elapsed_ms: float
    verdict: Verdict | None
    note: str = ""
    content_type: str | None = None
    interface: str = "form"
    content: bytes = b""
    """The answer's bytes (a SOAP client reads them)."""

    @property
    def code_text(self) -> str:
        """How the answer reads in a report."""
        if self.status is None:
            return f"no answer ({self.error})"
        if self.status == 200:
            return repr(self.body)
        return f"HTTP {self.status} {self.body[:80]!r}" if self.body else f"HTTP {self.status}"

    def answered(self, code: int) -> bool:
        """The contract's answer format: HTTP 200 and a body that is exactly the code's digits."""
        return self.status == 200 and self.body == str(code)

    @property
    def plain_text(self) -> bool:
        """The answer's media type is ``text/plain`` (parameters such as a charset aside)."""
        media = (self.content_type or "").split(";", 1)[0].strip().lower()
        return media == "text/plain"


def mask_pairs(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The parameters with every non-empty password replaced by ``***`` (empty stays empty, so
    a replay can still tell "no password" from "a password")."""
    return [[name, value] for name, value in masked(pairs)]


def public_url(url: str) -> str:
    """The URL without user info, query or fragment (never recorded with secrets)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    return value


class Recorder:
    """Writes the run as JSON lines: a ``meta`` line, then one ``exchange`` line per request.

    Passwords never reach the file: the ``Password`` parameter is masked, and any other
    occurrence of a secret (4 characters or more) anywhere in a line is replaced by ``***``.
    """

    def __init__(self, path: str | Path, meta: dict[str, Any], secrets: Iterable[str] = ()) -> None:
        self.path = Path(path)
        self.secrets = tuple(s for s in secrets if len(s) >= 4)
        self.count = 0
        self._lock = threading.Lock()
        self._file: IO[str] = self.path.open("w", encoding="utf-8")
        self._write({"kind": "meta", "format": RECORD_FORMAT, **meta})

    def _write(self, record: dict[str, Any]) -> None:
        line = json.dumps(_scrub(record, self.secrets), ensure_ascii=False)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def write(self, exchange: Exchange) -> None:
        verdict = exchange.verdict
        self.count += 1
        self._write(
            {
                "kind": "exchange",
                "seq": self.count,
                "case": exchange.case,
                "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                "method": exchange.request.method,
                "interface": exchange.interface,
                "path": exchange.path,
                "params": mask_pairs(exchange.request.params),
                "status": exchange.status,
                "content_type": exchange.content_type,
                "body": exchange.body,
                "error": exchange.error,
                "elapsed_ms": round(exchange.elapsed_ms, 1),
                "expected": verdict.code if verdict else None,
                "decided_by": verdict.step if verdict else None,
                "assumptions": list(verdict.assumptions) if verdict else [],
                "guard": exchange.note,
            }
        )

    def close(self) -> None:
        with self._lock:
            self._file.close()


class Pacer:
    """At most ``rate`` requests per second (0: no pacing)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if now < self._next:
            time.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


class Sender:
    """Sends requests to one gateway URL, within the cap, through the guard, at the pace."""

    def __init__(
        self,
        url: str,
        *,
        guard: Guard | None = None,
        max_requests: int | None = None,
        rate: float = 0.0,
        recorder: Recorder | None = None,
        timeout: float = 30.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.path = urlsplit(url).path
        self.guard = guard
        self.max_requests = max_requests
        self.pacer = Pacer(rate)
        self.recorder = recorder
        self.timeout = timeout
        self.sent = 0
        self.by_interface: dict[str, int] = {}
        """The requests sent, by interface (``form`` for the run's URL)."""
        self.share: int | None = None
        """What the current test may still send (None: no plan, only the cap)."""
        self.session = requests.Session()
        self.session.headers.update(headers or {})

    @property
    def remaining(self) -> int | None:
        return None if self.max_requests is None else max(self.max_requests - self.sent, 0)

    def begin_test(self, tests_left: int, weight: int = 1, weight_left: int = 0) -> int | None:
        """Give the test about to run its share of what is left of the cap (the plan)."""
        remaining = self.remaining
        self.share = (
            None if remaining is None else share_of(remaining, tests_left, weight, weight_left)
        )
        return self.share

    def send(
        self,
        request: Request,
        *,
        case: str,
        verdict: Verdict | None = None,
        wire: Wire | None = None,
        guarded: Request | None = None,
    ) -> Exchange:
        """Send ``request`` (its form reading) to the run's URL, or as ``wire`` says; the guard
        judges ``guarded`` (default: ``request``), what the interface can carry of it."""
        if self.max_requests is not None and self.sent >= self.max_requests:
            raise RequestCapReached(f"the request cap of {self.max_requests} is reached")
        if self.share is not None and self.share <= 0:
            raise ShareSpent(
                f"this test used its share of the request cap ({self.remaining} of "
                f"{self.max_requests} left for the tests after it)"
            )
        note = self.guard.check(guarded or request) if self.guard is not None else ""
        self.pacer.wait()
        self.sent += 1
        named = wire.interface if wire is not None else "form"
        self.by_interface[named] = self.by_interface.get(named, 0) + 1
        if self.share is not None:
            self.share -= 1
        pairs = list(request.params)
        started = time.perf_counter()
        status: int | None = None
        body: str | None = None
        error: str | None = None
        content_type: str | None = None
        content = b""
        path = self.path if wire is None else urlsplit(wire.url).path
        try:
            if wire is not None:
                response = self.session.post(
                    wire.url, data=wire.body, headers=wire.headers, timeout=self.timeout
                )
            elif request.method == "GET":
                response = self.session.get(self.url, params=pairs, timeout=self.timeout)
            else:
                response = self.session.request(
                    request.method, self.url, data=pairs, timeout=self.timeout
                )
            status, body = response.status_code, response.text
            content_type = response.headers.get("Content-Type")
            content = response.content
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        exchange = Exchange(
            case,
            request,
            path,
            status,
            body,
            error,
            (time.perf_counter() - started) * 1000,
            verdict,
            note,
            content_type,
            wire.interface if wire is not None else "form",
            content,
        )
        if self.recorder is not None:
            self.recorder.write(exchange)
        return exchange

    def close(self) -> None:
        self.session.close()
        if self.recorder is not None:
            self.recorder.close()


def read_recording(path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The meta record and the exchanges of a recording."""
    meta: dict[str, Any] = {}
    exchanges: list[dict[str, Any]] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not a JSON line: {exc}") from None
        if record.get("kind") == "meta":
            meta = record
        elif record.get("kind") == "exchange":
            exchanges.append(record)
        else:
            raise ValueError(f"{path}:{number}: unknown record kind {record.get('kind')!r}")
    return meta, exchanges
