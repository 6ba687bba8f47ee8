"""The kit's pytest plugin (entry point ``pytest11``): loaded by every pytest run of every project
that has the kit installed, so it imports only pytest and the standard library.

The emulator (Starlette, uvicorn, the kit's own modules) is imported only when a test asks for
the ``ismart_mock`` fixture; a host project that never uses it pays nothing and cannot be broken
by it. The fixture itself is documented in :mod:`ismart_sms_kit.mock_fixture`, which holds
:class:`IsmartMock` (importable from here too, as before). The plugin also lets
``pytest --pyargs ismart_sms_kit.contract_tests`` take the kit's options.

Its port is one the system picks, held from the start (the server binds before it runs, so two
test runs never race for it). To pin it, e.g. for an app whose gateway URL is fixed in its
test settings: ``pytest --ismart-mock-port 18080``, or ``ismart_mock_port = 18080`` in the
pytest ini file, or override the session-scoped ``ismart_mock_port`` fixture (with
pytest-xdist, give each worker its own: every worker starts its own emulator). A pinned port
in use fails the session's first test that uses the fixture, naming the port.

Waits (``ismart_mock.wait_for``) see the messages sent since the test started: the fixture
resets the emulator before each test, so "the app sends, then the test waits" works.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ismart_sms_kit.mock_fixture import IsmartMock as IsmartMock
    from ismart_sms_kit.mock_fixture import format_journal as format_journal
    from ismart_sms_kit.mock_server.config import Config

_LAZY = ("IsmartMock", "format_journal")


def __getattr__(name: str) -> Any:
    """``from ismart_sms_kit.pytest_plugin import IsmartMock`` loads the emulator then only."""
    if name in _LAZY:
        from ismart_sms_kit import mock_fixture

        return getattr(mock_fixture, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


FIXTURE = "ismart_mock"
KIT = "ismart_sms_kit.contract_tests"


def kit_path(arg: str) -> str | None:
    """The file or folder of a ``--pyargs`` argument naming the contract kit or one of its
    modules (a ``::`` node id kept), else None."""
    name, sep, rest = arg.partition("::")
    if name != KIT and not name.startswith(KIT + "."):
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin)
    return str(path.parent if path.name == "__init__.py" else path) + sep + rest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, args: list[str]) -> None:
    """``pytest --pyargs ismart_sms_kit.contract_tests --ismart-url URL`` runs the kit as its
    folder would: pytest loads the conftests of the paths on the command line before it reads
    the options they add, but it does not look up ``--pyargs`` modules for that, so the kit's
    options (``--ismart-url``, ...) would be unknown. The kit's module names become its paths."""
    namespace = early_config.known_args_namespace
    if not namespace.pyargs:
        return
    named = set(namespace.file_or_dir)
    if any(kit_path(arg) for arg in named) and importlib.util.find_spec("hypothesis") is None:
        from ismart_sms_kit.contract_tests import missing_extra

        absent = ModuleNotFoundError("No module named 'hypothesis'", name="hypothesis")
        raise pytest.UsageError(str(missing_extra(absent)))
    for i, arg in enumerate(args):
        path = kit_path(arg) if arg in named else None
        if path is not None:
            args[i] = path
    namespace.file_or_dir = [kit_path(arg) or arg for arg in namespace.file_or_dir]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """When a test that used ``ismart_mock`` fails, show what the emulator received."""
    report = yield
    if report.failed and call.when == "call" and FIXTURE in getattr(item, "funcargs", {}):
        from ismart_sms_kit.mock_fixture import journal_section

        section = journal_section(item.funcargs[FIXTURE])  # type: ignore[attr-defined]
        if section is not None:
            report.sections.append(section)
    return report


def pytest_addoption(parser: pytest.Parser) -> None:
    help_text = "the ismart_mock fixture's port on 127.0.0.1 (default: one the system picks)"
    parser.addoption("--ismart-mock-port", type=int, metavar="PORT", help=help_text)
    parser.addini("ismart_mock_port", help_text, default="")


@pytest.fixture(scope="session")
def ismart_mock_port(pytestconfig: pytest.Config) -> int | None:
    """The fixture's port: ``--ismart-mock-port``, else the ini's ``ismart_mock_port``, else
    None (one the system picks). Override it to choose in code."""
    option: int | None = pytestconfig.getoption("ismart_mock_port")
    if option is not None:
        return option
    ini = str(pytestconfig.getini("ismart_mock_port")).strip()
    if not ini:
        return None
    if not ini.isdigit() or not 0 < int(ini) < 65536:
        raise pytest.UsageError(f"ismart_mock_port = {ini!r}: not a port number")
    return int(ini)


@pytest.fixture(scope="session")
def ismart_mock_config() -> Config:
    """The emulator's configuration: the embedded demo defaults. Override to change it."""
    from ismart_sms_kit.mock_server.config import Config

    return Config(seed=0)


@pytest.fixture(scope="session")
def _ismart_mock_session(
    ismart_mock_config: Config, ismart_mock_port: int | None
) -> Iterator[IsmartMock]:
    from ismart_sms_kit.mock_fixture import running_mock

    with running_mock(ismart_mock_config, port=ismart_mock_port) as mock:
        yield mock


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ismart_accounts(*accounts): accounts (config-file mappings) that the ismart_mock "
        "fixture creates for this test",
    )


@pytest.fixture
def ismart_mock_accounts() -> list[dict[str, Any]]:
    """Accounts (the config file's mappings, ``password`` included) that ``ismart_mock``
    creates after each reset; none by default. Override it to declare an app's accounts."""
    return []


@pytest.fixture
def ismart_mock(
    _ismart_mock_session: IsmartMock,
    ismart_mock_accounts: list[dict[str, Any]],
    request: pytest.FixtureRequest,
) -> IsmartMock:
    """A running emulator in its start state, with the declared accounts (the
    ``ismart_mock_accounts`` fixture, then every ``ismart_accounts`` mark); see
    :class:`ismart_sms_kit.mock_fixture.IsmartMock`."""
    _ismart_mock_session.reset()
    declared = list(ismart_mock_accounts)
    for mark in request.node.iter_markers("ismart_accounts"):
        declared.extend(mark.args)
    for account in declared:
        fields = dict(account)
        _ismart_mock_session.create_account(fields.pop("user_id"), fields.pop("password"), **fields)
    return _ismart_mock_session
