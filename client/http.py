"""``IsmartClient``: send SMS through the iSmart gateway (or the emulator) and explain the answer.

    client = IsmartClient("user", "secret", header="AnyHeader", base_url="https://www.ismartsms.net")
    result = client.send("+968 9912 3456", "Your code is 1234")
    if not result.ok:
        print(result.code, result.description)

One ``requests.Session`` is reused (keep-alive, the gateway's ``ASP.NET_SessionId`` cookie).
Every request is checked first with the emulator's own rules
(:mod:`ismart_sms_kit.client.prepare`); more than
50 numbers are sent in chunks of 50; retries follow :mod:`ismart_sms_kit.client.retry` (never a
double send).
The password goes only into the POST body: never into a URL, a ``repr``, a log line or an
exception.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from types import TracebackType
from typing import Final
from urllib.parse import quote, quote_plus, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError

from ismart_sms_kit.client.numbers import check_country_code
from ismart_sms_kit.client.prepare import (
    GATEWAY_TIMEZONE,
    CheckResult,
    Chunk,
    check,
    resolve_timezone,
)
from ismart_sms_kit.client.results import ChunkResult, Outcome, SendResult, skipped
from ismart_sms_kit.client.retry import RetryPolicy, attempts, refused
from ismart_sms_kit.protocol.segments import Segments, count
from ismart_sms_kit.protocol.spec import (
    LIVE_BASE_URL,
    P_FLASH,
    P_HEADER,
    P_LANG,
    P_MESSAGE,
    P_MOBILE,
    P_PASSWORD,
    P_PUSH_DATETIME,
    P_REFERENCE_IDS,
    P_USER_ID,
    SEND_PATH,
    ReturnCode,
    describe,
)
from ismart_sms_kit.protocol.validation import DEFAULT_LIMITS, Limits

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = (10.0, 30.0)
"""(connect, read) seconds for one attempt."""
USER_AGENT: Final = "ismart-sms-kit/0.1 (python-requests)"
_BODY_KEEP: Final = 500
_MIN_REDACT: Final = 4


def send_url(base_url: str) -> str:
    """The send endpoint for a base URL (``https://www.ismartsms.net``: the vendor's path is
    added) or a full ``.aspx`` URL (kept as it is, e.g. the older ``SMSDynamicAPI.aspx``)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url {base_url!r} is not an http:// or https:// URL")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError("base_url must not carry a query, a fragment or credentials")
    if parts.path.lower().endswith(".aspx"):
        return base_url
    return base_url.rstrip("/") + SEND_PATH


def limits_for(url: str) -> Limits:
    """The request rules of the endpoint at ``url``. On the documented Ref endpoint the client
    always sends ``referenceIds`` (a field report says it answers 15 without them, although
    the document and the emulator's default call them optional; they also serve delivery
    reports); the older one takes any text as a reference id (a production integration sends
    ``<mobile>-<ms>``)."""
    if urlsplit(url).path.lower().endswith(SEND_PATH.lower()):
        return replace(DEFAULT_LIMITS, make_up_reference_ids=True)
    return replace(DEFAULT_LIMITS, reference_ids_strict=False)


