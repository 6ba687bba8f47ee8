"""The kit as a user installs it: the wheel built from the sdist, installed into fresh venvs.

* beside a host project with its own ``client/``, ``mock_server/`` and ``tests/`` packages, the
  host's pytest runs with and without the ``ismart_mock`` fixture, and the plugin loads nothing
  of the emulator until the fixture is used;
* the contract kit runs from the installed package against a real emulator process, with the
  command docs/contract-kit.md gives
  (``pytest --pyargs ismart_sms_kit.contract_tests --ismart-url URL``);
* the plain CI recipes in docs/ci/ run as written: their commands are read from the YAML files
  (their git URL pinned to this version's tag, fetched from a local clone tagged so);
* the installed kit works from a folder with nothing of the repository (``--version``, the
  imports, ``py.typed``, ``ismart-mock --rules flaky``); a kit run without the ``contract``
  extra names the command that adds it;
* ``make release``'s checks pass on the build and name what a doctored wheel lacks; a build
  from an incomplete checkout stops, naming the missing folder.

The wheel is built once per session, in a ``git -c core.symlinks=false clone`` of the repository
(Git for Windows' default checkout), as a user's ``pip install git+...`` builds it.

Bounded: one wheelhouse per session, from pip's cache (``pip download``), then every install is
``--no-index --find-links`` from it without byte-compiling. Marked ``install`` (make test runs
it; ``-m "not install"`` leaves it out while developing).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

import ismart_sms_kit
from ismart_sms_kit.mock_server.server import free_port
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tools import release

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
VERSION = ismart_sms_kit.__version__


def run(*command: str | Path, timeout: float = 300, **kwargs: object) -> str:
    result = subprocess.run(
        [str(c) for c in command],
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,  # type: ignore[call-overload]
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return str(result.stdout)


def offline_pip(wheelhouse: Path) -> dict[str, str]:
    """pip's settings for an install from the wheelhouse alone, without byte-compiling."""
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse), "PIP_NO_COMPILE": "1"}


@dataclass
class Dist:
    sdist: Path
    wheel: Path
    wheelhouse: Path


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """``make release``'s build (tools/release.py) in a ``git -c core.symlinks=false clone``
    of HEAD with the working tree's uncommitted changes to tracked files (files not yet added
    to git are not in it, as they would not be in a push): the sdist, then the wheel built from
    that sdist; and a wheelhouse with the wheel and its dependencies (the contract extra too).
    Built once for every install test."""
    clone = release.clone(tmp_path_factory.mktemp("clone") / "ismart-sms-kit", with_changes=True)
    sdist, wheel = release.build(clone, tmp_path_factory.mktemp("dist"))
    wheelhouse = tmp_path_factory.mktemp("wheelhouse")
    shutil.copy(wheel, wheelhouse)
    run(sys.executable, "-m", "pip", "download", "--quiet", "--dest", wheelhouse,
        f"{wheel}[contract]")  # fmt: skip
    return Dist(sdist, wheel, wheelhouse)


def test_the_release_checks_pass_on_the_build_and_name_what_a_broken_one_lacks(
    dist: Dist, tmp_path: Path
) -> None:
    assert release.check_wheel(dist.wheel, VERSION) == []
    assert release.check_sdist(dist.sdist, VERSION) == []
    broken = tmp_path / dist.wheel.name
    dropped = {"ismart_sms_kit/py.typed", "ismart_sms_kit/mock_server/rules/ruleset.py"}
    with zipfile.ZipFile(dist.wheel) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            if item.filename not in dropped:
                target.writestr(item, source.read(item))
        target.writestr("ismart_sms_kit/tests/test_x.py", "")
    problems = release.check_wheel(broken, VERSION)
    assert f"{broken.name}: ismart_sms_kit/py.typed is missing" in problems
    assert f"{broken.name}: ismart_sms_kit/mock_server/rules/ruleset.py is missing" in problems
    assert f"{broken.name}: ismart_sms_kit/tests/test_x.py does not belong in it" in problems
    assert release.check_wheel(dist.wheel, "9.9.9") == [
        f"{dist.wheel.name}: no ismart_sms_kit-9.9.9.dist-info/METADATA (another version?)"
    ]
    assert release.check_sdist(dist.sdist, "9.9.9")


