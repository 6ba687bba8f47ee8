"""The SQLite state's rows: a :class:`Message` or :class:`JournalEntry` to its row and back,
derived from the model's fields (an account's row is :mod:`.sqlite_accounts`').

A table has one column per field of its class, named as the field, in the field's order; the
column's SQL type, its ``NOT NULL`` and its default, and how a value is written and read back,
follow from the field's type (:func:`column`):

========================  ==========  ===============================================
field type                column      value
========================  ==========  ===============================================
``int``, ``str``          INTEGER,    as it is
                          TEXT
``bool``                  INTEGER     0 or 1
``datetime``              REAL        seconds since the epoch (read back in UTC)
``dict[str, str]``,       TEXT        JSON
``list[int]``
``X | None``              as ``X``    NULL for None (else ``NOT NULL``)
========================  ==========  ===============================================

So a new field of a message is a field of :class:`Message`: its column is in every new file,
and :func:`ismart_sms_kit.mock_server.state.sqlite_schema.create_tables` adds it to a file
made before it (which is why a new field needs a default). A field of another type refuses to
load here until it has a row in the table above.
"""

from __future__ import annotations

import json
import operator
import sqlite3
import types
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Final, Generic, TypeVar, get_args, get_origin, get_type_hints

from ismart_sms_kit.mock_server.state.base import Encoded
from ismart_sms_kit.mock_server.state.model import JournalEntry, Message

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SqlValue = int | float | str | None
"""What a column of the state file holds (SQLite's INTEGER, REAL, TEXT and NULL; no BLOBs)."""
Row = tuple[SqlValue, ...]
"""A row as the driver reads it, its columns in the table's order."""
KEY_SEPARATOR: Final = "\x1f"
"""Between a counter key's parts in the ``counters`` table."""

_T = TypeVar("_T", bound="DataclassInstance")


class RowError(ValueError):
    """A value in the state file that its field cannot hold."""


def _int(value: SqlValue) -> int:
    if isinstance(value, int):
        return value
    raise RowError(f"{value!r} is not an integer")


def _str(value: SqlValue) -> str:
    if isinstance(value, str):
        return value
    raise RowError(f"{value!r} is not a text")


def _bool(value: SqlValue) -> bool:
    return bool(_int(value))


def _datetime(value: SqlValue) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, timezone.utc)
    raise RowError(f"{value!r} is not a time")


def _json_reader(hint: object) -> Callable[[SqlValue], object]:
    """The decoder of a JSON column of type ``hint`` (``dict[str, V]`` or ``list[V]``, ``V`` a
    plain type): the text parsed, then checked to be what the field holds."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is dict and args[0] is str and isinstance(args[1], type):
        kind: type = args[1]

        def holds(data: object) -> bool:
            return isinstance(data, dict) and all(
                isinstance(k, str) and isinstance(v, kind) for k, v in data.items()
            )
    elif origin is list and isinstance(args[0], type):
        kind = args[0]

        def holds(data: object) -> bool:
            return isinstance(data, list) and all(isinstance(v, kind) for v in data)
    else:
        raise TypeError(f"no JSON column for {hint}")

    def read(value: SqlValue) -> object:
        data: object = json.loads(_str(value))
        if not holds(data):
            raise RowError(f"{value!r} is not a {hint}")
        return data

    return read


Write = Callable[..., SqlValue]
"""Takes a value of the field type that chose it (called by the C builtins themselves, not
through a wrapper that checks the type again: ``encode`` is on the send path)."""
Read = Callable[[SqlValue], object]
_PLAIN: Final[dict[object, tuple[str, Write | None, Read]]] = {
    bool: ("INTEGER", None, _bool),  # the driver writes a bool as the INTEGER 0 or 1
    int: ("INTEGER", None, _int),
    str: ("TEXT", None, _str),
    datetime: ("REAL", datetime.timestamp, _datetime),
}
"""A field's plain type: its SQL type, how its value is written (None: as it is) and read.
None is NULL, both ways, in every column."""


@dataclass(frozen=True, slots=True)
class Column:
    """One field of a class as one column of its table."""

    name: str
    ddl: str
    """The column's definition in ``CREATE TABLE`` and ``ALTER TABLE ... ADD COLUMN``."""
    write: Write | None
    """The field's value, unless None, to the column's (None: as it is)."""
    read: Read
    """The column's value, unless NULL, to the field's, checked."""


