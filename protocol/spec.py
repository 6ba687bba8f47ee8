"""The iSmart HTTP POST protocol in one place: return codes, limits, parameter names, paths.

Everything here is transcribed from the vendor specification (``shared/spec``) and the field
notes; the emulator and the client both build on it so that they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum, IntEnum
from typing import Final


class Origin(Enum):
    """Where a return code comes from (:attr:`ReturnCode.origin`)."""

    DOCUMENT = "the vendor document's 20 codes"
    FIELD = "reported from the field (a send can answer it)"
    DELIVERY_REPORT = "the delivery-report endpoint's own (a send never answers it)"


class ReturnCode(IntEnum):
    """A gateway answer. The body of every answer is one of these codes' digits."""

    # The 20 codes of the vendor document (descriptions verbatim, typos included).
    PUSHED = 1
    COMPANY_NOT_EXISTS = 2
    WRONG_CREDENTIALS = 3
    CREDIT_LOW = 4
    MESSAGE_BLANK = 5
    MESSAGE_TOO_LONG = 6
    ACCOUNT_INACTIVE = 7
    MOBILE_EMPTY = 8
    INVALID_MOBILE = 9
    INVALID_LANGUAGE = 10
    UNKNOWN_ERROR = 11
    ACCOUNT_BLOCKED = 12
    ACCOUNT_EXPIRED = 13
    CREDIT_EXPIRED = 14
    INVALID_REQUEST = 15
    INVALID_DATETIME = 16
    NOT_REGISTERED_WEB_SERVICE = 17
    HTTP_GET_NOT_ALLOWED = 18
    HEADER_NOT_REGISTERED = 19
    IP_BLOCKED = 20
    # Codes reported from the field (shared/spec/field-notes.md), not in the document.
    IP_OUTSIDE_OMAN = 21
    WRONG_FLASH_PARAMETER = 22
    NUMBER_OPTED_OUT = 23
    TOO_MANY_NUMBERS = 24
    SMS_API_EXPIRED = 25
    # Delivery-report endpoint codes (field notes).
    DELIVERY_REPORTS_DISABLED = 31
    REFERENCE_ID_BLANK = 32
    NO_RECORD_FOUND = 33

    @property
    def description(self) -> str:
        """The vendor's description, verbatim (typos included)."""
        return _CODES[self][0]

    @property
    def origin(self) -> Origin:
        """Where the code comes from, and so which interface answers it."""
        return _CODES[self][1]

    @property
    def is_success(self) -> bool:
        return self is ReturnCode.PUSHED

    @property
    def documented(self) -> bool:
        """True for the 20 codes of the vendor document."""
        return self.origin is Origin.DOCUMENT

    @classmethod
    def parse(cls, body: str | bytes) -> ReturnCode | None:
        """The code in a gateway answer body, or None when the body is not a known code.

        Tolerates surrounding whitespace (some proxies add a newline); nothing else.
        """
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        text = body.strip()
        if not text.isascii() or not text.isdigit():
            return None
        try:
            return cls(int(text))
        except ValueError:
            return None


_CODES: Final[dict[ReturnCode, tuple[str, Origin]]] = {
    ReturnCode.PUSHED: ("Message Pushed successfully.", Origin.DOCUMENT),
    ReturnCode.COMPANY_NOT_EXISTS: (
        "Company Not Exits. Please check the company.",
        Origin.DOCUMENT,
    ),
    ReturnCode.WRONG_CREDENTIALS: ("User or Password is wrong.", Origin.DOCUMENT),
    ReturnCode.CREDIT_LOW: ("Credit is Low.", Origin.DOCUMENT),
    ReturnCode.MESSAGE_BLANK: ("Message is blank.", Origin.DOCUMENT),
    ReturnCode.MESSAGE_TOO_LONG: ("Message Length Exceeded.", Origin.DOCUMENT),
    ReturnCode.ACCOUNT_INACTIVE: ("Account is Inactive.", Origin.DOCUMENT),
    ReturnCode.MOBILE_EMPTY: ("Mobile No length is empty.", Origin.DOCUMENT),
    ReturnCode.INVALID_MOBILE: ("Invalid Mobile No.", Origin.DOCUMENT),
    ReturnCode.INVALID_LANGUAGE: ("Invalid Language.", Origin.DOCUMENT),
    ReturnCode.UNKNOWN_ERROR: ("Un Known Error.", Origin.DOCUMENT),
    ReturnCode.ACCOUNT_BLOCKED: (
        "Account is Blocked by administrator, concurrent failure of login.",
        Origin.DOCUMENT,
    ),
    ReturnCode.ACCOUNT_EXPIRED: ("Account Expired.", Origin.DOCUMENT),
    ReturnCode.CREDIT_EXPIRED: ("Credit Expired.", Origin.DOCUMENT),
    ReturnCode.INVALID_REQUEST: (
        "Invalid Http request or Parameter fields are wrong.",
        Origin.DOCUMENT,
    ),
    ReturnCode.INVALID_DATETIME: ("Invalid date time parameter.", Origin.DOCUMENT),
    ReturnCode.NOT_REGISTERED_WEB_SERVICE: ("Web Service user Id not registered.", Origin.DOCUMENT),
    ReturnCode.HTTP_GET_NOT_ALLOWED: (
        "User Not Register to use HTTP GET Method API.",
        Origin.DOCUMENT,
    ),
    ReturnCode.HEADER_NOT_REGISTERED: ("Header Not registers with Infocomm.", Origin.DOCUMENT),
    ReturnCode.IP_BLOCKED: ("Client IP Address has been blocked.", Origin.DOCUMENT),
    ReturnCode.IP_OUTSIDE_OMAN: ("Client IP Address is outside Oman.", Origin.FIELD),
    ReturnCode.WRONG_FLASH_PARAMETER: ("Wrong Flash SMS parameter.", Origin.FIELD),
    ReturnCode.NUMBER_OPTED_OUT: ("Mobile No has opted out.", Origin.FIELD),
    ReturnCode.TOO_MANY_NUMBERS: ("Too many mobile numbers (maximum 50).", Origin.FIELD),
    ReturnCode.SMS_API_EXPIRED: ("SMS API Expired.", Origin.FIELD),
    ReturnCode.DELIVERY_REPORTS_DISABLED: (
        "Delivery reports are not enabled.",
        Origin.DELIVERY_REPORT,
    ),
    ReturnCode.REFERENCE_ID_BLANK: ("Reference Id is blank.", Origin.DELIVERY_REPORT),
    ReturnCode.NO_RECORD_FOUND: ("No record found.", Origin.DELIVERY_REPORT),
}
"""Each code's description and origin: a code added to :class:`ReturnCode` is given both here."""


