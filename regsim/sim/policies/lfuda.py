"""LFU with dynamic aging as libCacheSim's ``LFUDA``: frequencies age by the frequency last evicted."""

from __future__ import annotations

import heapq
from collections import OrderedDict
from typing import TYPE_CHECKING, Hashable

from ._compiled import LINKED, KernelState, evict_oldest, kernel, push, unlink
from .base import BucketPolicy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["LFUDA"]


# -- the compiled kernel ------------------------------------------------------------------------------------
# Buckets (one per frequency with objects) live in slots: an open-addressing table (hkey, hval; linear
# probing, deletion by backward shift) maps a frequency to its slot; bhead, btail, bcount, bfreq describe
# the slot; free slots are chained through bnext. ``fh`` is a min-heap of frequencies whose bucket became
# non-empty (stale entries are skipped). Lists run from head (oldest, libCacheSim's first_obj) to tail,
# so ``push`` here appends at the tail by swapping roles. All of it lives in arrays sized before each
# chunk (:meth:`LFUDAState.prepare`), so the kernel allocates nothing and runs without numba's
# reference counts (a typed Dict needed them: 1.4-4x slower, see ``kernel(refcounts=False)``).

_GOLDEN = -7046029254386353131  # 0x9E3779B97F4A7C15 as an int64


@kernel(inline=True)
def _hslot(hkey: Ints, hval: Ints, f: int) -> int:
    """The slot of frequency ``f``'s bucket, or -1."""
    mask = hkey.size - 1
    h = f * _GOLDEN
    i = (h ^ (h >> 32)) & mask
    while hval[i] >= 0:
        if hkey[i] == f:
            return hval[i]  # type: ignore[no-any-return]  # numpy scalars: Any
        i = (i + 1) & mask
    return -1


@kernel(inline=True)
def _hput(hkey: Ints, hval: Ints, f: int, j: int) -> None:
    """Map ``f`` (absent) to slot ``j``."""
    mask = hkey.size - 1
    h = f * _GOLDEN
    i = (h ^ (h >> 32)) & mask
    while hval[i] >= 0:
        i = (i + 1) & mask
    hkey[i] = f
    hval[i] = j


@kernel(inline=True)
def _hdel(hkey: Ints, hval: Ints, f: int) -> None:
    """Remove ``f`` (present), shifting back the entries of its probe run."""
    mask = hkey.size - 1
    h = f * _GOLDEN
    i = (h ^ (h >> 32)) & mask
    while hkey[i] != f or hval[i] < 0:
        i = (i + 1) & mask
    k = i
    while True:
        hval[i] = -1
        while True:
            k = (k + 1) & mask
            if hval[k] < 0:
                return
            g = hkey[k] * _GOLDEN
            home = (g ^ (g >> 32)) & mask
            # the entry at k may move to the hole at i unless its home lies cyclically in (i, k]
            if (i <= k and (home <= i or home > k)) or (i > k and home <= i and home > k):
                break
        hkey[i] = hkey[k]
        hval[i] = hval[k]
        i = k


@kernel(inline=True)
def _bucket_append(prev: Links, nxt: Links, hkey: Ints, hval: Ints, bhead: Ints, btail: Ints, bcount: Ints,
                   bfreq: Ints, bnext: Ints, free: int, nb: int, fh: Ints, fn: int, f: int,
                   x: int) -> tuple[int, int, int, bool]:
    """Append ``x`` at the newest end of bucket ``f`` (created if needed); return (free, buckets, fh length, created)."""
    created = False
    j = _hslot(hkey, hval, f)
    if j < 0:
        j = free
        free = bnext[j]
        _hput(hkey, hval, f, j)
        nb += 1
        bhead[j] = -1
        btail[j] = -1
        bcount[j] = 0
        bfreq[j] = f
        created = True
    if bcount[j] == 0:
        fn = _fpush(fh, fn, f)
    # the newest end is "head" for push(): the bucket's oldest object is its tail
    bhead[j], btail[j] = push(prev, nxt, bhead[j], btail[j], x)
    bcount[j] += 1
    return free, nb, fn, created


