"""LFU, least frequently used; among equals, the one that reached that frequency first goes."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Hashable

from ._compiled import LINKED, BucketState, evict_oldest, kernel, next_bucket, push, unlink
from .base import BucketPolicy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["LFU"]


@kernel(refcounts=False)  # no reference counts of the arrays it hands to its helpers
def lfu_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, bhead: Ints, btail: Ints,
               prev: Links, nxt: Links, osize: Ints, where: Flags, freq: Ints) -> tuple[int, int]:
    """One queue per frequency (``bhead``/``btail`` have room for every frequency the chunk can reach)."""
    used, mn, mx = st[0], st[1], st[2]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            f = freq[x]
            bhead[f], btail[f] = unlink(prev, nxt, bhead[f], btail[f], x)
            f += 1
            freq[x] = f
            if f > mx:
                mx = f
            bhead[f], btail[f] = push(prev, nxt, bhead[f], btail[f], x)
            if mn == f - 1 and bhead[f - 1] < 0:
                mn = next_bucket(bhead, mn, mx, mn)
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                _, size = evict_oldest(prev, nxt, bhead, btail, mn, where, osize)
                used -= size
                if bhead[mn] < 0:
                    mn = next_bucket(bhead, mn, mx, mn)
            mn = 1
            freq[x] = 1
            bhead[1], btail[1] = push(prev, nxt, bhead[1], btail[1], x)
            where[x] = 1
            osize[x] = s
            used += s
    st[0], st[1], st[2] = used, mn, mx
    return misses, missed


class LFUState(BucketState):
    kernel = lfu_kernel
    queues = 0
    fields = {**LINKED, "freq": ("int64", 0)}

    def setup(self, policy: LFU) -> None:
        self.st[1] = self.st[2] = 1  # min and max frequency

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.bhead, self.btail, a["prev"],
                       a["nxt"], a["osize"], a["where"], a["freq"])


class LFU(BucketPolicy):
    """Least frequently used; among equals, the one that reached that frequency first goes.

    Frequencies are forgotten on eviction (a returning object starts at 1), as in libCacheSim.
    """

    name = "lfu"
    libcachesim = "LFU"
    State = LFUState

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._max = 1

    def lookup(self, key: Hashable) -> bool:
        f = self._freq.get(key)
        if f is None:
            return False
        buckets = self._buckets
        old = buckets[f]
        del old[key]
        f += 1
        self._freq[key] = f
        if f > self._max:
            self._max = f
        new = buckets.get(f)
        if new is None:
            new = buckets[f] = OrderedDict()
        new[key] = None
        if not old:
            self._emptied(f - 1)
        return True

    def admit(self, key: Hashable, size: int) -> bool:
        self._min = 1
        self._freq[key] = 1
        self._size[key] = size
        self._buckets[1][key] = None
        return True

    def evict(self) -> tuple[Hashable, int]:
        return self._evict_oldest(self._min)

    def _emptied(self, f: int) -> None:
        if f == self._min:
            self._raise_min()

    def _raise_min(self) -> None:
        buckets = self._buckets
        for f in range(self._min + 1, self._max + 1):
            b = buckets.get(f)
            if b:
                self._min = f
                return
