"""Configuration: one table of settings drives the config file, the environment and the docs.

A config file (YAML, ``--config FILE``) may hold::

    settings:            # any global setting of SETTINGS below
      max_body_bytes: 65536
    endpoints:           # per-endpoint settings of ENDPOINT_SETTINGS below
      SMSDynamicRefIntlAPI: {header_required: true}
    demo_accounts: true  # keep the embedded demo accounts (default true)
    closed_companies: [Gone LLC]   # companies that no longer exist: their accounts answer 2
    accounts:            # added to (or replacing, by user_id) the demo accounts
      - {user_id: acme, password: s3cret, company: Acme LLC, headers: [ACME], credit: 500}

Every global setting can also be given as an environment variable ``ISMART_MOCK_<NAME>``
(upper case); the command-line options win over both.

One concern a module, re-exported here (``from ismart_sms_kit.mock_server.config import ...``):

* :mod:`.settings`: the global settings' table (:data:`SETTINGS`) and the value parsers;
* :mod:`.endpoints`: :class:`EndpointConfig`, :data:`ENDPOINT_SETTINGS`, each endpoint's path
  and defaults, :func:`build_endpoint`;
* :mod:`.model`: :class:`Config` and its start-up :func:`warnings`;
* :mod:`.loading`: config files, ``--rules`` files and the environment.
"""

from __future__ import annotations

from ismart_sms_kit.mock_server.config.endpoints import (
    ENDPOINT_PATHS,
    ENDPOINT_SETTINGS,
    ENDPOINT_SETTINGS_BY_NAME,
    EndpointConfig,
    build_endpoint,
)
from ismart_sms_kit.mock_server.config.loading import (
    SECTIONS,
    apply_environment,
    apply_mapping,
    load_file,
    load_rules_file,
    read_rules_file,
)
from ismart_sms_kit.mock_server.config.model import (
    SAFE_MAGIC_PREFIX,
    Config,
    RuleSource,
    warnings,
)
from ismart_sms_kit.mock_server.config.settings import (
    SETTINGS,
    SETTINGS_BY_NAME,
    ConfigError,
    Setting,
    Settings,
    parse_setting,
)
from ismart_sms_kit.protocol.steps import DEFAULT_ORDER, LEGACY_ORDER

# DEFAULT_ORDER and LEGACY_ORDER (protocol/steps.py) are the endpoints' default validation orders,
# re-exported as config names: the docs' tests compare the documented order with them.

__all__ = [
    "DEFAULT_ORDER",
    "ENDPOINT_PATHS",
    "ENDPOINT_SETTINGS",
    "ENDPOINT_SETTINGS_BY_NAME",
    "LEGACY_ORDER",
    "SAFE_MAGIC_PREFIX",
    "SECTIONS",
    "SETTINGS",
    "SETTINGS_BY_NAME",
    "Config",
    "ConfigError",
    "EndpointConfig",
    "RuleSource",
    "Setting",
    "Settings",
    "apply_environment",
    "apply_mapping",
    "build_endpoint",
    "load_file",
    "load_rules_file",
    "parse_setting",
    "read_rules_file",
    "warnings",
]
