"""Cache policies with a byte capacity, and replaying request traces through them.

A policy is three methods on top of :class:`Policy` (which keeps the byte count)::

    lookup(key) -> bool          is ``key`` cached? (a hit updates recency/frequency)
    admit(key, size) -> bool     store ``key`` (called only when there is room); False = not stored
    evict() -> (key, size)       remove one object chosen by the policy and return it

and, optionally, ``can_admit(key, size)`` (admission control; by default an object is admitted
when it fits in the whole cache). :meth:`Policy.request` runs the classic loop::

    if lookup(key): hit
    elif can_admit(key, size):
        while used + size > capacity: evict()
        admit(key, size)

This is exactly libCacheSim's ``cache_get_base``, so the built-in policies give the same miss
ratio and byte miss ratio as the ``libcachesim`` package on the same trace: an object larger
than the cache is never admitted, and a hit never changes an object's size (registry blobs are
content-addressed, so a digest always has the same size anyway).

Built-in policies: :class:`LRU`, :class:`FIFO`, :class:`LFU` (ties evicted in FIFO order of
reaching their frequency, as libCacheSim), :class:`Clock` (FIFO with reinsertion, an n-bit
counter), :class:`S3FIFO` (small FIFO + main Clock + ghost, libCacheSim's variant) and
:class:`GDSF` (GreedyDual-Size-Frequency: priority ``L + freq * 1e6 / size``). LRU, FIFO and
CLOCK have a fast :meth:`~Policy.replay_bytes` loop (plain OrderedDicts, no per-request objects),
tested to give the same results as calling :meth:`~Policy.request` per request.

>>> cache = LRU(100)
>>> [cache.request(k, s) for k, s in [("a", 60), ("b", 30), ("a", 60), ("c", 50), ("b", 30)]]
[False, False, True, False, False]
>>> sorted(cache), cache.used
(['b', 'c'], 80)
"""

from __future__ import annotations

import heapq
import math
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Callable, Hashable, Iterable, Iterator, Sequence

from ._util import check_int, parse_bytes
from .errors import InvalidParameter, UnknownPolicy

__all__ = [
    "Policy", "LRU", "FIFO", "LFU", "Clock", "S3FIFO", "GDSF", "ARC", "Sieve", "POLICIES", "make_policy",
    "CacheStats", "simulate", "hit_sequence",
]


class Policy(ABC):
    """A cache of keyed objects holding at most ``capacity`` bytes.

    Subclasses implement :meth:`lookup`, :meth:`admit` and :meth:`evict`; this base class keeps
    ``used`` (bytes held) from the sizes they are given and return.
    """

    #: short name used in experiment tables (``"lru"``, ``"gdsf"``...); a subclass that sets none is
    #: named after its class, so its rows are never taken for its parent's
    name: str = "policy"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__

    def __init__(self, capacity: int) -> None:
        self.capacity = check_int("capacity", capacity, minimum=0)
        self.used = 0

    # -- what a policy implements ---------------------------------------------------------------

    @abstractmethod
    def lookup(self, key: Hashable) -> bool:
        """True when ``key`` is cached (and record the access)."""

    @abstractmethod
    def admit(self, key: Hashable, size: int) -> bool | None:
        """Store ``key`` (there is room). Return False if the policy decided not to store it."""

    @abstractmethod
    def evict(self) -> tuple[Hashable, int]:
        """Remove one object and return ``(key, size)``."""

    def can_admit(self, key: Hashable, size: int) -> bool:
        """Whether a missed object may enter the cache (default: it fits in the whole cache)."""
        return size <= self.capacity

    def discard(self, key: Hashable) -> bool:
        """Drop ``key`` if cached (a TTL expiry); True if it was there.

        Optional: the built-in policies implement :meth:`_drop`; a user policy that does not
        simply never loses objects before eviction.
        """
        size = self._drop(key)
        if size is None:
            return False
        self.used -= size
        return True

    def _drop(self, key: Hashable) -> int | None:
        """Remove ``key`` from the policy's structures and return its size (None if absent)."""
        return None

    # -- driving it -----------------------------------------------------------------------------

    def request(self, key: Hashable, size: int) -> bool:
        """One request: True on a hit; on a miss, admit ``key`` (evicting as needed) if allowed."""
        if self.lookup(key):
            return True
        if self.can_admit(key, size):
            while self.used + size > self.capacity:
                _, freed = self.evict()
                self.used -= freed
            if self.admit(key, size) is not False:
                self.used += size
        return False

    def replay(self, keys: Sequence[Hashable], sizes: Sequence[int]) -> int:
        """Run every request; return the number of **misses** (through :meth:`replay_bytes`)."""
        return self.replay_bytes(keys, sizes)[0]

    def replay_bytes(self, keys: Sequence[Hashable], sizes: Sequence[int]) -> tuple[int, int]:
        """Run every request; return ``(misses, missed_bytes)``. LRU, FIFO and CLOCK override this
        loop with one that inlines their rules."""
        request = self.request
        misses = missed = 0
        for k, s in zip(keys, sizes):
            if not request(k, s):
                misses += 1
                missed += s
        return misses, missed

    def __repr__(self) -> str:
        return f"{type(self).__name__}(capacity={self.capacity}, used={self.used})"