@kernel(inline=True)
def _fpush(fh: Ints, n: int, f: int) -> int:
    i = n
    fh[i] = f
    while i > 0:
        p = (i - 1) // 2
        if fh[p] <= fh[i]:
            break
        fh[p], fh[i] = fh[i], fh[p]
        i = p
    return n + 1


@kernel(inline=True)
def _fsift_down(fh: Ints, n: int, i: int) -> None:
    while True:
        c = 2 * i + 1
        if c >= n:
            return
        if c + 1 < n and fh[c + 1] < fh[c]:
            c += 1
        if fh[i] <= fh[c]:
            return
        fh[i], fh[c] = fh[c], fh[i]
        i = c


@kernel(inline=True)
def _fpop(fh: Ints, n: int) -> int:
    n -= 1
    fh[0] = fh[n]
    _fsift_down(fh, n, 0)
    return n


@kernel(inline=True)
def _update_min(hkey: Ints, hval: Ints, bcount: Ints, fh: Ints, fn: int, mn: int, mx: int) -> tuple[int, int]:
    """libCacheSim's update_min_freq: the smallest frequency above min with objects, if it is <= max."""
    while fn > 0:
        f = fh[0]
        if f > mn:
            j = _hslot(hkey, hval, f)
            if j >= 0 and bcount[j] > 0:
                if f <= mx:
                    return f, fn
                return mn, fn
        fn = _fpop(fh, fn)
    return mn, fn


@kernel(inline=True)
def _lookups(total: int, before: int, after: int, mx: int) -> int:
    """``total`` plus the frequencies libCacheSim's update_min_freq looks up one by one, from
    ``before + 1`` to the new minimum ``after`` (to the maximum when it finds none), up to 2**62."""
    end = after if after != before else mx
    if end <= before:
        return total
    if before < 0 and end > 9223372036854775807 + before:  # frequencies are int64 and may wrap
        return 2**62
    gap = end - before
    return total + gap if gap < 2**62 - total else 2**62


@kernel(inline=True)
def _fcompact(fh: Ints, fn: int, hkey: Ints, hval: Ints, bcount: Ints, bmark: Ints) -> int:
    """Rebuild the frequency heap from its entries whose bucket has objects, once each (drops stale
    entries and repeats; what update_min_freq would find is unchanged)."""
    m = 0
    for k in range(fn):
        f = fh[k]
        j = _hslot(hkey, hval, f)
        if j >= 0 and bcount[j] > 0 and bmark[j] == 0:
            bmark[j] = 1
            fh[m] = f
            m += 1
    for k in range(m):
        bmark[_hslot(hkey, hval, fh[k])] = 0
    for start in range(m // 2 - 1, -1, -1):
        _fsift_down(fh, m, start)
    return m


@kernel(refcounts=False)
def lfuda_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, prev: Links, nxt: Links,
                 osize: Ints, where: Flags, freq: Ints, hkey: Ints, hval: Ints, bhead: Ints, btail: Ints,
                 bcount: Ints, bfreq: Ints, bnext: Ints, bmark: Ints, fh: Ints) -> tuple[int, int]:
    """st: used, min freq, max freq, free slot, heap length, libCacheSim would crash (1), its lookups,
    buckets."""
    used, mn, mx, free, fn, crash, looked, nb = st[0], st[1], st[2], st[3], st[4], st[5], st[6], st[7]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if fn > 4 * nb + 64:  # stale entries pile up: keep the heap near the number of buckets
            fn = _fcompact(fh, fn, hkey, hval, bcount, bmark)
        if where[x]:
            old = freq[x]
            f = old + mn
            freq[x] = f
            if f > mx:
                mx = f
            j = _hslot(hkey, hval, old)
            bhead[j], btail[j] = unlink(prev, nxt, bhead[j], btail[j], x)
            bcount[j] -= 1
            if mn == old and bcount[j] == 0:
                before = mn
                mn, fn = _update_min(hkey, hval, bcount, fh, fn, mn, mx)
                looked = _lookups(looked, before, mn, mx)
            if bcount[j] == 0 and old != 1:
                _hdel(hkey, hval, old)
                nb -= 1
                bnext[j] = free
                free = j
            free, nb, fn, created = _bucket_append(prev, nxt, hkey, hval, bhead, btail, bcount, bfreq, bnext, free,
                                                   nb, fh, fn, f, x)
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                want = 1 if mn <= 1 else mn
                j = _hslot(hkey, hval, want)
                if j < 0 or bcount[j] == 0:
                    crash = 1  # libCacheSim dereferences an empty bucket here; take the lowest non-empty one
                    found = False
                    for k in range(bcount.size):  # free and never used slots have no objects
                        if bcount[k] > 0 and (not found or bfreq[k] < want):
                            want = bfreq[k]
                            j = k
                            found = True
                mn = want
                _, size = evict_oldest(prev, nxt, bhead, btail, j, where, osize)
                bcount[j] -= 1
                used -= size
                if bcount[j] == 0:
                    before = mn
                    mn, fn = _update_min(hkey, hval, bcount, fh, fn, mn, mx)
                    looked = _lookups(looked, before, mn, mx)
                    if want != 1:
                        _hdel(hkey, hval, want)
                        nb -= 1
                        bnext[j] = free
                        free = j
            f = mn + 1
            freq[x] = f
            free, nb, fn, created = _bucket_append(prev, nxt, hkey, hval, bhead, btail, bcount, bfreq, bnext, free,
                                                   nb, fh, fn, f, x)
            if created and f > mx:
                mx = f
            where[x] = 1
            osize[x] = s
            used += s
    st[0], st[1], st[2], st[3], st[4], st[5], st[6], st[7] = used, mn, mx, free, fn, crash, looked, nb
    return misses, missed


