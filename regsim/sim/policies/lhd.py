"""LHD, Least Hit Density (Beckmann, Chen and Cidon, NSDI'18), seeded, as libCacheSim's ``LHD``:
to make room, sample cached objects and evict the one expected to earn the fewest hits per byte
per unit of time in the cache, a density learned from histograms of the ages at which objects
were hit or evicted.

The model, as libCacheSim's port of the authors' simulator has it:

* **Time and ages.** Time counts accesses (hits and admissions). An object's age is the time since
  its last access, shifted right by ``shift`` bits (age coarsening; 10 at first) and capped at
  ``max_age - 1``. An object of the last age is evicted first, whatever its class.
* **Classes.** An object's class is a log scale of the sum of its last two hit ages (16 classes;
  class 0 for an object never hit). libCacheSim also classes objects by application, and has one.
* **Histograms.** Per class, how many hits and how many evictions happened at each age.
* **Hit density.** Per class and age ``a``: the hits after age ``a`` divided by the expected
  remaining lifetime of an object that reached ``a`` (the sum, over the events after ``a``, of
  their ages beyond it). Before the first reconfiguration the densities are GDSF-like:
  ``(17 + class) / (age + 1)``. An object's rank is its class's density at its age divided by its
  size; an explorer's (below) is that plus 1.
* **Reconfiguration**, every ``reconfigure_every`` accesses (2**20): every histogram decays by
  0.9 (an EWMA), the densities are recomputed from them, and at the 6th and 26th the age
  coarsening is set from the average number of cached objects (so that ``max_age`` coarse ages
  span 100 times that many accesses), the histograms stretched or compressed to the new scale.
* **Eviction.** 8 cached objects drawn at random (``associativity`` of them after 50
  reconfigurations, i.e. after 52M accesses at the default interval), and the ``admissions``
  objects most recently admitted with a rank below the victims' average rank (an EWMA of the
  victims' ranks) if still cached: the lowest rank leaves (the first seen, on a tie).
* **Explorers.** An access makes the object an explorer with probability 1/32, while explorers
  hold less than 1% of the capacity and in the first 50 reconfigurations.

Both implementations draw from the same generator
(:func:`~regsim.sim.policies._compiled.rand_below`) and share the formulas below
(:func:`hit_age_class`, :func:`coarse_age`, :func:`hit_density`, :func:`reconfigure`), so one
seed gives the same victims in both.
"""

from __future__ import annotations

import struct
from array import array
from typing import TYPE_CHECKING, Hashable, MutableSequence

from .._util import check_int
from ._compiled import KernelState, kernel, rand_below, rand_seed
from .base import SlotPolicy

if TYPE_CHECKING:
    from typing import TypeAlias

    from ._compiled import Bools, Flags, Floats, Ints, Links

    #: a class x age table: an ``array("d")`` in the Python class, a float64 array in the kernel
    Table: TypeAlias = "MutableSequence[float] | Floats"

__all__ = ["LHD"]

#: hit-age classes (libCacheSim also has 16 application classes, of which it uses one)
CLASSES = 16
#: the decay of the histograms and of the averages at each reconfiguration
EWMA_DECAY = 0.9
#: the age coarsening aims at ``max_age`` coarse ages spanning 1/this of the objects' lifetimes
COARSENING_TOLERANCE = 0.01
#: objects sampled per eviction before WARMUP reconfigurations (``associativity`` after)
WARMUP_CANDIDATES = 8
#: reconfigurations before the full associativity, and explorers are made only until then
WARMUP = 50
#: the reconfigurations (counted from 0) after which the age coarsening is set
COARSENING_AT = (5, 25)
#: 1 in this many accesses makes an explorer ...
EXPLORE_ONE_IN = 32
#: ... while explorers hold less than this fraction of the capacity
EXPLORER_BUDGET = 0.01
#: the rank of an object of the last age: lowest of all (float32's lowest, as libCacheSim's)
LOWEST = -3.4028234663852886e38
#: the rank a victim must be below (float32's largest, as libCacheSim's)
HIGHEST = 3.4028234663852886e38
INF = float("inf")
NAN = float("nan")


# -- the formulas, shared by both engines (the Python class calls their ``py_func``) ----------------


