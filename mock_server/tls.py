"""``--tls``: HTTPS on loopback with a certificate from a throw-away local CA (``trustme``).

Some integrations may only call ``https://`` URLs; this lets them point at the emulator with
only the host changed. The CA and the server certificate are written to ``--tls-dir``
(``ismart-mock-tls/`` by default): ``ca.pem`` is what a client trusts (``curl --cacert``,
``requests.post(..., verify="ismart-mock-tls/ca.pem")``, ``NODE_EXTRA_CA_CERTS``, a Java
truststore). A CA already in the folder is reused, so a client keeps trusting the emulator
across restarts; delete the folder for a new one. The CA's key never leaves that folder and
signs nothing but this emulator's certificate for ``127.0.0.1``, ``::1``, ``localhost`` and
the ``--host`` name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path


def prepare(directory: str | Path, host: str) -> TlsFiles:
    """The CA (reused when present) and a fresh server certificate for ``host``."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    ca_pem, ca_key = folder / "ca.pem", folder / "ca.key"
    if ca_pem.exists() and ca_key.exists():
        ca = trustme.CA.from_pem(ca_pem.read_bytes(), ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="ismart-mock local CA")
        ca.cert_pem.write_to_path(str(ca_pem))
        _write_private(ca_key, ca.private_key_pem.bytes())
    names = dict.fromkeys(["127.0.0.1", "::1", "localhost", host])
    leaf = ca.issue_cert(*[n for n in names if n and n not in ("0.0.0.0", "::")])
    cert, key = folder / "server.pem", folder / "server.key"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(cert))
    _write_private(key, leaf.private_key_pem.bytes())
    return TlsFiles(ca=ca_pem, cert=cert, key=key)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
