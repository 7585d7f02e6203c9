"""Who holds a store: ``regsim serve --data DIR`` holds ``DIR/.regsim-lock`` while it runs, and
``regsim gc`` and ``regsim check --repair`` hold it while they write, so that none of them changes
a store another is using.

The lock is an exclusive ``flock`` on the file, which holds the holder's PID and what it is; the
kernel releases it when the process ends, however it ends (a ``kill -9`` leaves the file, not the
lock). Advisory: docker-registry does not look at it.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from ...errors import InvalidArgument
from .layout import Layout

__all__ = ["StoreLock", "StoreLocked", "hold"]


class StoreLocked(InvalidArgument):
    """Another process holds the store (its PID and what it is are in the message)."""


class StoreLock:
    """A held lock; :meth:`release` (or the end of the process) lets it go."""

    def __init__(self, handle: Any, path: str) -> None:
        self._handle, self.path = handle, path

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file releases the flock
            self._handle = None

    def __enter__(self) -> "StoreLock":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


#: What to tell someone who wants ``what`` while ``holder`` holds the store.
_ADVICE = {
    "serve": "garbage-collect it online with POST /admin/gc (regsim serve --admin USER), or stop the server first",
}


def hold(path: str | os.PathLike[str], what: str) -> StoreLock:
    """Take the lock of the store at ``path`` for ``what`` (``"serve"``, ``"gc"``, ``"repair"``),
    or raise :class:`StoreLocked` naming the holder's PID. The directory ``path`` must exist."""
    layout = Layout(path)
    handle = open(layout.lock, "a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().split()
        handle.close()
        pid, role = (holder + ["?", "?"])[:2]
        doing = {"serve": "served by regsim serve", "gc": "being garbage-collected by regsim gc",
                 "repair": "being repaired by regsim check --repair"}.get(role, f"held by {role}")
        advice = _ADVICE.get(role, "wait until it is done")
        raise StoreLocked(f"{os.fspath(path)} is {doing} (PID {pid}): {advice}") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()} {what}\n")
    handle.flush()
    return StoreLock(handle, os.fspath(path))
