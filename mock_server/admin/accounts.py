"""Accounts at run time: ``GET|POST /_mock/api/accounts``, ``GET|PUT|PATCH|DELETE
/_mock/api/accounts/{user_id}``; an account is shown without its password, with its default
sender and whether it is configured (``shown_account``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ismart_sms_kit.mock_server.admin.api import API, backend_of, by_method, error, request_scope
from ismart_sms_kit.mock_server.admin.bodies import read_json
from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.state.accounts import Account, AccountError, account_from_mapping


def shown_account(account: Account, configured: bool) -> dict[str, Any]:
    """An account as the admin API shows it: its fields (never the password), its default
    sender and whether it comes from the configuration (a reset restores those) or was
    created at run time (a reset removes those)."""
    shown = account.to_json()
    shown["configured"] = configured
    return shown


def account_json(backend: Backend, account: Account) -> dict[str, Any]:
    return shown_account(account, account.user_id in backend.configured_accounts)


async def list_accounts(request: Request) -> Response:
    backend = backend_of(request)
    return JSONResponse([account_json(backend, a) for a in backend.storage.accounts()])


async def get_account(request: Request) -> Response:
    backend = backend_of(request)
    user_id = request.path_params["user_id"]
    account = backend.storage.account(user_id)
    if account is None:
        return error(404, f"no account {user_id!r}")
    return JSONResponse(account_json(backend, account))


def other_scope(
    request: Request, user_id: str | None, body: dict[str, Any] | None = None
) -> Response | None:
    """403 when a scoped call would change an account bound to another scope, or bind one to
    another scope; None when it may go on. An account bound to no scope is shared (the demo
    accounts): any call may change it, as before; an unscoped call may change any account."""
    scope = request_scope(request)
    if scope is None:
        return None
    account = backend_of(request).storage.account(user_id) if user_id is not None else None
    if account is not None and account.scope and account.scope != scope:
        return error(
            403,
            f"account {user_id!r} belongs to scope {account.scope!r}: a call scoped to "
            f"{scope!r} cannot change it",
            "scope",
        )
    wanted = (body or {}).get("scope")
    if wanted and wanted != scope:
        return error(
            403, f"a call scoped to {scope!r} cannot bind an account to scope {wanted!r}", "scope"
        )
    return None


Change = Callable[[Request, Backend, dict[str, Any]], Response]


def _changing(change: Change) -> Callable[[Request], Awaitable[Response]]:
    """The route of ``change``: the body must be a JSON object (else 400); an
    ``AccountError`` on the way answers 422, naming the field."""

    async def route(request: Request) -> Response:
        try:
            body = await read_json(request)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return error(400, "the body must be a JSON object")
        refused = other_scope(request, request.path_params.get("user_id"), body)
        if refused is not None:
            return refused
        try:
            return change(request, backend_of(request), body)
        except AccountError as exc:
            return error(422, str(exc), exc.field)

    return route


@_changing
def create_account(request: Request, backend: Backend, body: dict[str, Any]) -> Response:
    """``POST /accounts``: a new account (the config file's fields, ``password`` included);
    201, or 409 when the user id exists."""
    account = account_from_mapping(body)
    if not backend.storage.create_account(account):
        return error(409, f"account {account.user_id!r} exists (PUT replaces it)", "user_id")
    headers = {"Location": f"{API}/accounts/{quote(account.user_id, safe='')}"}
    return JSONResponse(account_json(backend, account), status_code=201, headers=headers)


@_changing
def put_account(request: Request, backend: Backend, body: dict[str, Any]) -> Response:
    """``PUT /accounts/{user_id}``: the whole definition (absent fields take their defaults,
    an absent password keeps the current one); 201 when it creates the account."""
    account, created = backend.storage.put_account(request.path_params["user_id"], body)
    return JSONResponse(account_json(backend, account), status_code=201 if created else 200)


@_changing
def patch_account(request: Request, backend: Backend, patch: dict[str, Any]) -> Response:
    user_id = request.path_params["user_id"]
    account = backend.storage.patch_account(user_id, patch)
    if account is None:
        return error(404, f"no account {user_id!r}")
    return JSONResponse(account_json(backend, account))


async def delete_account(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    refused = other_scope(request, user_id)
    if refused is not None:
        return refused
    if not backend_of(request).storage.delete_account(user_id):
        return error(404, f"no account {user_id!r}")
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        by_method(f"{API}/accounts", GET=list_accounts, POST=create_account),
        by_method(
            f"{API}/accounts/{{user_id}}",
            GET=get_account,
            PUT=put_account,
            PATCH=patch_account,
            DELETE=delete_account,
        ),
    ]
