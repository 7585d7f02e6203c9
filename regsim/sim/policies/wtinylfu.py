"""W-TinyLFU as libCacheSim's ``WTinyLFU``: a window LRU in front of a segmented-LRU main cache, with
a count-min sketch of frequencies deciding which of the two victims leaves.

libCacheSim 0.3.5's rules, as this module implements them (both engines, request by request):

* **Sizes.** The window holds ``int(capacity * window_size)`` bytes, the main cache the rest; the main
  cache is an SLRU of two segments, probation ``int(1 / 5 * main)`` bytes and protected
  ``int(4 / 5 * main)``. An object is admitted when it fits in the window, the main cache and probation.
  libCacheSim *aborts* (an ``ERROR`` in SLRU's parameters) when a segment would be 0 bytes: a main
  cache under 5 bytes. Ours then caches only zero-byte objects and sets ``libcachesim_would_crash``.
* **Requests.** A newcomer enters the window (which may grow past its share: only the whole cache's
  bytes are bounded). A hit in the window moves it to the window's front; a hit in the main cache is
  SLRU's (probation moves up to protected, whose overflow cools down to probation, whose overflow
  leaves) and is counted in the sketch.
* **Eviction** (while the cache lacks room): while the main cache has room for the window's least
  recent object, that object moves into it (probation, or protected when only that has room, or
  probation after SLRU evicts enough). Otherwise the window's victim and the main cache's (the least
  recent of its lowest non-empty segment) compare their estimated frequencies: the window's enters
  (the main victim leaves) only when strictly more frequent, else it leaves. Each window victim so
  handled is counted once more. With an empty window, the main cache evicts.
* **The sketch** (``minimalIncrementCBF``): ``hashes = ceil(ln 2 * bpe)`` counters per object among
  ``ceil(bpe * entries)`` (at most 2**31 - 1; at least ``2 * hashes`` when fewer), where
  ``bpe = -ln(sketch_error) / ln(2)**2`` and ``entries`` is the main cache's bytes as a C ``int``
  (a main cache of 2 GiB or more wraps around: often 20 counters). The object's 8-byte id is hashed
  with XXH64 under seeds ``0x12345678`` and ``0x12344321``, each kept to its low 32 bits ``a``, ``b``;
  its counters are ``(a + i * b) mod 2**32 mod width`` for ``i < hashes``. Adding increments all of
  them; the estimate is their minimum. Every ``reset_factor * main`` hits in the main cache the
  counters are halved. (libCacheSim allocates all ``width`` counters, up to 8 GB touched at random;
  the compiled kernel keeps only those some object names, numbered compactly: the same counts.)

Which id is hashed: an ``int`` key is the object id (as libCacheSim's ``obj_id``, modulo 2**64);
any other key is numbered in order of first request (0, 1, ...), as the compiled engine numbers keys.
The compiled engine hashes the object ids the caller gives (``CompiledCache.feed(object_ids=...)``;
``simulate``, ``hit_sequence``, ``run``, ``sweep`` and the streaming replays pass a trace's integer
keys), else its dense ids.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from numbers import Real
from typing import TYPE_CHECKING, Any, Hashable, Iterator

from .._util import check_int
from ..errors import InvalidParameter
from ._compiled import KernelState, kernel, push, unlink
from .base import Policy

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["WTinyLFU"]

# -- XXH64 of an 8-byte object id (the xxHash specification's path for an 8-byte input) -------------------

MASK64 = (1 << 64) - 1
_P1, _P2, _P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
_P4, _P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5
#: libCacheSim's HASH_SEED0 and HASH_SEED1 (dataStructure/hash/hash.h), the sketch's two hashes
SEEDS = (0x12345678, 0x12344321)


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & MASK64


def xxh64_id(object_id: int, seed: int) -> int:
    """XXH64 of ``object_id`` as 8 little-endian bytes (an int64 or uint64 id, taken modulo 2**64).

    >>> hex(xxh64_id(0, 0))
    '0x34c96acdcadb1bbb'
    """
    lane = object_id & MASK64
    h = (seed + _P5 + 8) & MASK64
    k = (_rotl((lane * _P2) & MASK64, 31) * _P1) & MASK64
    h = (_rotl(h ^ k, 27) * _P1 + _P4) & MASK64
    h ^= h >> 33
    h = (h * _P2) & MASK64
    h ^= h >> 29
    h = (h * _P3) & MASK64
    return h ^ (h >> 32)


def _xxh64_ids(ids: NDArray[Any], seed: int) -> NDArray[Any]:
    """:func:`xxh64_id` of every id of a uint64 array (numpy's uint64 arithmetic wraps as C's)."""
    import numpy as np

    u = np.uint64

    def rotl(x: NDArray[Any], r: int) -> NDArray[Any]:
        return (x << u(r)) | (x >> u(64 - r))

    with np.errstate(over="ignore"):
        k = rotl(np.asarray(ids, dtype=u) * u(_P2), 31) * u(_P1)
        h = rotl(u((seed + _P5 + 8) & MASK64) ^ k, 27) * u(_P1) + u(_P4)
        h ^= h >> u(33)
        h *= u(_P2)
        h ^= h >> u(29)
        h *= u(_P3)
        return h ^ (h >> u(32))


def sketch_shape(entries: int, error: float) -> tuple[int, int]:
    """``(hashes, width)`` of libCacheSim's minimalIncrementCBF for ``entries`` (a C ``int``) and ``error``."""
    bpe = -math.log(error) / 0.480453013918201  # ln(2)**2
    hashes = math.ceil(0.693147180559945 * bpe)  # ln(2)
    width = min(math.ceil(bpe * entries), 2**31 - 1)
    if width < hashes:
        width = 2 * hashes
    return hashes, width


