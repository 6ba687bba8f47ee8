"""The oracle's assumptions: each rule it applies that the vendor document does not state
outright, with its source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Assumption:
    """One rule the oracle applies that the vendor document does not state outright."""

    id: str
    rule: str
    source: str
    """Where the rule comes from: the decision row of docs/decisions.md (or the field notes)."""


def _assumptions(*items: Assumption) -> dict[str, Assumption]:
    return {a.id: a for a in items}


ASSUMPTIONS: Final = _assumptions(
    Assumption(
        "A-ORDER",
        "several faults: the first failing check of the validation order answers",
        "docs/decisions.md: several faults at once -> the validation order",
    ),
    Assumption(
        "A-MISSING-FIELD",
        "UserId, Password, MobileNo, Message or Lang absent answers 15; present but empty "
        "gets the field's own code",
        "docs/decisions.md: missing parameter",
    ),
    Assumption(
        "A-HEADER-DEFAULT",
        "a Header absent, bare (no '=') or empty/blank is no fault: the message goes out under "
        "the account's default sender (19 only for an account with no header to fall back on)",
        "field notes: production evidence against a strict reading (Header absent)",
    ),
    Assumption(
        "A-PARAM-NAMES",
        "parameter names are case-insensitive; a repeated name reads as its values joined by ','",
        "field notes: ASP.NET Request[...]",
    ),
    Assumption(
        "A-UNKNOWN-USER",
        "an unknown (or empty) user id answers 3 at the first check that needs the account",
        "docs/decisions.md: unknown user id",
    ),
    Assumption(
        "A-NUMBER-LENGTH",
        "a mobile number is exactly 11 ASCII digits (the 10-digit sample answers 9); the "
        "country code itself is not checked",
        "docs/decisions.md: 10-digit sample numbers vs 11 digits",
    ),
    Assumption(
        "A-NUMBER-SPACES",
        "spaces around a number are ignored; '+', '00', letters, other separators and empty "
        "items (a,,b or a trailing comma) answer 9",
        "docs/decisions.md: spaces, +, 00, empty items",
    ),
    Assumption(
        "A-NUMBER-EMPTY",
        "MobileNo empty or only spaces answers 8",
        "spec: 8 Mobile No length is empty",
    ),
    Assumption(
        "A-BATCH-ALL-OR-NOTHING",
        "one invalid number in a batch makes the whole request answer 9; nothing is sent",
        "docs/decisions.md: one bad number in a batch",
    ),
    Assumption(
        "A-MAX-NUMBERS",
        "more than 50 numbers answers 9 on the documented endpoint",
        "docs/decisions.md: more than 50 numbers",
    ),
    Assumption(
        "A-DUPLICATES",
        "duplicate numbers are kept: each is sent and charged",
        "docs/decisions.md: duplicates",
    ),
    Assumption(
        "A-BLANK",
        "a Message that is empty or only white space answers 5",
        "docs/decisions.md: blank message",
    ),
    Assumption(
        "A-LANG",
        "Lang follows .NET int.Parse (ASCII digits, optional sign, surrounding ASCII white "
        "space allowed) and must then be 0 or 64, else 10",
        "docs/decisions.md: Lang",
    ),
    Assumption(
        "A-ENCODING",
        "Lang=64 is always UCS-2; with Lang=0 one character outside GSM 03.38 makes the whole "
        "message UCS-2 (70/67 per part)",
        "docs/decisions.md: non-GSM characters with Lang=0",
    ),
    Assumption(
        "A-SEGMENTS",
        "an extension character (^{}\\[~]|EUR and form feed) costs two septets and is never split "
        "from its escape; a surrogate pair (emoji) costs two units and is never split",
        "docs/decisions.md: message length (GSM 03.38)",
    ),
    Assumption(
        "A-PUSH-FORMAT",
        "PushDateTime is MM/DD/YYYY HH:mm:ss, 24-hour, two digits per field, a real calendar "
        "date, else 16",
        "docs/decisions.md: PushDateTime hh",
    ),
    Assumption(
        "A-PUSH-ABSENT",
        "PushDateTime absent or empty means now",
        "spec note + docs/decisions.md: PushDateTime",
    ),
    Assumption(
        "A-PUSH-PAST",
        "a PushDateTime in the past is accepted and sent now",
        "docs/decisions.md: PushDateTime",
    ),
    Assumption(
        "A-HEADER-LENGTH",
        "a header has at most 11 characters; longer answers 19",
        "docs/decisions.md: header 11 characters long",
    ),
    Assumption(
        "A-HEADER-EXACT",
        "the header must be registered for the account, compared exactly (case-sensitive, "
        "no trimming), else 19",
        "docs/decisions.md: header; field notes: Go-Watt vs Go-watt",
    ),
    Assumption(
        "A-REFIDS-OPTIONAL",
        "referenceIds absent or blank is accepted on SMSDynamicRefIntlAPI, as the document says "
        "(a field report of 15 without them is the emulator's reference_ids_required switch; "
        "wp-sms's gateway sends none there)",
        "docs/decisions.md: referenceIds required?; field notes",
    ),
    Assumption(
        "A-REFIDS-FORMAT",
        "each referenceIds item (spaces around it ignored) is 3 to 6 ASCII digits, else 15",
        "docs/decisions.md: referenceIds format",
    ),
    Assumption(
        "A-REFIDS-COUNT",
        "the count of referenceIds need not match the count of numbers",
        "docs/decisions.md: referenceIds count vs numbers",
    ),
    Assumption(
        "A-CONTENT-TYPE",
        "every answer of the form API is HTTP 200, Content-Type text/plain, the bare code",
        "docs/decisions.md: answer body; docs/emulator.md: text/plain; field notes: bare code",
    ),
    Assumption(
        "A-UPGRADE",
        "a send with an Upgrade header (h2c, as curl --http2 asks; a WebSocket) is answered "
        "as plain HTTP/1.1, as the same send without it",
        "docs/decisions.md: upgrade requests (IIS answers a page's upgrade request as HTTP)",
    ),
    Assumption(
        "A-LEGACY",
        "SMSDynamicAPI.aspx reads referenceIds as free text and answers 24 for more than 50 "
        "numbers",
        "docs/decisions.md: referenceIds free-form on SMSDynamicAPI; more than 50 numbers",
    ),
    Assumption(
        "A-FLASH",
        "FLashSMS is Y or N in either case on both form endpoints; another value answers 22 "
        "on SMSDynamicAPI.aspx (its flash step) and is ignored on the documented endpoint",
        "docs/decisions.md: FLashSMS; field notes: FLashSMS=y, FLashSMS on the documented endpoint",
    ),
    Assumption(
        "A-WEB-SERVICE-18",
        "REST and SOAP answer 18 to an account without the web service (17 on the form API)",
        "docs/rest-soap.md: return codes (the REST and SOAP clients' tables)",
    ),
    Assumption(
        "A-WEB-SERVICE-ANSWER",
        "REST answers HTTP 201 and a JSON object whose Code is a JSON number, for every code; "
        "SOAP answers HTTP 200 and a PushMessageResult for every code (a refusal is a result, "
        "never a SOAP fault)",
        "docs/rest-soap.md: answers; decisions: REST error status",
    ),
    Assumption(
        "A-CREDIT-COST",
        "a send costs parts x recipients credits; too few credits answers 4",
        "docs/emulator.md: demo account lowcredit",
    ),
)
