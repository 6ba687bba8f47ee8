"""The SQLite state's accounts: the ``accounts`` table and its revisions, the account as this
process last saw it, and the admin API's changes. :class:`SqliteAccounts` is a base of
``SqliteStorage``.

A row holds what a request changes in columns of their own (``credit``, ``failed_logins``,
``status``) and the rest of the account (its definition) as JSON in ``data``; ``rev`` is the
account's revision: a patch, a definition or a reset gives it a new one, from one sequence
for every account (``meta``'s ``account_rev``), so that an account deleted and created again
never takes a revision a worker saw before.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, Final

from ismart_sms_kit.mock_server.state.accounts import (
    Account,
    AccountError,
    FieldValue,
    apply_patch,
    build_account,
    coerce_field,
    replace_definition,
)
from ismart_sms_kit.mock_server.state.base import Basis
from ismart_sms_kit.mock_server.state.model import Json

if TYPE_CHECKING:
    from ismart_sms_kit.mock_server.state.sqlite_transaction import SqliteTransaction

DYNAMIC_FIELDS: Final = ("credit", "failed_logins", "status")
STATIC_FIELDS: Final = tuple(
    f.name for f in fields(Account) if f.name not in (*DYNAMIC_FIELDS, "user_id")
)
DELETED: Final = "deleted:"
"""The prefix of the ``meta`` keys naming configured accounts deleted through the admin API
(so that a restart does not bring them back; a reset does)."""
_ACCOUNT_REV: Final = "account_rev"
"""The ``meta`` key of the last account revision handed out."""


Definition = tuple[str, dict[str, FieldValue]]
"""An account's definition as read from ``data``: its password digest, its other fields."""


