"""Starting a local emulator for a run: the only module of the kit that imports ``mock_server``.

The oracle never looks here; the emulator is just one more target, reached over real HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config, apply_mapping
from ismart_sms_kit.mock_server.server import ServerThread


@dataclass
class RunningEmulator:
    server: ServerThread

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()


def start_emulator(config: dict[str, Any] | None = None, *, seed: int = 0) -> RunningEmulator:
    """A real emulator (uvicorn) on a free loopback port, with the demo accounts and, if given,
    a config mapping (the shape of ``ismart-mock --config``: accounts, rules, endpoints, ...)."""
    settings = Config(seed=seed)
    if config:
        apply_mapping(settings, config, "contract kit")
    return RunningEmulator(ServerThread(create_app(settings)).start())
