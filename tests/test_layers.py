"""The import rules of the layers (docs/architecture.md, "Import rules").

Each layer imports only itself and the layers below it; the emulator never imports the client
or ``requests``; the protocol package imports neither ``requests`` nor Starlette (nor anything
of ours). Read from the source with :mod:`ast`, so an import hidden in a function counts too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = "ismart_sms_kit"

# The emulator's groups, lowest first: a module may import its own group and any group of a
# lower rank, never a group of the same or a higher rank. (Rank, group, module prefixes.)
EMULATOR_GROUPS: list[tuple[int, str, tuple[str, ...]]] = [
    (1, "base", ("params", "transport", "logs", "tls", "masking")),
    (2, "state", ("state",)),
    (3, "config", ("config",)),
    (4, "gateway", ("gateway",)),
    (4, "rules", ("rules",)),
    (5, "backend", ("backend", "group_commit", "incoming")),
    (6, "endpoints", ("endpoints",)),
    (6, "admin", ("admin",)),
    (7, "assembly", ("app", "server", "cli", "__init__", "__main__")),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join([PKG, *parts])


def _imports(path: Path) -> set[str]:
    """Every absolute module name ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _group(module: str) -> tuple[int, str] | None:
    prefix = f"{PKG}.mock_server"
    if module == prefix:
        return 7, "assembly"
    if not module.startswith(prefix + "."):
        return None
    first = module[len(prefix) + 1 :].split(".")[0]
    for rank, group, prefixes in EMULATOR_GROUPS:
        if first in prefixes:
            return rank, group
    raise AssertionError(f"{module} belongs to no layer: add it to EMULATOR_GROUPS and the doc")


def _top(name: str) -> str:
    return name.split(".")[0]


def test_every_emulator_module_has_a_layer() -> None:
    for path in _sources("mock_server"):
        assert _group(_module_name(path)) is not None, path


def test_the_emulator_imports_only_its_own_lower_layers_and_never_the_client() -> None:
    for path in _sources("mock_server"):
        module = _module_name(path)
        group = _group(module)
        assert group is not None
        rank, name = group
        for imported in _imports(path):
            assert not imported.startswith(f"{PKG}.client"), (module, imported)
            assert _top(imported) != "requests", (module, imported)
            assert not imported.startswith(f"{PKG}.contract_tests"), (module, imported)
            target = _group(imported)
            if target is None or target[1] == name:
                continue
            assert target[0] < rank, f"{module} ({name}) imports {imported} ({target[1]})"


def test_the_protocol_imports_nothing_of_ours_nor_http_libraries() -> None:
    for path in _sources("protocol"):
        for imported in _imports(path):
            assert _top(imported) not in {"requests", "starlette", "uvicorn", "urllib3"}, path
            if imported.startswith(PKG + "."):
                assert imported.startswith(f"{PKG}.protocol"), (path.name, imported)


VERSION = f"{PKG}.__version__"
"""Any layer may read the version (``--version``, the health answer): the root package's
``__init__`` imports nothing (checked below)."""


def test_the_root_package_imports_nothing() -> None:
    imported = _imports(ROOT / "src" / "ismart_sms_kit" / "__init__.py")
    assert imported <= {"__future__", "__future__.annotations"}, imported


def test_the_scenarios_import_only_the_standard_library() -> None:
    """``ismart_sms_kit.scenarios`` (fixtures/): read by the emulator's command line, which
    any layer below it could use too."""
    imported = _imports(ROOT / "fixtures" / "__init__.py")
    assert {_top(name) for name in imported} <= sys.stdlib_module_names, imported


def test_the_client_imports_only_the_protocol_and_itself() -> None:
    for path in _sources("client"):
        for imported in _imports(path):
            if imported.startswith(PKG + ".") and imported != VERSION:
                assert imported.startswith((f"{PKG}.client", f"{PKG}.protocol")), (
                    path.name,
                    imported,
                )


def fresh_interpreter(code: str) -> str:
    """What ``code`` prints in a new Python process (stripped); its stderr if it fails."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout.strip()


@pytest.mark.subprocess
def test_the_running_emulator_never_loads_requests() -> None:
    """What the layers promise, checked in a fresh interpreter: everything the emulator's
    command line loads (the app, the CLI, the storages) leaves ``requests`` unloaded."""
    code = (
        "import sys\n"
        "import ismart_sms_kit.mock_server.cli, ismart_sms_kit.mock_server.app\n"
        "import ismart_sms_kit.mock_server.state.sqlite\n"
        "from ismart_sms_kit.mock_server.app import create_app\n"
        "create_app()\n"
        "loaded = sorted(m for m in sys.modules if m == 'requests' or m.startswith(\n"
        "    ('requests.', 'ismart_sms_kit.client')))\n"
        "print(loaded)\n"
    )
    assert fresh_interpreter(code) == "[]"


@pytest.mark.subprocess
def test_the_emulators_server_loads_no_websocket_library() -> None:
    """It serves no WebSocket (``ws="none"``, docs/decisions.md "Upgrade requests"): uvicorn's
    default would import ``websockets`` as the server starts, a twentieth of start-up."""
    code = (
        "import sys, uvicorn\n"
        "from ismart_sms_kit.mock_server import cli\n"
        "from ismart_sms_kit.mock_server.app import create_app\n"
        "args = cli.build_parser().parse_args([])\n"
        "config = uvicorn.Config(create_app(), **cli.server_options(args))\n"
        "config.load()\n"
        "print(config.ws_protocol_class, sorted(m for m in sys.modules\n"
        "    if m.split('.')[0] in ('websockets', 'wsproto')))\n"
    )
    assert fresh_interpreter(code) == "None []"


def test_the_client_still_exports_its_api_eagerly() -> None:
    from ismart_sms_kit.client import IsmartClient, ReturnCode, count_segments

    assert IsmartClient.__name__ == "IsmartClient"
    assert ReturnCode.PUSHED == 1
    assert count_segments("hi").parts == 1