def static_json(account: Account) -> str:
    """The account's definition (``STATIC_FIELDS``) as the ``data`` column's JSON."""
    data: dict[str, Json] = {}
    for name in STATIC_FIELDS:
        value: FieldValue = getattr(account, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(data)


def static_values(text: str) -> Definition:
    """The ``data`` column's JSON read back, each field checked and converted as a config's
    (``coerce_field``, which also parses the dates); a field the file lacks (written before
    the field was added) keeps its default."""
    data: object = json.loads(text)
    digest = data.get("password_digest") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(digest, str):
        raise AccountError("data", f"not an account's definition: {text[:80]!r}")
    return digest, {
        str(name): coerce_field(str(name), value)
        for name, value in data.items()
        if name != "password_digest"
    }


class SqliteAccounts:
    """The accounts of a SQLite state file (see the module's docstring)."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    _initial_accounts: list[Account]
    _closed_companies: frozenset[str]
    _static: dict[str, tuple[int, Definition]]
    """The definitions read, by user id: the revision and the decoded ``data``."""
    _known: dict[str, tuple[int, Account]]
    """The accounts as this process last read or wrote them (``recent_account``)."""

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[SqliteTransaction]: ...

    def _add_configured(self) -> None:
        """Add the configured accounts the file does not have, unless deleted through the
        admin API (inside a transaction)."""
        deleted = {
            r[0][len(DELETED) :]
            for r in self._db.execute(
                "SELECT key FROM meta WHERE substr(key, 1, ?) = ?", (len(DELETED), DELETED)
            )
        }
        for account in self._initial_accounts:
            if account.user_id not in deleted:
                self._put(account, "INSERT OR IGNORE")

    def _next_rev(self) -> int:
        """A new account revision, above every one handed out (inside a transaction)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (_ACCOUNT_REV,)).fetchone()
        top = self._db.execute("SELECT MAX(rev) FROM accounts").fetchone()[0] or 0
        rev = max(int(row[0]) if row else 0, top) + 1
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (_ACCOUNT_REV, str(rev)),
        )
        return rev

    def _put(self, account: Account, verb: str = "INSERT OR REPLACE", rev: int = 1) -> None:
        self._db.execute(
            f"{verb} INTO accounts (user_id, rev, data, credit, failed_logins, status) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                account.user_id,
                rev,
                static_json(account),
                account.credit,
                account.failed_logins,
                account.status,
            ),
        )

    def _load(self, user_id: str) -> Account | None:
        loaded = self._load_rev(user_id)
        return None if loaded is None else loaded[1]

    def _load_rev(self, user_id: str) -> tuple[int, Account] | None:
        """The account as the file has it, and its revision (a patch or a reset adds one)."""
        row = self._db.execute(
            "SELECT rev, data, credit, failed_logins, status FROM accounts WHERE user_id = ?",
            (user_id,),
        ).fetchone()
        if row is None:
            return None
        rev, data, credit, failed_logins, status = row
        cached = self._static.get(user_id)
        if cached is None or cached[0] != rev:
            cached = (rev, static_values(data))
            self._static[user_id] = cached
        digest, static = cached[1]
        values = {k: list(v) if isinstance(v, list) else v for k, v in static.items()}
        # as they are: a transaction checked them (a credit is never spent twice, so it is
        # never below 0; a check here would hide the bug that made one so)
        values["credit"], values["failed_logins"] = int(credit), int(failed_logins)
        values["status"] = coerce_field("status", status)
        return int(rev), build_account(user_id, digest, values)

    def recent_account(self, user_id: str) -> tuple[Account | None, Basis | None]:
        """The account as this process last read or wrote it, without reading the file (which
        another worker's commit makes slow: it empties this connection's page cache), and the
        :class:`Basis` a decision on it stands on. For the gateway's requests only: their group
        commit decides again any request whose basis no longer holds (``Backend``)."""
        known = self._known.get(user_id)
        if known is None:
            with self._lock:
                loaded = self._load_rev(user_id)
            if loaded is None:
                return None, None
            known = self._known[user_id] = loaded
        rev, account = known
        return account, Basis(rev, account.status, account.credit)

    def account(self, user_id: str) -> Account | None:
        with self._lock:
            return self._load(user_id)

    def accounts(self) -> list[Account]:
        with self._lock:
            ids = [r[0] for r in self._db.execute("SELECT user_id FROM accounts ORDER BY rowid")]
            return [a for a in (self._load(i) for i in ids) if a is not None]

    def company_exists(self, name: str) -> bool:
        return name not in self._closed_companies

    def patch_account(self, user_id: str, patch: Mapping[str, object]) -> Account | None:
        with self.transaction():
            current = self._load(user_id)
            if current is None:
                return None
            updated = apply_patch(current, patch)
            self._put(updated, rev=self._next_rev())
            self._known.pop(user_id, None)
            return updated

    def create_account(self, account: Account) -> bool:
        with self.transaction():
            if self._load_rev(account.user_id) is not None:
                return False
            self._put(account, "INSERT", rev=self._next_rev())
            self._db.execute("DELETE FROM meta WHERE key = ?", (DELETED + account.user_id,))
            return True

    def put_account(self, user_id: str, data: Mapping[str, object]) -> tuple[Account, bool]:
        with self.transaction():
            current = self._load(user_id)
            account = replace_definition(current, data, user_id)
            self._put(account, rev=self._next_rev())
            self._db.execute("DELETE FROM meta WHERE key = ?", (DELETED + user_id,))
            self._known.pop(user_id, None)
            return account, current is None

    def delete_account(self, user_id: str) -> bool:
        with self.transaction():
            self._next_rev()  # the sequence moves on: a revision is never handed out twice
            gone = self._db.execute("DELETE FROM accounts WHERE user_id = ?", (user_id,))
            if gone.rowcount == 0:
                return False
            if any(a.user_id == user_id for a in self._initial_accounts):
                self._db.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?, '1')", (DELETED + user_id,)
                )
            self._known.pop(user_id, None)
            return True

    def _reset_accounts(self) -> None:
        """Every account back to the config, under one new revision (inside a transaction)."""
        self._db.execute("DELETE FROM meta WHERE substr(key, 1, ?) = ?", (len(DELETED), DELETED))
        rev = self._next_rev()
        self._db.execute("DELETE FROM accounts")
        for account in self._initial_accounts:
            self._put(account, rev=rev)
        self._known.clear()
