"""Checks that uvicorn's internals still look as the emulator expects, before it uses them.

``HttpToolsProtocol`` (which :mod:`.protocol` subclasses) and ``uvicorn.supervisors.Multiprocess``
(which ``ismart-mock --workers`` drives) are not uvicorn's public API: each check names what
changed, and the caller warns (:func:`compatibility_warning`) and falls back."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import functools
import importlib
import inspect
import json
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final


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


def _named(cls: type[Any]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


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
            return f"{_named(cls)} has no method {name}()"
        if found != wanted and not (name in prefix and found[: len(wanted)] == wanted):
            return f"{_named(cls)}.{name}({', '.join(found)}) is not {name}({', '.join(wanted)})"
    return None


def overridden_api(
    subclass: type[Any], own: Iterable[str]
) -> tuple[dict[str, list[str]], set[str]]:
    """What ``subclass`` expects of its base, read from the subclass itself so that the two cannot
    drift: each method it defines (``own`` apart) with its parameter names, and the methods whose
    base may take more parameters (those taking ``*args`` or ``**kwargs`` after their names)."""
    expected: dict[str, list[str]] = {}
    prefix: set[str] = set()
    skip = set(own)
    for name, member in vars(subclass).items():
        if name in skip or not inspect.isfunction(member):
            continue
        parameters = inspect.signature(member).parameters.values()
        named = [p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if len(named) < len(parameters):
            prefix.add(name)
        expected[name] = named
    return expected, prefix


_CACHE: Final = Path(__file__).with_name("__pycache__") / "uvicorn-compat.json"
"""What :func:`_assignments` read of a source file, kept beside the bytecode Python caches
(keyed by the file's path, size and modification time): parsing ``httptools_impl.py`` at each
start cost a twentieth of the emulator's start-up. Not writable: parsed each time."""


@functools.cache
def _assignments(filename: str) -> dict[str, frozenset[str]] | None:
    """Each class of a source file, by qualified name: the attributes its methods set on
    ``self``. Parsed once per file and version of it (the check reads ``httptools_impl.py``
    for two classes), then read from ``_CACHE``."""
    try:
        stat = Path(filename).stat()
    except OSError:
        return None
    key = f"{filename}:{stat.st_size}:{stat.st_mtime_ns}"
    try:
        kept = json.loads(_CACHE.read_text(encoding="utf-8"))
        kept = kept if isinstance(kept, dict) else {}
    except (OSError, ValueError):
        kept = {}
    cached = kept.get(key)
    if isinstance(cached, dict):
        return {name: frozenset(attributes) for name, attributes in cached.items()}
    found = _parse_assignments(filename)
    if found is not None:
        with contextlib.suppress(OSError):
            _CACHE.parent.mkdir(exist_ok=True)
            partial = _CACHE.with_name(f".{_CACHE.name}.{os.getpid()}")
            kept = dict(list(kept.items())[-7:])  # a few files and versions at most
            kept[key] = {name: sorted(attributes) for name, attributes in found.items()}
            partial.write_text(json.dumps(kept), encoding="utf-8")
            os.replace(partial, _CACHE)
    return found


def _parse_assignments(filename: str) -> dict[str, frozenset[str]] | None:
    try:
        tree = ast.parse(Path(filename).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    found: dict[str, frozenset[str]] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                found[prefix + node.name] = frozenset(
                    target.attr
                    for target in ast.walk(node)
                    if isinstance(target, ast.Attribute)
                    and isinstance(target.ctx, ast.Store)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                )
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return found


def instance_attributes(cls: type[Any]) -> frozenset[str] | None:
    """The attributes ``cls`` and its bases set on ``self`` (``self.x = ...`` anywhere in their
    methods), read from their source; None where a source cannot be read."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass in asyncio.Protocol.__mro__ or klass.__module__ == "builtins":
            continue
        try:
            filename = inspect.getsourcefile(klass)
        except TypeError:
            return None
        classes = _assignments(filename) if filename else None
        if classes is None or klass.__qualname__ not in classes:
            return None
        names |= classes[klass.__qualname__]
    return frozenset(names)


def attribute_problem(cls: type[Any], wanted: Iterable[str]) -> str | None:
    """Which of ``wanted`` instances of ``cls`` never get (from its source), or None."""
    found = instance_attributes(cls)
    if found is None:
        return f"the source of {_named(cls)} cannot be read to check its attributes"
    missing = [name for name in wanted if name not in found and not hasattr(cls, name)]
    if missing:
        return f"{_named(cls)} has no attribute {', '.join(missing)}"
    return None


def shadowing_problem(base: type[Any], own: Iterable[str]) -> str | None:
    """Which of a subclass's ``own`` names ``base`` already has (the subclass would override
    it unawares), or None."""
    found = instance_attributes(base)
    if found is None:
        return f"the source of {_named(base)} cannot be read to check its attributes"
    taken = [name for name in own if name in found or hasattr(base, name)]
    if taken:
        return f"{_named(base)} already has {', '.join(taken)}"
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