def _c_int(value: int) -> int:
    """``value`` converted to a 32-bit C int (wrapping around, as gcc does)."""
    return (value + 2**31) % 2**32 - 2**31


class CountMinSketch:
    """libCacheSim's minimal-increment counting Bloom filter, as a count-min sketch over ``(a, b)``
    hash pairs: ``hashes`` counters of ``width``, kept sparse (a dict) so a wide sketch costs what it holds."""

    def __init__(self, hashes: int, width: int) -> None:
        self.hashes, self.width = hashes, width
        self.counts: dict[int, int] = {}

    def _slots(self, a: int, b: int) -> Iterator[int]:
        for i in range(self.hashes):
            yield ((a + i * b) & 0xFFFFFFFF) % self.width

    def estimate(self, a: int, b: int) -> int:
        counts = self.counts
        return min(counts.get(x, 0) for x in self._slots(a, b))

    def add(self, a: int, b: int) -> None:
        counts = self.counts
        for x in self._slots(a, b):  # every counter, once per time it is named (libCacheSim's way)
            counts[x] = (counts.get(x, 0) + 1) & 0xFFFFFFFF

    def halve(self) -> None:
        self.counts = {x: c >> 1 for x, c in self.counts.items() if c > 1}


# -- the compiled kernel ------------------------------------------------------------------------------------
# where: 1 window, 2 probation, 3 protected; lists: [head, tail] of each (queues 0, 1, 2);
# st: used, window bytes, probation bytes, protected bytes, main hits since the last halving;
# cfg: window, main, probation and protected capacities, hashes, width, main hits between halvings;
# slots[x]: object x's `hashes` counters, as indices into cnt, the counters some object seen so far
# names (uint32, as libCacheSim's). libCacheSim's sketch is ~14 counters per byte of the main cache
# (up to 2**31: 8 GB, touched at random); only the counters objects name are ever read or changed,
# so they are numbered compactly in the order first named (WTinyLFUState.prepare): the same counts,
# in a few MB that stay in the CPU's caches.


@kernel(inline=True)
def _estimate(cnt: NDArray[Any], slots: NDArray[Any], x: int, hashes: int) -> int:
    low = cnt[slots[x, 0]]
    for i in range(1, hashes):
        c = cnt[slots[x, i]]
        if c < low:
            low = c
    return low  # type: ignore[no-any-return]  # a numpy uint32 (Any in the stubs)


@kernel(inline=True)
def _add(cnt: NDArray[Any], slots: NDArray[Any], x: int, hashes: int) -> None:
    for i in range(hashes):  # every counter, once per time it is named (libCacheSim's way)
        cnt[slots[x, i]] += 1


