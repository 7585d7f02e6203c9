"""GDSF, GreedyDual-Size-Frequency: evict the lowest ``L + freq * 1e6 / size``."""

from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING, Any, Hashable, Iterator

from ._compiled import HeapState, kernel, heap_compact, heap_pop, heap_push
from .base import Policy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Floats, Ints

__all__ = ["GDSF"]


@kernel(inline=True)
def _gdsf_priority(inflation: float, f: int, size: int) -> float:
    if size == 0:
        return math.inf
    return inflation + f * 1.0e6 / size


@kernel(refcounts=False)
def gdsf_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, fst: Floats, osize: Ints,
                where: Flags, freq: Ints, vtime: Ints, hp: Floats, hv: Ints, hx: Ints) -> tuple[int, int]:
    """st: used, clock, heap length; fst: inflation. A newcomer is admitted before evicting."""
    used, clk, n = st[0], st[1], st[2]
    inflation = fst[0]
    room = hp.size
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        clk += 1
        if n == room:
            n = heap_compact(hp, hv, hx, n, where, vtime)
        if where[x]:
            f = freq[x] + 1
            freq[x] = f
            vtime[x] = clk
            n = heap_push(hp, hv, hx, n, _gdsf_priority(inflation, f, osize[x]), clk, x)
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            freq[x] = 1
            vtime[x] = clk
            where[x] = 1
            osize[x] = s
            n = heap_push(hp, hv, hx, n, _gdsf_priority(inflation, 1, s), clk, x)
            used += s
            while used > cap:
                t, tp, n = heap_pop(hp, hv, hx, n, where, vtime)
                where[t] = 0
                inflation = tp
                used -= osize[t]
    st[0], st[1], st[2] = used, clk, n
    fst[0] = inflation
    return misses, missed


class GDSFState(HeapState):
    kernel = gdsf_kernel
    queues = 0
    fields = {"osize": ("int64", 0), "where": ("int8", 0), "freq": ("int64", 0), "vtime": ("int64", -1)}

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.fst, a["osize"], a["where"],
                       a["freq"], a["vtime"], *self.heap)


class GDSF(Policy):
    """GreedyDual-Size-Frequency: evict the lowest ``L + freq * 1e6 / size``.

    ``L`` is the priority of the last evicted object (the "inflation" that ages old entries).
    Small, popular objects stay: good for the hit ratio, at the expense of the byte hit ratio.
    Ties go to the object whose priority was set earliest, as in libCacheSim.
    A newcomer is admitted before the evictions it causes (see :meth:`request`).
    """

    name = "gdsf"
    libcachesim = "GDSF"
    State = GDSFState

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._entries: dict[Hashable, list[Any]] = {}  # key -> [priority, vtime, key, size, freq]
        self._heap: list[list[Any]] = []
        self._inflation = 0.0
        self._clock = 0

    def request(self, key: Hashable, size: int) -> bool:
        """As :meth:`Policy.request`, except that a missed object is admitted *first* and the
        lowest priorities are evicted after, so a newcomer whose priority is the lowest leaves
        at once (libCacheSim's GDSF does the same)."""
        self._clock += 1
        if self.lookup(key):
            return True
        if self.can_admit(key, size):
            self.admit(key, size)
            self.used += size
            while self.used > self.capacity:
                self.used -= self.evict()[1]
        return False

    def lookup(self, key: Hashable) -> bool:
        entry = self._entries.get(key)
        if entry is None:
            return False
        freq = entry[4] + 1
        fresh = [self._priority(freq, entry[3]), self._clock, key, entry[3], freq]
        self._entries[key] = fresh
        heapq.heappush(self._heap, fresh)
        return True

    def admit(self, key: Hashable, size: int) -> bool:
        entry = [self._priority(1, size), self._clock, key, size, 1]
        self._entries[key] = entry
        heapq.heappush(self._heap, entry)
        return True

    def _priority(self, freq: int, size: int) -> float:
        # as C doubles: an empty object has infinite priority (it costs nothing to keep)
        return self._inflation + freq * 1.0e6 / size if size else math.inf

    def evict(self) -> tuple[Hashable, int]:
        heap = self._heap
        while True:
            entry = heapq.heappop(heap)
            if self._entries.get(entry[2]) is entry:  # else: retired by a later hit
                break
        del self._entries[entry[2]]
        self._inflation = entry[0]
        if len(heap) > 4 * len(self._entries) + 64:  # drop retired entries now and then
            live = self._entries
            self._heap = [e for e in heap if live.get(e[2]) is e]
            heapq.heapify(self._heap)
        return entry[2], entry[3]

    def _drop(self, key: Hashable) -> int | None:
        entry = self._entries.pop(key, None)  # its heap entry is now retired
        return None if entry is None else entry[3]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._entries)