def _literal(value: SqlValue) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return "NULL" if value is None else repr(value)


def column(name: str, hint: object, default: object = MISSING) -> Column:
    """The column of field ``name`` of type ``hint`` (see the module's docstring); ``default``:
    the field's default value, if it has one."""
    args = get_args(hint)
    nullable = isinstance(hint, types.UnionType) and type(None) in args
    if nullable:
        (hint,) = (a for a in args if a is not type(None))
    if hint in _PLAIN:
        sql_type, write, read = _PLAIN[hint]
    else:
        sql_type, write, read = "TEXT", json.dumps, _json_reader(hint)
    if name == "id":
        return Column(name, "id INTEGER PRIMARY KEY AUTOINCREMENT", write, read)
    ddl = f"{name} {sql_type}" + ("" if nullable else " NOT NULL")
    if default is not MISSING and default is not None:
        ddl += f" DEFAULT {_literal(write(default) if write else _plain(default))}"
    return Column(name, ddl, write, read)


def _plain(value: object) -> SqlValue:
    if value is None or isinstance(value, int | float | str):
        return value
    raise TypeError(f"no column value for {value!r}")


class Table(Generic[_T]):
    """The table of a dataclass: one :class:`Column` per field. ``late``: the fields that only
    the transaction knows (ids, and what a decision may still change), written after the
    others (:meth:`encode`), in this order."""

    def __init__(self, name: str, cls: type[_T], late: tuple[str, ...]) -> None:
        hints = get_type_hints(cls)
        self.name = name
        self.cls = cls
        self.columns = tuple(
            column(
                f.name,
                hints[f.name],
                f.default_factory() if f.default_factory is not MISSING else f.default,
            )
            for f in fields(cls)
        )
        names = [c.name for c in self.columns]
        early = [c for c in self.columns if c.name not in late]
        if not set(late) <= set(names):
            raise TypeError(f"{name}: late fields {late} not all fields of {cls.__name__}")
        self.select: Final = ", ".join(names)
        """The columns, in the order :meth:`decode` reads them."""
        self.insert: Final = (
            f"INSERT INTO {name} ({', '.join([*(c.name for c in early), *late])}) "
            f"VALUES ({','.join('?' * len(names))})"
        )
        """The ``INSERT`` of a row: :meth:`encode`'s values, then the late fields'."""
        self._get = operator.attrgetter(*(c.name for c in early))
        self._writes = [(i, c.write) for i, c in enumerate(early) if c.write is not None]
        self._reads = [c.read for c in self.columns]

    def create(self) -> str:
        """The ``CREATE TABLE`` of a new file."""
        return f"CREATE TABLE IF NOT EXISTS {self.name} ({', '.join(c.ddl for c in self.columns)})"

    def encode(self, item: _T) -> tuple[object, ...]:
        """The columns of ``item`` but the late ones, in the ``INSERT``'s order."""
        values: list[object] = list(self._get(item))
        for i, write in self._writes:
            value = values[i]
            if value is not None:
                values[i] = write(value)
        return tuple(values)

    def decode(self, row: Row) -> _T:
        """The item of a row read with :attr:`select`'s columns."""
        values = zip(self._reads, row, strict=True)
        return self.cls(*[None if value is None else read(value) for read, value in values])


# the late fields: those SqliteTransaction.record appends to the encoded rows, in its order
MESSAGES: Final = Table("messages", Message, late=("id", "request_id"))
JOURNAL: Final = Table(
    "journal", JournalEntry, late=("id", "code", "reason", "decided_by", "messages")
)
MESSAGE_INSERT: Final = MESSAGES.insert
JOURNAL_INSERT: Final = JOURNAL.insert


def newest_ids(db: sqlite3.Connection) -> tuple[int, int]:
    """The newest journal and message ids ever handed out (``AUTOINCREMENT``'s record)."""
    seq = dict(db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    return int(seq.get("journal", 0)), int(seq.get("messages", 0))


def encode(entry: JournalEntry, messages: list[Message]) -> Encoded:
    return Encoded(JOURNAL.encode(entry), [MESSAGES.encode(m) for m in messages])
