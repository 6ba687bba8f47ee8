"""Emulator of the iSmart SMS bulk gateway: ``create_app(config)`` builds one."""

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config

__all__ = ["Config", "create_app"]
