"""ismart-sms-kit: an emulator, a client and a contract test kit for the iSmart SMS gateway.

Everything installs under this one name, so that the kit never shadows a host project's own
``client`` or ``tests`` package: ``ismart_sms_kit.mock_server`` (the emulator),
``ismart_sms_kit.client`` (the client) and ``ismart_sms_kit.contract_tests`` (the kit). In the
repository those folders stay at the top; pyproject.toml's ``package-dir`` maps them into this
package (docs/architecture.md, "Layout"). The version below is the one place it is set.
"""

from __future__ import annotations

__version__ = "0.2.0"