@kernel(inline=True)
def hit_age_class(age: int, max_age: int) -> int:
    """The class of an object whose last two hit ages sum to ``age``: how many doublings bring it
    to ``max_age`` (at most ``CLASSES - 1``; ``CLASSES - 1`` for 0)."""
    if age == 0:
        return CLASSES - 1
    log = 0
    while age < max_age and log < CLASSES - 1:
        age <<= 1
        log += 1
    return log


@kernel(inline=True)
def coarse_age(now: int, stamp: int, shift: int, max_age: int) -> int:
    """The coarse age of an object last accessed at ``stamp``, capped at ``max_age - 1``."""
    age = (now - stamp) >> shift
    return max_age - 1 if age >= max_age else age


@kernel(inline=True)
def hit_density(densities: Table, cls: int, age: int, max_age: int, size: int,
                explorer: bool) -> float:
    """An object's rank: its class's hit density at its age, per byte (+1 for an explorer); the
    lowest rank at the last age. A 0-byte object ranks infinite (not a number with a 0 density),
    as libCacheSim's float division makes it."""
    if age == max_age - 1:
        return LOWEST
    d = densities[cls * max_age + age]
    if size > 0:
        d = d / size
    elif d > 0:
        d = INF
    else:
        d = NAN
    if explorer:
        d += 1.0
    return d


@kernel
def reconfigure(hits: Table, evictions: Table, densities: Table, max_age: int, shift: int, adapt: bool, cached: int,
                averages: Table) -> int:
    """One reconfiguration over the histograms (``CLASSES`` rows of ``max_age`` ages, flat):
    decay them, average the number of ``cached`` objects into ``averages`` (sum, weight) and,
    when ``adapt``, reset the age coarsening (rescaling the histograms); then recompute the hit
    densities. Returns the new ``shift``."""
    for i in range(len(hits)):
        hits[i] *= EWMA_DECAY
        evictions[i] *= EWMA_DECAY
    averages[0] = averages[0] * EWMA_DECAY + cached
    averages[1] = averages[1] * EWMA_DECAY + 1.0
    if adapt:
        optimal = averages[0] / averages[1] / (COARSENING_TOLERANCE * max_age)
        new = 1
        while (1 << new) < optimal:
            new += 1
        delta = new - shift
        shift = new
        averages[0] *= 8  # more weight: the next shift waits a while
        averages[1] *= 8
        last = max_age - 1
        for c in range(CLASSES):
            row = c * max_age
            if delta < 0:  # finer ages: stretch, everything beyond the new range into the last age
                d = -delta
                for a in range(max_age >> d, last):
                    hits[row + last] += hits[row + a]
                    evictions[row + last] += evictions[row + a]
                for a in range(last - 1, -1, -1):  # downwards: reads a >> d <= a, not yet written
                    hits[row + a] = hits[row + (a >> d)] / (1 << d)
                    evictions[row + a] = evictions[row + (a >> d)] / (1 << d)
            elif delta > 0:  # coarser ages: compress 2**delta ages into one
                for a in range(max_age >> delta):  # upwards: reads from a << delta >= a
                    first = row + (a << delta)
                    h = hits[first]
                    e = evictions[first]
                    for i in range(1, 1 << delta):
                        h += hits[first + i]
                        e += evictions[first + i]
                    hits[row + a] = h
                    evictions[row + a] = e
                for a in range(max_age >> delta, last):
                    hits[row + a] = 0.0
                    evictions[row + a] = 0.0
    for c in range(CLASSES):
        row = c * max_age
        events = hits[row + max_age - 1] + evictions[row + max_age - 1]
        hits_after = hits[row + max_age - 1]
        lifetime = events  # sum over later events of their age beyond a: the total, per age passed
        for a in range(max_age - 2, -1, -1):
            hits_after += hits[row + a]
            events += hits[row + a] + evictions[row + a]
            lifetime += events
            densities[row + a] = hits_after / lifetime if events > 1e-5 else 0.0
    return shift


def _initial_densities(max_age: int) -> bytes:
    """The densities before the first reconfiguration, ~GDSF: ``(17 + class) / (age + 1)`` (as
    libCacheSim's ``(c + 1) / (a + 1)``, its class ``c`` counting the 16 of the unused application
    0 first); float64s, class-major."""
    import numpy as np

    cls = np.arange(CLASSES, dtype=np.float64)[:, None]
    age = np.arange(max_age, dtype=np.float64)[None, :]
    return ((CLASSES + 1 + cls) / (age + 1)).tobytes()


