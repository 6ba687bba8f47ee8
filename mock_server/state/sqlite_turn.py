"""The writers' turn on a SQLite state file, shared by every process on it: an ``flock`` on
``PATH-lock``, a doorbell (the FIFO ``PATH-wake``) a writer rings when its turn ends, and the
WAL checkpoints, which run only inside the turn. :class:`WriterTurn` is a base of
``SqliteStorage``."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import stat
import threading
import time
from typing import Final

CHECKPOINT_EVERY_S: Final = 0.05
"""A process that writes checkpoints the WAL at the end of its turn if it has not for this
long."""


def doorbell(path: str) -> int | None:
    """The FIFO every process on the state file rings after its write turn (a byte), so that
    a worker waiting for the turn wakes at once instead of polling; None where the file system
    has no FIFOs (then they poll). Bytes nobody waited for are stale: a waiter drains them and
    tries the lock once for nothing."""
    with contextlib.suppress(FileExistsError):
        try:
            os.mkfifo(path, 0o600)
        except OSError as exc:
            if isinstance(exc, FileExistsError):
                raise
            return None
    if not stat.S_ISFIFO(os.stat(path).st_mode):
        raise OSError(f"{path} is not a FIFO (the state file's doorbell): remove it")
    return os.open(path, os.O_RDWR | os.O_NONBLOCK)


class WriterTurn:
    """The writers' turn of one process on the state file (see the module's docstring)."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    _writer: int
    _checkpointed: float
    wake_fd: int | None
    """Readable when a writer ended its turn (see :meth:`release_writer`); None where the
    file system has no FIFOs."""

    def try_writer(self) -> bool:
        """Take the writers' turn (see :meth:`transaction`) if it is free, without waiting."""
        try:
            fcntl.flock(self._writer, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release_writer(self) -> None:
        """End the writers' turn: checkpoint the WAL first if this process has not for
        ``CHECKPOINT_EVERY_S`` (see :meth:`_checkpoint`), then unlock and ring the doorbell
        (``PATH-wake``) so that a worker waiting for the turn wakes at once."""
        try:
            self._checkpoint(CHECKPOINT_EVERY_S)
        finally:
            fcntl.flock(self._writer, fcntl.LOCK_UN)
            self._ring()

    def _checkpoint(self, unless_within: float) -> bool:
        """Checkpoint the WAL, the caller holding the writers' turn, unless this process did
        within the last ``unless_within`` seconds; whether it did.

        Only inside the turn, never beside another process's writes: SQLite up to 3.51.2 has
        a data race between a checkpoint and a commit that restarts the WAL (the "WAL-reset
        bug", https://sqlite.org/wal.html#walresetbug, fixed in 3.51.3, 3.50.7 and 3.44.6)
        that makes a later checkpoint skip frames of a committed transaction: the
        transaction is lost. Processes that checkpointed beside each other's turns, as the
        workers did before, lost committed charges that way, credit then spent twice (seen
        once on SQLite 3.40.1: five processes, 339 of 42,630 charges lost in 45 s; that load
        is ``benchmarks/stress_credit.py --mode race --beside``).
        In the turn no other process writes or checkpoints, whatever the SQLite version, and
        every checkpoint copies every frame, so the next write restarts the WAL, which stays
        small.

        SQLite's automatic checkpoint stays off all the same (``wal_autocheckpoint = 0``): it
        would run at every ``COMMIT`` past 1000 pages; this one runs at most every
        ``CHECKPOINT_EVERY_S`` per process. ``PASSIVE`` never waits: a reader of an older
        snapshot only leaves its frames for the next checkpoint."""
        now = time.monotonic()
        if now - self._checkpointed < unless_within:
            return False
        self._checkpointed = now
        # a failure loses nothing: the frames wait in the WAL for the next checkpoint
        with self._lock, contextlib.suppress(sqlite3.OperationalError):
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return True

    def drain_doorbell(self) -> None:
        """Read the doorbell's bytes (see :func:`doorbell`)."""
        if self.wake_fd is not None:
            with contextlib.suppress(BlockingIOError):
                while os.read(self.wake_fd, 4096):
                    pass

    def _ring(self) -> None:
        if self.wake_fd is not None:
            with contextlib.suppress(BlockingIOError):  # full: nobody has read for a while
                os.write(self.wake_fd, b"\0")
