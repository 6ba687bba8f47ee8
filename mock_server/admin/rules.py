"""Fault rules at run time: ``GET|POST|DELETE /_mock/api/rules``, ``DELETE .../rules/{id}``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ismart_sms_kit.mock_server.admin.api import API, backend_of, by_method, error, request_scope
from ismart_sms_kit.mock_server.admin.bodies import read_json
from ismart_sms_kit.mock_server.rules.values import RuleError


async def list_rules(request: Request) -> Response:
    rules = backend_of(request).rules.all(request_scope(request))
    return JSONResponse([r.to_json() for r in rules])


async def add_rule(request: Request) -> Response:
    workers = backend_of(request).config.workers
    if workers > 1:
        return error(
            409,
            f"rules cannot be added at run time with {workers} workers (each keeps its own "
            "rules): put them in a --rules file, which every worker reads and reloads",
        )
    try:
        data = await read_json(request)
    except ValueError:
        return error(400, "the body must be one rule as a JSON object")
    try:
        rule = backend_of(request).rules.add(data, source="api", scope=request_scope(request) or "")
    except RuleError as exc:
        return JSONResponse(exc.to_json(), status_code=422)
    return JSONResponse({"id": rule.id, **rule.to_json()}, status_code=201)


async def delete_rule(request: Request) -> Response:
    """Remove a rule added at run time (in the call's scope, if it has one). A file's rule
    stays, as with ``DELETE /rules``: removing it here would change every scope's answers
    until the next reset; edit the file instead (it is reloaded)."""
    raw: int = request.path_params["rule_id"]
    rules = backend_of(request).rules
    scope = request_scope(request)
    for rule in rules.all(scope):
        if rule.id == raw and rule.scope is None:
            return error(
                409,
                f"rule {raw} comes from {rule.source}: edit that file to change it "
                "(it is reloaded); only rules added at run time can be removed here",
            )
    if not rules.remove(raw, scope):
        return error(404, f"no rule {raw}")
    return Response(status_code=204)


async def delete_rules(request: Request) -> Response:
    backend_of(request).rules.clear(request_scope(request))
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        by_method(f"{API}/rules", GET=list_rules, POST=add_rule, DELETE=delete_rules),
        by_method(f"{API}/rules/{{rule_id:int}}", DELETE=delete_rule),
    ]