def _float32(x: float) -> float:
    return float(struct.unpack("f", struct.pack("f", x))[0])


# -- the compiled kernel -----------------------------------------------------------------------------
# per object: pos (its slot, -1 = not cached), osize, stamp (its last access), last_age (its last hit
# age), cls (its class), explorer; slots[0..count-1]: the cached ids; hits, evictions, densities: the
# class x age tables; recent: the ring of recently admitted ids (-1: none).
# st: 0 used, 1 count, 2 the generator's state, 3 accesses (time), 4 accesses to the next
# reconfiguration, 5 reconfigurations, 6 shift, 7 explorer budget, 8 ring head;
# fst: 0 the victims' average rank, 1-2 the average number of cached objects (sum, weight)


@kernel
def lhd_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, fst: Floats, pos: Links,
               slots: Links, osize: Ints, stamp: Ints, last_age: Ints, cls: Flags, explorer: Flags,
               hit_hist: Floats, evict_hist: Floats, densities: Floats, recent: Ints, associativity: int,
               admissions: int, interval: int, max_age: int) -> tuple[int, int]:
    used, count, state, now, until = st[0], st[1], st[2], st[3], st[4]
    reconfigs, shift, budget, head = st[5], st[6], st[7], st[8]
    victims = fst[0]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        hit = pos[x] >= 0
        if hit:
            if record:
                hits[i] = True
            age = coarse_age(now, stamp[x], shift, max_age)
            hit_hist[cls[x] * max_age + age] += 1.0
            if explorer[x]:
                budget += osize[x]
            if s <= cap:  # the object has this size now (one larger than the cache keeps its old one)
                used += s - osize[x]
                osize[x] = s
            cls[x] = hit_age_class(age + last_age[x], max_age)
            last_age[x] = age
        else:
            if record:
                hits[i] = False
            misses += 1
            missed += s
            if s > cap:
                continue
            while used + s > cap:
                candidates = associativity if reconfigs > WARMUP else WARMUP_CANDIDATES
                best = -1
                best_rank = HIGHEST
                first = -1
                for _ in range(candidates):
                    state, j = rand_below(state, count)
                    y = slots[j]
                    if first < 0:
                        first = y
                    r = hit_density(densities, cls[y], coarse_age(now, stamp[y], shift, max_age), max_age,
                                    osize[y], explorer[y])
                    if r < best_rank:
                        best = y
                        best_rank = r
                for k in range(admissions):
                    y = recent[k]
                    if y >= 0 and pos[y] >= 0:
                        r = hit_density(densities, cls[y], coarse_age(now, stamp[y], shift, max_age), max_age,
                                        osize[y], explorer[y])
                        if r < best_rank:
                            best = y
                            best_rank = r
                if best < 0:  # every rank infinite (0-byte objects): libCacheSim's has no victim
                    best = first
                victims = EWMA_DECAY * victims + (1 - EWMA_DECAY) * best_rank
                evict_hist[cls[best] * max_age + coarse_age(now, stamp[best], shift, max_age)] += 1.0
                if explorer[best]:
                    budget += osize[best]
                j = pos[best]
                count -= 1
                last = slots[count]
                slots[j] = last
                pos[last] = j
                pos[best] = -1
                used -= osize[best]
            slots[count] = x
            pos[x] = count
            count += 1
            osize[x] = s
            used += s
            last_age[x] = 0
            cls[x] = hit_age_class(max_age, max_age)  # never hit: its last two hit ages are 0 and max_age
        stamp[x] = now
        state, e = rand_below(state, EXPLORE_ONE_IN)
        explore = e == 0
        if explore and budget > 0 and reconfigs < WARMUP:
            explorer[x] = 1
            budget -= osize[x]
        else:
            explorer[x] = 0
        if (not hit and not explore and admissions > 0
                and hit_density(densities, cls[x], 0, max_age, osize[x], False) < victims):
            recent[head % admissions] = x
            head += 1
        now += 1
        until -= 1
        if until == 0:
            adapt = reconfigs == COARSENING_AT[0] or reconfigs == COARSENING_AT[1]
            shift = reconfigure(hit_hist, evict_hist, densities, max_age, shift, adapt, count, fst[1:3])
            until = interval
            reconfigs += 1
    st[0], st[1], st[2], st[3], st[4] = used, count, state, now, until
    st[5], st[6], st[7], st[8] = reconfigs, shift, budget, head
    fst[0] = victims
    return misses, missed


