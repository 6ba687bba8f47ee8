"""Accounts and companies: the state that makes the gateway's codes happen naturally.

An account in JSON (the admin API's shape, never with the password)::

    {"user_id": "ismartsms", "company": "Infocomm Demo", "status": "active",
     "expires_at": null, "credit": 1000000, "credit_expires_at": null,
     "web_service": true, "http_get": true, "headers": ["AnyHeader"],
     "allowed_ips": [], "blocked_ips": [], "failed_logins": 0, "lockout_threshold": 5}

``allowed_ips`` empty means any address; entries are addresses or networks (``10.0.0.0/8``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Final, Literal, get_type_hints

from ismart_sms_kit.mock_server.state.model import Json

Status = Literal["active", "inactive", "blocked"]
STATUSES: Final = ("active", "inactive", "blocked")
DEFAULT_LOCKOUT_THRESHOLD: Final = 5

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
FieldValue = str | int | bool | datetime | list[str] | None
"""The value of an account's field, as :func:`coerce_field` checks it."""


MAX_WHOLE: Final = 2**63 - 1
"""The largest credit, failed-login count or threshold: a signed 64-bit integer."""


class AccountError(ValueError):
    """An account definition (config file or admin PATCH) with a wrong field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def digest_password(password: str, salt: bytes | None = None) -> str:
    """A salted SHA-256 of ``password``: what an account keeps instead of the password, so
    that neither memory dumps of the journal nor a ``--state`` file ever hold one."""
    salt = salt if salt is not None else os.urandom(8)
    digest = hashlib.sha256(salt + password.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{salt.hex()}${digest}"


@dataclass(slots=True)
class Account:
    user_id: str = field(metadata={"non_empty": True})
    password_digest: str = field(repr=False)
    company: str = field(metadata={"non_empty": True})
    status: Status = "active"
    expires_at: datetime | None = None
    credit: int = 1_000_000
    credit_expires_at: datetime | None = None
    web_service: bool = True
    http_get: bool = True
    headers: list[str] = field(default_factory=list)
    allowed_ips: list[str] = field(default_factory=list, metadata={"networks": True})
    blocked_ips: list[str] = field(default_factory=list, metadata={"networks": True})
    failed_logins: int = 0
    lockout_threshold: int = field(default=DEFAULT_LOCKOUT_THRESHOLD, metadata={"minimum": 1})
    opted_out: list[str] = field(default_factory=list)
    """Numbers that opted out of this account's messages (code 23 on the older endpoint)."""
    simulate_internal_error: bool = False
    """Make every authenticated send fail inside the gateway, so that it answers 11."""
    oman_only: bool = False
    """Refuse clients outside the ``oman_networks`` setting with code 21."""
    api_expires_at: datetime | None = None
    """When the account's SMS API subscription ends (code 25 after it)."""
    delivery_reports: bool = True
    """Whether the delivery-report endpoint answers for this account (else code 31)."""
    scope: str = ""
    """Requests by this user id without an ``X-Mock-Scope`` header belong to this scope."""
    default_header: str = ""
    """The sender a message goes out under when the request has no Header (absent, bare or
    empty); "" means the first of ``headers``. See :meth:`default_sender`."""

    def default_sender(self) -> str | None:
        """The account's default sender: ``default_header`` if set, else its first registered
        header; None when it has neither (a send without a Header then answers 19)."""
        return self.default_header or (self.headers[0] if self.headers else None)

    def check_password(self, password: str) -> bool:
        return _password_matches(self.password_digest, password)

    def fail_login(self) -> None:
        """Count a wrong password; at the lockout threshold the account becomes ``blocked``."""
        self.failed_logins += 1
        if self.failed_logins >= self.lockout_threshold:
            self.status = "blocked"

    def clear_failed_logins(self) -> bool:
        """A right password clears the count, unless the account is blocked; whether it did."""
        if self.failed_logins and self.status != "blocked":
            self.failed_logins = 0
            return True
        return False

    def charge(self, cost: int) -> bool:
        """Take ``cost`` credits if the account has them (else change nothing: False)."""
        if self.credit < cost:
            return False
        self.credit -= cost
        return True

    def to_json(self) -> dict[str, Json]:
        """The account as the admin API shows it: everything but the password."""
        out: dict[str, Json] = {}
        for f in fields(self):
            if f.name == "password_digest":
                continue
            value: FieldValue = getattr(self, f.name)
            if isinstance(value, datetime):
                out[f.name] = value.isoformat()
            elif isinstance(value, list):
                out[f.name] = list(value)
            else:
                out[f.name] = value
        out["default_sender"] = self.default_sender()
        return out

    def copy(self) -> Account:
        return replace(
            self,
            headers=list(self.headers),
            allowed_ips=list(self.allowed_ips),
            blocked_ips=list(self.blocked_ips),
            opted_out=list(self.opted_out),
        )

    def ip_refused(self, client_ip: str) -> str | None:
        """Why ``client_ip`` may not use this account, or None when it may."""
        address = _address(client_ip)
        if address is None:
            return f"client address {client_ip!r} is not an IP address"
        if self.blocked_ips and any(address in _network(n) for n in self.blocked_ips):
            return f"client IP {client_ip} is on the blocked list of {self.user_id}"
        if self.allowed_ips and not any(address in _network(n) for n in self.allowed_ips):
            return f"client IP {client_ip} is not on the allow-list of {self.user_id}"
        return None


