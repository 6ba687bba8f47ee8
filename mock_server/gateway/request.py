"""One request to a gateway endpoint (:class:`SendRequest`), from the endpoint that read it to
its commit: what the endpoint read, what the backend adds (the account, what the rules fixed),
and each value the validation steps read, parsed at most once and only when a step needs it;
and the parameters' keys the steps read them by."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ismart_sms_kit.mock_server.config import EndpointConfig
from ismart_sms_kit.mock_server.params import Params
from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.protocol.segments import Segments, count
from ismart_sms_kit.protocol.spec import (
    P_FLASH,
    P_HEADER,
    P_LANG,
    P_MESSAGE,
    P_MOBILE,
    P_PASSWORD,
    P_PUSH_DATETIME,
    P_REFERENCE_IDS,
    P_USER_ID,
    ReturnCode,
)

if TYPE_CHECKING:
    from ismart_sms_kit.mock_server.gateway.decision import Decision
from ismart_sms_kit.protocol.validation import (
    Finding,
    is_blank,
    parse_flash,
    parse_lang,
    parse_numbers,
    parse_push_datetime,
    parse_reference_ids,
)

# the parameters' keys (lower-cased names), as ``Params.by_key`` holds them
(
    USER_ID_KEY,
    PASSWORD_KEY,
    MOBILE_KEY,
    MESSAGE_KEY,
    PUSH_DATETIME_KEY,
    LANG_KEY,
    HEADER_KEY,
    REFERENCE_IDS_KEY,
    FLASH_KEY,
) = (
    name.lower()
    for name in (
        P_USER_ID,
        P_PASSWORD,
        P_MOBILE,
        P_MESSAGE,
        P_PUSH_DATETIME,
        P_LANG,
        P_HEADER,
        P_REFERENCE_IDS,
        P_FLASH,
    )
)

_T = TypeVar("_T")


class _cached(Generic[_T]):
    """``functools.cached_property`` without the lock that Python before 3.12 takes on each
    first access (a request's evaluation lives on one thread)."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _cached[_T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...
    def __get__(self, obj: object, owner: type | None = None) -> _T | _cached[_T]:
        if obj is None:
            return self
        value = self.compute(obj)
        obj.__dict__[self.name] = value  # later reads find it there, not here
        return value


class SendRequest:
    """One request to a gateway endpoint (send, REST, SOAP, delivery reports): made by the
    endpoint from what it read, completed by the backend (``account``, ``delivery``, ``now``
    after a delay), read by the rules, the validation steps and the commit."""

    def __init__(
        self,
        endpoint: EndpointConfig,
        method: str,
        client_ip: str,
        params: Params,
        now: datetime,
        scope: str = "",
        *,
        refused: Decision | None = None,
        journal: Iterable[tuple[str, str]] | None = None,
        note: str = "",
        status_of: Callable[[int], int] | None = None,
        refused_status: int = 200,
    ) -> None:
        self.endpoint = endpoint
        self.method = method
        """As sent (the journal's); the steps read a ``HEAD`` as the ``GET`` it is."""
        self.client_ip = client_ip
        self.params = params
        self.values = params.by_key
        self.now = now
        """Aware UTC time of arrival (after a delay rule's delay, the time it ended)."""
        self.scope = scope
        """The ``X-Mock-Scope`` header, else (set by the backend) the account's scope."""
        self.scope_from_account = not scope
        self.limits = endpoint.limits
        self.user_id = self.values.get(USER_ID_KEY)
        # the rest only when given: the class's defaults below stand for the usual request
        if refused is not None:
            self.refused = refused
        if journal is not None:
            self.journal = journal
        if note:
            self.note = note
        if status_of is not None:
            self.status_of = status_of
        if refused_status != 200:
            self.refused_status = refused_status

    refused: Decision | None = None
    """The endpoint's own decision when it could not read the request (15) or failed (11)."""
    journal: Iterable[tuple[str, str]] | None = None
    """The fields the journal keeps, when not ``params`` (REST and SOAP: the request's own
    names, which ``params`` translates into the form API's)."""
    note: str = ""
    """How the endpoint read the request, added to the decision's reason."""
    status_of: Callable[[int], int] | None = None
    """The HTTP status the endpoint answers a code with (one function per endpoint; None:
    200), for the journal."""
    refused_status: int = 200
    """The HTTP status of the endpoint's own answer to a request it refused without a code
    (a SOAP fault, Web API's 405 or 415)."""
    account: Account | None = None
    """The account of ``UserId`` as the backend read it (None: no such account)."""
    authenticated: bool = False
    delivery: str | None = None
    """A delivery state a fault rule fixed for the messages of this request."""

    def http_status(self, code: int | None) -> int:
        """The HTTP status the journal records for answering ``code`` (None: no code)."""
        if code is None:
            return self.refused_status
        return 200 if self.status_of is None else self.status_of(code)

    def reread(self, account: Account | None) -> None:
        """Decide again on ``account`` as it is now: what was read from the old one goes."""
        self.account, self.authenticated = account, False
        self.__dict__.pop("sender", None)

    def raw(self, key: str) -> str:
        """The value of the parameter ``key`` (its lower-cased name), or ``""``."""
        return self.values.get(key) or ""

    @_cached
    def numbers(self) -> list[str] | Finding:
        return parse_numbers(self.raw(MOBILE_KEY), self.limits)

    @_cached
    def lang(self) -> int | Finding:
        return parse_lang(self.raw(LANG_KEY))

    @_cached
    def segments(self) -> Segments:
        lang = self.lang
        return count(self.raw(MESSAGE_KEY), None if isinstance(lang, Finding) else lang)

    @_cached
    def push_at(self) -> datetime | Finding | None:
        return parse_push_datetime(self.values.get(PUSH_DATETIME_KEY), self.limits)

    @_cached
    def reference_ids(self) -> list[str] | Finding:
        return parse_reference_ids(self.values.get(REFERENCE_IDS_KEY), self.limits)

    @_cached
    def flash(self) -> bool | Finding:
        return parse_flash(self.values.get(FLASH_KEY), self.limits)

    @_cached
    def sender(self) -> tuple[str, bool] | Finding:
        """The header the message goes out under and whether it was defaulted (the request
        gave none, or an empty one where ``blank_header_default``), or why it cannot go."""
        header = self.values.get(HEADER_KEY)
        if header is not None and (not is_blank(header) or not self.limits.blank_header_default):
            return header, False
        a = self.account
        if a is None:
            return self.no_account()
        sender = a.default_sender()
        if sender is None:
            return Finding(
                ReturnCode.HEADER_NOT_REGISTERED,
                f"no Header given and {a.user_id} has no registered header to send under",
            )
        return sender, True

    def cost(self) -> int:
        numbers = self.numbers
        recipients = len(numbers) if isinstance(numbers, list) else 1
        return self.segments.parts * recipients

    def no_account(self) -> Finding:
        return Finding(ReturnCode.WRONG_CREDENTIALS, f"no account with user id {self.user_id!r}")