def test_make_release_builds_checks_and_prints_the_tag(tmp_path: Path) -> None:
    """The target as written in the Makefile (HEAD's build; its checks; the tag)."""
    out = run("make", "--no-print-directory", "release", f"ARGS=--outdir {tmp_path}", cwd=ROOT)
    assert f"ismart_sms_kit-{VERSION}.tar.gz" in out and "checked (metadata" in out, out
    head = run("git", "rev-parse", "--short", "HEAD", cwd=ROOT).strip()
    assert f'git tag -a v{VERSION} -m "ismart-sms-kit {VERSION}" {head}' in out, out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"ismart_sms_kit-{VERSION}-py3-none-any.whl",
        f"ismart_sms_kit-{VERSION}.tar.gz",
    ]


def wheel_names(dist: Dist) -> list[str]:
    with zipfile.ZipFile(dist.wheel) as wheel:
        return wheel.namelist()


def test_the_wheel_installs_one_distinctive_package_and_nothing_generic(dist: Dist) -> None:
    names = wheel_names(dist)
    info = f"ismart_sms_kit-{VERSION}.dist-info"
    assert {name.split("/")[0] for name in names} == {"ismart_sms_kit", info}
    for part in ("client", "mock_server", "contract_tests"):
        assert f"ismart_sms_kit/{part}/__init__.py" in names
    assert "ismart_sms_kit/pytest_plugin.py" in names
    assert "ismart_sms_kit/contract_tests/conftest.py" in names
    assert "ismart_sms_kit/py.typed" in names
    folders = ("client", "mock_server", "contract_tests", "protocol")
    tracked = run("git", "ls-files", *folders, cwd=ROOT)
    missing = {f"ismart_sms_kit/{path}" for path in tracked.split()} - set(names)
    assert not missing, "every file of the packages' folders (the inbox's static files too)"
    own = run("git", "ls-files", "src/ismart_sms_kit", cwd=ROOT).split()
    assert {f"ismart_sms_kit/{Path(path).name}" for path in own} <= set(names)
    assert f"{info}/licenses/LICENSE" in names
    assert not [name for name in names if name.startswith(("ismart_sms_kit/tests", "tests/"))]
    with zipfile.ZipFile(dist.wheel) as wheel:
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert "ismart_mock = ismart_sms_kit.pytest_plugin" in entry_points


def test_a_build_from_an_incomplete_checkout_fails_naming_what_is_missing(
    dist: Dist, tmp_path: Path
) -> None:
    """The sdist with its emulator's folder left out (as a sparse checkout or a partial copy
    would): the build stops and says which folder, instead of a wheel without the emulator."""
    with tarfile.open(dist.sdist) as sdist:
        data = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # 3.10.12+
        sdist.extractall(tmp_path, **data)  # type: ignore[arg-type]
    (source,) = tmp_path.iterdir()
    shutil.rmtree(source / "mock_server")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", tmp_path / "out",
         source],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode != 0
    assert "mock_server/__init__.py (package ismart_sms_kit.mock_server) is missing" in (
        result.stdout + result.stderr
    )
    assert not list((tmp_path / "out").glob("*.whl"))