@kernel(inline=True)
def _main_evict(prev: Links, nxt: Links, lists: Ints, where: Flags, osize: Ints, st: Ints) -> int:
    """SLRU's eviction: the least recent object of the lowest segment holding bytes leaves; its size."""
    j = 1 if st[2] > 0 else 2
    t = lists[2 * j + 1]
    lists[2 * j], lists[2 * j + 1] = unlink(prev, nxt, lists[2 * j], lists[2 * j + 1], t)
    where[t] = 0
    st[j + 1] -= osize[t]
    return osize[t]  # type: ignore[no-any-return]  # a numpy int64 (Any in the stubs)


@kernel(inline=True)
def _main_insert(prev: Links, nxt: Links, lists: Ints, where: Flags, osize: Ints, st: Ints, cfg: Ints,
                 x: int) -> int:
    """SLRU's insert of ``x`` (its osize set): the lowest segment with room, else probation after
    evicting until the main cache has room. Returns the bytes evicted."""
    s = osize[x]
    freed = 0
    if st[2] + s <= cfg[2]:
        j = 1
    elif st[3] + s <= cfg[3]:
        j = 2
    else:
        while st[2] + st[3] + s > cfg[1]:
            freed += _main_evict(prev, nxt, lists, where, osize, st)
        j = 1
    lists[2 * j], lists[2 * j + 1] = push(prev, nxt, lists[2 * j], lists[2 * j + 1], x)
    where[x] = j + 1
    st[j + 1] += s
    return freed


@kernel
def wtinylfu_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints,
                    prev: Links, nxt: Links, osize: Ints, where: Flags, slots: NDArray[Any], cnt: NDArray[Any],
                    cfg: Ints) -> tuple[int, int]:
    used = st[0]
    wcap, mcap, p0cap, hashes, reset = cfg[0], cfg[1], cfg[2], cfg[4], cfg[6]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        w = where[x]
        if w == 1:  # window hit: to the window's front
            lists[0], lists[1] = unlink(prev, nxt, lists[0], lists[1], x)
            lists[0], lists[1] = push(prev, nxt, lists[0], lists[1], x)
        elif w == 3:  # protected hit: to its front
            lists[4], lists[5] = unlink(prev, nxt, lists[4], lists[5], x)
            lists[4], lists[5] = push(prev, nxt, lists[4], lists[5], x)
        elif w == 2:  # probation hit: up to protected, whose overflow cools down to probation
            z = osize[x]
            lists[2], lists[3] = unlink(prev, nxt, lists[2], lists[3], x)
            st[2] -= z
            lists[4], lists[5] = push(prev, nxt, lists[4], lists[5], x)
            st[3] += z
            where[x] = 3
            while st[3] > cfg[3]:
                t = lists[5]
                lists[4], lists[5] = unlink(prev, nxt, lists[4], lists[5], t)
                lists[2], lists[3] = push(prev, nxt, lists[2], lists[3], t)
                where[t] = 2
                st[3] -= osize[t]
                st[2] += osize[t]
                while st[2] > p0cap:
                    used -= _main_evict(prev, nxt, lists, where, osize, st)
        if w >= 2:  # a main-cache hit is counted; the sketch halves every `reset` of them
            _add(cnt, slots, x, hashes)
            st[4] += 1
            if st[4] >= reset:
                st[4] = 0
                for j in range(cnt.size):
                    cnt[j] >>= 1
        if w:
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s > cap or s > wcap or s > mcap or s > p0cap:
            continue
        while used + s > cap:  # one eviction round per pass
            while True:
                if st[1] > 0:
                    v = lists[1]
                    vs = osize[v]
                    if st[2] + st[3] + vs <= mcap:  # the main cache has room: the window's victim moves in
                        lists[0], lists[1] = unlink(prev, nxt, lists[0], lists[1], v)
                        st[1] -= vs
                        used -= _main_insert(prev, nxt, lists, where, osize, st, cfg, v)
                        _add(cnt, slots, v, hashes)
                        continue
                    m = lists[3] if st[2] > 0 else lists[5]
                    if _estimate(cnt, slots, v, hashes) > _estimate(cnt, slots, m, hashes):
                        used -= _main_evict(prev, nxt, lists, where, osize, st)
                        lists[0], lists[1] = unlink(prev, nxt, lists[0], lists[1], v)
                        st[1] -= vs
                        used -= _main_insert(prev, nxt, lists, where, osize, st, cfg, v)
                    else:
                        lists[0], lists[1] = unlink(prev, nxt, lists[0], lists[1], v)
                        where[v] = 0
                        st[1] -= vs
                        used -= vs
                    _add(cnt, slots, v, hashes)
                else:
                    used -= _main_evict(prev, nxt, lists, where, osize, st)
                break
        lists[0], lists[1] = push(prev, nxt, lists[0], lists[1], x)
        where[x] = 1
        osize[x] = s
        st[1] += s
        used += s
        _add(cnt, slots, x, hashes)
    st[0] = used
    return misses, missed