class _QueuePolicy(Policy):
    """Policies whose state is one insertion-ordered queue ``key -> size`` (oldest first)."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._queue: OrderedDict[Hashable, int] = OrderedDict()

    def admit(self, key: Hashable, size: int) -> bool:
        self._queue[key] = size
        return True

    def evict(self) -> tuple[Hashable, int]:
        return self._queue.popitem(last=False)

    def _drop(self, key: Hashable) -> int | None:
        return self._queue.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._queue

    def __len__(self) -> int:
        return len(self._queue)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._queue)


class LRU(_QueuePolicy):
    """Least recently used: a hit moves the object to the front; evict the least recent."""

    name = "lru"

    def lookup(self, key: Hashable) -> bool:
        if key in self._queue:
            self._queue.move_to_end(key)
            return True
        return False

    def replay_bytes(self, keys: Sequence[Hashable], sizes: Sequence[int]) -> tuple[int, int]:
        # LRU and FIFO keep separate loops on purpose: sharing one costs either a branch on every
        # hit (LRU about 4% slower at 1% of the working set) or a call on every FIFO hit (FIFO
        # about 14% slower at 10%), measured with benchmarks/cache.py.
        queue = self._queue
        move, pop = queue.move_to_end, queue.popitem
        cap, used = self.capacity, self.used
        misses = missed = 0
        for k, s in zip(keys, sizes):
            if k in queue:
                move(k)
                continue
            misses += 1
            missed += s
            if s <= cap:
                used += s
                while used > cap:
                    used -= pop(False)[1]
                queue[k] = s
        self.used = used
        return misses, missed


class FIFO(_QueuePolicy):
    """First in, first out: hits change nothing; evict the oldest insertion."""

    name = "fifo"

    def lookup(self, key: Hashable) -> bool:
        return key in self._queue

    def replay_bytes(self, keys: Sequence[Hashable], sizes: Sequence[int]) -> tuple[int, int]:
        queue = self._queue
        pop = queue.popitem
        cap, used = self.capacity, self.used
        misses = missed = 0
        for k, s in zip(keys, sizes):
            if k in queue:
                continue
            misses += 1
            missed += s
            if s <= cap:
                used += s
                while used > cap:
                    used -= pop(False)[1]
                queue[k] = s
        self.used = used
        return misses, missed


class Clock(_QueuePolicy):
    """CLOCK (FIFO with reinsertion, "second chance") with an ``bits``-bit access counter.

    A hit raises the counter (up to ``2**bits - 1``); eviction looks at the oldest object: if
    its counter is positive it is decremented and the object goes back to the front.
    """

    name = "clock"

    def __init__(self, capacity: int, bits: int = 1) -> None:
        super().__init__(capacity)
        self.bits = check_int("bits", bits, minimum=1)
        self._max = (1 << self.bits) - 1
        self._freq: dict[Hashable, int] = {}

    def lookup(self, key: Hashable) -> bool:
        freq = self._freq
        f = freq.get(key)
        if f is None:
            return False
        if f < self._max:
            freq[key] = f + 1
        return True

    def admit(self, key: Hashable, size: int) -> bool:
        self._queue[key] = size
        self._freq[key] = 0
        return True

    def evict(self) -> tuple[Hashable, int]:
        queue, freq = self._queue, self._freq
        while True:
            key, size = queue.popitem(last=False)
            f = freq[key]
            if f:
                freq[key] = f - 1
                queue[key] = size
            else:
                del freq[key]
                return key, size

    def _drop(self, key: Hashable) -> int | None:
        self._freq.pop(key, None)
        return self._queue.pop(key, None)

    def replay_bytes(self, keys: Sequence[Hashable], sizes: Sequence[int]) -> tuple[int, int]:
        queue, freq = self._queue, self._freq
        pop, get = queue.popitem, freq.get
        cap, used, top = self.capacity, self.used, self._max
        misses = missed = 0
        for k, s in zip(keys, sizes):
            f = get(k)
            if f is not None:
                if f < top:
                    freq[k] = f + 1
                continue
            misses += 1
            missed += s
            if s <= cap:
                used += s
                while used > cap:
                    v, vs = pop(False)
                    f = freq[v]
                    if f:
                        freq[v] = f - 1
                        queue[v] = vs
                    else:
                        del freq[v]
                        used -= vs
                queue[k] = s
                freq[k] = 0
        self.used = used
        return misses, missed


class LFU(Policy):
    """Least frequently used; among equals, the one that reached that frequency first goes.

    Frequencies are forgotten on eviction (a returning object starts at 1), as in libCacheSim.
    """

    name = "lfu"

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._freq: dict[Hashable, int] = {}
        self._sizes: dict[Hashable, int] = {}
        self._buckets: dict[int, OrderedDict[Hashable, None]] = {1: OrderedDict()}
        self._min = 1
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
        if self._min == f - 1 and not old:
            self._raise_min()
        return True

    def admit(self, key: Hashable, size: int) -> bool:
        self._min = 1
        self._freq[key] = 1
        self._sizes[key] = size
        self._buckets[1][key] = None
        return True

    def evict(self) -> tuple[Hashable, int]:
        bucket = self._buckets[self._min]
        key, _ = bucket.popitem(last=False)
        if not bucket:
            self._raise_min()
        del self._freq[key]
        return key, self._sizes.pop(key)

    def _drop(self, key: Hashable) -> int | None:
        f = self._freq.pop(key, None)
        if f is None:
            return None
        bucket = self._buckets[f]
        del bucket[key]
        if f == self._min and not bucket:
            self._raise_min()
        return self._sizes.pop(key)

    def _raise_min(self) -> None:
        buckets = self._buckets
        for f in range(self._min + 1, self._max + 1):
            b = buckets.get(f)
            if b:
                self._min = f
                return

    def __contains__(self, key: object) -> bool:
        return key in self._freq

    def __len__(self) -> int:
        return len(self._freq)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._freq)


class S3FIFO(Policy):
    """S3-FIFO (Yang et al., SOSP'23) as libCacheSim implements it.

    A small FIFO (``small_ratio`` of the bytes) takes new objects, a main FIFO with a 2-bit
    CLOCK counter keeps objects seen again, and a ghost FIFO (``ghost_ratio`` of the bytes, keys
    only) remembers what the small FIFO dropped. Objects larger than the small FIFO are not
    admitted. Until the first eviction, new objects go to main once the small FIFO is full.
    """

    name = "s3fifo"

    def __init__(self, capacity: int, small_ratio: float = 0.1, ghost_ratio: float = 0.9,
                 move_to_main: int = 2) -> None:
        super().__init__(capacity)
        for label, r in (("small_ratio", small_ratio), ("ghost_ratio", ghost_ratio)):
            if not 0 <= r <= 1:
                raise InvalidParameter(f"{label} must be in [0, 1], got {r!r}")
        self.small_capacity = int(self.capacity * small_ratio)
        self.main_capacity = self.capacity - self.small_capacity
        self.ghost_capacity = int(self.capacity * ghost_ratio)
        self.move_to_main = check_int("move_to_main", move_to_main, minimum=1)
        self._small: OrderedDict[Hashable, int] = OrderedDict()
        self._main: OrderedDict[Hashable, int] = OrderedDict()
        self._ghost: OrderedDict[Hashable, int] = OrderedDict()
        self._freq: dict[Hashable, int] = {}
        self._small_used = self._main_used = self._ghost_used = 0
        self._hit_on_ghost = False
        self._has_evicted = False

    def can_admit(self, key: Hashable, size: int) -> bool:
        return size <= self.small_capacity and size <= self.capacity

    def lookup(self, key: Hashable) -> bool:
        self._hit_on_ghost = False
        if key in self._small:
            self._freq[key] += 1
            return True
        ghost = self._ghost
        if key in ghost:
            self._ghost_used -= ghost.pop(key)
            self._hit_on_ghost = True
        if key in self._main:
            self._freq[key] += 1
            return True
        return False

    def admit(self, key: Hashable, size: int) -> bool:
        if self._hit_on_ghost:
            self._hit_on_ghost = False
            self._main[key] = size
            self._main_used += size
        elif size >= self.small_capacity:
            return False
        elif not self._has_evicted and self._small_used >= self.small_capacity:
            self._main[key] = size
            self._main_used += size
        else:
            self._small[key] = size
            self._small_used += size
        self._freq[key] = 0
        return True

    def evict(self) -> tuple[Hashable, int]:
        self._has_evicted = True
        if self._main_used > self.main_capacity or self._small_used == 0:
            return self._evict_main()
        return self._evict_small()

    def _evict_small(self) -> tuple[Hashable, int]:
        small, freq = self._small, self._freq
        while True:
            key, size = small.popitem(last=False)
            self._small_used -= size
            if freq[key] >= self.move_to_main:
                self._main[key] = size
                self._main_used += size
                freq[key] = 0
                if not small:  # nothing evicted from the small queue: fall back to main
                    return self._evict_main()
                continue
            del freq[key]
            self._remember(key, size)
            return key, size

    def _evict_main(self) -> tuple[Hashable, int]:
        main, freq = self._main, self._freq
        while True:
            key, size = main.popitem(last=False)
            f = freq[key]
            if f >= 1:
                main[key] = size
                freq[key] = min(f, 3) - 1
                continue
            del freq[key]
            self._main_used -= size
            return key, size

    def _drop(self, key: Hashable) -> int | None:
        for queue, attr in ((self._small, "_small_used"), (self._main, "_main_used")):
            size = queue.pop(key, None)
            if size is not None:
                setattr(self, attr, getattr(self, attr) - size)
                del self._freq[key]
                return size
        return None

    def _remember(self, key: Hashable, size: int) -> None:
        ghost = self._ghost
        if key in ghost or size > self.ghost_capacity:
            return
        while self._ghost_used + size > self.ghost_capacity:
            self._ghost_used -= ghost.popitem(last=False)[1]
        ghost[key] = size
        self._ghost_used += size

    def __contains__(self, key: object) -> bool:
        return key in self._small or key in self._main

    def __len__(self) -> int:
        return len(self._small) + len(self._main)

    def __iter__(self) -> Iterator[Hashable]:
        yield from self._small
        yield from self._main


class GDSF(Policy):
    """GreedyDual-Size-Frequency: evict the lowest ``L + freq * 1e6 / size``.

    ``L`` is the priority of the last evicted object (the "inflation" that ages old entries).
    Small, popular objects stay: good for the hit ratio, at the expense of the byte hit ratio.
    Ties go to the object whose priority was set earliest, as in libCacheSim.
    A newcomer is admitted before the evictions it causes (see :meth:`request`).
    """

    name = "gdsf"

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


_END = object()  # the end of Sieve's list (keys may be anything hashable, even None)


def _c_max(a: float, b: float) -> float:
    """C's ``MAX(a, b)`` macro (``a > b ? a : b``): NaN loses, as in libCacheSim."""
    return a if a > b else b


def _c_div(a: int, b: int) -> float:
    """``(double)a / b`` as C computes it: x/0 is inf, 0/0 is NaN."""
    if b:
        return a / b
    return math.inf if a > 0 else math.nan


class ARC(Policy):
    """ARC, adaptive replacement (Megiddo and Modha, FAST'03), with byte sizes as libCacheSim.

    Two LRU lists of cached objects, ``T1`` (seen once) and ``T2`` (seen again), and two ghost
    lists of keys recently evicted from them, ``B1`` and ``B2``, each counted in bytes. A hit in
    ``T1`` or ``T2`` moves the object to the front of ``T2``. A request that finds its key in a
    ghost list is a miss that adapts the target ``p`` for ``T1``'s bytes (up after a ``B1`` hit,
    down after a ``B2`` hit, by ``max(other ghost / this ghost, 1)``) and admits the object
    straight into ``T2``. Eviction follows libCacheSim's ``ARC.c`` step for step, including its
    rules for variable sizes (the ghost lists are trimmed by bytes, not by count) and the flag
    that remembers which ghost list the last ghost hit came from.
    """

    name = "arc"

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        # key -> size, least recently used first (libCacheSim's tail is our first item)
        self._t1: OrderedDict[Hashable, int] = OrderedDict()
        self._t2: OrderedDict[Hashable, int] = OrderedDict()
        self._b1: OrderedDict[Hashable, int] = OrderedDict()
        self._b2: OrderedDict[Hashable, int] = OrderedDict()
        self._t1_bytes = self._t2_bytes = self._b1_bytes = self._b2_bytes = 0
        self.p = 0.0                 #: target bytes for T1
        self._from_b1 = False        # which ghost list the last ghost hit came from
        self._from_b2 = False        # (kept across requests, as libCacheSim keeps them)
        self._ghost_hit = False      # this request hit a ghost
        self._incoming = 0           # size of the object being admitted

    def request(self, key: Hashable, size: int) -> bool:
        """As :meth:`Policy.request`; ARC's eviction also looks at the incoming object's size."""
        self._incoming = size
        return super().request(key, size)

    def lookup(self, key: Hashable) -> bool:
        self._ghost_hit = False
        if key in self._t1:
            self._from_b1 = self._from_b2 = False
            size = self._t1.pop(key)
            self._t1_bytes -= size
            self._t2[key] = size
            self._t2_bytes += size
            return True
        if key in self._t2:
            self._from_b1 = self._from_b2 = False
            self._t2.move_to_end(key)
            return True
        if key in self._b1:
            self._from_b1, self._from_b2, self._ghost_hit = True, False, True
            delta = _c_max(_c_div(self._b2_bytes, self._b1_bytes), 1.0)
            grown = self.p + delta
            self.p = grown if grown < self.capacity else float(self.capacity)
            self._b1_bytes -= self._b1.pop(key)
        elif key in self._b2:
            self._from_b1, self._from_b2, self._ghost_hit = False, True, True
            delta = _c_max(_c_div(self._b1_bytes, self._b2_bytes), 1.0)
            self.p = _c_max(self.p - delta, 0.0)
            self._b2_bytes -= self._b2.pop(key)
        return False

    def admit(self, key: Hashable, size: int) -> bool:
        if self._ghost_hit:
            self._t2[key] = size
            self._t2_bytes += size
            self._from_b1 = self._from_b2 = self._ghost_hit = False
        else:
            self._t1[key] = size
            self._t1_bytes += size
        return True

    def evict(self) -> tuple[Hashable, int]:
        if self._ghost_hit:
            return self._replace()
        t1, b1 = self._t1_bytes, self._b1_bytes
        if t1 + b1 + self._incoming > self.capacity:
            if b1 > 0:  # T1 and B1 hold a cache's worth: forget B1's oldest, then replace
                self._b1_bytes -= self._b1.popitem(last=False)[1]
                return self._replace()
            key, size = self._t1.popitem(last=False)  # T1 alone is too big: evict, no ghost
            self._t1_bytes -= size
            return key, size
        if t1 + b1 + self._t2_bytes + self._b2_bytes >= 2 * self.capacity and self._b2_bytes > 0:
            self._b2_bytes -= self._b2.popitem(last=False)[1]
        return self._replace()

    def _replace(self) -> tuple[Hashable, int]:
        """The paper's REPLACE: evict T1's or T2's least recent object into its ghost list."""
        t1 = self._t1_bytes
        if (t1 > 0 and (t1 > self.p or (t1 == self.p and self._from_b2))) or self._t2_bytes == 0:
            key, size = self._t1.popitem(last=False)
            self._t1_bytes -= size
            self._b1[key] = size
            self._b1_bytes += size
        else:
            key, size = self._t2.popitem(last=False)
            self._t2_bytes -= size
            self._b2[key] = size
            self._b2_bytes += size
        return key, size

    def _drop(self, key: Hashable) -> int | None:
        for queue, attr in ((self._t1, "_t1_bytes"), (self._t2, "_t2_bytes")):
            size = queue.pop(key, None)
            if size is not None:
                setattr(self, attr, getattr(self, attr) - size)
                return size
        return None

    def __contains__(self, key: object) -> bool:
        return key in self._t1 or key in self._t2

    def __len__(self) -> int:
        return len(self._t1) + len(self._t2)

    def __iter__(self) -> Iterator[Hashable]:
        yield from self._t1
        yield from self._t2


class Sieve(Policy):
    """SIEVE (Zhang et al., NSDI'24): one FIFO queue, a visited bit and a moving hand.

    A hit sets the object's visited bit; nothing moves. New objects enter at the head. To evict,
    the hand walks from where it stopped last (the tail, the oldest object, at first) towards
    the head, clearing visited bits, and evicts the first unvisited object; past the head it
    wraps to the tail. The hand then rests on the next newer object (or starts again at the
    tail when the evicted object was the newest). As libCacheSim's ``Sieve.c``.
    """

    name = "sieve"

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._size: dict[Hashable, int] = {}
        self._visited: dict[Hashable, bool] = {}
        self._newer: dict[Hashable, Hashable] = {}   # neighbour towards the head (_END at the head)
        self._older: dict[Hashable, Hashable] = {}   # neighbour towards the tail (_END at the tail)
        self._head: Hashable = _END                  # newest
        self._tail: Hashable = _END                  # oldest
        self._hand: Hashable = _END                  # _END: start at the tail

    def lookup(self, key: Hashable) -> bool:
        if key in self._size:
            self._visited[key] = True
            return True
        return False

    def admit(self, key: Hashable, size: int) -> bool:
        self._size[key] = size
        self._visited[key] = False
        self._older[key], self._newer[key] = self._head, _END
        if self._head is _END:
            self._tail = key
        else:
            self._newer[self._head] = key
        self._head = key
        return True

    def evict(self) -> tuple[Hashable, int]:
        key = self._tail if self._hand is _END else self._hand
        while self._visited[key]:
            self._visited[key] = False
            key = self._newer[key]
            if key is _END:
                key = self._tail
        self._hand = self._newer[key]
        return key, self._unlink(key)

    def _unlink(self, key: Hashable) -> int:
        newer, older = self._newer.pop(key), self._older.pop(key)
        if newer is _END:
            self._head = older
        else:
            self._older[newer] = older
        if older is _END:
            self._tail = newer
        else:
            self._newer[older] = newer
        del self._visited[key]
        return self._size.pop(key)

    def _drop(self, key: Hashable) -> int | None:
        if key not in self._size:
            return None
        if key == self._hand:
            self._hand = self._newer[key]
        return self._unlink(key)

    def __contains__(self, key: object) -> bool:
        return key in self._size

    def __len__(self) -> int:
        return len(self._size)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._size)