@pytest.fixture(scope="module")
def venv(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (no pip of its own: this pip installs into it) with the wheel and its
    contract extra; its bin folder."""
    path = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", path)
    python = path / "bin" / "python"
    env = {**os.environ, **offline_pip(dist.wheelhouse)}
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
        f"ismart-sms-kit[contract]=={VERSION}", env=env)  # fmt: skip
    return path / "bin"


def test_nothing_generic_lands_at_the_top_of_site_packages(venv: Path, tmp_path: Path) -> None:
    record = run(
        venv / "python",
        "-c",
        "import importlib.metadata as m; print('\\n'.join(str(f) for f in "
        "m.distribution('ismart-sms-kit').files))",
        cwd=tmp_path,  # not the checkout, whose ismart_sms_kit.egg-info python -c would see
    ).split()
    tops = {name.split("/")[0] for name in record if not name.startswith("..")}
    assert tops == {"ismart_sms_kit", f"ismart_sms_kit-{VERSION}.dist-info"}
    assert sorted(Path(n).name for n in record if n.startswith("..")) == [
        "ismart-mock",
        "ismart-sms",
    ]


HOST_PROJECT = {
    "client/__init__.py": 'def greet() -> str:\n    return "the host\'s own client"\n',
    "mock_server/__init__.py": 'NAME = "the host\'s own mock_server"\n',
    "tests/__init__.py": "",
    "tests/test_own.py": """
        import sys

        import client
        import mock_server


        def test_the_hosts_own_packages_are_imported():
            assert client.greet() == "the host's own client"
            assert mock_server.NAME == "the host's own mock_server"


        def test_the_plugin_loaded_nothing_of_the_emulator():
            loaded = [m for m in sys.modules if m.split(".")[0] in ("starlette", "uvicorn")]
            assert not loaded, loaded
            assert "ismart_sms_kit.mock_server" not in sys.modules
    """,
    "tests/test_sms.py": """
        import requests


        def test_the_app_sends_through_the_emulator(ismart_mock):
            data = {
                "UserId": "ismartsms", "Password": "ismartsms", "MobileNo": "96899123456",
                "Message": "Your code is 4821", "Lang": "0", "Header": "AnyHeader",
                "referenceIds": "101",
            }
            assert requests.post(ismart_mock.send_url, data=data, timeout=10).text == "1"
            assert ismart_mock.latest("96899123456")["text"] == "Your code is 4821"
    """,
}


@pytest.fixture(scope="module")
def host_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("host-project")
    for name, text in HOST_PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def host_pytest(venv: Path, project: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISMART_", "PYTEST_"))}
    return run(
        venv / "python", "-m", "pytest", "-p", "no:cacheprovider", "-q", *args,
        cwd=project, env=env,
    )  # fmt: skip


def test_the_host_projects_tests_pass_without_the_fixture(venv: Path, host_project: Path) -> None:
    out = host_pytest(venv, host_project, "tests/test_own.py")
    assert re.search(r"\b2 passed\b", out), out


def test_the_host_projects_tests_pass_with_the_fixture(venv: Path, host_project: Path) -> None:
    out = host_pytest(venv, host_project)
    assert re.search(r"\b3 passed\b", out), out


def test_the_plugin_entry_point_imports_only_pytest_and_the_standard_library(
    venv: Path, tmp_path: Path
) -> None:
    """Whatever the installed metadata names as the pytest11 entry point."""
    probe = """
        import sys
        from importlib.metadata import entry_points

        import pytest

        (plugin,) = [e for e in entry_points(group="pytest11") if e.name == "ismart_mock"]
        before = set(sys.modules)
        plugin.load()
        new = sorted(set(sys.modules) - before)
        ours = [m for m in new if m.split(".")[0] == "ismart_sms_kit"]
        allowed = sys.stdlib_module_names | {"ismart_sms_kit"}
        foreign = [m for m in new if m.split(".")[0] not in allowed]
        print(plugin.value, ours, foreign)
    """
    out = run(venv / "python", "-c", textwrap.dedent(probe), cwd=tmp_path).split(" ", 1)
    assert out[0] == "ismart_sms_kit.pytest_plugin"
    assert out[1].strip() == "['ismart_sms_kit', 'ismart_sms_kit.pytest_plugin'] []"


@pytest.fixture(scope="module")
def venv_without_extra(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel and pytest, but not the ``contract`` extra; its bin folder."""
    path = tmp_path_factory.mktemp("venv-without-extra")
    run(sys.executable, "-m", "venv", "--without-pip", path)
    env = {**os.environ, **offline_pip(dist.wheelhouse)}
    run(sys.executable, "-m", "pip", "--python", path / "bin" / "python", "install", "--quiet",
        f"ismart-sms-kit=={VERSION}", "pytest", env=env)  # fmt: skip
    return path / "bin"


@pytest.mark.parametrize("how", ["--pyargs", "path"])
def test_a_kit_run_without_the_extra_names_the_command_that_adds_it(
    venv_without_extra: Path, how: str, tmp_path: Path
) -> None:
    python = venv_without_extra / "python"
    probe = "import importlib.util as u; print(u.find_spec('hypothesis') is None)"
    assert run(python, "-c", probe, cwd=tmp_path).strip() == "True"
    target = ["--pyargs", "ismart_sms_kit.contract_tests"]
    if how == "path":
        where = "import ismart_sms_kit.contract_tests as k; print(k.__path__[0])"
        target = [run(python, "-c", where, cwd=tmp_path).strip()]
    result = subprocess.run(
        [python, "-m", "pytest", "-p", "no:cacheprovider", *target,
         "--ismart-url", "http://127.0.0.1:9"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "the contract kit needs the [contract] extra" in out, out
    assert "pip install 'ismart-sms-kit[contract]'" in out, out


def wait_for_health(url: str, proc: subprocess.Popen[bytes], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            if requests.get(url + "/_mock/api/health", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        assert proc.poll() is None or proc.returncode == 0, "the command ended early"
        assert time.monotonic() < deadline, f"no health answer from {url}"
        time.sleep(0.1)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """End the process group ``proc`` leads: it and what it left running in the background."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def installed_emulator(venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The installed ``ismart-mock`` as a process on a free loopback port; its URL."""
    port = free_port()
    log = (tmp_path_factory.mktemp("emulator") / "ismart-mock.log").open("wb")
    proc = subprocess.Popen(
        [venv / "ismart-mock", "--port", str(port), "--seed", "1"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url, proc)
        yield url
    finally:
        stop_group(proc)
        log.close()


def test_the_installed_kit_works_from_a_folder_with_nothing_of_the_repository(
    venv: Path, tmp_path: Path
) -> None:
    """The issue's "done when": ``ismart-mock --version``, the emulator and the client import,
    ``py.typed`` is there, and ``ismart-mock --rules flaky`` starts with the shipped scenario
    (from a folder with no ``fixtures/``)."""
    assert run(venv / "ismart-mock", "--version", cwd=tmp_path).strip() == f"ismart-mock {VERSION}"
    probe = (
        "import importlib.resources as r, ismart_sms_kit.mock_server.app, ismart_sms_kit.client;"
        "print(r.files('ismart_sms_kit').joinpath('py.typed').is_file())"
    )
    assert run(venv / "python", "-c", probe, cwd=tmp_path).strip() == "True"
    listed = run(venv / "ismart-mock", "scenarios", cwd=tmp_path)
    assert "  flaky  " in listed and "  team  " in listed and "code-25-sms-api-expired" in listed
    log = (tmp_path / "ismart-mock.log").open("wb")
    proc = subprocess.Popen(
        [venv / "ismart-mock", "--rules", "flaky", "--config", "team", "--seed", "7",
         "--port", "0", "--port-file", "port"],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "port").exists():
            assert proc.poll() is None, (tmp_path / "ismart-mock.log").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        url = f"http://127.0.0.1:{(tmp_path / 'port').read_text().strip()}"
        wait_for_health(url, proc)
        rules = requests.get(url + "/_mock/api/rules", timeout=10).json()
        assert [rule["name"] for rule in rules] == ["flaky"], rules
        accounts = requests.get(url + "/_mock/api/accounts", timeout=10).json()
        assert "shopapp" in [account["user_id"] for account in accounts]
    finally:
        stop_group(proc)
        log.close()
    assert not (tmp_path / "fixtures").exists()


def docs_command(path: Path, starts: str) -> list[str]:
    """The one command line in ``path``'s sh blocks that starts with ``starts``."""
    blocks = re.findall(r"```sh\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
    lines = [line for block in blocks for line in block.splitlines() if line.startswith(starts)]
    assert len(lines) == 1, lines
    return shlex.split(lines[0].split("  #")[0])


def test_the_contract_kit_runs_from_the_installed_package(
    venv: Path, installed_emulator: str, tmp_path: Path
) -> None:
    """docs/contract-kit.md's command, its URL pointed at the emulator above; Hypothesis's live
    profile (a few examples per test) bounds the time: every module of the kit still runs."""
    command = docs_command(
        DOCS / "contract-kit.md", "pytest --pyargs ismart_sms_kit.contract_tests --ismart-url"
    )
    assert command[:3] == ["pytest", "--pyargs", "ismart_sms_kit.contract_tests"]
    url = command.index("--ismart-url") + 1
    command[url] = installed_emulator
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISMART_", "PYTEST_"))}
    out = run(
        venv / "python", "-m", *command, "-q", "-p", "no:cacheprovider",
        "--hypothesis-profile", "live", cwd=tmp_path, env=env,
    )  # fmt: skip
    assert re.search(rf"requests sent: \d+ to {re.escape(installed_emulator)}/iBulkSMS", out), out
    assert re.search(r"\b\d{2,} passed\b", out) and " failed" not in out, out


def recipe(name: str) -> tuple[str, dict[str, str]]:
    """The commands that install and start the emulator in a CI recipe of docs/ci/, and the
    job's variables, as the YAML file has them."""
    document = yaml.safe_load((DOCS / "ci" / name).read_text(encoding="utf-8"))
    if "jobs" in document:  # GitHub Actions: the step that starts the emulator
        job = document["jobs"]["test"]
        (step,) = [s for s in job["steps"] if s.get("name") == "Start the iSmart emulator"]
        return step["run"], dict(job["env"])
    job = document["test"]  # GitLab CI: before_script
    return "\n".join(job["before_script"]), dict(job["variables"])


REPOSITORY = "https://github.com/your-org/ismart-sms-kit"
"""The repository's URL in the CI recipes (and docs/install.md)."""


@pytest.fixture(scope="session")
def tagged_repository(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this repository (with the working tree's changes committed) whose HEAD is
    tagged as this version's release, ``v0.X.Y``: what the recipes' git URL names. The
    wheelhouse gets setuptools, which pip's isolated build of the URL asks for."""
    clone = release.clone(tmp_path_factory.mktemp("tagged") / "repo", with_changes=True)
    who = ["-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    run("git", *who, "commit", "--quiet", "--all", "--allow-empty", "-m", "as tested", cwd=clone)
    run("git", *who, "tag", "-a", f"v{VERSION}", "-m", f"ismart-sms-kit {VERSION}", cwd=clone)
    run(sys.executable, "-m", "pip", "download", "--quiet", "--dest", dist.wheelhouse,
        "setuptools>=77")  # fmt: skip
    return clone


def git_points(url: str, to: Path) -> dict[str, str]:
    """git's settings (environment variables) that fetch ``url`` from the folder ``to``."""
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{to.as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": url,
    }


@pytest.mark.parametrize("name", ["github-actions-plain.yml", "gitlab-ci-plain.yml"])
def test_the_plain_ci_recipe_runs_as_written(
    name: str, dist: Dist, tagged_repository: Path, tmp_path: Path
) -> None:
    """The recipe's own commands under bash -eo pipefail, as both CI services run them: pip
    installs the git URL pinned to this version's tag, which git fetches from a local clone
    tagged so (``insteadOf``), with the packages it needs from the wheelhouse (PIP_NO_INDEX,
    PIP_FIND_LINKS) instead of an index; only the port is a free one (the recipe reads it from
    ISMART_MOCK_PORT). The wait loop is quiet: no curl error for each try before the start."""
    script, variables = recipe(name)
    kit = f"ismart-sms-kit @ git+{REPOSITORY}@v{VERSION}"
    assert variables["ISMART_KIT"] == kit, "the recipe pins this version's tag"
    text = (DOCS / "ci" / name).read_text(encoding="utf-8")
    assert f'"ismart-sms-kit=={VERSION}"' in text, "the index's line, as the option"
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ISMART_", "PIP_", "GIT_"))},
        **variables,
        **offline_pip(dist.wheelhouse),
        **git_points(REPOSITORY, tagged_repository),
        "ISMART_MOCK_PORT": str(port),
        "RUNNER_TEMP": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    (tmp_path / "recipe.sh").write_text(script, encoding="utf-8")
    proc = subprocess.Popen(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "recipe.sh"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out = proc.communicate(timeout=300)[0].decode()
        assert proc.returncode == 0, out
        assert '"status":"ok"' in out.replace(" ", ""), out
        assert "curl:" not in out, out
        url = f"http://127.0.0.1:{port}"
        assert requests.get(url + "/_mock/api/health", timeout=5).json()["version"] == VERSION
        assert requests.post(url + SEND_PATH, data=SAMPLE, timeout=10).text == "1"
    finally:
        stop_group(proc)
