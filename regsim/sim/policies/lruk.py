"""LRU-K (O'Neil, O'Neil and Weikum, SIGMOD'93) as libCacheSim's ``LRU_K``: evict the object whose
K-th most recent request is the oldest; objects requested fewer than K times go first, in FIFO order."""

from __future__ import annotations

import heapq
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any, Hashable, Iterator

from .._util import check_int
from ._compiled import LINKED64, KernelState, evict_tail, kernel, push, unlink
from .base import Policy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["LRUK"]

# where: 1 FIFO (fewer than K requests), 2 ranked by the K-th most recent request (in the heap)
# st: 0 used, 1 requests seen (libCacheSim's n_req), 2 heap length
# hist: K request times per object, a ring from hs (the oldest) of hn entries
# The ranked objects are a binary min-heap with positions (hk: keys, the K-th most recent request;
# hx: ids; hpos: each object's place, -1 outside): a hit raises its object's key where it stands
# (a K-th most recent request only grows), so the heap holds each ranked object once, like
# libCacheSim's std::set (keys are request times: never equal).


@kernel(inline=True)
def _sift_up(hk: Ints, hx: Ints, hpos: Ints, i: int) -> None:
    x = hx[i]
    key = hk[i]
    while i > 0:
        parent = (i - 1) >> 1
        if hk[parent] <= key:
            break
        hk[i] = hk[parent]
        hx[i] = hx[parent]
        hpos[hx[i]] = i
        i = parent
    hk[i] = key
    hx[i] = x
    hpos[x] = i


@kernel(inline=True)
def _sift_down(hk: Ints, hx: Ints, hpos: Ints, n: int, i: int) -> None:
    x = hx[i]
    key = hk[i]
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and hk[c + 1] < hk[c]:
            c += 1
        if hk[c] >= key:
            break
        hk[i] = hk[c]
        hx[i] = hx[c]
        hpos[hx[i]] = i
        i = c
    hk[i] = key
    hx[i] = x
    hpos[x] = i


@kernel(refcounts=False)
def lruk_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints, prev: Links,
                nxt: Links, osize: Ints, where: Flags, hist: Ints, hs: Ints, hn: Ints, k: int, hk: Ints, hx: Ints,
                hpos: Ints) -> tuple[int, int]:
    used, clk, n = st[0], st[1], st[2]
    head, tail = lists[0], lists[1]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        clk += 1
        w = where[x]
        if w:
            base = x * k
            if hn[x] < k:
                hist[base + (hs[x] + hn[x]) % k] = clk
                hn[x] += 1
            else:
                hist[base + hs[x]] = clk
                hs[x] = hs[x] + 1 if hs[x] + 1 < k else 0
            if w == 1:
                if hn[x] >= k:  # K requests: leaves the FIFO, ranked by its K-th most recent
                    head, tail = unlink(prev, nxt, head, tail, x)
                    where[x] = 2
                    hk[n] = hist[base + hs[x]]
                    hx[n] = x
                    _sift_up(hk, hx, hpos, n)
                    n += 1
            else:  # its K-th most recent request is later now: down the heap
                j = hpos[x]
                hk[j] = hist[base + hs[x]]
                _sift_down(hk, hx, hpos, n, j)
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                if head >= 0:
                    head, tail, t, ts = evict_tail(prev, nxt, head, tail, where, osize)
                else:  # the heap's root: the oldest K-th most recent request
                    t = hx[0]
                    n -= 1
                    if n > 0:
                        hk[0] = hk[n]
                        hx[0] = hx[n]
                        _sift_down(hk, hx, hpos, n, 0)
                    hpos[t] = -1
                    where[t] = 0
                    ts = osize[t]
                used -= ts
            hist[x * k] = clk
            hs[x] = 0
            hn[x] = 1
            if k == 1:
                where[x] = 2
                hk[n] = clk
                hx[n] = x
                _sift_up(hk, hx, hpos, n)
                n += 1
            else:
                head, tail = push(prev, nxt, head, tail, x)
                where[x] = 1
            osize[x] = s
            used += s
    st[0], st[1], st[2] = used, clk, n
    lists[0], lists[1] = head, tail
    return misses, missed