def _password_matches(password_digest: str, password: str) -> bool:
    """Whether ``password`` is the one ``password_digest`` was made of. Not cached: a cache
    keyed by the password would keep every password tried, right and wrong (a production
    password sent here by mistake among them), in the process's memory, to save one SHA-256
    of a few dozen bytes (well under a microsecond) per request."""
    parsed = _parse_digest(password_digest)
    if parsed is None:
        return False
    salt, expected = parsed
    digest = hashlib.sha256(salt + password.encode("utf-8", "surrogatepass")).hexdigest()
    return hmac.compare_digest(digest, expected)


@lru_cache(maxsize=1024)
def _parse_digest(password_digest: str) -> tuple[bytes, str] | None:
    """The salt and the hex digest of a stored ``digest_password`` value, parsed once per
    digest, not per request; None for one that no password matches."""
    salt_hex, _, expected = password_digest.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return None
    if salt.hex() != salt_hex:  # not as digest_password writes it: nothing matches
        return None
    return salt, expected


@lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """A client address parsed once (None: not an IP address); clients are few."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def _network(text: str) -> IpNetwork:
    return ipaddress.ip_network(text, strict=False)


_FIELD_NAMES: Final = frozenset(f.name for f in fields(Account) if f.name != "password_digest") | {
    "password"
}
EDITABLE_FIELDS: Final = _FIELD_NAMES - {"user_id"}
READ_ONLY_FIELDS: Final = frozenset({"default_sender", "configured"})
"""Shown by the admin API, computed: ignored in a definition or a patch, so that an account
read from the API can be written back as it is (set ``default_header`` to choose the
sender)."""


def _as_datetime(name: str, value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise AccountError(name, f"{value!r} is not an ISO 8601 date-time") from None
    else:
        raise AccountError(name, "must be an ISO 8601 date-time string or null")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _as_str_list(name: str, value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AccountError(name, "must be a list of strings")
    return [str(v) for v in value]


def _as_text(name: str, value: object) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise AccountError(name, "must be a non-empty string")
    return str(value)


def _as_whole(name: str, value: object, meta: Meta) -> int:
    minimum: int = meta.get("minimum", 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise AccountError(
            name, "must be a whole number >= 0" if minimum == 0 else f"must be at least {minimum}"
        )
    if value > MAX_WHOLE:  # what SQLite (and the journal's JSON readers) can hold
        raise AccountError(name, f"must be a whole number from {minimum} to {MAX_WHOLE}")
    return value


def _as_bool(name: str, value: object, meta: Meta) -> bool:
    if not isinstance(value, bool):
        raise AccountError(name, "must be true or false")
    return value


def _as_string(name: str, value: object, meta: Meta) -> str:
    if meta.get("non_empty"):
        return _as_text(name, value)
    if not isinstance(value, str):
        raise AccountError(name, "must be a string ('' for none)")
    return value


def _as_strings(name: str, value: object, meta: Meta) -> list[str]:
    items = _as_str_list(name, value)
    if meta.get("networks"):
        for item in items:
            try:
                _network(item)
            except ValueError:
                raise AccountError(name, f"{item!r} is not an IP address or network") from None
    return items


def _as_status_field(name: str, value: object, meta: Meta) -> Status:
    return _as_status(value)


def _as_datetime_field(name: str, value: object, meta: Meta) -> datetime | None:
    return _as_datetime(name, value)


Meta = Mapping[str, Any]
Parser = Callable[[str, object, Meta], FieldValue]
_PARSERS_BY_TYPE: Final[dict[object, Parser]] = {
    str: _as_string,
    int: _as_whole,
    bool: _as_bool,
    datetime | None: _as_datetime_field,
    list[str]: _as_strings,
    Status: _as_status_field,
}
"""How a value is read for a field of each type: a new field of one of these types needs no
other edit (its constraints beyond the type in its ``metadata``: ``non_empty``, ``minimum``,
``networks``)."""


def field_parsers(cls: type[Account]) -> dict[str, Callable[[str, object], FieldValue]]:
    """Each field's parser (``password_digest`` apart), from its type and ``metadata``."""
    types = get_type_hints(cls)
    return {
        f.name: functools.partial(_with_meta, _PARSERS_BY_TYPE[types[f.name]], f.metadata)
        for f in fields(cls)
        if f.name != "password_digest"
    }


def _with_meta(parser: Parser, meta: Meta, name: str, value: object) -> FieldValue:
    return parser(name, value, meta)


FIELD_PARSERS: Final = field_parsers(Account)
"""Each field's parser, derived (``tests/test_derived.py`` adds a field and reads it)."""


