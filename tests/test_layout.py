"""The repository's layout (docs/architecture.md, "Layout"): no symlink anywhere, the top-level
folders mapped into the one package ``ismart_sms_kit`` by pyproject.toml's ``package-dir``, and
nothing at the top of the repository that would shadow the installed package."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from setuptools.config.pyprojecttoml import load_file  # tomllib is 3.11+

import ismart_sms_kit
from ismart_sms_kit import client, contract_tests, mock_server, protocol, scenarios

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.subprocess
def test_the_repository_holds_no_symlink() -> None:
    """Git records a symlink with mode 120000; a checkout without symlinks (Git for Windows'
    default) would turn it into a text file holding the target's name."""
    staged = subprocess.run(
        ["git", "ls-files", "--stage"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(staged) > 100
    assert [line for line in staged if line.startswith("120000")] == []


def test_each_subpackage_is_its_top_level_folder() -> None:
    """Imported from the installed package (the editable install's links lead to the real
    files), not from a copy."""
    mapping = load_file(ROOT / "pyproject.toml")["tool"]["setuptools"]["package-dir"]
    modules = {
        "ismart_sms_kit": ismart_sms_kit,
        "ismart_sms_kit.client": client,
        "ismart_sms_kit.contract_tests": contract_tests,
        "ismart_sms_kit.mock_server": mock_server,
        "ismart_sms_kit.protocol": protocol,
        "ismart_sms_kit.scenarios": scenarios,
    }
    assert set(mapping) == set(modules)
    for name, module in modules.items():
        assert module.__file__ is not None
        assert Path(module.__file__).resolve() == ROOT / mapping[name] / "__init__.py", name


def test_nothing_at_the_top_shadows_the_installed_package() -> None:
    """Python run from the repository's root puts the root first on its path: a folder
    ``ismart_sms_kit/`` there would be imported instead of the installed package."""
    assert not (ROOT / "ismart_sms_kit").exists()
    assert (ROOT / "src" / "ismart_sms_kit" / "py.typed").is_file()


@pytest.mark.subprocess
def test_make_help_prints_the_values_not_the_variables() -> None:
    if shutil.which("make") is None:
        pytest.skip("no make")
    out = subprocess.run(
        ["make", "--no-print-directory", "help", "PORT=18123"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    assert "start the emulator on 127.0.0.1:18123" in out, out
    assert "$(" not in out, out
    assert "make release" in out


def test_the_inbox_serves_its_files_through_the_installs_links() -> None:
    """In a strict editable install the package's files are links (to the real files in the
    folders): the inbox's assets are still served, not refused as outside their folder."""
    import requests

    from ismart_sms_kit.mock_server.app import create_app
    from ismart_sms_kit.mock_server.config import Config
    from ismart_sms_kit.mock_server.server import ServerThread

    with ServerThread(create_app(Config(seed=0))) as server:
        for asset in ("inbox.js", "inbox.css"):
            answer = requests.get(f"{server.url}/_mock/static/{asset}", timeout=10)
            assert answer.status_code == 200, asset
            real = ROOT / "mock_server" / "admin" / "inbox" / "static" / asset
            assert answer.content == real.read_bytes()
