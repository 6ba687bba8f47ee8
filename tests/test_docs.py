"""The documentation tells the truth: everything configurable is documented, and every example
runs verbatim.

1. Every setting, per-endpoint setting, fault-rule match and action key, ``ismart-mock`` and
   ``ismart-sms`` option, contract-kit option and ``ISMART_*`` environment variable is named in
   ``docs/``; the lists come from the code's own tables and parsers (as Datasette's
   ``test_settings_are_documented``), so a new one without docs fails here.
2. Every fenced example of README.md and docs/*.md runs (the convention is in
   docs/development.md): ``sh`` against a real emulator this module starts, with
   ``127.0.0.1:8080`` replaced by its address; ``python`` in a subprocess (with pytest when it
   defines tests, the ``ismart_mock`` fixture then being the installed plugin's); ``yaml``
   through the emulator's own config loader and ``create_app``. A block under
   ``<!-- not run: why -->`` is skipped and counted; one under
   ``<!-- expected to fail: issue N -->`` is a strict xfail.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ismart_sms_kit.client import cli as client_cli
from ismart_sms_kit.contract_tests import oracle
from ismart_sms_kit.mock_server import cli as mock_cli
from ismart_sms_kit.mock_server import config as mock_config
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.rules import actions as rule_actions
from ismart_sms_kit.mock_server.rules import rule as mock_rule
from tests.processes import MockProcess, running, start

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
DOCUMENTED_PORT = "127.0.0.1:8080"
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "ismart_sms_kit.pytest_plugin"]
LEAN = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
"""pytest in a subprocess with the kit's plugin alone: the other installed plugins (Hypothesis,
schemathesis, Playwright, pytest-benchmark) cost seconds of start-up each time on a busy
machine, and no example needs them."""
MAX_NOT_RUN = 8
"""Blocks that cannot run here (a live gateway, a benchmark): kept few on purpose."""


def _docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _missing(names: list[str], text: str, quoted: bool = True) -> list[str]:
    """The names that ``text`` does not mention (as ```name`` or ```name...`` when quoted)."""
    if quoted:
        return [n for n in names if not re.search("`" + re.escape(n) + r"(?![\w-])", text)]
    return [n for n in names if not re.search(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])", text)]


# --- 1. everything is documented ------------------------------------------------------------


def test_every_setting_is_documented() -> None:
    names = [s.name for s in mock_config.SETTINGS]
    assert _missing(names, _page("configuration.md")) == []


def test_every_endpoint_setting_is_documented() -> None:
    names = [s.name for s in mock_config.ENDPOINT_SETTINGS]
    assert _missing(names, _page("configuration.md")) == []


def test_every_config_section_is_documented() -> None:
    assert _missing(sorted(mock_config.SECTIONS), _page("configuration.md")) == []


def test_every_rule_key_is_documented() -> None:
    page = _page("fault-rules.md")
    keys = [*mock_rule.RULE_KEYS, *mock_rule.MATCH_KEYS, *rule_actions.ACTION_KEYS]
    assert _missing(keys, page) == []
    assert (
        _missing([*rule_actions.RATE_LIMIT_KEYS, *rule_actions.RATE_LIMIT_PER], page, False) == []
    )


def _options(parser: argparse.ArgumentParser) -> list[str]:
    found: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += [o for o in _options(sub) if o not in found]
        found += [o for o in action.option_strings if o.startswith("--") and o != "--help"]
    return found


def test_every_ismart_mock_option_and_its_variable_is_documented() -> None:
    parser = mock_cli.build_parser()
    page = _page("configuration.md")
    assert _missing(_options(parser), page) == []
    variables = [
        mock_cli.ENV_PREFIX + a.dest.upper()
        for a in parser._actions
        if a.dest not in ("help", "version")  # no variable: they print and exit
    ]
    variables += [f"ISMART_MOCK_{s.name.upper()}" for s in mock_config.SETTINGS]
    assert _missing(sorted(set(variables)), page) == []


def test_every_ismart_sms_option_is_documented() -> None:
    options = _options(client_cli._parser())
    assert options  # the parser was read
    assert _missing(options, _page("client.md")) == []


def test_every_contract_kit_option_is_documented() -> None:
    source = (ROOT / "contract_tests" / "settings.py").read_text(encoding="utf-8")
    options = sorted(set(re.findall(r'"(--ismart-[a-z-]+)"', source)))
    assert len(options) >= 8
    assert _missing(options, _page("contract-kit.md")) == []


def test_every_environment_variable_is_documented() -> None:
    """Every ``ISMART_...`` name the installed code reads (the tests' own are in the docs too)."""
    names: set[str] = set()
    for package in ("client", "mock_server", "contract_tests", "tests"):
        for path in (ROOT / package).rglob("*.py"):
            names |= set(re.findall(r"\bISMART_[A-Z0-9_]*[A-Z0-9]\b", path.read_text("utf-8")))
    assert {"ISMART_URL", "ISMART_PASSWORD", "ISMART_MOCK_RULES"} <= names
    assert _missing(sorted(names), _docs_text()) == []


def _documented_order() -> tuple[str, ...]:
    section = _page("emulator.md").split("## Validation order", 1)[1].split("\n## ", 1)[0]
    block = "\n".join(line for line in section.splitlines() if line.startswith("    "))
    return tuple(re.findall(r"([a-z_]+)\(", block))


def test_the_documented_validation_order_is_the_emulators_and_the_kits() -> None:
    """One order: the emulator's default, the docs' and the one the kit's oracle assumes (and
    prints in its plan and its ``--ismart-order`` help)."""
    assert _documented_order() == mock_config.DEFAULT_ORDER
    assert oracle.DEFAULT_ORDER == mock_config.DEFAULT_ORDER
    section = _page("emulator.md").split("## Validation order", 1)[1]
    assert "adds `opted_out(23)` after `mobile` and `flash(22)` after `header`" in section
    legacy = list(mock_config.DEFAULT_ORDER)
    legacy.insert(legacy.index("mobile") + 1, "opted_out")
    legacy.insert(legacy.index("header") + 1, "flash")
    assert tuple(legacy) == mock_config.LEGACY_ORDER


@pytest.mark.subprocess
def test_the_kits_order_help_prints_the_real_order() -> None:
    result = subprocess.run(
        [*PYTEST, "contract_tests", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **LEAN},
        check=True,
    )
    assert ",".join(mock_config.DEFAULT_ORDER) in re.sub(r"\s+", "", result.stdout)


_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_between_pages_resolve() -> None:
    broken = []
    for page in PAGES:
        for link in _LINK.findall(page.read_text(encoding="utf-8")):
            if link.startswith(("http://", "https://")):
                continue
            path, _, fragment = link.partition("#")
            target = (page.parent / path) if path else page
            if target.name == "architecture.md" and not target.exists():
                continue  # the architecture page lands with issue 16
            if not target.exists():
                broken.append(f"{page.name}: {link}")
            elif fragment and target.suffix == ".md":
                headings = [
                    _anchor(line.lstrip("#"))
                    for line in target.read_text(encoding="utf-8").splitlines()
                    if line.startswith("#")
                ]
                if fragment not in headings:
                    broken.append(f"{page.name}: {link}")
    assert broken == []


# --- 2. every example runs ------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    lang: str
    code: str
    mark: str  # "", "not run: ...", "expected to fail: ..."

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


_MARK = re.compile(r"<!--\s*((?:not run|expected to fail):[^>]*?)\s*-->")


def examples() -> list[Example]:
    found = []
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            if lines[i].startswith("```") and len(lines[i]) > 3:
                lang = lines[i][3:].strip()
                end = lines.index("```", i + 1)
                mark = _MARK.fullmatch(lines[i - 1].strip()) if i else None
                name = str(page.relative_to(ROOT))
                code = "\n".join(lines[i + 1 : end]) + "\n"
                found.append(Example(name, i + 1, lang, code, mark.group(1) if mark else ""))
                i = end
            i += 1
    return found


EXAMPLES = examples()


def test_examples_are_found_and_few_are_not_run() -> None:
    assert {e.lang for e in EXAMPLES} == {"sh", "python", "yaml"}
    not_run = [f"{e.id} ({e.mark})" for e in EXAMPLES if e.mark.startswith("not run")]
    print(f"{len(EXAMPLES)} examples, {len(not_run)} not run: {not_run}")
    assert len(not_run) <= MAX_NOT_RUN, not_run


@pytest.fixture(scope="module")
def emulator() -> Iterator[MockProcess]:
    with running() as mock:
        yield mock


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISMART_", "PYTEST_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> None:
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=60)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def _run_ismart_mock(code: str) -> None:
    """An ``ismart-mock ...`` line: it starts (on a free port) and answers, then stops;
    ``ismart-mock scenarios`` lists the ready scenarios."""
    command = code.split("#", 1)[0].strip().removesuffix("&").split()
    assert command[0] == "ismart-mock"
    if command[1:] == ["scenarios"]:
        listed = subprocess.run(
            [sys.executable, "-m", "ismart_sms_kit.mock_server", "scenarios"],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout  # fmt: skip
        assert re.search(r"^  flaky +One request in five", listed, re.M), listed
        return
    mock = start(*command[1:])
    output = mock.stop()
    assert "ismart-mock: gateway" in output


def _check(example: Example, emulator: MockProcess, tmp_path: Path) -> None:
    address = emulator.url.removeprefix("http://")
    code = example.code.replace(DOCUMENTED_PORT, address)
    env = _env()
    if example.lang == "sh":
        if code.startswith("ismart-mock "):
            for line in code.splitlines():
                _run_ismart_mock(line)
            return
        _run(["bash", "-euo", "pipefail", "-c", code], env, ROOT)
    elif example.lang == "python":
        script = tmp_path / "test_example.py"
        script.write_text(code, encoding="utf-8")
        if re.search(r"^def test_", code, re.MULTILINE):
            _run([*PYTEST, "-p", "no:cacheprovider", str(script)], {**env, **LEAN}, tmp_path)
        else:
            _run([sys.executable, str(script)], env, tmp_path)
    elif example.lang == "yaml":
        path = tmp_path / "example.yaml"
        path.write_text(code, encoding="utf-8")
        app = create_app(mock_config.load_file(path))  # rules are checked here too
        app.state.backend.close()
    else:
        raise AssertionError(f"no runner for {example.lang!r} blocks")


def _params() -> list[object]:
    params: list[object] = []
    for e in EXAMPLES:
        marks: list[pytest.MarkDecorator] = []
        if e.mark.startswith("not run"):
            marks.append(pytest.mark.skip(reason=e.mark))
        elif e.mark.startswith("expected to fail"):
            marks.append(pytest.mark.xfail(strict=True, reason=e.mark))
        params.append(pytest.param(e, id=e.id, marks=marks))
    return params


@pytest.mark.subprocess
@pytest.mark.parametrize("example", _params())
def test_example_runs_verbatim(example: Example, emulator: MockProcess, tmp_path: Path) -> None:
    emulator_reset(emulator)
    _check(example, emulator, tmp_path)


def emulator_reset(emulator: MockProcess) -> None:
    """Each example starts from the configured state, as a newcomer's fresh emulator would."""
    import requests

    requests.post(emulator.url + "/_mock/api/reset", timeout=10).raise_for_status()