@kernel(refcounts=False)
def _rehash(hkey: Ints, hval: Ints, nkey: Ints, nval: Ints) -> None:
    """Insert every entry of the table (hkey, hval) into the empty table (nkey, nval)."""
    for i in range(hkey.size):
        if hval[i] >= 0:
            _hput(nkey, nval, hkey[i], hval[i])


class LFUDAState(KernelState):
    kernel = lfuda_kernel
    queues = 0
    fields = {**LINKED, "freq": ("int64", 0)}

    def setup(self, policy: LFUDA) -> None:
        np = self.np
        self.slots = 0
        self.b = {k: np.zeros(0, np.int64) for k in ("bhead", "btail", "bcount", "bfreq", "bnext", "bmark")}
        self.fh = np.zeros(0, np.int64)
        self.st[3] = 0
        self._more_slots(64)
        self.hkey = np.ones(1, np.int64)  # libCacheSim's bucket 1 always exists, in slot 0
        self.hval = np.zeros(1, np.int64)
        self.hkey, self.hval = self._table(64)
        self.st[3] = 1
        self.st[7] = 1
        self.b["bhead"][0] = self.b["btail"][0] = -1
        self.b["bfreq"][0] = 1

    def _table(self, size: int) -> tuple[Ints, Ints]:
        """The frequency table rebuilt at ``size`` entries (a power of two)."""
        np = self.np
        key, val = np.zeros(size, np.int64), np.full(size, -1, np.int64)
        _rehash(self.hkey, self.hval, key, val)
        return key, val

    def _more_slots(self, n: int) -> None:
        np = self.np
        old = self.slots
        for k, arr in self.b.items():
            grown = np.zeros(n, np.int64)
            grown[:old] = arr
            self.b[k] = grown
        # a chain of free slots: the old chain ended at slot ``old`` (one past the old arrays), so it continues here
        self.b["bnext"][old:n] = np.arange(old + 1, n + 1)
        self.slots = n

    def prepare(self, ids: Ints) -> None:
        np = self.np
        # live buckets: at most one per cached object (ids < self.n) + bucket 1, and one more per request
        most = min(int(self.st[7]) + ids.size, self.n + 1) + 1
        if self.slots < most:
            self._more_slots(max(most, 2 * self.slots))
        if self.hkey.size < 2 * most:  # load factor <= 1/2
            self.hkey, self.hval = self._table(1 << (2 * most - 1).bit_length())
        if self.fh.size < int(self.st[4]) + 2 * ids.size + 2:
            grown = np.zeros(max(2 * self.fh.size, int(self.st[4]) + 2 * ids.size + 2), np.int64)
            grown[: self.fh.size] = self.fh
            self.fh = grown

    @property
    def libcachesim_would_crash(self) -> bool:
        return bool(self.st[5])

    @property
    def libcachesim_lookups(self) -> int:
        """How many frequencies libCacheSim's update_min_freq has looked up so far (one hash lookup
        each; up to 2**62): what its run costs beyond ours."""
        return int(self.st[6])

    @property
    def libcachesim_scan(self) -> int:
        """How many frequencies libCacheSim's update_min_freq now scans one by one (max - min): its
        frequencies add the minimum on every hit, so this can pass 10**17 and libCacheSim all but stops."""
        return int(self.st[2]) - int(self.st[1])

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a, b = self.a, self.b
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, a["prev"], a["nxt"], a["osize"], a["where"],
                       a["freq"], self.hkey, self.hval, b["bhead"], b["btail"], b["bcount"], b["bfreq"], b["bnext"],
                       b["bmark"], self.fh)


