"""The listening sockets of ``ismart-mock --workers N``: one ``SO_REUSEPORT`` socket per worker."""

from __future__ import annotations

import socket
from typing import Any


class WorkerListener(socket.socket):
    """The listening socket of ``--workers N``, bound by the supervising process: a worker
    that receives it (uvicorn pickles it to each worker process it starts) gets a socket of its
    own bound to the same address with ``SO_REUSEPORT``, so the kernel spreads connections
    evenly over the workers. With one socket shared by all of them, whichever worker wakes
    first takes a whole burst of connections (seen here: all 64 of a load test on one worker,
    the other idle). The supervisor's own socket holds the port and never listens."""

    def __reduce__(self) -> tuple[Any, ...]:
        host, port = self.getsockname()[:2]
        return (bound_socket, (self.family, host, port, socket.socket))


def bound_socket(
    family: int, host: str, port: int, kind: type[socket.socket], reuse_address: bool = True
) -> socket.socket:
    """A socket bound to ``(host, port)`` with ``SO_REUSEPORT`` (and ``SO_REUSEADDR`` unless
    ``reuse_address`` is false: the supervisor's, see :func:`worker_listener`)."""
    sock = kind(family, socket.SOCK_STREAM)
    try:
        if reuse_address:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def worker_listener(host: str, port: int) -> socket.socket:
    """The supervisor's socket for ``--workers`` (a plain shared socket where the system has
    no ``SO_REUSEPORT``). A port that anything already listens on is refused (``OSError``), as
    uvicorn refuses it: ``SO_REUSEPORT`` alone would let a second emulator share it silently.
    So is a port another emulator's supervisor holds while its workers start: that socket is
    bound without ``SO_REUSEADDR`` (two sockets that both have it may share a port neither
    listens on), so only ``SO_REUSEPORT`` sockets of the same user, its workers, can join it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
        if not hasattr(socket, "SO_REUSEPORT"):
            shared = probe.dup()
            shared.set_inheritable(True)
            return shared
    return bound_socket(family, host, port, WorkerListener, reuse_address=False)


def worker_slots(holder: socket.socket, count: int) -> list[socket.socket]:
    """One listening socket per worker slot, on the port ``holder`` (:func:`worker_listener`)
    holds, for :class:`SlotSupervisor`. The supervisor keeps them: when a worker dies, the
    connections the kernel gives its socket wait in the socket's backlog until the replacement
    (which inherits the same socket) accepts them, instead of being refused or reset. Where the
    system has no ``SO_REUSEPORT``, the one shared socket."""
    if not isinstance(holder, WorkerListener):
        return [holder]
    host, port = holder.getsockname()[:2]
    slots = [bound_socket(holder.family, host, port, socket.socket) for _ in range(count)]
    for slot in slots:
        slot.listen(2048)
    return slots