class LRUKState(KernelState):
    kernel = lruk_kernel
    # hk/hx are the heap's slots, not per-object values: it never holds more than every object once
    fields = {**LINKED64, "hs": ("int64", 0), "hn": ("int64", 0), "hk": ("int64", 0), "hx": ("int64", 0),
              "hpos": ("int64", -1)}

    def setup(self, policy: LRUK) -> None:
        self.k = policy.k
        self.hist = self.np.zeros(0, dtype=self.np.int64)

    def grow(self, n: int) -> None:
        super().grow(n)
        if self.hist.size < self.n * self.k:
            grown = self.np.zeros(self.n * self.k, dtype=self.np.int64)
            grown[: self.hist.size] = self.hist
            self.hist = grown

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"], self.hist, a["hs"], a["hn"], self.k, a["hk"], a["hx"], a["hpos"])


class LRUK(Policy):
    """LRU-K as libCacheSim's ``LRU_K``: each object keeps the times of its last ``k`` requests
    (counted over every request). Objects requested fewer than ``k`` times wait in a FIFO and are
    evicted first, oldest admission first; the others are evicted by the oldest K-th most recent
    request. ``k=1`` is LRU.
    """

    name = "lruk"
    libcachesim = "LRUK"
    libcachesim_params = {"k": "k"}
    aliases = ("LRU-K", "LRU_K")
    State = LRUKState

    def __init__(self, capacity: int, k: int = 2) -> None:
        super().__init__(capacity)
        self.k = check_int("k", k, minimum=1)
        self._clock = 0
        self._size: dict[Hashable, int] = {}
        self._history: dict[Hashable, deque[int]] = {}
        self._fifo: OrderedDict[Hashable, None] = OrderedDict()
        self._rank: dict[Hashable, int] = {}       # ranked object -> its K-th most recent request
        self._heap: list[tuple[int, Any]] = []     # (K-th most recent, key); stale entries skipped

    def request(self, key: Hashable, size: int) -> bool:
        """As :meth:`Policy.request`; every request advances the clock, hit or miss."""
        self._clock += 1
        return super().request(key, size)

    def lookup(self, key: Hashable) -> bool:
        history = self._history.get(key)
        if history is None:
            return False
        history.append(self._clock)
        if len(history) > self.k:
            history.popleft()
        if key in self._fifo:
            if len(history) >= self.k:
                del self._fifo[key]
                self._rank_by(key, history[0])
        else:
            self._rank_by(key, history[0])
        return True

    def _rank_by(self, key: Hashable, kth: int) -> None:
        self._rank[key] = kth
        heapq.heappush(self._heap, (kth, key))
        if len(self._heap) > 4 * len(self._rank) + 64:  # drop stale entries now and then
            self._heap = [(t, k) for t, k in self._heap if self._rank.get(k) == t]
            heapq.heapify(self._heap)

    def admit(self, key: Hashable, size: int) -> bool:
        self._size[key] = size
        self._history[key] = deque([self._clock])
        if self.k == 1:
            self._rank_by(key, self._clock)
        else:
            self._fifo[key] = None
        return True

    def evict(self) -> tuple[Hashable, int]:
        if self._fifo:
            key, _ = self._fifo.popitem(last=False)
        else:
            while True:
                kth, key = heapq.heappop(self._heap)
                if self._rank.get(key) == kth:
                    break
            del self._rank[key]
        del self._history[key]
        return key, self._size.pop(key)

    def _drop(self, key: Hashable) -> int | None:
        if key not in self._size:
            return None
        self._fifo.pop(key, None)
        self._rank.pop(key, None)
        del self._history[key]
        return self._size.pop(key)

    def __contains__(self, key: object) -> bool:
        return key in self._size

    def __len__(self) -> int:
        return len(self._size)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._size)
