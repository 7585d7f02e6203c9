"""Cacheus (Rodriguez et al., FAST'21), seeded, as libCacheSim's ``Cacheus``: LeCaR's two experts
made scan and churn resistant (SR-LRU and CR-LFU), with a learning rate that adapts itself. Both
implementations draw from the same generator (:func:`~regsim.sim.policies._compiled.rand_below`),
so one seed gives the same run in both.

The pieces, as libCacheSim 0.3.5 has them (``Cacheus.c``, ``SR_LRU.c``, ``CR_LFU.c``):

* **SR-LRU** splits the cache into R (objects hit since they came in, or back from its history)
  and SR (new and demoted ones), LRU each, and keeps a history H of objects that left (at most
  ``capacity`` bytes). A new object enters SR; one found in H enters R (R's least recent move to SR,
  "demoted", to make room). A hit in SR moves the object to R. SR's target size starts at half the
  capacity and grows when an object that left SR unhit comes back (by max(1, demoted // new)
  bytes, at most to the bytes cached - 1); R gets the rest. When SR is over its size, its least
  recent leave the cache for H. SR-LRU's victim is SR's least recent (R's when SR holds no bytes).
* **CR-LFU**: the least frequent leaves, the *most* recent among equals (churn resistance); an
  object back from H resumes at its old frequency + 1.
* **Cacheus**: a coin ``r`` in {0, 0.01, ..., 0.99} against ``w_lru`` picks which expert's victim
  leaves (when both name the same one it just leaves); the victim joins the chosen expert's history
  (at most half the capacity each). A miss on an object in an expert's history multiplies that
  expert's weight by ``exp(-lr)`` (then both are normalised). The learning rate starts at a
  random value in [0.001, 1] and, every ``capacity`` requests, moves against the change in hit
  rate; after 10 idle rounds and a rise it is drawn again.

Where libCacheSim's code differs from the paper, this follows libCacheSim (the tests compare with
it): the hit rate of a round is an integer division (1 only when every request hit, else 0); the
shrink of SR on a hit of a demoted object never happens (libCacheSim reads the flag from the
object's new copy in R, which is always clear).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import TYPE_CHECKING, Hashable, Iterator

from .._util import check_int
from ._compiled import BucketState, kernel, next_bucket, push, rand_below, rand_seed, unlink
from .base import Policy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Floats, Ints, Links

__all__ = ["Cacheus"]

NEW, DEMOTED = 1, 2  # the flags of an object in SR (and NEW of one in H)

# Compiled: where 1 R, 2 SR (prev/nxt: R or SR's queue); flags: NEW/DEMOTED of an object in SR; inh 1 in
# H, 2 in H and NEW (hprev/hnxt: H's queue), hfreq its frequency there; freq and fprev/fnxt: CR-LFU's
# buckets (bhead: the newest of a frequency, which leaves first); ghost 1/2: in SR-LRU's / CR-LFU's
# history (gprev/gnxt). Queues in lists (head = most recent, tail = least): 0 R, 1 SR, 2 H, 3 and 4 the
# experts' histories. st: 0 used, 1 min frequency (-1: none), 2 max frequency, 3 the generator's state,
# 4 requests so far, 5 R bytes, 6 SR bytes, 7 H bytes, 8 and 9 the histories' bytes, 10 R's size,
# 11 SR's size, 12 demoted count, 13 new count, 14 idle rounds, 15 hits this round, 16 libCacheSim
# would crash.
# fst: 0 w_lru, 1 w_lfu, 2 learning rate, 3 previous learning rate, 4 previous round's hit rate


@kernel(inline=True)
def _push_q(prev: Links, nxt: Links, lists: Ints, q: int, x: int) -> None:
    lists[2 * q], lists[2 * q + 1] = push(prev, nxt, lists[2 * q], lists[2 * q + 1], x)


@kernel(inline=True)
def _unlink_q(prev: Links, nxt: Links, lists: Ints, q: int, x: int) -> None:
    lists[2 * q], lists[2 * q + 1] = unlink(prev, nxt, lists[2 * q], lists[2 * q + 1], x)


@kernel
def _demote(st: Ints, lists: Ints, prev: Links, nxt: Links, where: Flags, flags: Flags, osize: Ints) -> None:
    """R's least recent moves to SR's most recent, flagged demoted."""
    y = lists[1]
    _unlink_q(prev, nxt, lists, 0, y)
    _push_q(prev, nxt, lists, 1, y)
    where[y] = 2
    flags[y] = DEMOTED
    st[5] -= osize[y]
    st[6] += osize[y]
    st[12] += 1


@kernel
def _h_forget(st: Ints, lists: Ints, hprev: Links, hnxt: Links, inh: Flags, hfreq: Ints, osize: Ints, x: int) -> None:
    _unlink_q(hprev, hnxt, lists, 2, x)
    st[7] -= osize[x]
    inh[x] = 0
    hfreq[x] = 0


@kernel
def _to_history(st: Ints, lists: Ints, prev: Links, nxt: Links, hprev: Links, hnxt: Links, where: Flags,
                flags: Flags, inh: Flags, hfreq: Ints, osize: Ints, cap: int, x: int) -> int:
    """A cached ``x`` leaves R or SR for H (trimmed below ``cap`` bytes); return its size."""
    s = int(osize[x])
    f = 0
    if where[x] == 1:
        _unlink_q(prev, nxt, lists, 0, x)
        st[5] -= s
    else:
        _unlink_q(prev, nxt, lists, 1, x)
        st[6] -= s
        f = flags[x]
    where[x] = 0
    flags[x] = 0
    _push_q(hprev, hnxt, lists, 2, x)
    st[7] += s
    inh[x] = 1
    hfreq[x] = 0
    if f & NEW:
        st[13] += 1
        inh[x] = 2
    if f & DEMOTED:
        st[12] -= 1
    while lists[5] >= 0 and st[7] >= cap:
        _h_forget(st, lists, hprev, hnxt, inh, hfreq, osize, lists[5])
    return s


@kernel(inline=True)
def _lfu_insert(st: Ints, bhead: Ints, btail: Ints, fprev: Links, fnxt: Links, freq: Ints, x: int, f: int) -> None:
    freq[x] = f
    bhead[f], btail[f] = push(fprev, fnxt, bhead[f], btail[f], x)
    if f > st[2]:
        st[2] = f
    if f == 1 or st[1] > f or st[1] == -1:
        st[1] = f


@kernel(inline=True)
def _lfu_remove(st: Ints, bhead: Ints, btail: Ints, fprev: Links, fnxt: Links, freq: Ints, inh: Flags, hfreq: Ints,
                x: int) -> None:
    f = freq[x]
    if inh[x]:
        hfreq[x] = f
    else:
        st[16] = 1  # libCacheSim would store it in x's entry in H: there is none
    bhead[f], btail[f] = unlink(fprev, fnxt, bhead[f], btail[f], x)
    if f == st[1] and bhead[f] < 0:
        st[1] = next_bucket(bhead, st[1], st[2], -1)


@kernel
def cacheus_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, fst: Floats, lists: Ints,
                   bhead: Ints, btail: Ints, prev: Links, nxt: Links, hprev: Links, hnxt: Links, fprev: Links,
                   fnxt: Links, gprev: Links, gnxt: Links, osize: Ints, where: Flags, flags: Flags, inh: Flags,
                   ghost: Flags, freq: Ints, hfreq: Ints) -> tuple[int, int]:
    half = cap // 2
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        st[4] += 1
        w = where[x]
        if w:
            if w == 1:
                _unlink_q(prev, nxt, lists, 0, x)
                _push_q(prev, nxt, lists, 0, x)
            else:  # a hit in SR moves to R
                _unlink_q(prev, nxt, lists, 1, x)
                st[6] -= osize[x]
                flags[x] = 0
                _push_q(prev, nxt, lists, 0, x)
                where[x] = 1
                st[5] += osize[x]
                while lists[1] >= 0 and st[5] > st[10]:
                    _demote(st, lists, prev, nxt, where, flags, osize)
            f = freq[x]
            bhead[f], btail[f] = unlink(fprev, fnxt, bhead[f], btail[f], x)
            _lfu_insert(st, bhead, btail, fprev, fnxt, freq, x, f + 1)
            if st[1] == f and bhead[f] < 0:
                st[1] = next_bucket(bhead, st[1], st[2], -1)
            st[15] += 1
            if record:
                hits[i] = True
        else:
            g = ghost[x]  # a regret, if an expert's history holds x
            if g == 1:
                fst[0] *= math.exp(-fst[2])
            elif g == 2:
                fst[1] *= math.exp(-fst[2])
            fst[0] = fst[0] / (fst[0] + fst[1])
            fst[1] = 1 - fst[0]
            if g:
                _unlink_q(gprev, gnxt, lists, 2 + g, x)
                st[7 + g] -= osize[x]
                ghost[x] = 0
            if record:
                hits[i] = False
            misses += 1
            missed += s
            if s <= cap:
                while st[0] + s > cap:
                    by_lru = lists[3] if st[6] != 0 else lists[1]
                    by_lfu = bhead[st[1]]
                    st[3], r = rand_below(st[3], 100)
                    expert = 0
                    if by_lru != by_lfu:
                        expert = 1 if r / 100.0 < fst[0] else 2
                    y = by_lfu if expert == 2 else by_lru
                    size = _to_history(st, lists, prev, nxt, hprev, hnxt, where, flags, inh, hfreq, osize, cap, y)
                    _lfu_remove(st, bhead, btail, fprev, fnxt, freq, inh, hfreq, y)
                    st[0] -= size
                    if expert and size <= half:
                        while st[7 + expert] + size > half:
                            t = lists[2 * (2 + expert) + 1]
                            _unlink_q(gprev, gnxt, lists, 2 + expert, t)
                            ghost[t] = 0
                            st[7 + expert] -= osize[t]
                        _push_q(gprev, gnxt, lists, 2 + expert, y)
                        ghost[y] = expert
                        st[7 + expert] += size
                back = inh[x] != 0
                if s <= (st[10] if back else st[11]):
                    _lfu_insert(st, bhead, btail, fprev, fnxt, freq, x, hfreq[x] + 1 if back else 1)
                    if back:
                        was_new = inh[x] == 2
                        _h_forget(st, lists, hprev, hnxt, inh, hfreq, osize, x)
                        while lists[1] >= 0 and st[5] + s > st[10]:
                            _demote(st, lists, prev, nxt, where, flags, osize)
                        osize[x] = s
                        _push_q(prev, nxt, lists, 0, x)
                        where[x] = 1
                        st[5] += s
                        if was_new:
                            ratio = st[12] // st[13]
                            delta = 1.0 if ratio == 0 else ratio + 0.5
                            held = st[5] + st[6]
                            if st[11] + delta > held - 1:
                                st[11] = held - 1
                            else:
                                st[11] = int(st[11] + delta)
                            st[10] = cap - st[11]
                    else:
                        osize[x] = s
                        _push_q(prev, nxt, lists, 1, x)
                        where[x] = 2
                        flags[x] = NEW
                        st[6] += s
                    st[0] += s
                    while lists[3] >= 0 and st[6] > st[11]:
                        y = lists[3]
                        st[0] -= _to_history(st, lists, prev, nxt, hprev, hnxt, where, flags, inh, hfreq, osize,
                                             cap, y)
                        _lfu_remove(st, bhead, btail, fprev, fnxt, freq, inh, hfreq, y)
                    if st[6] > st[11]:
                        st[16] = 1  # libCacheSim's loop would go on to the tail of an empty SR
        if cap and st[4] % cap == 0:  # a round: the learning rate moves against the change in hit rate
            rate = float(st[15] // cap)
            delta_rate = rate - fst[4]
            delta_lr = fst[2] - fst[3]
            fst[3] = fst[2]
            fst[4] = rate
            if delta_lr != 0:
                sign = 1.0 if delta_rate / delta_lr > 0 else -1.0
                step = fst[2] + sign * abs(fst[2] * delta_lr)
                fst[2] = step if step > 0.001 else 0.0001
                st[14] = 0
            elif rate == 0 or delta_rate <= 0:
                st[14] += 1
            elif st[14] >= 10:
                st[14] = 0
                st[3], r = rand_below(st[3], 1000)
                fst[2] = 0.001 + r / 1000.0
            st[15] = 0
    return misses, missed


class CacheusState(BucketState):
    kernel = cacheus_kernel
    queues = 5
    fields = {"osize": ("int64", 0), "where": ("int8", 0), "flags": ("int8", 0), "inh": ("int8", 0),
              "ghost": ("int8", 0), "prev": ("int32", -1), "nxt": ("int32", -1), "hprev": ("int32", -1),
              "hnxt": ("int32", -1), "fprev": ("int32", -1), "fnxt": ("int32", -1), "gprev": ("int32", -1),
              "gnxt": ("int32", -1), "freq": ("int64", 0), "hfreq": ("int64", 0)}

    def setup(self, policy: Cacheus) -> None:
        np = self.np
        self.st = np.zeros(17, dtype=np.int64)
        self.st[1] = self.st[2] = 1  # min and max frequency
        self.st[3] = policy.rng_state
        self.st[10] = self.st[11] = policy.capacity // 2
        self.fst = np.array([policy.w_lru, policy.w_lfu, policy.learning_rate, 0.0, 0.0])

    @property
    def libcachesim_would_crash(self) -> bool:
        return bool(self.st[16])

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.fst, self.lists, self.bhead,
                       self.btail, a["prev"], a["nxt"], a["hprev"], a["hnxt"], a["fprev"], a["fnxt"], a["gprev"],
                       a["gnxt"], a["osize"], a["where"], a["flags"], a["inh"], a["ghost"], a["freq"], a["hfreq"])



def _first_learning_rate(state: int) -> tuple[int, float]:
    state, r = rand_below.py_func(state, 1000)
    return state, 0.001 + r / 1000.0


class Cacheus(Policy):
    """Cacheus as libCacheSim's (see the module's description): SR-LRU and CR-LFU experts, a coin
    weighted by their weights, regrets from their histories, an adaptive learning rate. Seeded by
    ``seed`` (the first learning rate and every coin). The randomness is essential, not a tie-break:
    the first learning rate is drawn in [0.001, 1], and a coin is drawn at every eviction
    (deciding it where the experts differ). libCacheSim's Cacheus takes no parameters; its random
    stream is its own, so the two agree on miss ratios within a tolerance over seeds (and request
    by request when given libCacheSim's generator, as the tests do).

    libCacheSim crashes in two places, where this goes on and sets ``libcachesim_would_crash``:
    it takes the tail of an empty SR when SR's size becomes -1 (a zero-size object back from H into
    a cache holding no bytes sets it to ``bytes held - 1``), and it writes CR-LFU's frequency into
    the victim's entry in H when H has already dropped it (an object of ``capacity`` bytes or more
    in H: possible once R has grown to the whole cache, on tiny caches).
    """

    name = "cacheus"
    libcachesim = "Cacheus"
    sampled = True
    State = CacheusState

    def __init__(self, capacity: int, *, seed: int = 0) -> None:
        super().__init__(capacity)
        self.seed = check_int("seed", seed, minimum=0)
        #: the random generator's state; a compiled run of this policy starts from it too
        self.rng_state = rand_seed(seed=self.seed)
        self.rng_state, lr = _first_learning_rate(self.rng_state)
        #: the learning rate, and the experts' weights (``w_lru``: the chance of following SR-LRU)
        self.learning_rate = lr
        self.w_lru = self.w_lfu = 0.5
        self._lr_previous = 0.0
        self._hit_rate_previous = 0.0
        self._unlearn = 0
        self._hits = 0  # in this round of ``capacity`` requests
        self._now = 0
        # SR-LRU: R and SR (key -> size, least recent first), their target sizes, history H
        self._r: OrderedDict[Hashable, int] = OrderedDict()
        self._sr: OrderedDict[Hashable, int] = OrderedDict()
        self._r_bytes = self._sr_bytes = 0
        self._sr_size = self._r_size = capacity // 2
        self._flags: dict[Hashable, int] = {}  # of objects in SR
        self._h: OrderedDict[Hashable, int] = OrderedDict()
        self._h_bytes = 0
        self._h_new: set[Hashable] = set()
        self._h_freq: dict[Hashable, int] = {}  # CR-LFU's frequency of an object in H
        self._demoted = 0  # libCacheSim's C_demoted and C_new
        self._new = 0
        # CR-LFU: frequency -> keys in the order they reached it (the last one leaves first)
        self._freq: dict[Hashable, int] = {}
        self._buckets: dict[int, OrderedDict[Hashable, None]] = {}
        self._min = 1  # -1 once emptied by an eviction
        self._max = 1
        # the experts' histories (key -> size, oldest first)
        self._ghost: dict[int, OrderedDict[Hashable, int]] = {1: OrderedDict(), 2: OrderedDict()}
        self._ghost_bytes = {1: 0, 2: 0}
        #: True once libCacheSim would have crashed on this trace (see the class docstring)
        self.libcachesim_would_crash = False

    # -- one request -----------------------------------------------------------------------------

    def request(self, key: Hashable, size: int) -> bool:
        """As :meth:`Policy.request`; every ``capacity`` requests the learning rate adapts."""
        self._now += 1
        hit = super().request(key, size)
        if self.capacity and self._now % self.capacity == 0:
            self._adapt_learning_rate()
        return hit

    def lookup(self, key: Hashable) -> bool:
        if key in self._r:
            self._r.move_to_end(key)
        elif key in self._sr:
            size = self._sr.pop(key)
            self._sr_bytes -= size
            self._flags.pop(key, None)  # its copy in R starts with no flags
            self._r[key] = size
            self._r_bytes += size
            while self._r and self._r_bytes > self._r_size:
                self._demote()
        else:
            self._regret(key)
            return False
        self._lfu_hit(key)
        self._hits += 1
        return True

    def _regret(self, key: Hashable) -> None:
        """A miss: lower the weight of the expert whose history holds ``key``, normalise, forget it."""
        if key in self._ghost[1]:
            self.w_lru *= math.exp(-self.learning_rate)
        elif key in self._ghost[2]:
            self.w_lfu *= math.exp(-self.learning_rate)
        self.w_lru = self.w_lru / (self.w_lru + self.w_lfu)
        self.w_lfu = 1 - self.w_lru
        for expert in (1, 2):
            size = self._ghost[expert].pop(key, None)
            if size is not None:
                self._ghost_bytes[expert] -= size

    def _adapt_learning_rate(self) -> None:
        rate = float(self._hits // self.capacity)  # libCacheSim's integer division: 1 or 0
        delta_rate = rate - self._hit_rate_previous
        delta_lr = self.learning_rate - self._lr_previous
        self._lr_previous, self._hit_rate_previous = self.learning_rate, rate
        if delta_lr != 0:
            sign = 1 if delta_rate / delta_lr > 0 else -1
            step = self.learning_rate + sign * abs(self.learning_rate * delta_lr)
            self.learning_rate = step if step > 0.001 else 0.0001
            self._unlearn = 0
        elif rate == 0 or delta_rate <= 0:
            self._unlearn += 1
        elif self._unlearn >= 10:
            self._unlearn = 0
            self.rng_state, self.learning_rate = _first_learning_rate(self.rng_state)
        self._hits = 0

    def admit(self, key: Hashable, size: int) -> bool:
        back = key in self._h
        if size > (self._r_size if back else self._sr_size):
            return False  # SR-LRU refuses it (after the evictions made room: as libCacheSim)
        self._lfu_insert(key, self._h_freq.get(key, 0) + 1 if back else 1)
        if back:
            was_new = key in self._h_new
            self._h_forget(key)
            while self._r and self._r_bytes + size > self._r_size:
                self._demote()
            self._r[key] = size
            self._r_bytes += size
            if was_new:  # it left SR unhit and came back: SR was too small
                ratio = self._demoted // self._new
                delta = 1.0 if ratio == 0 else ratio + 0.5
                held = self._r_bytes + self._sr_bytes
                self._sr_size = held - 1 if self._sr_size + delta > held - 1 else int(self._sr_size + delta)
                self._r_size = self.capacity - self._sr_size
        else:
            self._sr[key] = size
            self._sr_bytes += size
            self._flags[key] = NEW
        while self._sr and self._sr_bytes > self._sr_size:  # SR's least recent leave the cache
            victim = next(iter(self._sr))
            self.used -= self._to_history(victim)
            self._lfu_remove(victim)
        if self._sr_bytes > self._sr_size:
            self.libcachesim_would_crash = True  # its loop would go on to the tail of an empty SR
        return True

    def evict(self) -> tuple[Hashable, int]:
        by_lru = next(iter(self._sr)) if self._sr_bytes else next(iter(self._r))
        by_lfu = next(reversed(self._buckets[self._min]))
        self.rng_state, r = rand_below.py_func(self.rng_state, 100)  # drawn at every eviction, as there
        expert = 0 if by_lru == by_lfu else 1 if r / 100.0 < self.w_lru else 2
        victim = by_lfu if expert == 2 else by_lru
        size = self._to_history(victim)
        self._lfu_remove(victim)
        if expert:
            ghost = self._ghost[expert]
            half = self.capacity // 2
            if size <= half:
                while self._ghost_bytes[expert] + size > half:
                    _, old = ghost.popitem(last=False)
                    self._ghost_bytes[expert] -= old
                ghost[victim] = size
                self._ghost_bytes[expert] += size
        return victim, size

    # -- SR-LRU ----------------------------------------------------------------------------------

    def _demote(self) -> None:
        """R's least recent moves to SR's most recent, flagged demoted."""
        key, size = self._r.popitem(last=False)
        self._r_bytes -= size
        self._sr[key] = size
        self._sr_bytes += size
        self._flags[key] = DEMOTED
        self._demoted += 1

    def _to_history(self, key: Hashable) -> int:
        """A cached ``key`` leaves R or SR for H (which then drops its oldest while it holds
        ``capacity`` bytes or more); return its size."""
        if key in self._r:
            size = self._r.pop(key)
            self._r_bytes -= size
            flags = 0
        else:
            size = self._sr.pop(key)
            self._sr_bytes -= size
            flags = self._flags.pop(key, 0)
        self._h[key] = size
        self._h_bytes += size
        if flags & NEW:
            self._new += 1
            self._h_new.add(key)
        if flags & DEMOTED:
            self._demoted -= 1
        while self._h and self._h_bytes >= self.capacity:
            self._h_forget(next(iter(self._h)))
        return size

    def _h_forget(self, key: Hashable) -> None:
        self._h_bytes -= self._h.pop(key)
        self._h_new.discard(key)
        self._h_freq.pop(key, None)

    # -- CR-LFU ----------------------------------------------------------------------------------

    def _lfu_insert(self, key: Hashable, f: int) -> None:
        self._freq[key] = f
        self._buckets.setdefault(f, OrderedDict())[key] = None
        self._max = max(self._max, f)
        if f == 1 or self._min > f or self._min == -1:
            self._min = f

    def _lfu_hit(self, key: Hashable) -> None:
        f = self._freq[key]
        old = self._buckets[f]
        del old[key]
        self._lfu_insert(key, f + 1)
        if self._min == f and not old:
            self._min = self._next_min()

    def _next_min(self) -> int:
        for f in range(self._min + 1, self._max + 1):
            if self._buckets.get(f):
                return f
        return -1

    def _lfu_remove(self, key: Hashable) -> None:
        """``key`` leaves CR-LFU; its frequency stays with its entry in H."""
        f = self._freq.pop(key)
        if key in self._h:
            self._h_freq[key] = f
        else:  # H dropped it at once (it held capacity bytes or more): libCacheSim's store reads nothing
            self.libcachesim_would_crash = True
        bucket = self._buckets[f]
        del bucket[key]
        if f == self._min and not bucket:
            self._min = self._next_min()

    # -- container -------------------------------------------------------------------------------

    def _drop(self, key: Hashable) -> int | None:
        if key not in self._freq:
            return None
        size = self._to_history(key)
        self._lfu_remove(key)
        return size

    def __contains__(self, key: object) -> bool:
        return key in self._freq

    def __len__(self) -> int:
        return len(self._freq)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._freq)
