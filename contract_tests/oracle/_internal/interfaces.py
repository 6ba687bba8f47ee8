"""The gateway's interfaces as the oracle sees them: which steps each runs, which codes it can
answer, and how its answer is shaped.

* ``form``: ``SMSDynamicRefIntlAPI.aspx``, the documented endpoint: the run's order.
* ``legacy``: ``SMSDynamicAPI.aspx``, the older form endpoint: the same order with ``flash``
  (22) after ``header``; more than 50 numbers answers 24; referenceIds are free text.
* ``rest`` (``PostSMS``, JSON) and ``soap`` (``IBulkSMS``, ``PushMessage``): the order without
  ``header`` (no sender field: the account's default sender), ``http_get`` (POST only) and
  ``api_expired`` (25, which no REST or SOAP source knows); an
  account without the web service answers 18 (as their clients' tables read it).

What each interface cannot answer (:func:`answerable_codes`) comes from the same tables
(docs/emulator.md, docs/rest-soap.md): the older endpoint's own codes 22, 23, 24 are not the
documented endpoint's; 17, 19, 22, 24 and 25 are not REST's or SOAP's.
"""

from __future__ import annotations

from typing import Final

FORM: Final = "form"
LEGACY: Final = "legacy"
REST: Final = "rest"
SOAP: Final = "soap"
INTERFACES: Final = (FORM, LEGACY, REST, SOAP)
"""Every interface the kit can judge (``--ismart-interface``)."""
FORM_INTERFACES: Final = frozenset({FORM, LEGACY})
WEB_SERVICE_INTERFACES: Final = frozenset({REST, SOAP})

ALL_CODES: Final = frozenset(range(1, 26))
"""The send codes of the table (1..25; 31..33 are the delivery-report endpoint's)."""
LEGACY_ONLY_CODES: Final = frozenset({22, 23, 24})
WEB_SERVICE_NOT_ANSWERED: Final = frozenset({17, 19, 22, 24, 25})
LEGACY_TOO_MANY_NUMBERS: Final = 24
WEB_SERVICE_NOT_CONFIGURED: Final = 18
_WEB_SERVICE_SKIPS: Final = frozenset({"header", "http_get", "flash", "api_expired"})
"""The steps REST and SOAP do not run: no sender field, POST only, no flash parameter, and no
25 (an expired SMS API subscription: no REST or SOAP source knows the code)."""


def answerable_codes(interface: str) -> frozenset[int]:
    """The codes ``interface`` can answer to a send."""
    if interface == FORM:
        return ALL_CODES - LEGACY_ONLY_CODES
    if interface in WEB_SERVICE_INTERFACES:
        return ALL_CODES - WEB_SERVICE_NOT_ANSWERED
    return ALL_CODES


def order_for(interface: str, order: tuple[str, ...]) -> tuple[str, ...]:
    """The validation order of ``interface``, from the run's order (the documented endpoint's)."""
    if interface == LEGACY and "flash" not in order:
        at = order.index("header") + 1 if "header" in order else len(order)
        return (*order[:at], "flash", *order[at:])
    if interface in WEB_SERVICE_INTERFACES:
        return tuple(s for s in order if s not in _WEB_SERVICE_SKIPS)
    return order


def check_interface(name: str) -> str:
    if name not in INTERFACES:
        raise ValueError(f"unknown interface {name!r}; known: {', '.join(INTERFACES)}")
    return name
