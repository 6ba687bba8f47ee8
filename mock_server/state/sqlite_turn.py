"""The writers' turn on a SQLite state file, shared by every process on it: an ``flock`` on
``PATH-lock``, a doorbell (the FIFO ``PATH-wake``) a writer rings when its turn ends, and the
WAL checkpoints run outside the turn. :class:`WriterTurn` is a base of ``SqliteStorage``."""

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
"""A process that writes checkpoints the WAL after its turn if it has not for this long."""
WAL_RESTART_FRAMES: Final = 1024
"""A WAL this long (4 MiB of 4 KiB pages, SQLite's own threshold) is checkpointed again with the
writers held off, so that the next write restarts it; until then checkpoints run beside them.
(With two busy workers a checkpoint beside writers never quite catches up: the WAL would only
grow. Measured with ``--workers 2`` under wrk: the WAL file stays under 7 MB, at the same
requests/s as with a 64 MiB threshold.)"""


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
        """End the writers' turn, ring the doorbell (``PATH-wake``) so that a worker waiting
        for the turn wakes at once, then checkpoint the WAL if this process has not for
        ``CHECKPOINT_EVERY_S`` (see :meth:`checkpoint`)."""
        fcntl.flock(self._writer, fcntl.LOCK_UN)
        self._ring()
        self.checkpoint(CHECKPOINT_EVERY_S)

    def checkpoint(self, unless_within: float) -> bool:
        """Checkpoint the WAL unless this process did within the last ``unless_within``
        seconds; whether it did. Outside the writers' turn, or while waiting for it.

        SQLite's automatic checkpoint would run inside ``COMMIT``, that is within the turn,
        copying pages for milliseconds while every other worker waits (a fifth of the turns'
        time with two workers). Here it runs outside the turn, beside the other writers
        (``PASSIVE``): after a turn, or, better, while a worker waits for the turn, time it
        would otherwise spend idle (``Backend``). A checkpoint beside writers may not catch
        up with them, and the WAL restarts from its beginning (at the next write) only once one
        has, so a WAL that reaches ``WAL_RESTART_FRAMES`` is checkpointed again with the writers
        held off, which copies the few frames written meanwhile. ``PASSIVE`` there too: it never
        waits (``RESTART`` would wait, in the turn, for another process's checkpoint, which a
        worker runs while it waits for the turn)."""
        now = time.monotonic()
        if now - self._checkpointed < unless_within:
            return False
        self._checkpointed = now
        with self._lock:
            try:
                _, frames, _ = self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if frames >= WAL_RESTART_FRAMES:  # again, with the writers held off
                    fcntl.flock(self._writer, fcntl.LOCK_EX)
                    try:
                        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    finally:
                        fcntl.flock(self._writer, fcntl.LOCK_UN)
                        self._ring()
            except sqlite3.OperationalError:  # another process is checkpointing: it will do
                pass
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
