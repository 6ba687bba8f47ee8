"""Checks that uvicorn's internals still look as the emulator expects, before it uses them.

``HttpToolsProtocol`` (which :mod:`.protocol` subclasses) and ``uvicorn.supervisors.Multiprocess``
(which ``ismart-mock --workers`` drives) are not uvicorn's public API: each check names what
changed, and the caller warns (:func:`compatibility_warning`) and falls back."""

from __future__ import annotations

import importlib
import inspect
import warnings
from typing import Any


class UvicornCompatibilityWarning(RuntimeWarning):
    """uvicorn's internals are not what the emulator was written against: it falls back."""


def httptools_protocol() -> type[Any] | None:
    """uvicorn's ``HttpToolsProtocol``, or None where it cannot be imported (no httptools, or
    a uvicorn that moved it)."""
    try:
        module = importlib.import_module("uvicorn.protocols.http.httptools_impl")
    except ImportError:
        return None
    found = getattr(module, "HttpToolsProtocol", None)
    return found if isinstance(found, type) else None


def _parameters(cls: type[Any], name: str) -> list[str] | None:
    method = getattr(cls, name, None)
    if not callable(method):
        return None
    try:
        return list(inspect.signature(method).parameters)
    except (TypeError, ValueError):
        return None


def api_problem(cls: type[Any], expected: dict[str, list[str]], prefix: set[str]) -> str | None:
    """What of ``expected`` (method name -> parameter names) ``cls`` lacks or has otherwise, or
    None; a method named in ``prefix`` may take more parameters after those."""
    for name, wanted in expected.items():
        found = _parameters(cls, name)
        if found is None:
            return f"{cls.__module__}.{cls.__qualname__} has no method {name}()"
        if found != wanted and not (name in prefix and found[: len(wanted)] == wanted):
            return (
                f"{cls.__module__}.{cls.__qualname__}.{name}({', '.join(found)}) is not "
                f"{name}({', '.join(wanted)})"
            )
    return None


MULTIPROCESS_API: dict[str, list[str]] = {
    "__init__": ["self", "config", "sockets"],
    "run": ["self"],
}
"""What ``ismart-mock --workers`` relies on in ``uvicorn.supervisors.Multiprocess``."""


def multiprocess_api_problem(supervisor: type[Any]) -> str | None:
    """Why ``supervisor`` is not the ``Multiprocess`` ``ismart-mock --workers`` drives, or
    None."""
    return api_problem(supervisor, MULTIPROCESS_API, set())


def compatibility_warning(problem: str, fallback: str) -> None:
    warnings.warn(
        f"ismart-mock: {problem} (uvicorn's internals changed; pyproject.toml bounds the "
        f"versions tested): {fallback}",
        UvicornCompatibilityWarning,
        stacklevel=3,
    )