def _int64(x: int) -> int:
    """``x`` wrapped as C's int64 (and numba's) wraps it."""
    return ((x + 2**63) % 2**64) - 2**63


class LFUDA(BucketPolicy):
    """LFU with dynamic aging as libCacheSim's ``LFUDA`` (which differs from the textbook's).

    Objects sit in buckets by frequency, oldest first. The *minimum frequency* starts at 0; an
    eviction takes the oldest object of the minimum frequency's bucket (bucket 1 while the minimum
    is 0 or 1) and sets the minimum to that bucket's frequency. A newcomer enters at minimum + 1; a
    hit adds the minimum to the object's frequency (so nothing changes before the first eviction
    but its place, the newest of its bucket). When the minimum's bucket empties, the minimum moves
    to the smallest frequency above it that has objects, if that is at most the largest frequency
    reached by a hit or a new bucket.

    libCacheSim crashes (it reads an empty bucket) when an eviction finds the minimum's bucket
    empty, which happens, for example, on a 1-byte cache requested 1, 2, 3; here the oldest object
    of the smallest non-empty bucket goes instead, and ``libcachesim_would_crash`` becomes True.
    Frequencies are C's int64 and wrap as they do there (they can double on every hit).
    """

    name = "lfuda"
    libcachesim = "LFUDA"
    State = LFUDAState

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._nonempty: list[int] = []   # a min-heap of frequencies whose bucket had objects (stale kept)
        self._min = 0
        self._max = 0
        self.libcachesim_would_crash = False

    def _append(self, f: int, key: Hashable) -> bool:
        bucket = self._buckets.get(f)
        created = bucket is None
        if bucket is None:
            bucket = self._buckets[f] = OrderedDict()
        if not bucket:
            heapq.heappush(self._nonempty, f)
        bucket[key] = None
        return created

    def _lowest_above(self, floor: int) -> int | None:
        heap, buckets = self._nonempty, self._buckets
        while heap:
            f = heap[0]
            if buckets.get(f) and f > floor:
                return f
            heapq.heappop(heap)
        return None

    def _update_min(self) -> None:
        f = self._lowest_above(self._min)
        if f is not None and f <= self._max:
            self._min = f

    def lookup(self, key: Hashable) -> bool:
        old = self._freq.get(key)
        if old is None:
            return False
        f = _int64(old + self._min)  # C's int64 (frequencies grow fast: they add the minimum on every hit)
        self._freq[key] = f
        self._max = max(self._max, f)
        bucket = self._buckets[old]
        del bucket[key]
        if not bucket:
            self._emptied(old)
        self._append(f, key)
        return True

    def admit(self, key: Hashable, size: int) -> bool:
        f = self._min + 1
        self._freq[key] = f
        self._size[key] = size
        if self._append(f, key):
            self._max = max(self._max, f)
        return True

    def evict(self) -> tuple[Hashable, int]:
        want = 1 if self._min <= 1 else self._min
        if not self._buckets.get(want):
            self.libcachesim_would_crash = True
            want = min(f for f, b in self._buckets.items() if b)
        self._min = want
        return self._evict_oldest(want)

    def _emptied(self, f: int) -> None:
        if f == self._min:
            self._update_min()
        if f != 1:
            del self._buckets[f]
