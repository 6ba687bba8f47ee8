"""Logging that never writes a password: uvicorn's configuration plus a masking filter.

The access log (``--access-log``) prints each request line, query string included, and a GET
request carries ``Password=`` there; every record of every handler goes through
:class:`MaskPasswords`, which replaces the value with ``***``.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any, Final

from uvicorn.config import LOGGING_CONFIG

_PASSWORD: Final = re.compile(r"(?i)(password(?:=|%3D))[^&\s\"']*")


def mask(text: str) -> str:
    return _PASSWORD.sub(r"\1***", text)


class MaskPasswords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`MaskPasswords` on every handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["mask_passwords"] = {"()": f"{__name__}.MaskPasswords"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("mask_passwords")
    return config
