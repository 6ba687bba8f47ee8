"""Everything ``create_app`` needs (:class:`Config`), and what a user must be told about a
configuration (:func:`warnings`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from ismart_sms_kit.mock_server.config.endpoints import (
    ENDPOINT_PATHS,
    EndpointConfig,
    build_endpoint,
)
from ismart_sms_kit.mock_server.config.settings import Settings
from ismart_sms_kit.mock_server.state.accounts import DEMO_CLOSED_COMPANIES, Account, demo_accounts


@dataclass
class Config:
    """Everything ``create_app`` needs; ``Config()`` is the embedded demo defaults."""

    settings: Settings = field(default_factory=Settings)
    endpoints: dict[str, EndpointConfig] = field(
        default_factory=lambda: {n: build_endpoint(n, {}, "defaults") for n in ENDPOINT_PATHS}
    )
    accounts: list[Account] = field(default_factory=demo_accounts)
    closed_companies: list[str] = field(default_factory=lambda: list(DEMO_CLOSED_COMPANIES))
    rule_sources: list[RuleSource] = field(default_factory=list)
    """Where the fault rules come from, in order: a config's ``rules:``, ``--rules`` files."""
    seed: int | None = None
    workers: int = 1
    """Processes serving the same state; above 1, run-time rules are refused (each worker
    has its own rule counters, so a rule added through one would apply in one only)."""
    state: str = "memory"
    """Where the state lives: ``memory`` or ``sqlite:PATH`` (survives restarts, shared by
    workers)."""

    @property
    def rules(self) -> list[tuple[dict[str, Any], str]]:
        """Every rule, with where it comes from."""
        return [(rule, source.where) for source in self.rule_sources for rule in source.rules]

    @property
    def rule_files(self) -> list[str]:
        """The ``--rules`` files, watched for changes (hot reload)."""
        return [source.where for source in self.rule_sources if source.watched]


@dataclass(frozen=True)
class RuleSource:
    """Fault rules from one place: a config file's ``rules:`` section, or a ``--rules`` file
    (``watched``: re-read when it changes)."""

    where: str
    rules: list[dict[str, Any]]
    watched: bool = False


SAFE_MAGIC_PREFIX: Final = "9680"
"""No Omani number starts with 0 after the country code: a magic range under ``9680`` can
never be a real subscriber's."""


def warnings(config: Config) -> list[str]:
    """What a user must be told loudly about this configuration (start-up, ``/health``)."""
    out: list[str] = []
    prefix = str(config.settings.magic_prefix)
    if config.settings.magic_numbers and not prefix.startswith(SAFE_MAGIC_PREFIX):
        out.append(
            f"magic_prefix {prefix!r}: the magic numbers {prefix}02..{prefix}25 are a range "
            "that real subscribers could hold. An app left pointing at the live gateway with "
            "these numbers would text strangers. Keep them out of production data and "
            "configuration; the default 968000000 cannot be assigned to anyone."
        )
    return out
