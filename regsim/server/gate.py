"""One lock around the model: the core is single-threaded, the server is not.

Requests are handled on uvicorn's event loop; every model call goes through :class:`ModelGate`,
which runs it in a worker thread while holding one re-entrant lock. So a call that hashes a
large blob does not stall the event loop (other uploads keep streaming in), and no two calls
ever run at once. Code outside the server -- a notebook cell reading tables while a client
pushes -- takes the same lock::

    with server.lock:
        print(registry.storage())
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any, Callable, TypeVar

import anyio.to_thread

__all__ = ["ModelGate"]

T = TypeVar("T")


class ModelGate:
    """Serialises calls into a :class:`~regsim.registry.Registry`."""

    def __init__(self) -> None:
        self.lock = threading.RLock()

    async def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` under the lock, in a worker thread."""
        return await anyio.to_thread.run_sync(partial(self._locked, fn, *args, **kwargs))

    def _locked(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self.lock:
            return fn(*args, **kwargs)