#: name -> policy class, for experiments and :func:`make_policy`
POLICIES: dict[str, type[Policy]] = {cls.name: cls for cls in (LRU, FIFO, LFU, Clock, S3FIFO, GDSF, ARC, Sieve)}


def make_policy(policy: "str | type[Policy] | Callable[[int], Policy]", capacity: int) -> Policy:
    """A policy instance from a name (``"lru"``), a :class:`Policy` subclass or a factory."""
    if isinstance(policy, str):
        cls = POLICIES.get(policy.lower())
        if cls is None:
            raise UnknownPolicy(f"unknown cache policy {policy!r} (known: {', '.join(POLICIES)})")
        return cls(capacity)
    if callable(policy):
        made = policy(capacity)
        if not isinstance(made, Policy):
            raise InvalidParameter(f"policy factory {policy!r} returned {type(made).__name__}, not a Policy")
        return made
    raise InvalidParameter(f"policy must be a name, a Policy subclass or a factory, got {policy!r}")


@dataclass(frozen=True)
class CacheStats:
    """What a cache did with a trace: counts and bytes, and the ratios derived from them."""

    requests: int
    hits: int
    bytes_requested: int
    bytes_hit: int

    @property
    def misses(self) -> int:
        return self.requests - self.hits

    @property
    def hit_ratio(self) -> float:
        return self.hits / self.requests if self.requests else 0.0

    @property
    def miss_ratio(self) -> float:
        return 1.0 - self.hit_ratio if self.requests else 0.0

    @property
    def byte_hit_ratio(self) -> float:
        return self.bytes_hit / self.bytes_requested if self.bytes_requested else 0.0

    @property
    def byte_miss_ratio(self) -> float:
        return 1.0 - self.byte_hit_ratio if self.bytes_requested else 0.0

    @property
    def upstream_bytes(self) -> int:
        """Bytes fetched from behind the cache: every miss is fetched once."""
        return self.bytes_requested - self.bytes_hit

    def to_dict(self) -> dict[str, float | int]:
        return {"requests": self.requests, "hits": self.hits, "misses": self.misses,
                "hit_ratio": self.hit_ratio, "byte_hit_ratio": self.byte_hit_ratio,
                "miss_ratio": self.miss_ratio, "byte_miss_ratio": self.byte_miss_ratio,
                "bytes_requested": self.bytes_requested, "upstream_bytes": self.upstream_bytes}


