"""The delivery-report endpoint (``SMSDeliveryReportAPI.aspx``): read (as a send is read),
:meth:`Backend.report`, write the records or a code. Its decision is
:func:`ismart_sms_kit.mock_server.gateway.delivery.report`."""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.endpoints.gateway import GatewayEndpoint
from ismart_sms_kit.mock_server.gateway.delivery import ENDPOINT


class DeliveryReportEndpoint(GatewayEndpoint):
    """Records joined by ``|``, or a code (11 on a failure)."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend, ENDPOINT)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = await self.read(scope, receive)
        if request is None:  # gone before its request was whole: nothing to answer
            return
        body = self.backend.report(request)
        await Response(body, media_type="text/plain")(scope, receive, send)