class LHDState(KernelState):
    kernel = lhd_kernel
    fields = {"pos": ("int32", -1), "slots": ("int32", -1), "osize": ("int64", 0), "stamp": ("int64", 0),
              "last_age": ("int64", 0), "cls": ("int8", 0), "explorer": ("int8", 0)}

    def setup(self, policy: LHD) -> None:
        np = self.np
        self.st = np.zeros(9, dtype=np.int64)
        self.fst = np.zeros(3, dtype=np.float64)
        self.st[2], self.st[4], self.st[6], self.st[7] = (policy.rng_state, policy.reconfigure_every,
                                                          policy.shift, policy.explorer_budget)
        self.params = (policy.associativity, policy.admissions, policy.reconfigure_every, policy.max_age)
        self.tables = tuple(np.array(table, dtype=np.float64) for table in policy.tables)
        self.recent = np.full(max(1, policy.admissions), -1, dtype=np.int64)

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.fst, a["pos"], a["slots"], a["osize"],
                       a["stamp"], a["last_age"], a["cls"], a["explorer"], *self.tables, self.recent, *self.params)


# -- the readable class ------------------------------------------------------------------------------


class _Tag:
    """What LHD keeps of a cached object besides its size."""

    __slots__ = ("stamp", "last_age", "cls", "explorer")

    def __init__(self, stamp: int, last_age: int, cls: int) -> None:
        self.stamp = stamp        # its last access (accesses so far then)
        self.last_age = last_age  # the coarse age of its last hit
        self.cls = cls            # its class: from its last two hit ages
        self.explorer = False


