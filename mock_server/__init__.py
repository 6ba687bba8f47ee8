"""Emulator of the iSmart SMS bulk gateway: ``create_app(config)`` builds one."""

from mock_server.app import create_app
from mock_server.config import Config

__all__ = ["Config", "create_app"]
