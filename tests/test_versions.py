"""One version everywhere: the package, both commands, the health answer, the changelog; and the
licence the package metadata names."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import metadata, version
from pathlib import Path

import pytest
import requests

import ismart_sms_kit
from tests.processes import running

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_the_package_version_is_the_installed_distributions() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", ismart_sms_kit.__version__)
    assert version("ismart-sms-kit") == ismart_sms_kit.__version__


@pytest.mark.subprocess
@pytest.mark.parametrize("command", ["ismart-mock", "ismart-sms"])
def test_both_commands_answer_version(command: str) -> None:
    result = subprocess.run(
        [str(BIN / command), "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{command} {ismart_sms_kit.__version__}\n"


@pytest.mark.subprocess
def test_health_names_the_version() -> None:
    with running() as mock:
        health = requests.get(mock.url + "/_mock/api/health", timeout=5).json()
    assert health["version"] == ismart_sms_kit.__version__
    assert health["status"] == "ok"


def test_the_changelog_has_this_version_and_keeps_a_changelogs_shape() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "keepachangelog.com" in text
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\S+)$", text, re.M)
    assert releases[0][0] == ismart_sms_kit.__version__, "the newest section is this version"
    versions = [tuple(int(p) for p in v.split(".")) for v, _ in releases]
    assert versions == sorted(versions, reverse=True), "newest first"
    for _, date in releases[1:]:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date), "released versions carry a date"


def test_the_license_file_is_the_mit_license_the_metadata_names() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 ismart-sms-kit contributors\n")
    assert metadata("ismart-sms-kit")["License-Expression"] == "MIT"
