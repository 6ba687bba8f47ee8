"""Reading a gateway request as IIS and ASP.NET do: case-insensitive paths, the query string
then the form body (``HttpRequest[name]``, see :mod:`ismart_sms_kit.mock_server.params`), the
body's cap, its charset, multipart forms. An unreadable request raises
:class:`MalformedRequest` (the gateway answers 15)."""

from __future__ import annotations

import codecs
import functools

from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ismart_sms_kit.mock_server.gateway.decision import Decision, internal_failure
from ismart_sms_kit.mock_server.gateway.steps import unreadable
from ismart_sms_kit.mock_server.params import (
    MAX_SCOPE_CHARS,
    Params,
    from_pairs,
    parse_urlencoded,
    scope_problem,
)
from ismart_sms_kit.mock_server.state.model import SCOPE_HEADER
from ismart_sms_kit.mock_server.transport import BODY_EXTENSION

_FORM = "application/x-www-form-urlencoded"
SCOPE_HEADER_BYTES = SCOPE_HEADER.encode()


class MalformedRequest(Exception):
    """A request the gateway cannot read at all (too large, broken multipart): code 15."""


class CaseInsensitivePaths:
    """IIS matches paths case-insensitively: map any casing of a known path to its canonical
    spelling before routing (a dict lookup per request)."""

    def __init__(self, app: ASGIApp, paths: list[str]) -> None:
        self.app = app
        self.canonical = {p.lower(): p for p in paths}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            canonical = self.canonical.get(path.lower())
            if canonical is not None and canonical != path:
                scope = dict(scope, path=canonical, raw_path=canonical.encode())
        await self.app(scope, receive, send)


def checked_scope(mock_scope: str, refused: Decision | None) -> tuple[str, Decision | None]:
    """A gateway request's ``X-Mock-Scope`` and its refusal, as every gateway endpoint takes
    them: a scope over ``MAX_SCOPE_CHARS`` is refused (15, unless the request already was)
    and the request journaled unscoped (issue 28: cutting it could merge two scopes)."""
    if len(mock_scope) <= MAX_SCOPE_CHARS:
        return mock_scope, refused
    return "", refused or unreadable(str(scope_problem(mock_scope)))


def refusal(exc: Exception, endpoint: str) -> Decision | None:
    """Every gateway endpoint's answer to a request it could not read: None when the client
    went away before it was whole (nothing to answer), 15 when it is unreadable
    (:class:`MalformedRequest`), else 11 (the gateway's own failure, never a 500)."""
    if isinstance(exc, ClientDisconnect):
        return None
    if isinstance(exc, MalformedRequest):
        return unreadable(str(exc))
    return internal_failure(endpoint, exc)


def body_here(scope: Scope, declared: str | None, limit: int) -> bytes | None:
    """The whole body where the transport has all of it (``BODY_EXTENSION``: no ASGI message,
    no await), else None (:func:`receive_body` reads it); refusing more than ``limit`` bytes
    (by Content-Length before anything is read)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise MalformedRequest(f"body of {declared} bytes is over max_body_bytes ({limit})")
    extensions = scope.get("extensions")
    whole = extensions.get(BODY_EXTENSION) if extensions else None
    body: bytes | None = whole(scope) if whole is not None else None
    if body is not None and len(body) > limit:
        raise MalformedRequest(f"body is over max_body_bytes ({limit})")
    return body


async def receive_body(scope: Scope, receive: Receive, declared: str | None, limit: int) -> bytes:
    """The whole body, refusing more than ``limit`` bytes (by Content-Length before reading
    anything, else while reading); a disconnect mid-body raises ``ClientDisconnect``. Taken
    at once where the transport offers it (:func:`body_here`)."""
    body = body_here(scope, declared, limit)
    if body is not None:
        return body
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.request":
            chunk: bytes = message.get("body", b"")
            more: bool = message.get("more_body", False)
            if not more and not chunks and len(chunk) <= limit:
                return chunk  # the usual case: the body in one piece
            if chunk:
                size += len(chunk)
                if size > limit:
                    raise MalformedRequest(f"body is over max_body_bytes ({limit})")
                chunks.append(chunk)
            if not more:
                return b"".join(chunks)
        elif kind == "http.disconnect":
            raise ClientDisconnect()


@functools.lru_cache(maxsize=64)
def text_charset(name: str) -> str:
    """``name`` if it is a text encoding that can decode any bytes (with replacement
    characters), else ``utf-8``: an unknown charset, a bytes-to-bytes or text-to-text codec
    (``base64``, ``hex``, ``zlib``, ``rot13``...) or one that cannot replace what it cannot
    decode (``idna``, ``punycode``, ``undefined``) is read as UTF-8, as no charset is."""
    try:
        info = codecs.lookup(name)
        if not getattr(info, "_is_text_encoding", True):
            return "utf-8"
        b"\xff\xfe\x00A%+\xe2\x82".decode(name, "replace")
    except (LookupError, ValueError, TypeError, UnicodeError):
        return "utf-8"
    return name


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"


def head(scope: Scope) -> tuple[str, str | None, str]:
    """(Content-Type, Content-Length, X-Mock-Scope) of a request, each its first occurrence
    as Starlette's ``Headers.get`` finds it, in one pass over the raw headers."""
    content_type: str | None = None
    length: str | None = None
    mock_scope: str | None = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            if content_type is None:
                content_type = value.decode("latin-1")
        elif name == b"content-length":
            if length is None:
                length = value.decode("latin-1")
        elif name == SCOPE_HEADER_BYTES and mock_scope is None:
            mock_scope = value.decode("latin-1")
    return content_type or "", length, mock_scope or ""


async def read_scope_params(
    scope: Scope,
    receive: Receive,
    content_type: str,
    declared: str | None,
    limit: int,
) -> Params:
    query = scope.get("query_string", b"")
    if len(query) > limit:
        raise MalformedRequest(f"query string is over max_body_bytes ({limit})")
    query_params = parse_urlencoded(query) if query else None
    if scope["method"] in ("GET", "HEAD"):
        return query_params or Params()
    media = content_type.split(";", 1)[0].strip().lower()
    if media == _FORM:
        body = body_here(scope, declared, limit) or await receive_body(
            scope, receive, declared, limit
        )
        charset = _charset(content_type)
        if charset != "utf-8":
            charset = text_charset(charset)
        params = parse_urlencoded(body, charset)
    elif media == "multipart/form-data":
        if declared is None or not declared.isdigit() or int(declared) > limit:
            raise MalformedRequest("multipart body without a Content-Length within the cap")
        try:
            async with Request(scope, receive).form(max_files=0, max_fields=1000) as form:
                fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        except Exception as exc:  # python-multipart's and Starlette's parse errors
            raise MalformedRequest(f"unreadable multipart body: {exc}") from None
        params = from_pairs(iter(fields))
    else:
        return query_params or Params()
    if query_params:  # the query string wins: ASP.NET's Request[name] looks there first
        query_params.update_missing(params)
        return query_params
    return params


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
