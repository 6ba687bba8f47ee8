"""Retrying only where a retry cannot send an SMS twice, with urllib3's own ``Retry``.

A send is not idempotent: once the request has reached the gateway, it may push the message
even if the answer never comes back. So the policy retries:

* connection failures *before the request was sent* (refused, unreachable, DNS, connect
  timeout): urllib3 counts these as ``connect`` errors, raised before any byte is written
  (``refused=False`` reports a refused connection at once: nothing listens there, as the
  ``ismart-sms`` command does for a person waiting at the terminal);
* opt-in, HTTP statuses in ``statuses`` (e.g. :data:`HTTP_5XX`): a 503 from a load balancer
  usually means the page never ran, but a 500 can come from a page that failed *after* it
  queued the message, which is why this is off by default;

and never: a read timeout, a connection dropped after the request was sent, any return code.
Retrying a timeout is the classic double send: the gateway may have accepted the first
request and simply been slow to answer.

Backoff is exponential with jitter (urllib3's ``backoff_factor``, ``backoff_max``,
``backoff_jitter``). ``deadline`` bounds all attempts of one gateway request: no retry starts,
and no backoff sleeps, past it (an attempt that has started is bounded by the client's timeout).
urllib3's ``Retry`` has no deadline, so :class:`DeadlineRetry` adds one; the deadline of the
request in flight reaches it through a context variable, since one ``Retry`` object is mounted
on the session for every request. ``backoff_max`` and ``backoff_jitter`` need urllib3 2.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

if TYPE_CHECKING:  # urllib3 2.x names; importing them at run time would tie us to 2.x
    from types import TracebackType

    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

HTTP_5XX: Final = frozenset({500, 502, 503, 504})
"""The statuses worth retrying when an app opts in: ``RetryPolicy(statuses=HTTP_5XX)``."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How the client retries (see the module docstring for what is never retried)."""

    connect: int = 3
    """Retries of connection failures before the request was sent."""
    statuses: frozenset[int] = frozenset()
    """HTTP statuses to retry (opt-in; :data:`HTTP_5XX` is the usual choice)."""
    status: int = 2
    """Retries of those statuses."""
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    backoff_jitter: float = 0.5
    deadline: float | None = 30.0
    """Seconds over all attempts of one gateway request; None for no deadline."""
    refused: bool = True
    """Retry a refused connection too (a gateway restarting); False: report it at once."""

    def __post_init__(self) -> None:
        numbers = {
            "connect": self.connect,
            "status": self.status,
            "backoff_factor": self.backoff_factor,
            "backoff_max": self.backoff_max,
            "backoff_jitter": self.backoff_jitter,
        }
        for name, value in numbers.items():
            if value < 0:
                raise ValueError(f"RetryPolicy.{name} must be >= 0, not {value}")
        if self.deadline is not None and self.deadline <= 0:
            raise ValueError(f"RetryPolicy.deadline must be > 0 or None, not {self.deadline}")
        if any(not 100 <= s <= 599 for s in self.statuses):
            raise ValueError(f"RetryPolicy.statuses must be HTTP statuses: {sorted(self.statuses)}")

    @classmethod
    def never(cls) -> RetryPolicy:
        """No retries at all."""
        return cls(connect=0, status=0, deadline=None)

    def to_urllib3(self) -> DeadlineRetry:
        """The urllib3 ``Retry`` to mount on a session's adapter."""
        return DeadlineRetry(
            retry_refused=self.refused,
            total=None,
            connect=self.connect,
            read=False,  # never: the request was sent
            redirect=False,  # a redirect is answered to the app, not followed
            status=self.status,
            other=0,  # never: an error of unknown kind may come after the request was sent
            allowed_methods=frozenset({"POST"}),  # only for ``statuses``: read=False above
            status_forcelist=self.statuses,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            backoff_jitter=self.backoff_jitter,
            raise_on_status=False,  # out of retries: the app gets the last HTTP answer
            respect_retry_after_header=False,  # a Retry-After could outlast the deadline
        )


@dataclass(slots=True)
class Attempts:
    """The attempts of one gateway request: its deadline (monotonic) and how many so far."""

    deadline: float | None
    count: int = 1


_CURRENT: ContextVar[Attempts | None] = ContextVar("ismart_attempts", default=None)


@contextmanager
def attempts(deadline: float | None) -> Iterator[Attempts]:
    """Track the attempts of the request made inside the block (``deadline`` in seconds)."""
    state = Attempts(None if deadline is None else time.monotonic() + deadline)
    token = _CURRENT.set(state)
    try:
        yield state
    finally:
        _CURRENT.reset(token)


class DeadlineRetry(Retry):
    """urllib3's ``Retry`` plus a deadline over all attempts, and a count of them."""

    _planned_backoff: float = 0.0

    def __init__(self, *args: Any, retry_refused: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_refused = retry_refused

    def new(self, **kw: Any) -> DeadlineRetry:
        kw.setdefault("retry_refused", self.retry_refused)
        return super().new(**kw)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> DeadlineRetry:
        if error is not None and not self.retry_refused and refused(error):
            raise MaxRetryError(_pool, url, error) from error  # type: ignore[arg-type]
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        backoff = new.get_backoff_time()
        state = _CURRENT.get()
        if state is not None:
            if state.deadline is not None and time.monotonic() + backoff >= state.deadline:
                reason = error or ResponseError(
                    ResponseError.SPECIFIC_ERROR.format(status_code=response.status)
                    if response is not None
                    else ResponseError.GENERIC_ERROR
                )
                raise MaxRetryError(_pool, url, reason) from reason  # type: ignore[arg-type]
            state.count += 1
        new._planned_backoff = backoff
        return new

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Sleep the backoff planned (and checked against the deadline) in ``increment``."""
        if self._planned_backoff > 0:
            time.sleep(self._planned_backoff)


def refused(error: BaseException) -> bool:
    """True when ``error`` is (or was caused by) a refused connection: nothing listens there."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ConnectionRefusedError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