def _capacity_bytes(capacity: object) -> int:
    if isinstance(capacity, str):
        return parse_bytes("capacity", capacity)
    if isinstance(capacity, bool) or not isinstance(capacity, Integral):
        raise InvalidParameter(f"capacity is bytes: an int or a size such as '64MB', got {capacity!r} "
                               f"(for a share of the working set, use run/sweep with sizes=[0.1])")
    return check_int("capacity", capacity, minimum=0)


def _prepare(policy: Any, keys: Iterable[Hashable], sizes: Iterable[int], capacity: object,
             engine: str) -> tuple[str, Any, list, list]:
    """Check the arguments of :func:`simulate` and :func:`hit_sequence`; pick the engine.

    Returns ``(engine, policy, keys, sizes)``: for ``"python"`` a fresh or given Policy object,
    for ``"compiled"`` a :class:`~regsim.sim.engine.CompiledCache`.
    """
    from .engine import CompiledCache, resolve_engine

    keys = keys if isinstance(keys, list) else list(keys)
    sizes = sizes if isinstance(sizes, list) else list(sizes)
    if len(keys) != len(sizes):
        raise InvalidParameter(f"keys and sizes differ in length: {len(keys)} vs {len(sizes)}")
    if sizes and min(sizes) < 0:
        raise InvalidParameter(f"object sizes must be non-negative, got {min(sizes)!r}")
    if isinstance(policy, Policy):
        if capacity is not None:
            raise InvalidParameter(f"{policy!r} already has its capacity; pass capacity= only with a "
                                   f"policy name, class or factory")
        if engine == "compiled":
            raise InvalidParameter(f"engine='compiled' replays a policy given by name (simulate('lru', keys, "
                                   f"sizes, capacity=...)); the object {policy!r} runs with engine='python'")
        resolve_engine(engine, policy)  # checks the engine name
        return "python", policy, keys, sizes
    if capacity is None:
        raise InvalidParameter(f"simulate({policy!r}, ...) needs capacity= (bytes, or a size such as '64MB')")
    capacity = _capacity_bytes(capacity)
    if isinstance(policy, str) and policy.lower() not in POLICIES:
        make_policy(policy, 0)  # raises UnknownPolicy, naming it
    chosen = resolve_engine(engine, policy)
    if chosen == "compiled":
        return chosen, CompiledCache(policy, capacity), keys, sizes
    return chosen, make_policy(policy, capacity), keys, sizes