def describe(code: int) -> str:
    """The vendor description of ``code``, or a neutral text for a code nobody documented."""
    try:
        return ReturnCode(code).description
    except ValueError:
        return f"Undocumented return code {code}."


DOCUMENTED_CODES: Final = tuple(c for c in ReturnCode if c.documented)
DELIVERY_REPORT_CODES: Final = frozenset(
    c for c in ReturnCode if c.origin is Origin.DELIVERY_REPORT
)
"""The delivery-report endpoint's own codes: a send never answers them."""


def send_failure_codes(codes: Iterable[IntEnum] = ReturnCode) -> frozenset[int]:
    """The codes of ``codes`` a send can answer besides success: all but 1 and the delivery
    report's own. A magic number (``968000000`` + two digits) asks for one of them, so a code
    added to :class:`ReturnCode` is a magic number without another edit."""
    delivery = {code.name for code in DELIVERY_REPORT_CODES}
    return frozenset(
        int(c) for c in codes if c.value != ReturnCode.PUSHED and c.name not in delivery
    )


MAGIC_CODES: Final = send_failure_codes()
"""What a magic number can ask for (2-25 today)."""

# --- endpoints -------------------------------------------------------------------------------
SEND_PATH: Final = "/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx"
LEGACY_SEND_PATH: Final = "/iBulkSMS/HttpWS/SMSDynamicAPI.aspx"
DELIVERY_REPORT_PATH: Final = "/iBulkSMS/HttpWS/SMSDeliveryReportAPI.aspx"
REST_PATH: Final = "/RestApi/api/SMS/PostSMS"
"""The REST API's send (JSON in, ``{"Code", "Message"}`` out)."""
SOAP_PATH: Final = "/iBulkSMS/webservice/IBulkSMS.asmx"
"""The SOAP service (ASMX ``IBulkSMS``, operation ``PushMessage``; its WSDL at ``?WSDL``)."""
LIVE_BASE_URL: Final = "https://www.ismartsms.net"

# --- parameter names (as the document spells them; the gateway matches them case-insensitively)
P_USER_ID: Final = "UserId"
P_PASSWORD: Final = "Password"
P_MOBILE: Final = "MobileNo"
P_MESSAGE: Final = "Message"
P_PUSH_DATETIME: Final = "PushDateTime"
P_LANG: Final = "Lang"
P_HEADER: Final = "Header"
P_REFERENCE_IDS: Final = "referenceIds"
P_FLASH: Final = "FLashSMS"

# --- limits ----------------------------------------------------------------------------------
LANG_ENGLISH: Final = 0
LANG_ARABIC: Final = 64
LANGUAGES: Final = frozenset({LANG_ENGLISH, LANG_ARABIC})
MOBILE_LENGTH: Final = 11
MAX_NUMBERS: Final = 50
HEADER_MAX_LENGTH: Final = 11
REFERENCE_ID_MIN_DIGITS: Final = 3
REFERENCE_ID_MAX_DIGITS: Final = 6
MAX_PARTS: Final = 5
PUSH_DATETIME_FORMAT: Final = "%m/%d/%Y %H:%M:%S"
"""MM/DD/YYYY hh:mm:ss with a 24-hour hh (the document's sample, 07:30:00, fits either)."""

GSM7_SINGLE_PART: Final = 160
GSM7_PER_PART: Final = 153
UCS2_SINGLE_PART: Final = 70
UCS2_PER_PART: Final = 67
