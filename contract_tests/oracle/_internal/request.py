"""One request as the gateway reads it (parameter names in any case, a repeated name joined),
its parameters, and the masking of passwords in everything the kit shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

SECRET_NAMES: Final = frozenset({"password"})
"""Parameter names whose values never appear in a repr, an assertion text or a report."""


MASK: Final = "***"


def masked(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` with every non-empty password replaced by ``***`` (an empty one stays empty:
    "no password" and "a password" read differently in a report)."""
    return [(k, MASK if k.lower() in SECRET_NAMES and v != "" else v) for k, v in pairs]


class Params(dict[str, str]):
    """A request's parameters by name, as the tests build them: a ``dict`` whose repr masks the
    password. pytest prints the arguments of every function in a failure's traceback, and
    Hypothesis prints a failing example's: neither may show a real password."""

    def __repr__(self) -> str:
        return f"Params({dict(masked(self.items()))!r})"


@dataclass(frozen=True)
class Request:
    """One request as the gateway reads it: (name, value) pairs in the order sent. Its repr
    masks the password (see :class:`Params`)."""

    params: tuple[tuple[str, str], ...]
    method: str = "POST"

    def __repr__(self) -> str:
        return f"Request(params={tuple(masked(self.params))!r}, method={self.method!r})"

    def shown(self) -> str:
        """The request as a failure message shows it: method and masked parameters (a list of
        pairs when a name is repeated)."""
        pairs = masked(self.params)
        names = [k for k, _ in pairs]
        return f"{self.method} {dict(pairs) if len(set(names)) == len(names) else pairs}"

    @classmethod
    def of(
        cls, params: Mapping[str, str] | Iterable[tuple[str, str]], method: str = "POST"
    ) -> Request:
        items = params.items() if isinstance(params, Mapping) else params
        return cls(tuple((str(k), str(v)) for k, v in items), method.upper())

    def get(self, name: str) -> str | None:
        """A-PARAM-NAMES: case-insensitive; a repeated name joins its values with ','."""
        values = [v for k, v in self.params if k.lower() == name.lower()]
        return ",".join(values) if values else None

    def has(self, name: str) -> bool:
        return any(k.lower() == name.lower() for k, _ in self.params)
