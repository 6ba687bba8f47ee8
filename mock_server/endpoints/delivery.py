"""The delivery-report endpoint (``SMSDeliveryReportAPI.aspx``): read, answer, write. Its
decision is :func:`ismart_sms_kit.mock_server.gateway.delivery.report`."""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.endpoints.request import (
    SCOPE_HEADER,
    MalformedRequest,
    client_ip,
    read_params,
)
from ismart_sms_kit.mock_server.gateway.decision import internal_failure
from ismart_sms_kit.mock_server.gateway.delivery import NAME
from ismart_sms_kit.mock_server.gateway.steps import refused_method, unreadable
from ismart_sms_kit.mock_server.params import MAX_SCOPE_CHARS, Params, scope_problem


async def delivery_report_route(request: Request) -> Response:
    """Records joined by ``|``, or a code (11 on a failure)."""
    backend: Backend = request.app.state.backend
    params, refused = Params(), None
    try:
        if request.method in ("GET", "HEAD", "POST"):
            params = await read_params(request, backend.config.setting("max_body_bytes"))
        else:  # 15, as the send endpoints answer another method
            refused = refused_method(request.method)
    except ClientDisconnect:
        backend.client_gone(NAME)
        return Response(status_code=200)  # nobody reads it: the connection is gone
    except MalformedRequest as exc:
        refused = unreadable(str(exc))
    except Exception as exc:
        refused = internal_failure(NAME, exc)
    mock_scope = request.headers.get(SCOPE_HEADER, "")
    if len(mock_scope) > MAX_SCOPE_CHARS:  # refused, journaled unscoped (issue 28)
        mock_scope, refused = "", refused or unreadable(str(scope_problem(mock_scope)))
    body = backend.report(
        params,
        client_ip=client_ip(request),
        method=request.method,
        scope=mock_scope,
        refused=refused,
    )
    return Response(body, media_type="text/plain")
