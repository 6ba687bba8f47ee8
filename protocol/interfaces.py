"""The gateway's three interfaces, which endpoint belongs to which, and how each interface's
clients read a return code.

The HTTP (form) API answers a bare code; the REST API (``PostSMS``) a JSON ``Code`` and
``Message``; the SOAP service (``IBulkSMS``) a ``PushMessageResult``. The codes are the same
table, but the REST and SOAP clients' own tables (SUPMS, Daftari, the Python REST client) read
18 as "web-service user not configured with Infocomm", where the form API's 18 is "HTTP GET not
allowed" (and its "web service user not registered" is 17).
"""

from __future__ import annotations

from typing import Final

from ismart_sms_kit.protocol.spec import ReturnCode
from ismart_sms_kit.protocol.spec import describe as describe_form

FORM: Final = "form"
REST: Final = "rest"
SOAP: Final = "soap"
INTERFACES: Final = (FORM, REST, SOAP)
"""What a fault rule's ``interface`` matches."""
INTERFACE_OF: Final = {"PostSMS": REST, "IBulkSMS": SOAP}
"""The endpoints of the REST and SOAP interfaces; every other endpoint is the form API's."""

WEB_SERVICE_NOT_CONFIGURED: Final = 18
"""The REST and SOAP clients' "web-service user not configured with Infocomm"."""
_WEB_SERVICE_TEXTS: Final = {
    int(ReturnCode.PUSHED): "Message Pushed",
    WEB_SERVICE_NOT_CONFIGURED: "Web Service User not configured with Infocomm.",
}


def interface_of(endpoint: str) -> str:
    return INTERFACE_OF.get(endpoint, FORM)


def describe(code: int, interface: str = FORM) -> str:
    """The text of ``code`` as the interface's clients read it: the form API's description,
    except, on REST and SOAP, the Python REST client's "Message Pushed" for 1 and the
    web-service meaning of 18."""
    if interface != FORM:
        text = _WEB_SERVICE_TEXTS.get(code)
        if text is not None:
            return text
    return describe_form(code)