class IsmartClient:
    """A client for one account of the iSmart gateway.

    ``raise_on_error`` makes :meth:`send` raise the :mod:`ismart_sms_kit.client.errors` exception
    of any
    answer but 1; otherwise :meth:`send` returns the :class:`SendResult` and
    ``result.raise_for_code()`` raises on demand. ``default_country`` (e.g. ``"968"``) is put
    in front of local numbers (:mod:`ismart_sms_kit.client.numbers`); ``timezone`` is the gateway's
    clock
    for ``push_at`` (Asia/Muscat, UTC+4); ``limits`` mirrors the endpoint's rules (by default
    :func:`limits_for` the URL: the documented ``SMSDynamicRefIntlAPI.aspx`` needs reference
    ids, so :meth:`send` makes them up when none are given).

    ``verify`` is the CA file that signed the gateway's certificate, e.g. the emulator's
    ``ismart-mock-tls/ca.pem`` under ``--tls`` (``False`` turns checking off; None: requests'
    default, which honours ``REQUESTS_CA_BUNDLE``). A ``requests.Session`` can be given
    (proxies, client certificates): the client mounts its retrying adapter on it for the
    gateway's URL only. Use one client per thread.
    """

    def __init__(
        self,
        user_id: str,
        password: str,
        *,
        header: str,
        base_url: str = LIVE_BASE_URL,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        raise_on_error: bool = False,
        default_country: str | None = None,
        timezone: tzinfo | str = GATEWAY_TIMEZONE,
        limits: Limits | None = None,
        session: requests.Session | None = None,
        verify: bool | str | None = None,
    ) -> None:
        if isinstance(verify, str) and not os.path.isfile(verify):
            raise ValueError(f"verify: no CA file {verify!r}")
        self.user_id = user_id
        self.__password = password
        self.header = header
        self.url = send_url(base_url)
        self.timeout = timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self.raise_on_error = raise_on_error
        self.default_country = check_country_code(default_country)
        self.timezone = resolve_timezone(timezone)
        self.limits = limits if limits is not None else limits_for(self.url)
        self.verify = verify
        self.session = session if session is not None else requests.Session()
        self._own_session = session is None
        if self._own_session:
            self.session.headers["User-Agent"] = USER_AGENT
        parts = urlsplit(self.url)
        self.session.mount(
            f"{parts.scheme}://{parts.netloc}/",
            HTTPAdapter(max_retries=self.retry.to_urllib3()),
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(user_id={self.user_id!r}, header={self.header!r}, "
            f"url={self.url!r})"
        )

    def __enter__(self) -> IsmartClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the session (only when the client created it)."""
        if self._own_session:
            self.session.close()

    # -- the API ------------------------------------------------------------------------------
    @staticmethod
    def segments(message: str, lang: int | None = None) -> Segments:
        """What ``message`` costs: encoding, parts and units (see
        :mod:`ismart_sms_kit.protocol.segments`)."""
        return count(message, lang)

    def check(
        self,
        numbers: str | Iterable[str],
        message: str,
        *,
        lang: int | None = None,
        push_at: datetime | str | None = None,
        reference_ids: Sequence[str | int] | None = None,
        flash: bool | None = None,
        header: str | None = None,
    ) -> CheckResult:
        """The client's checks alone: what :meth:`send` would send, or the code the gateway
        would answer; nothing goes over the wire."""
        return check(
            numbers,
            message,
            header=self.header if header is None else header,
            lang=lang,
            push_at=push_at,
            reference_ids=reference_ids,
            flash=flash,
            default_country=self.default_country,
            timezone=self.timezone,
            limits=self.limits,
        )

    def send(
        self,
        numbers: str | Iterable[str],
        message: str,
        *,
        lang: int | None = None,
        push_at: datetime | str | None = None,
        reference_ids: Sequence[str | int] | None = None,
        flash: bool | None = None,
        header: str | None = None,
        raise_on_error: bool | None = None,
    ) -> SendResult:
        """Send ``message`` to ``numbers`` (a list, or a comma-separated string).

        ``lang`` None picks 0 or 64 from the text; ``push_at`` schedules (a datetime, aware or
        on the gateway's clock); ``reference_ids`` pairs one id with each number; ``flash``
        sends ``FLashSMS=Y|N`` (older endpoint); ``header`` overrides the client's.
        A request that fails the checks is not sent: its result carries the code the gateway
        would have answered (``result.local`` is True).
        """
        checked = self.check(
            numbers,
            message,
            lang=lang,
            push_at=push_at,
            reference_ids=reference_ids,
            flash=flash,
            header=header,
        )
        if not checked.ok:
            log.debug("not sent: pre-check answered %s (%s)", checked.code, checked.reason)
            result = SendResult.refused(checked)
        else:
            chunks: list[ChunkResult] = []
            for index, chunk in enumerate(checked.chunks, 1):
                if chunks and not chunks[-1].ok:
                    chunks.append(skipped(chunk.numbers, chunk.reference_ids))
                    continue
                log.debug(
                    "POST %s: request %d/%d, %d number(s), %d %s part(s)",
                    self.url,
                    index,
                    len(checked.chunks),
                    len(chunk.numbers),
                    checked.parts,
                    checked.encoding,
                )
                chunks.append(self._post(checked, chunk))
            result = SendResult.from_chunks(checked, chunks)
        raise_now = self.raise_on_error if raise_on_error is None else raise_on_error
        return result.raise_for_code() if raise_now else result

    # -- one gateway request ------------------------------------------------------------------
    def _form(self, checked: CheckResult, chunk: Chunk) -> dict[str, str]:
        form = {
            P_USER_ID: self.user_id,
            P_PASSWORD: self.__password,
            P_MOBILE: ",".join(chunk.numbers),
            P_MESSAGE: checked.message,
        }
        if checked.push_datetime:
            form[P_PUSH_DATETIME] = checked.push_datetime
        form[P_LANG] = str(checked.lang)
        form[P_HEADER] = checked.header
        if chunk.reference_ids:
            form[P_REFERENCE_IDS] = ",".join(chunk.reference_ids)
        if checked.flash is not None:
            form[P_FLASH] = "Y" if checked.flash else "N"
        return form

    def _post(self, checked: CheckResult, chunk: Chunk) -> ChunkResult:
        with attempts(self.retry.deadline) as tries:
            try:
                response = self.session.post(
                    self.url,
                    data=self._form(checked, chunk),
                    timeout=self.timeout,
                    allow_redirects=False,
                    # per request: REQUESTS_CA_BUNDLE would override the session's setting
                    verify=self.verify,
                )
            except requests.RequestException as exc:
                result = self._transport_failure(chunk, exc, tries.count)
                log.debug("%s: %s (%s)", result.outcome, result.description, result.reason)
                return result
        result = self._read(chunk, response, tries.count)
        log.debug("answer: %s %s (HTTP %s)", result.code, result.description, result.http_status)
        return result

    def _read(self, chunk: Chunk, response: requests.Response, tries: int) -> ChunkResult:
        """A chunk's result from the HTTP answer; never raises, whatever the body is."""
        text = response.content.decode("utf-8-sig", "replace")  # a leading BOM is no content
        body = self._redact(text)[:_BODY_KEEP]
        status = response.status_code
        if status != 200:
            phrase = self._redact(response.reason or "")
            description = f"HTTP {status} {phrase}".rstrip() + " from the gateway"
            if 300 <= status < 400:
                location = self._redact(response.headers.get("Location", "?"))
                description += f" (a redirect to {location}, not followed: fix the URL)"
            return ChunkResult(
                chunk.numbers,
                chunk.reference_ids,
                Outcome.ANSWERED,
                None,
                description,
                http_status=status,
                body=body,
                attempts=tries,
            )
        stripped = text.strip()
        if stripped.isascii() and stripped.isdigit() and len(stripped) <= 9:
            code = ReturnCode.parse(stripped)
            number: int = code if code is not None else int(stripped)
            return ChunkResult(
                chunk.numbers,
                chunk.reference_ids,
                Outcome.ANSWERED,
                number,
                describe(number),
                http_status=status,
                body=body,
                attempts=tries,
            )
        return ChunkResult(
            chunk.numbers,
            chunk.reference_ids,
            Outcome.ANSWERED,
            None,
            "Unreadable answer from the gateway (not a return code); the request may or may "
            "not have been accepted",
            http_status=status,
            body=body,
            attempts=tries,
        )

    def _transport_failure(
        self, chunk: Chunk, exc: requests.RequestException, tries: int
    ) -> ChunkResult:
        if _never_sent(exc):
            outcome = Outcome.NOT_SENT
            description = "Could not connect to the gateway; nothing was sent"
        elif isinstance(exc, requests.ReadTimeout):
            outcome = Outcome.UNKNOWN
            description = "No answer within the timeout; the gateway may have accepted the request"
        else:
            outcome = Outcome.UNKNOWN
            description = (
                "The connection broke before an answer; the gateway may have accepted the request"
            )
        if tries > 1:
            description += f" ({tries} attempts)"
        raw = self._redact(f"{type(exc).__name__}: {exc}")
        log.debug("transport failure: %s", raw)
        reason = (self._plain_reason(exc) or raw)[:_BODY_KEEP]
        return ChunkResult(
            chunk.numbers,
            chunk.reference_ids,
            outcome,
            None,
            description,
            reason=reason,
            attempts=tries,
        )

    def _plain_reason(self, exc: requests.RequestException) -> str | None:
        """What went wrong in words, for the usual failures (None: keep the library's text)."""
        parts = urlsplit(self.url)
        host = parts.hostname or "?"
        where = f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
        connect, read = self.timeout if isinstance(self.timeout, tuple) else (self.timeout,) * 2
        causes = list(_causes(exc))
        for cause in causes:
            if refused(cause):
                return f"connection refused by {where}: nothing listens there"
            if isinstance(cause, socket.gaierror):
                return f"the host name {host!r} cannot be resolved ({cause.strerror})"
            if isinstance(cause, ssl.SSLCertVerificationError):
                return (
                    f"the TLS certificate of {host} is not trusted ({cause.verify_message}): "
                    "give its CA file (verify=CA_FILE; ismart-sms --cacert CA_FILE)"
                )
        if isinstance(exc, requests.ConnectTimeout):
            return f"no connection to {where} within {connect:g} s"
        if isinstance(exc, requests.ReadTimeout):
            return f"no answer from {where} within {read:g} s"
        return None

    def _redact(self, text: str) -> str:
        """``text`` without the password (nor its URL-encoded forms), should anything echo it.

        A password shorter than 4 characters is not searched for: it would match ordinary text.
        """
        secret = self.__password
        if len(secret) < _MIN_REDACT:
            return text
        for form in {secret, quote_plus(secret), quote(secret, safe="")}:
            text = text.replace(form, "***")
        return text


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps explicitly (requests and urllib3 nest errors in ``args`` and
    ``reason``); not ``__context__``, which may be an earlier attempt's error."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 12:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [
            getattr(current, "reason", None),
            current.args[0] if current.args else None,
            current.__cause__,
        ]
        todo.extend(n for n in nested if isinstance(n, BaseException))


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request surely never left: the connection itself could not be made
    (refused, unreachable, DNS, connect timeout) or the TLS certificate was refused."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ReadTimeout) or not isinstance(exc, requests.ConnectionError):
        return False
    never = (ConnectTimeoutError, ssl.SSLCertVerificationError)  # NewConnectionError is one
    return any(isinstance(cause, never) for cause in _causes(exc))
