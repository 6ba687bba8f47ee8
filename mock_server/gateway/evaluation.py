"""A request's values as the validation steps read them (:class:`Evaluation`): each parsed at
most once, and only when a step needs it; and the parameters' keys the steps read them by."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import EllipsisType
from typing import Any, Generic, TypeVar, overload

from ismart_sms_kit.mock_server.gateway.decision import GatewayCall, GatewayOptions
from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.mock_server.state.base import Storage
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


class Evaluation:
    """The request's values, each parsed at most once and only when a step needs it."""

    def __init__(
        self,
        call: GatewayCall,
        storage: Storage,
        options: GatewayOptions,
        account: Account | EllipsisType | None = ...,
    ) -> None:
        self.call = call
        self.params = call.params
        self.values = call.params.by_key
        self.storage = storage
        self.options = options
        self.limits = call.endpoint.limits
        user_id = self.values.get(USER_ID_KEY)
        self.user_id = user_id
        if account is ...:
            account = storage.account(user_id) if user_id else None
        self.account: Account | None = account
        self.authenticated = False

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
        endpoint = self.call.endpoint
        if header is not None and (not is_blank(header) or not endpoint.blank_header_default):
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
