"""LeCaR, learning cache replacement (Vietri et al., HotStorage'18), seeded, as libCacheSim's
``LeCaR``: two experts, LRU and LFU, each name a victim; when they differ, a coin weighted by the
experts' weights picks one. Each expert keeps a history of the objects it alone evicted; a miss on
an object in an expert's history is that expert's regret, and lowers its weight. Both
implementations draw from the same generator (:func:`~regsim.sim.policies._compiled.rand_below`),
so one seed gives the same run in both."""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import TYPE_CHECKING, Hashable, Iterator

from .._util import check_fraction, check_int, check_positive, expect
from ._compiled import LINKED, BucketState, kernel, next_bucket, push, rand_below, rand_seed, unlink
from .base import Policy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Floats, Ints, Links

__all__ = ["LeCaR"]

#: libCacheSim's learning rate and the discount rate's base (the discount is 0.005 ** (1 / capacity))
LEARNING_RATE = 0.45
DISCOUNT_BASE = 0.005

# where: 1 cached, 2 in LRU's history, 3 in LFU's history; prev/nxt: the LRU queue of cached objects,
# or the history list an evicted one sits in; fprev/fnxt: the frequency bucket of a cached object
# (bhead/btail per frequency; the tail is the one that reached it first); evicted: its eviction time.
# lists: the LRU queue, LRU's history, LFU's history. st: 0 used, 1 min frequency, 2 max frequency,
# 3 the generator's state, 4 requests so far, 5 bytes in LRU's history, 6 in LFU's. fst: 0 w_lru, 1 w_lfu


@kernel(inline=True)
def regret(penalised: float, other: float, age: int, rate: float, discount: float) -> tuple[float, float]:
    """The weights after a miss on an object the ``penalised`` expert evicted ``age`` requests ago."""
    penalised = penalised * math.exp(-rate * discount ** float(age)) + 1e-10  # 1e-10: a weight never reaches 0
    total = penalised + other + 2e-10
    return penalised / total, (other + 1e-10) / total


@kernel
def lecar_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, fst: Floats, lists: Ints,
                 bhead: Ints, btail: Ints, prev: Links, nxt: Links, fprev: Links, fnxt: Links, osize: Ints,
                 where: Flags, freq: Ints, evicted: Ints, learn: bool, rate: float,
                 discount: float) -> tuple[int, int]:
    used, mn, mx, state, now, lru_bytes, lfu_bytes = st[0], st[1], st[2], st[3], st[4], st[5], st[6]
    w_lru, w_lfu = fst[0], fst[1]
    head, tail, lh, lt, fh, ft = lists[0], lists[1], lists[2], lists[3], lists[4], lists[5]
    half = cap // 2
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        now += 1
        w = where[x]
        if w == 1:
            if head != x:
                head, tail = unlink(prev, nxt, head, tail, x)
                head, tail = push(prev, nxt, head, tail, x)
            f = freq[x]
            bhead[f], btail[f] = unlink(fprev, fnxt, bhead[f], btail[f], x)
            f += 1
            freq[x] = f
            if f > mx:
                mx = f
            bhead[f], btail[f] = push(fprev, fnxt, bhead[f], btail[f], x)
            if mn == f - 1 and bhead[f - 1] < 0:
                mn = f
            if record:
                hits[i] = True
            continue
        if w == 2:
            lh, lt = unlink(prev, nxt, lh, lt, x)
            lru_bytes -= osize[x]
            where[x] = 0
            if learn:
                w_lru, w_lfu = regret(w_lru, w_lfu, now - evicted[x], rate, discount)
        elif w == 3:
            fh, ft = unlink(prev, nxt, fh, ft, x)
            lfu_bytes -= osize[x]
            where[x] = 0
            if learn:
                w_lfu, w_lru = regret(w_lfu, w_lru, now - evicted[x], rate, discount)
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s > cap:
            continue
        while used + s > cap:
            by_lru = tail
            by_lfu = btail[mn]
            expert = 0
            y = by_lru
            if by_lru != by_lfu:
                state, r = rand_below(state, 100)
                if r / 100.0 < w_lru:
                    expert = 1
                else:
                    expert = 2
                    y = by_lfu
            head, tail = unlink(prev, nxt, head, tail, y)
            f = freq[y]
            bhead[f], btail[f] = unlink(fprev, fnxt, bhead[f], btail[f], y)
            if f == mn and bhead[f] < 0:
                mn = next_bucket(bhead, mn, mx, mn)
            used -= osize[y]
            where[y] = 0
            evicted[y] = now
            if expert == 1:
                lh, lt = push(prev, nxt, lh, lt, y)
                where[y] = 2
                lru_bytes += osize[y]
                while lru_bytes > half:
                    g = lt
                    lh, lt = unlink(prev, nxt, lh, lt, g)
                    where[g] = 0
                    lru_bytes -= osize[g]
            elif expert == 2:
                fh, ft = push(prev, nxt, fh, ft, y)
                where[y] = 3
                lfu_bytes += osize[y]
                while lfu_bytes > half:
                    g = ft
                    fh, ft = unlink(prev, nxt, fh, ft, g)
                    where[g] = 0
                    lfu_bytes -= osize[g]
        head, tail = push(prev, nxt, head, tail, x)
        where[x] = 1
        osize[x] = s
        used += s
        freq[x] = 1
        bhead[1], btail[1] = push(fprev, fnxt, bhead[1], btail[1], x)
        mn = 1
    st[0], st[1], st[2], st[3], st[4], st[5], st[6] = used, mn, mx, state, now, lru_bytes, lfu_bytes
    fst[0], fst[1] = w_lru, w_lfu
    lists[0], lists[1], lists[2], lists[3], lists[4], lists[5] = head, tail, lh, lt, fh, ft
    return misses, missed