def coerce_field(name: str, value: object) -> FieldValue:
    """A config or JSON value for account field ``name``, checked and converted."""
    if name == "password":
        return _as_text(name, value)
    parser = FIELD_PARSERS.get(name)
    if parser is None:
        raise AccountError(
            name, f"unknown account field (known: {', '.join(sorted(_FIELD_NAMES))})"
        )
    return parser(name, value)


def _as_status(value: object) -> Status:
    for status in STATUSES:
        if value == status:
            return status
    raise AccountError("status", f"must be one of {', '.join(STATUSES)}")


def build_account(user_id: str, password_digest: str, values: Mapping[str, FieldValue]) -> Account:
    """An account of field values that :func:`coerce_field` checked, each set by its name
    (which mypy cannot follow from a name to its field's type: the check is coerce_field's)."""
    account = Account(user_id=user_id, password_digest=password_digest, company=user_id)
    for name, value in values.items():
        setattr(account, name, value)
    return account


def account_from_mapping(data: Mapping[str, object]) -> Account:
    """An account from a config mapping; names the wrong field when there is one."""
    for required in ("user_id", "password"):
        if required not in data:
            raise AccountError(required, "is required")
    values = {
        name: coerce_field(name, value)
        for name, value in data.items()
        if name not in READ_ONLY_FIELDS
    }
    user_id = _as_text("user_id", values.pop("user_id"))
    digest = digest_password(_as_text("password", values.pop("password")))
    return _registered_default(build_account(user_id, digest, values))


def _registered_default(account: Account) -> Account:
    """``account``, if its ``default_header`` is empty or one of its ``headers`` (exactly, as
    the gateway compares a Header): messages must not go out under a sender it never
    registered."""
    if account.default_header and account.default_header not in account.headers:
        registered = ", ".join(repr(h) for h in account.headers) or "none"
        raise AccountError(
            "default_header",
            f"{account.default_header!r} is not one of the account's headers ({registered}): "
            "register it in headers first",
        )
    return account


def replace_definition(
    current: Account | None, data: Mapping[str, object], user_id: str
) -> Account:
    """The account a PUT defines: every field from ``data`` (absent ones take their defaults),
    the password kept from ``current`` when ``data`` has none (it cannot be read back)."""
    if "user_id" in data and str(data["user_id"]) != user_id:
        raise AccountError("user_id", f"must be {user_id!r}, the account the address names")
    body = {**data, "user_id": user_id}
    if "password" in body or current is None:
        return account_from_mapping(body)
    account = account_from_mapping({**body, "password": "-"})
    account.password_digest = current.password_digest
    return account


def apply_patch(account: Account, patch: Mapping[str, object]) -> Account:
    """A copy of ``account`` with ``patch`` applied (any subset of the editable fields)."""
    updated = account.copy()
    for name, value in patch.items():
        if name in READ_ONLY_FIELDS:
            continue  # computed: what GET showed may come back
        if name not in EDITABLE_FIELDS:
            raise AccountError(name, "cannot be changed" if name == "user_id" else "unknown field")
        if name == "password":
            updated.password_digest = digest_password(_as_text(name, value))
        else:
            setattr(updated, name, coerce_field(name, value))
    if "status" in patch and updated.status != "blocked" and "failed_logins" not in patch:
        updated.failed_logins = 0
    return _registered_default(updated)


# --- the embedded demo defaults --------------------------------------------------------------
DEMO_CLOSED_COMPANIES: Final = ("Closed Company LLC",)
"""Companies that no longer exist; every other company named by an account exists."""
_PAST: Final = datetime(2020, 1, 1, tzinfo=timezone.utc)


def demo_accounts() -> list[Account]:
    """The accounts ``make serve`` starts with: each makes one code happen naturally.

    Every password equals its user id. docs/emulator.md lists them.
    """

    def acct(user: str, **kw: FieldValue) -> Account:
        kw.setdefault("company", "Demo Trading LLC")
        kw.setdefault("headers", ["AnyHeader", "DEMO"])
        return build_account(user, digest_password(user), kw)

    return [
        acct("ismartsms", company="Infocomm Demo", headers=["AnyHeader"]),
        acct("demo", headers=["DEMO", "AnyHeader", "OTP", "Go-Watt"]),
        acct("nocompany", company="Closed Company LLC"),
        acct("noservice", web_service=False),
        acct("blocked", status="blocked"),
        acct("lockme", lockout_threshold=3),
        acct("inactive", status="inactive"),
        acct("expired", expires_at=_PAST),
        acct("noget", http_get=False),
        acct("creditexpired", credit_expires_at=_PAST),
        acct("lowcredit", credit=2),
        acct("ipblocked", allowed_ips=["203.0.113.0/24"]),
        acct("broken", simulate_internal_error=True),
        acct("abroad", oman_only=True),
        acct("apiexpired", api_expires_at=_PAST),
        acct("nodlr", delivery_reports=False),
    ]
