"""``--workers``' supervisor (:class:`SlotSupervisor`): uvicorn's ``Multiprocess``, giving
each worker the listening socket of its slot (:func:`~.workers.worker_slots`) rather than all
of them, so that a replacement takes over its dead predecessor's socket and backlog.

Issue 28: with a socket of its own per worker, made in the worker, every worker dying under
load (a replacement killed while it starts, then the other) left the port refused until a
replacement listened again (about 4 s, 656 client errors); with the slots held here, those
connections wait and are answered."""

from __future__ import annotations

import socket
from typing import Any

from uvicorn.supervisors import Multiprocess


class SlotSupervisor(Multiprocess):
    """``Multiprocess`` whose ``sockets``, read as each worker process is made, are that
    worker's slot: the next slot while the workers are first started, the slot of the dead
    worker being replaced after that (uvicorn replaces it at the same index), and in turn for
    a restart of all (``SIGHUP``: the new worker shares its slot with the old one until that
    one stops)."""

    slots: list[socket.socket]

    @property
    def sockets(self) -> list[socket.socket]:
        return [self.slots[self._next_slot()]]

    @sockets.setter
    def sockets(self, value: list[socket.socket]) -> None:
        self.slots = list(value)
        self._turn = -1

    def _next_slot(self) -> int:
        processes: list[Any] = getattr(self, "processes", [])
        if len(processes) < len(self.slots):
            return len(processes)
        for index, process in enumerate(processes):
            # uvicorn's Process.exitcode; where it is missing, slots are taken in turn
            if index < len(self.slots) and getattr(process, "exitcode", None) is not None:
                return index  # the dead one being replaced
        self._turn = (self._turn + 1) % len(self.slots)
        return self._turn
