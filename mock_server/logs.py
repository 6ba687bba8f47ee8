"""Logging that never writes a password: uvicorn's configuration plus a masking filter.

The access log (``--access-log``) prints each request line, query string included, and a GET
request carries ``Password=`` there; every record of every handler goes through
:class:`MaskPasswords`, which replaces the value of every secret ``name=value`` pair
(:mod:`masking`'s rule: ``Password``, ``Pass%77ord``, ``pwd``, ``token``...) with ``***``.

The filter masks the record's message and each of its arguments in place, keeping their
number and kinds: uvicorn's access-log formatter unpacks the arguments (five of them), so a
record reduced to a finished message would not print at all.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from ismart_sms_kit.mock_server.masking import mask_text


def _masked(value: Any) -> Any:
    return mask_text(value) if isinstance(value, str) else value


class MaskPasswords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_masked(a) for a in args)
        elif isinstance(args, dict):
            record.args = {k: _masked(v) for k, v in args.items()}
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`MaskPasswords` on every handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["mask_passwords"] = {"()": f"{__name__}.MaskPasswords"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("mask_passwords")
    return config