@kernel
def _number_counters(counters: Ints, table_keys: Ints, table_slots: NDArray[Any], count: int,
                     out: NDArray[Any]) -> int:
    """Each counter index's slot in cnt, numbering new ones ``count, count + 1, ...`` in order of
    first appearance: an open-addressing table (power-of-two length, -1 = empty, at most half full)."""
    mask = table_keys.size - 1
    for i in range(counters.size):
        k = counters[i]
        j = ((k * 2654435761) >> 16) & mask  # k < 2**31: the product stays an int64
        while True:
            if table_slots[j] < 0:
                table_keys[j] = k
                table_slots[j] = count
                out[i] = count
                count += 1
                break
            if table_keys[j] == k:
                out[i] = table_slots[j]
                break
            j = (j + 1) & mask
    return count


class WTinyLFUState(KernelState):
    kernel = wtinylfu_kernel
    queues = 3

    def setup(self, policy: WTinyLFU) -> None:
        np = self.np
        self.libcachesim_would_crash = policy.libcachesim_would_crash
        self.hashes, self.width = policy.sketch.hashes, policy.sketch.width
        self.cfg = np.array([policy.window_capacity, policy.main_capacity, policy.probation_capacity,
                             policy.protected_capacity, self.hashes, self.width, policy.reset_after], dtype=np.int64)
        self.slots = np.zeros((0, self.hashes), dtype=np.int32)  # objects 0..hashed-1 have theirs
        self.hashed = 0
        self.named = np.zeros(0, dtype=np.int64)  # slot -> the counter index it stands for
        self.count = 0  # slots in use
        self.table = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32))
        self.cnt = np.zeros(0, dtype=np.uint32)
        #: for each dense id, the object id to hash (None: the dense ids are the object ids)
        self.object_ids: Any = None

    def prepare(self, ids: Ints) -> None:
        """Give the objects new in this chunk their counters' slots (numbering the new counters)."""
        np = self.np
        n = int(ids.max()) + 1
        if n <= self.hashed:
            return
        if self.object_ids is None:
            objects = np.arange(self.hashed, n, dtype=np.uint64)
        else:
            known = self.object_ids  # an integer array, at least n long (CompiledCache.feed checks it)
            objects = known[self.hashed:n].astype(np.int64, copy=False).view(np.uint64) if known.dtype.kind == "i" \
                else known[self.hashed:n].astype(np.uint64, copy=False)
        mask = np.uint64(0xFFFFFFFF)
        a = _xxh64_ids(objects, SEEDS[0]) & mask
        b = _xxh64_ids(objects, SEEDS[1]) & mask
        i = np.arange(self.hashes, dtype=np.uint64)
        counters = (((a[:, None] + i[None, :] * b[:, None]) & mask) % np.uint64(self.width)).astype(np.int64).ravel()
        keys, slots = self.table
        if keys.size < 2 * (self.count + counters.size):  # grow the table, re-entering the counters in slot order
            size = 1 << max(10, (2 * (self.count + counters.size) - 1).bit_length())
            keys, slots = np.zeros(size, dtype=np.int64), np.full(size, -1, dtype=np.int32)
            _number_counters(self.named[: self.count], keys, slots, 0, np.empty(self.count, dtype=np.int32))
            self.table = (keys, slots)
        out = np.empty(counters.size, dtype=np.int32)
        count = int(_number_counters(counters, keys, slots, self.count, out))
        if count > self.cnt.size:
            grown = max(count, 2 * self.cnt.size)
            self.cnt = np.concatenate([self.cnt, np.zeros(grown - self.cnt.size, dtype=np.uint32)])
            self.named = np.concatenate([self.named, np.zeros(grown - self.named.size, dtype=np.int64)])
        self.named[out] = counters
        self.count = count
        if self.slots.shape[0] < n:
            more = np.zeros((max(n, 2 * self.slots.shape[0]), self.hashes), dtype=np.int32)
            more[: self.hashed] = self.slots[: self.hashed]
            self.slots = more
        self.slots[self.hashed:n] = out.reshape(n - self.hashed, self.hashes)
        self.hashed = n

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"], self.slots, self.cnt, self.cfg)