class LHD(SlotPolicy):
    """LHD (Least Hit Density) as libCacheSim's ``LHD``: evict the sampled object with the fewest
    expected hits per byte per unit of time in the cache, learned from per-class histograms of hit
    and eviction ages (the module docstring tells the whole model). ``associativity`` objects are
    sampled per eviction (8 until the 50th reconfiguration), with the ``admissions`` last
    low-ranked admissions; ``reconfigure_every`` accesses between reconfigurations; ``max_age``
    coarse ages per histogram; ``seed`` seeds the generator (one seed, one run, on either engine).

    As libCacheSim's, a hit stores the request's size (the bytes held change with it), unless it
    is larger than the whole cache (libCacheSim's would overfill the cache until the next miss;
    regsim's admission policies show a refused request as that size). Ranks are float64 here,
    float32 there. libCacheSim's generator is its own (global, unseeded): the two agree on miss
    ratios within a tolerance over seeds, not request by request.
    """

    name = "lhd"
    aliases = ("LHD",)
    libcachesim = "LHD"
    sampled = True
    State = LHDState

    def __init__(self, capacity: int, associativity: int = 32, admissions: int = 8,
                 reconfigure_every: int = 1 << 20, max_age: int = 20_000, seed: int = 0) -> None:
        super().__init__(capacity)
        self.associativity = check_int("associativity", associativity, minimum=1)
        self.admissions = check_int("admissions", admissions, minimum=0)
        self.reconfigure_every = check_int("reconfigure_every", reconfigure_every, minimum=1)
        self.max_age = check_int("max_age", max_age, minimum=2)
        self.seed = check_int("seed", seed, minimum=0)
        #: the random generator's state; a compiled run of this policy starts from it too
        self.rng_state = rand_seed(seed=self.seed)
        #: bytes explorers may still take (1% of the capacity, computed in float32 as libCacheSim does)
        self.explorer_budget = int(_float32(_float32(self.capacity) * _float32(EXPLORER_BUDGET)))
        self.shift = 10  # age coarsening: bits dropped from an age
        self.now = 0  # accesses so far
        self.reconfigurations = 0
        self._until = self.reconfigure_every
        self._victims = 0.0  # the victims' average rank (EWMA)
        self._averages = [0.0, 0.0]  # the average number of cached objects: sum, weight (EWMA)
        self._recent: list[Hashable] = []  # ring of recent low-ranked admissions
        self._head = 0
        self._tags: dict[Hashable, _Tag] = {}
        self._request_size = 0
        cells = CLASSES * self.max_age
        densities = array("d", _initial_densities(self.max_age))
        #: per class and coarse age (flat, class-major): hits, evictions, hit densities
        self.tables = (array("d", bytes(8 * cells)), array("d", bytes(8 * cells)), densities)

    def request(self, key: Hashable, size: int) -> bool:
        """As :meth:`Policy.request`; a hit sees the request's size."""
        self._request_size = size
        return super().request(key, size)

    def _rank(self, key: Hashable) -> float:
        tag = self._tags[key]
        age = coarse_age.py_func(self.now, tag.stamp, self.shift, self.max_age)
        return hit_density.py_func(self.tables[2], tag.cls, age, self.max_age, self._size[key], tag.explorer)

    def lookup(self, key: Hashable) -> bool:
        if key not in self._pos:
            return False
        tag = self._tags[key]
        age = coarse_age.py_func(self.now, tag.stamp, self.shift, self.max_age)
        self.tables[0][tag.cls * self.max_age + age] += 1.0
        old, size = self._size[key], self._request_size
        if tag.explorer:
            self.explorer_budget += old
        if size <= self.capacity:
            self.used += size - old
            self._size[key] = size
        tag.cls = hit_age_class.py_func(age + tag.last_age, self.max_age)
        tag.last_age = age
        self._accessed(key, tag, admitted=False)
        return True

    def admit(self, key: Hashable, size: int) -> bool:
        self._place(key, size)
        tag = self._tags[key] = _Tag(self.now, 0, hit_age_class.py_func(self.max_age, self.max_age))
        self._accessed(key, tag, admitted=True)
        return True

    def _accessed(self, key: Hashable, tag: _Tag, admitted: bool) -> None:
        """What every access does (libCacheSim's ``update``): stamp, maybe an explorer, maybe a
        candidate for the next evictions, the clock, and a reconfiguration when due."""
        tag.stamp = self.now
        self.rng_state, draw = rand_below.py_func(self.rng_state, EXPLORE_ONE_IN)
        explore = draw == 0
        tag.explorer = explore and self.explorer_budget > 0 and self.reconfigurations < WARMUP
        if tag.explorer:
            self.explorer_budget -= self._size[key]
        if admitted and not explore and self.admissions and self._rank(key) < self._victims:
            if len(self._recent) < self.admissions:
                self._recent.append(key)
            else:
                self._recent[self._head % self.admissions] = key
            self._head += 1
        self.now += 1
        self._until -= 1
        if self._until == 0:
            self.shift = reconfigure.py_func(*self.tables, self.max_age, self.shift,
                                             self.reconfigurations in COARSENING_AT, len(self._keys),
                                             self._averages)
            self._until = self.reconfigure_every
            self.reconfigurations += 1

    def _forget(self, key: Hashable) -> None:
        del self._tags[key]

    def evict(self) -> tuple[Hashable, int]:
        keys, pos = self._keys, self._pos
        candidates = self.associativity if self.reconfigurations > WARMUP else WARMUP_CANDIDATES
        best, best_rank, first = -1, HIGHEST, -1
        for _ in range(candidates):
            self.rng_state, slot = rand_below.py_func(self.rng_state, len(keys))
            if first < 0:
                first = slot
            rank = self._rank(keys[slot])
            if rank < best_rank:
                best, best_rank = slot, rank
        for key in self._recent:
            if key in pos:
                rank = self._rank(key)
                if rank < best_rank:
                    best, best_rank = pos[key], rank
        if best < 0:  # every rank infinite (0-byte objects): libCacheSim's has no victim
            best = first
        self._victims = EWMA_DECAY * self._victims + (1 - EWMA_DECAY) * best_rank
        victim = keys[best]
        tag = self._tags[victim]
        age = coarse_age.py_func(self.now, tag.stamp, self.shift, self.max_age)
        self.tables[1][tag.cls * self.max_age + age] += 1.0
        if tag.explorer:
            self.explorer_budget += self._size[victim]
        return self._evict_slot(best)
