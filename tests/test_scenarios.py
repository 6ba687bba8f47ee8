"""The ready scenarios (``ismart_sms_kit.scenarios``, the repository's ``fixtures/``): named by
``--rules NAME`` and ``--config NAME``, listed by ``ismart-mock scenarios``; paths keep working.
tests/test_install.py starts ``ismart-mock --rules flaky`` from an installed wheel."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ismart_sms_kit import scenarios
from ismart_sms_kit.mock_server import cli
from ismart_sms_kit.mock_server.config import ConfigError

ROOT = Path(__file__).resolve().parent.parent
KINDS: tuple[scenarios.Kind, ...] = ("rules", "accounts")


def test_every_file_of_the_fixtures_folders_is_a_named_scenario() -> None:
    rules = sorted(p.stem for p in (ROOT / "fixtures" / "rules").glob("*.yaml"))
    assert len(rules) >= 30 and "flaky" in rules
    assert scenarios.names("rules") == rules
    assert scenarios.names("accounts") == ["team"]


def test_each_scenario_says_in_one_line_what_it_does() -> None:
    for kind in KINDS:
        for name in scenarios.names(kind):
            found = scenarios.find(kind, name)
            assert found is not None
            line = scenarios.summary(found)
            assert 20 <= len(line) <= 100, (name, line)
            assert "fixtures/" not in found.read_text(encoding="utf-8"), f"{name}: use the names"


def test_a_name_finds_the_shipped_file_and_a_path_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = scenarios.find("rules", "flaky")
    assert shipped is not None and shipped.name == "flaky.yaml"
    assert scenarios.find("rules", "flaky.yaml") == shipped
    assert scenarios.resolve("rules", "flaky") == str(shipped)
    for unknown in ("nope", "../rules/flaky", "rules/flaky", "", ".flaky"):
        assert scenarios.find("rules", unknown) is None
    assert scenarios.find("accounts", "flaky") is None  # each kind its own
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flaky").write_text("rules: []\n", encoding="utf-8")
    assert scenarios.resolve("rules", "flaky") == "flaky"  # a file of that name, here


def test_the_command_line_takes_names_and_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ISMART_MOCK_RULES", raising=False)
    team = str(ROOT / "fixtures" / "accounts" / "team.yaml")
    args = cli.build_parser().parse_args(
        ["--config", "team", "--rules", "flaky", "--rules", str(ROOT / "fixtures/rules/hang.yaml")]
    )
    config = cli.load_config(args)
    assert [rule["name"] for rule, _ in config.rules] == ["flaky", "hang"]
    assert "shopapp" in [account.user_id for account in config.accounts]
    assert config.rule_files[0] == str(scenarios.find("rules", "flaky"))
    by_path = cli.load_config(cli.build_parser().parse_args(["--config", team]))
    assert [a.user_id for a in by_path.accounts] == [a.user_id for a in config.accounts]
    monkeypatch.setenv("ISMART_MOCK_RULES", "code-04-credit-low")
    from_env = cli.load_config(cli.build_parser().parse_args([]))
    assert [rule["action"] for rule, _ in from_env.rules] == [{"code": 4}]


def test_an_unknown_name_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError, match=r"^flakey: no such file, nor a ready scenario"):
        cli.load_config(cli.build_parser().parse_args(["--rules", "flakey"]))
    assert cli.main(["--config", "teams"]) == 2
    assert "ismart-mock scenarios lists them" in capsys.readouterr().err


def test_ismart_mock_scenarios_lists_every_one_a_line_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for kind in KINDS:
        for name in scenarios.names(kind):
            found = scenarios.find(kind, name)
            assert found is not None
            assert f"  {name}  " in out and scenarios.summary(found) in out
    assert "--rules NAME" in out and "--config NAME" in out


@pytest.mark.subprocess
def test_the_start_up_reads_in_one_voice(tmp_path: Path) -> None:
    """``--rules flaky`` from a folder with nothing of the repository: one rule, said so in the
    singular; every line either the emulator's announcement or a log line in uvicorn's format
    (the emulator's own log lines included)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ismart_sms_kit.mock_server", "--rules", "flaky", "--port", "0",
         "--port-file", "port", "--log-level", "debug"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "port").exists():
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "no port file"
            time.sleep(0.05)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "; 1 fault rule\n" in out, out
    lines = out.splitlines()
    assert any(line.startswith("INFO:     Uvicorn running on") for line in lines), out
    strays = [
        line
        for line in lines
        if not line.startswith("ismart-mock: ") and not re.match(r"[A-Z]+: +\S", line)
    ]
    assert strays == [], out
