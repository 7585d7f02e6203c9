"""LRU, least recently used: a hit moves the object to the front; evict the least recent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._compiled import KernelState, kernel, queue_replay
from .base import QueuePolicy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["LRU"]


@kernel
def lru_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints, prev: Links,
               nxt: Links, osize: Ints, where: Flags) -> tuple[int, int]:
    """A hit moves the object to the head; evict from the tail (the loop is _compiled.queue_replay)."""
    return queue_replay(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where, True)


class LRUState(KernelState):
    kernel = lru_kernel

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"])


class LRU(QueuePolicy):
    """Least recently used: a hit moves the object to the front; evict the least recent.

    >>> cache = LRU(100)
    >>> [cache.request(k, s) for k, s in [("a", 60), ("b", 30), ("a", 60), ("c", 50), ("b", 30)]]
    [False, False, True, False, False]
    >>> sorted(cache), cache.used
    (['b', 'c'], 80)
    """

    name = "lru"
    libcachesim = "LRU"
    recency = True
    State = LRUState
