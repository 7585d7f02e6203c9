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
from typing import Any, Callable, Hashable, Iterable, Iterator, Sequence

from ._util import check_int
from .errors import InvalidParameter, UnknownPolicy

__all__ = [
    "Policy", "LRU", "FIFO", "LFU", "Clock", "S3FIFO", "GDSF", "POLICIES", "make_policy",
    "CacheStats", "simulate",
]


class Policy(ABC):
    """A cache of keyed objects holding at most ``capacity`` bytes.

    Subclasses implement :meth:`lookup`, :meth:`admit` and :meth:`evict`; this base class keeps
    ``used`` (bytes held) from the sizes they are given and return.
    """

    #: short name used in experiment tables (``"lru"``, ``"gdsf"``...)
    name: str = "policy"

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


#: name -> policy class, for experiments and :func:`make_policy`
POLICIES: dict[str, type[Policy]] = {cls.name: cls for cls in (LRU, FIFO, LFU, Clock, S3FIFO, GDSF)}


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


def simulate(policy: Policy, keys: Iterable[Hashable], sizes: Iterable[int]) -> CacheStats:
    """Replay ``keys``/``sizes`` (equal lengths) through ``policy`` and count hits and bytes."""
    keys = keys if isinstance(keys, list) else list(keys)
    sizes = sizes if isinstance(sizes, list) else list(sizes)
    if len(keys) != len(sizes):
        raise InvalidParameter(f"keys and sizes differ in length: {len(keys)} vs {len(sizes)}")
    if sizes and min(sizes) < 0:
        raise InvalidParameter(f"object sizes must be non-negative, got {min(sizes)!r}")
    misses, missed = policy.replay_bytes(keys, sizes)
    total = sum(sizes)
    return CacheStats(len(keys), len(keys) - misses, total, total - missed)
