"""Hot reload of ``--rules`` files: a changed file is re-read and applied without a restart.

The files are polled (``rules_reload_ms``, 500 ms by default): rule files are small, polling
needs no extra dependency, and it behaves the same on every file system (bind mounts and
network shares included, where change notifications are unreliable). A file is compared by
its bytes, so two edits within one mtime tick are not missed. A changed file is applied once
two checks in a row read the same bytes: an editor or a script that truncates the file and
then writes it could otherwise be caught in between, and its half-written (or empty) file
applied for a moment. A broken version (bad YAML, a bad rule, a missing file) keeps the last
good rules of that file; the error is logged and shown in ``/_mock/api/health`` (whose
``status`` is then ``degraded``) until a good version is saved. A good reload is logged at
INFO.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from ismart_sms_kit.mock_server.config import ConfigError, read_rules_file
from ismart_sms_kit.mock_server.rules.ruleset import RuleSet
from ismart_sms_kit.mock_server.rules.values import RuleError

log = logging.getLogger("mock_server")


def _content(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


class RulesWatcher:
    def __init__(self, rules: RuleSet, paths: list[str]) -> None:
        self.rules = rules
        self.contents = {path: _content(path) for path in dict.fromkeys(paths)}
        self.errors: dict[str, str] = {}
        self.reloads = 0
        self._settling: dict[str, bytes | None] = {}
        """Changed files read once: applied when the next check reads the same bytes."""

    def check(self) -> list[str]:
        """Apply every file that changed and then read the same at this check as at the last
        one; the paths applied."""
        changed = []
        for path, before in self.contents.items():
            now = _content(path)
            if now == before:
                self._settling.pop(path, None)
                continue
            if path not in self._settling or self._settling[path] != now:
                self._settling[path] = now  # still being written, maybe: look again next time
                continue
            del self._settling[path]
            self.contents[path] = now
            changed.append(path)
            try:
                data = read_rules_file(path)
                applied = self.rules.replace_source(path, data)
            except (ConfigError, RuleError) as exc:
                # the file is the key: its message without the file's name again
                self.errors[path] = str(exc).removeprefix(f"{path}: ")
                log.error("rules not reloaded, keeping the last good ones: %s", exc)
                continue
            self.errors.pop(path, None)
            self.reloads += 1
            log.info("rules reloaded from %s: %d rules", path, len(applied))
        return changed

    async def run(self, interval_ms: int) -> None:
        while True:
            await asyncio.sleep(interval_ms / 1000)
            try:
                self.check()
            except Exception:  # never let the watcher die silently
                log.exception("rules watcher failed")
