"""What a send answered: per gateway request (:class:`ChunkResult`) and as a whole.

A send of more than 50 numbers is several gateway requests; each chunk keeps its own answer so
that an app knows exactly which numbers were accepted. The first chunk that fails stops the
send (the rest would meet the same account or gateway problem): the chunks after it are
reported as not sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ismart_sms_kit.client.errors import GatewayError, IsmartError, TransportError, error_for
from ismart_sms_kit.client.prepare import CheckResult
from ismart_sms_kit.protocol.segments import Segments, SegmentsView
from ismart_sms_kit.protocol.spec import ReturnCode


class Outcome(str, Enum):
    """Whether a gateway request reached the gateway, as far as the client can know."""

    ANSWERED = "answered"
    """An HTTP answer came back (a return code, or an HTTP error, or an unreadable body)."""
    UNKNOWN = "unknown"
    """No answer after the request may have reached the gateway (a timeout, a dropped
    connection): it may have been accepted, so sending it again may deliver it twice."""
    NOT_SENT = "not_sent"
    """The request never reached the gateway (no connection could be made, or an earlier
    chunk failed and this one was not tried)."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """One gateway request (at most 50 numbers) and what it answered."""

    numbers: tuple[str, ...]
    reference_ids: tuple[str, ...]
    outcome: Outcome
    code: int | None = None
    """A :class:`ReturnCode` when the answer is a known code, a plain int for an undocumented
    one (e.g. 99), None when the answer was no code at all."""
    description: str = ""
    http_status: int | None = None
    body: str = ""
    """The answer's body as received (cut to 500 characters), for diagnostics."""
    reason: str | None = None
    """What went wrong at the transport level, when something did."""
    attempts: int = 0
    """How many times the request was tried (connection retries included)."""

    @property
    def ok(self) -> bool:
        return self.code == ReturnCode.PUSHED and self.outcome is Outcome.ANSWERED

    def error(self, result: SendResult | None = None) -> IsmartError | None:
        """The exception this answer stands for (None when it is code 1)."""
        if self.ok:
            return None
        if self.outcome is Outcome.ANSWERED:
            if self.http_status == 200 and self.code is not None:
                return error_for(self.code, self.description, result=result)
            return GatewayError(None, self.description, http_status=self.http_status, result=result)
        if self.outcome is Outcome.NOT_SENT and self.attempts == 0:
            return GatewayError(None, self.description, result=result)
        return TransportError(
            self.description,
            may_have_sent=self.outcome is Outcome.UNKNOWN,
            attempts=self.attempts,
            reason=self.reason,
            result=result,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "numbers": list(self.numbers),
            "reference_ids": list(self.reference_ids),
            "outcome": str(self.outcome),
            "ok": self.ok,
            "code": int(self.code) if self.code is not None else None,
            "description": self.description,
            "http_status": self.http_status,
            "body": self.body,
            "reason": self.reason,
            "attempts": self.attempts,
        }


def skipped(chunk_numbers: tuple[str, ...], chunk_refs: tuple[str, ...]) -> ChunkResult:
    """A chunk not tried because an earlier one failed."""
    return ChunkResult(
        chunk_numbers,
        chunk_refs,
        Outcome.NOT_SENT,
        description="Not sent: an earlier request of this send failed.",
    )


@dataclass(frozen=True, slots=True)
class SendResult(SegmentsView):
    """The answer to one send: the code, its vendor description, ``ok``, what was sent.

    ``code`` is the first failing chunk's code (1 when every chunk answered 1); it is None
    when that chunk got no code at all (HTTP error, unreadable answer, no answer). ``local``
    is True when the client's pre-checks refused the request, in which case ``chunks`` is
    empty and nothing was sent.
    """

    code: int | None
    description: str
    numbers: tuple[str, ...]
    reference_ids: tuple[str, ...]
    lang: int
    segments: Segments
    push_datetime: str | None
    chunks: tuple[ChunkResult, ...] = ()
    reason: str | None = None
    local: bool = False
    header: str = field(default="", repr=False)

    @classmethod
    def refused(cls, checked: CheckResult) -> SendResult:
        """The result of a request the pre-checks refused."""
        assert checked.code is not None
        return cls(
            code=checked.code,
            description=checked.code.description,
            numbers=checked.numbers,
            reference_ids=checked.reference_ids,
            lang=checked.lang,
            segments=checked.segments,
            push_datetime=checked.push_datetime,
            reason=checked.reason,
            local=True,
            header=checked.header,
        )

    @classmethod
    def from_chunks(cls, checked: CheckResult, chunks: list[ChunkResult]) -> SendResult:
        failed = next((c for c in chunks if not c.ok), None)
        if failed is None:
            code: int | None = ReturnCode.PUSHED
            description, reason = ReturnCode.PUSHED.description, None
        else:
            code, description, reason = failed.code, failed.description, failed.reason
        return cls(
            code=code,
            description=description,
            numbers=checked.numbers,
            reference_ids=checked.reference_ids,
            lang=checked.lang,
            segments=checked.segments,
            push_datetime=checked.push_datetime,
            chunks=tuple(chunks),
            reason=reason,
            header=checked.header,
        )

    @property
    def ok(self) -> bool:
        return not self.local and bool(self.chunks) and all(c.ok for c in self.chunks)

    @property
    def accepted_numbers(self) -> tuple[str, ...]:
        """The numbers of the chunks the gateway answered 1 for."""
        return tuple(n for c in self.chunks if c.ok for n in c.numbers)

    @property
    def outcome(self) -> Outcome:
        """NOT_SENT when nothing reached the gateway; UNKNOWN when a chunk may or may not
        have; ANSWERED otherwise."""
        if any(c.outcome is Outcome.UNKNOWN for c in self.chunks):
            return Outcome.UNKNOWN
        if any(c.outcome is Outcome.ANSWERED for c in self.chunks):
            return Outcome.ANSWERED
        return Outcome.NOT_SENT

    def error(self) -> IsmartError | None:
        """The exception for this result (None when ``ok``), with the result attached."""
        if self.ok:
            return None
        if self.local:
            return error_for(
                self.code, self.description, reason=self.reason, local=True, result=self
            )
        failed = next(c for c in self.chunks if not c.ok)
        return failed.error(self)

    def raise_for_code(self) -> SendResult:
        """Raise the error of the first failed chunk (or of the pre-check); else return self."""
        error = self.error()
        if error is not None:
            raise error
        return self

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (the CLI's ``--json``); no password, ever."""
        return {
            "ok": self.ok,
            "code": int(self.code) if self.code is not None else None,
            "description": self.description,
            "reason": self.reason,
            "local": self.local,
            "outcome": str(self.outcome),
            "numbers": list(self.numbers),
            "reference_ids": list(self.reference_ids),
            "lang": self.lang,
            "encoding": str(self.encoding),
            "parts": self.parts,
            "units": self.units,
            "push_datetime": self.push_datetime,
            "chunks": [c.to_dict() for c in self.chunks],
        }