class WTinyLFU(Policy):
    """W-TinyLFU as libCacheSim's ``WTinyLFU``: a window LRU (``window_size`` of the bytes) in front of
    a main SLRU (probation 1/5, protected 4/5); when the cache is full, the window's least recent
    object enters the main cache only if a count-min sketch estimates it more frequent than the
    main cache's victim.

    ``sketch_error`` sets the sketch's shape as libCacheSim derives it (0.001: 10 hashes, about 14.4
    counters per byte of the main cache); ``reset_factor`` halves its counters every
    ``reset_factor x main-cache bytes`` main-cache hits (libCacheSim: 32). Only ``window_size`` is a
    parameter of libcachesim's ``WTinyLFU``. See the module docstring for every rule.

    >>> cache = WTinyLFU(1000, window_size=0.1)
    >>> [cache.request(k, 50) for k in ["a", "b", "a"]], cache.window_capacity, cache.probation_capacity
    ([False, False, True], 100, 180)
    """

    name = "wtinylfu"
    aliases = ("WTinyLFU", "W-TinyLFU")
    libcachesim = "WTinyLFU"
    libcachesim_params = {"window_size": "window_size"}
    State = WTinyLFUState

    def __init__(self, capacity: int, window_size: float = 0.01, sketch_error: float = 0.001,
                 reset_factor: int = 32) -> None:
        super().__init__(capacity)
        if isinstance(window_size, bool) or not isinstance(window_size, Real) or not 0 <= window_size < 1:
            raise InvalidParameter(f"window_size must be in [0, 1), got {window_size!r}")
        if isinstance(sketch_error, bool) or not isinstance(sketch_error, Real) or not 0 < sketch_error < 1:
            raise InvalidParameter(f"sketch_error must be in (0, 1), got {sketch_error!r}")
        self.window_size, self.sketch_error = window_size, sketch_error
        self.reset_factor = check_int("reset_factor", reset_factor, minimum=1)
        self.window_capacity: int = int(self.capacity * window_size)
        self.main_capacity: int = self.capacity - self.window_capacity
        self.probation_capacity: int = int(1 / 5 * self.main_capacity)
        self.protected_capacity: int = int(4 / 5 * self.main_capacity)
        #: libCacheSim aborts when it builds this cache (an SLRU segment of 0 bytes)
        self.libcachesim_would_crash: bool = self.probation_capacity <= 0
        self.sketch: CountMinSketch = CountMinSketch(*sketch_shape(_c_int(self.main_capacity), sketch_error))
        self.reset_after: int = self.reset_factor * self.main_capacity
        self._window: OrderedDict[Hashable, None] = OrderedDict()  # oldest first
        self._probation: OrderedDict[Hashable, None] = OrderedDict()
        self._protected: OrderedDict[Hashable, None] = OrderedDict()
        self._size: dict[Hashable, int] = {}
        self._window_used: int = 0
        self._probation_used: int = 0
        self._protected_used: int = 0
        self._main_hits: int = 0
        self._hashes: dict[Hashable, tuple[int, int]] = {}  # key -> (a, b), the sketch's hash pair
        self._numbered: int = 0  # keys that are not ints, numbered in order of first request

    # -- the sketch -------------------------------------------------------------------------------

    def _pair(self, key: Hashable) -> tuple[int, int]:
        pair = self._hashes.get(key)
        if pair is None:
            if isinstance(key, int) and not isinstance(key, bool):
                object_id = key
            else:
                object_id = self._numbered
                self._numbered += 1
            pair = self._hashes[key] = (xxh64_id(object_id, SEEDS[0]) & 0xFFFFFFFF,
                                        xxh64_id(object_id, SEEDS[1]) & 0xFFFFFFFF)
        return pair

    def _count(self, key: Hashable) -> None:
        self.sketch.add(*self._pair(key))

    def estimate(self, key: Hashable) -> int:
        """The sketch's estimate of ``key``'s frequency."""
        return self.sketch.estimate(*self._pair(key))

    # -- the main cache: libCacheSim's SLRU of two segments ---------------------------------------

    @property
    def _main_used(self) -> int:
        return self._probation_used + self._protected_used

    def _main_victim(self) -> Hashable:
        segment = self._probation if self._probation_used > 0 else self._protected
        return next(iter(segment))

    def _main_evict(self) -> tuple[Hashable, int]:
        if self._probation_used > 0:
            key, _ = self._probation.popitem(last=False)
            size = self._size.pop(key)
            self._probation_used -= size
        else:
            key, _ = self._protected.popitem(last=False)
            size = self._size.pop(key)
            self._protected_used -= size
        return key, size

    def _main_insert(self, key: Hashable, size: int) -> None:
        """Into probation if it has room, else protected if it has, else probation once the main
        cache has room (what leaves on the way is subtracted from ``used`` here)."""
        if self._probation_used + size <= self.probation_capacity:
            self._probation[key] = None
            self._probation_used += size
        elif self._protected_used + size <= self.protected_capacity:
            self._protected[key] = None
            self._protected_used += size
        else:
            while self._main_used + size > self.main_capacity:
                self.used -= self._main_evict()[1]
            self._probation[key] = None
            self._probation_used += size
        self._size[key] = size

    # -- the policy -------------------------------------------------------------------------------

    def can_admit(self, key: Hashable, size: int) -> bool:
        return (size <= self.capacity and size <= self.window_capacity and size <= self.main_capacity
                and size <= self.probation_capacity)

    def lookup(self, key: Hashable) -> bool:
        if key in self._window:
            self._window.move_to_end(key)
            return True
        if key in self._protected:
            self._protected.move_to_end(key)
        elif key in self._probation:
            size = self._size[key]
            del self._probation[key]
            self._probation_used -= size
            self._protected[key] = None
            self._protected_used += size
            while self._protected_used > self.protected_capacity:  # cool down into probation
                down, _ = self._protected.popitem(last=False)
                self._probation[down] = None
                self._protected_used -= self._size[down]
                self._probation_used += self._size[down]
                while self._probation_used > self.probation_capacity:
                    self.used -= self._main_evict()[1]
        else:
            return False
        self._count(key)
        self._main_hits += 1
        if self._main_hits >= self.reset_after:
            self._main_hits = 0
            self.sketch.halve()
        return True

    def admit(self, key: Hashable, size: int) -> bool:
        self._window[key] = None
        self._size[key] = size
        self._window_used += size
        self._count(key)
        return True

    def evict(self) -> tuple[Hashable, int]:
        """One round of W-TinyLFU's eviction; the object that left (see the module docstring)."""
        while self._window_used > 0:
            victim = next(iter(self._window))
            size = self._size[victim]
            if self._main_used + size <= self.main_capacity:  # room in the main cache: it moves in
                del self._window[victim]
                self._window_used -= size
                self._main_insert(victim, size)
                self._count(victim)
                continue
            if self.estimate(victim) > self.estimate(self._main_victim()):
                gone = self._main_evict()
                del self._window[victim]
                self._window_used -= size
                self._main_insert(victim, size)
            else:
                del self._window[victim]
                self._window_used -= size
                gone = (victim, self._size.pop(victim))
            self._count(victim)
            return gone
        return self._main_evict()

    def _drop(self, key: Hashable) -> int | None:
        for segment in (self._window, self._probation, self._protected):
            if key in segment:
                del segment[key]
                size = self._size.pop(key)
                if segment is self._window:
                    self._window_used -= size
                elif segment is self._probation:
                    self._probation_used -= size
                else:
                    self._protected_used -= size
                return size
        return None

    def __contains__(self, key: object) -> bool:
        return key in self._size

    def __len__(self) -> int:
        return len(self._size)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._size)