def simulate(policy: "Policy | str | type[Policy] | Callable[[int], Policy]", keys: Iterable[Hashable],
             sizes: Iterable[int], *, capacity: "int | str | None" = None, engine: str = "auto") -> CacheStats:
    """Replay ``keys``/``sizes`` (equal lengths) through a cache; count hits and bytes.

    ``policy`` is a :class:`Policy` object (it keeps its state: look inside it afterwards), or a
    name (``"lru"``), class or factory with ``capacity=`` in bytes (an int or ``"64MB"``).
    ``engine`` is ``"auto"``, ``"compiled"`` or ``"python"`` (:mod:`regsim.sim.engine`): a
    built-in name runs compiled when numba is installed; objects always run in Python.

    >>> simulate("lru", ["a", "b", "a", "c", "b"], [60, 30, 60, 50, 30], capacity=100).hits
    1
    """
    chosen, cache, keys, sizes = _prepare(policy, keys, sizes, capacity, engine)
    if chosen == "python":
        misses, missed = cache.replay_bytes(keys, sizes)
    else:
        ids, _ = _dense(keys)
        misses, missed = cache.feed(ids, sizes)
    total = sum(sizes)
    return CacheStats(len(keys), len(keys) - misses, total, total - missed)


def hit_sequence(policy: "Policy | str | type[Policy] | Callable[[int], Policy]", keys: Iterable[Hashable],
                 sizes: Iterable[int], *, capacity: "int | str | None" = None, engine: str = "auto") -> list[bool]:
    """Each request's outcome (True = hit), in order; arguments as :func:`simulate`.

    The two engines give the same sequence (``tests/sim/test_engines.py`` proves it).

    >>> hit_sequence("lru", ["a", "b", "a", "c", "b"], [60, 30, 60, 50, 30], capacity=100)
    [False, False, True, False, False]
    """
    chosen, cache, keys, sizes = _prepare(policy, keys, sizes, capacity, engine)
    if chosen == "python":
        request = cache.request
        return [request(k, s) for k, s in zip(keys, sizes)]
    ids, _ = _dense(keys)
    return cache.feed(ids, sizes, record=True)[2].tolist()


def _dense(keys: list) -> tuple[Any, int]:
    """Dense ids ``0..n-1`` (in order of first request) for ``keys``, and ``n``."""
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(keys))
    return codes.astype("int64"), len(uniques)