class LeCaRState(BucketState):
    kernel = lecar_kernel
    queues = 3
    fields = {**LINKED, "fprev": ("int32", -1), "fnxt": ("int32", -1), "freq": ("int64", 0),
              "evicted": ("int64", 0)}

    def setup(self, policy: LeCaR) -> None:
        self.st[1] = self.st[2] = 1  # min and max frequency
        self.st[3] = policy.rng_state
        self.fst[0], self.fst[1] = policy.w_lru, policy.w_lfu
        self.learn = policy.update_weight
        self.rate = policy.learning_rate
        self.discount = policy.discount

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.fst, self.lists, self.bhead,
                       self.btail, a["prev"], a["nxt"], a["fprev"], a["fnxt"], a["osize"], a["where"], a["freq"],
                       a["evicted"], self.learn, self.rate, self.discount)


class LeCaR(Policy):
    """LeCaR as libCacheSim's: an LRU expert and an LFU expert (the least frequent, the first to
    reach that frequency among equals; frequencies start again at 1 after an eviction) each name a
    victim. When they name the same object it leaves; otherwise a draw ``r`` in {0, 0.01, ..., 0.99}
    (from a generator seeded by ``seed``) evicts LRU's choice if ``r < w_lru``, else LFU's, and the
    victim joins that expert's history (each history holds at most half the capacity in bytes,
    oldest out first; an object both experts chose is in neither). A miss on an object in an
    expert's history, evicted ``t`` requests ago, is a regret: that expert's weight ``w`` becomes
    ``w * exp(-learning_rate * discount_rate ** t)``, then both are normalised (libCacheSim adds
    1e-10 to each so none reaches 0). With ``update_weight=False`` the weights stay as set.

    Defaults are libCacheSim's: ``learning_rate`` 0.45, ``discount_rate`` ``0.005 ** (1 / capacity)``
    (None), ``lru_weight`` 0.5 (``w_lfu`` starts at 0.5 whatever ``lru_weight`` is, as there). The
    random draw is LeCaR's core, not a tie-break: it decides every eviction where the experts differ.
    libCacheSim's random stream is its own, so the two agree on miss ratios within a tolerance over
    seeds (and request by request when given libCacheSim's generator, as the tests do). One
    difference is left: libCacheSim keeps a frequency in 24 signed bits, which wraps after 2**23 - 1
    hits on one object; here it does not.
    """

    name = "lecar"
    libcachesim = "LeCaR"
    libcachesim_params = {"update_weight": "update_weight", "lru_weight": "lru_weight"}
    sampled = True
    State = LeCaRState

    def __init__(self, capacity: int, *, update_weight: bool = True, lru_weight: float = 0.5,
                 learning_rate: float = LEARNING_RATE, discount_rate: float | None = None, seed: int = 0) -> None:
        super().__init__(capacity)
        expect("update_weight", update_weight, bool)
        self.update_weight = update_weight
        self.lru_weight = check_fraction("lru_weight", lru_weight, inclusive_zero=True)
        self.learning_rate = check_positive("learning_rate", learning_rate, allow_zero=True)
        #: the discount rate in use (``discount_rate`` None means libCacheSim's, from the capacity)
        if discount_rate is None:
            self.discount = DISCOUNT_BASE ** (1.0 / self.capacity) if self.capacity else 0.0
        else:
            self.discount = check_fraction("discount_rate", discount_rate, inclusive_zero=True)
        self.discount_rate = discount_rate
        self.seed = check_int("seed", seed, minimum=0)
        #: the random generator's state; a compiled run of this policy starts from it too
        self.rng_state = rand_seed(seed=self.seed)
        #: the experts' weights (``w_lru`` is the chance of following LRU when they differ)
        self.w_lru, self.w_lfu = self.lru_weight, 0.5
        self._now = 0
        self._lru: OrderedDict[Hashable, int] = OrderedDict()  # cached key -> size, least recent first
        self._freq: dict[Hashable, int] = {}
        self._buckets: dict[int, OrderedDict[Hashable, None]] = {1: OrderedDict()}  # first to reach f first
        self._min = self._max = 1
        # the experts' histories: key -> (size, eviction time), oldest first
        self._history: dict[int, OrderedDict[Hashable, tuple[int, int]]] = {1: OrderedDict(), 2: OrderedDict()}
        self._history_bytes = {1: 0, 2: 0}

    def request(self, key: Hashable, size: int) -> bool:
        """As :meth:`Policy.request`; every request advances the clock that ages regrets."""
        self._now += 1
        return super().request(key, size)

    def lookup(self, key: Hashable) -> bool:
        if key in self._lru:
            self._lru.move_to_end(key)
            self._bump(key)
            return True
        for expert in (1, 2):
            entry = self._history[expert].pop(key, None)
            if entry is not None:
                size, when = entry
                self._history_bytes[expert] -= size
                if self.update_weight:
                    self._regret(expert, self._now - when)
                break
        return False

    def _regret(self, expert: int, age: int) -> None:
        if expert == 1:
            self.w_lru, self.w_lfu = regret.py_func(self.w_lru, self.w_lfu, age, self.learning_rate, self.discount)
        else:
            self.w_lfu, self.w_lru = regret.py_func(self.w_lfu, self.w_lru, age, self.learning_rate, self.discount)

    def _bump(self, key: Hashable) -> None:
        f = self._freq[key]
        old = self._buckets[f]
        del old[key]
        f += 1
        self._freq[key] = f
        self._max = max(self._max, f)
        self._buckets.setdefault(f, OrderedDict())[key] = None
        if self._min == f - 1 and not old:
            self._min = f

    def admit(self, key: Hashable, size: int) -> bool:
        self._lru[key] = size
        self._freq[key] = 1
        self._buckets[1][key] = None
        self._min = 1
        return True

    def evict(self) -> tuple[Hashable, int]:
        by_lru = next(iter(self._lru))
        by_lfu = next(iter(self._buckets[self._min]))
        expert, victim = 0, by_lru
        if by_lru != by_lfu:
            self.rng_state, r = rand_below.py_func(self.rng_state, 100)
            expert, victim = (1, by_lru) if r / 100.0 < self.w_lru else (2, by_lfu)
        size = self._remove(victim)
        if expert:
            history = self._history[expert]
            history[victim] = (size, self._now)
            self._history_bytes[expert] += size
            while self._history_bytes[expert] > self.capacity // 2:
                _, (old, _) = history.popitem(last=False)
                self._history_bytes[expert] -= old
        return victim, size

    def _remove(self, key: Hashable) -> int:
        """Take a cached ``key`` out of both experts' structures; return its size."""
        size = self._lru.pop(key)
        f = self._freq.pop(key)
        bucket = self._buckets[f]
        del bucket[key]
        if f == self._min and not bucket:
            for g in range(self._min + 1, self._max + 1):
                if self._buckets.get(g):
                    self._min = g
                    break
        return size

    def _drop(self, key: Hashable) -> int | None:
        return self._remove(key) if key in self._lru else None

    def __contains__(self, key: object) -> bool:
        return key in self._lru

    def __len__(self) -> int:
        return len(self._lru)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._lru)
