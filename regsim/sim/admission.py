"""Admission policies that compose with any cache policy, in both engines.

libCacheSim consults an *admissioner* on a miss, before inserting: a refused object is not cached
(the request stays a miss). Its four, here:

=========================  =====================================================================
:class:`SizeAdmission`     admit objects smaller than ``max_size`` bytes (libCacheSim ``Size``)
:class:`BloomAdmission`    admit an object on its second request: the first one only records it
                           (libCacheSim ``BloomFilter``, which despite its name is an exact hash
                           table of the times each object was seen: no false positives, and
                           neither here)
:class:`ProbAdmission`     admit with probability ``p``, seeded (libCacheSim ``Prob``)
:class:`AdaptSize`         admit with probability ``exp(-size / c)``, ``c`` re-tuned every
                           ``reconf_interval`` requests to the value that maximises the hit rate
                           predicted by AdaptSize's model (Berger et al., NSDI '17), as
                           libCacheSim's ``AdaptSize`` does
=========================  =====================================================================

``admitted(policy, admission)`` is a policy (for :func:`~regsim.sim.experiments.run`,
:func:`~regsim.sim.experiments.sweep`, :func:`~regsim.sim.cache.simulate`, ...) labelled
``lru+size(max_size=1000000)``. It runs compiled when ``policy`` does, with no change to any
kernel: a refused miss is handed to the kernel as an object too large for the cache, which every
policy already treats as libCacheSim does (looked up, never inserted); its real size is counted
in the missed bytes. The Python engine runs the same rule through the policy class, so the two
engines agree request by request (``tests/sim/test_admission.py``).

Every decision depends on the requests only (their order, object and size), never on the cache's
state: so it is made per request, the same in both engines, chunk after chunk. ``ProbAdmission``
and ``AdaptSize`` draw one number per request from ``numpy.random.default_rng(seed)``; a hit
ignores its draw, which gives the same runs in distribution as libCacheSim's one draw per miss
(see :class:`ProbAdmission`).

>>> from regsim.sim.cache import simulate
>>> simulate(["a", "b", "a", "b"], admitted("lru", SizeAdmission(100)), [50, 500, 50, 500], capacity=1000).hits
1
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Hashable

from ..deprecation import renamed_keywords
from ._util import check_int
from .errors import InvalidParameter
from .policies import Policy, label, make_policy

if TYPE_CHECKING:
    from .engine import CompiledCache

__all__ = ["Admission", "SizeAdmission", "BloomAdmission", "ProbAdmission", "AdaptSize", "Admitted", "AdmittedPolicy", "AdmittedCache", "admitted"]


class Admission:
    """An admission policy: :meth:`start` makes a fresh decider, whose ``decide(ids, sizes,
    capacity)`` returns a boolean array (True = admit on a miss) for one chunk of dense ids."""

    label = "admission"

    def start(self) -> "Any":
        """A fresh decider for one run: its ``decide(ids, sizes, capacity)`` takes a chunk's dense
        object ids and sizes (numpy arrays, in request order) and returns which misses to admit.

        Each run starts its own, so state (the objects seen, a random stream, AdaptSize's ``c``)
        never leaks from one run into another.

        >>> import numpy as np
        >>> decider = BloomAdmission().start()
        >>> decider.decide(np.array([0, 1, 0]), np.array([10, 10, 10]), 100).tolist()
        [False, False, True]
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.label


class _Stateless:
    def __init__(self, fn: Any) -> None:
        self.decide = fn


class SizeAdmission(Admission):
    """Admit objects smaller than ``max_size`` bytes (libCacheSim's ``SizeAdmissioner``)."""

    def __init__(self, max_size: int) -> None:
        self.max_size = check_int("max_size", max_size, minimum=0)
        self.label = f"size(max_size={self.max_size})"

    def start(self) -> Any:
        return _Stateless(lambda ids, sizes, capacity: sizes < self.max_size)


class _Seen:
    def __init__(self) -> None:
        import numpy as np

        self.np = np
        self.seen = np.zeros(0, dtype=bool)

    def decide(self, ids: Any, sizes: Any, capacity: int) -> Any:
        np = self.np
        if ids.size and int(ids.max()) >= self.seen.size:
            grown = np.zeros(max(int(ids.max()) + 1, 2 * self.seen.size), dtype=bool)
            grown[: self.seen.size] = self.seen
            self.seen = grown
        # a request is admitted when its object was requested before: in an earlier chunk, or
        # earlier in this one
        before = self.seen[ids].copy()
        _, first = np.unique(ids, return_index=True)
        earlier = np.ones(ids.size, dtype=bool)
        earlier[first] = False
        self.seen[ids] = True
        return before | earlier


class BloomAdmission(Admission):
    """Admit an object on its second request; one-hit wonders never enter.

    This is exactly libCacheSim's ``BloomFilterAdmissioner``: despite its name,
    ``admission/bloomfilter.c`` keeps no Bloom filter but an exact hash table (a ``GHashTable``)
    of the times each object id was seen, and refuses an object not in it yet; so it has no false
    positives, and neither has this exact set. libCacheSim consults it on misses only and we record
    every request, but the set is the same: an object's first request is always a miss (it cannot
    be cached before it is admitted). ``tests/sim/test_admission.py`` checks that both give the same
    miss ratio and byte miss ratio, exactly, behind each of the 8 policies it compares."""

    label = "bloom"

    def start(self) -> Any:
        return _Seen()


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidParameter(f"seed must be an int, got {seed!r}")
    return seed


class ProbAdmission(Admission):
    """Admit a miss with probability ``p`` (libCacheSim's ``ProbAdmissioner``), seeded.

    libCacheSim consults an admissioner only on a miss (``cache_can_insert_default``, called by
    ``cache_get_base``), and ``admission/prob.c`` draws one number there: admit when
    ``next_rand() % 10**7 < p * 10**7``. Here one number is drawn per request, from
    ``numpy.random.default_rng(seed)``, and a hit ignores its own: the decisions are made before
    the compiled kernel runs, and whether a request misses is known only after. The two give the
    same runs in distribution: the draw of a request is independent of everything before it, so
    each miss is admitted with probability ``p`` whatever happened before, as with one draw per
    miss. Only the random streams differ (theirs is libCacheSim's one global lehmer64, never
    reseeded), so the comparison is a tolerance over seeds:
    ``test_prob_admission_agrees_with_libcachesim_within_a_tolerance_over_seeds`` (8 policies, two
    sizes, our mean over 16 seeds against their 16 runs: within 0.02, the largest difference
    measured 0.0097). libCacheSim refuses ``p == 0`` and rounds ``p`` down to a multiple of 1e-7."""

    def __init__(self, p: float, *, seed: int = 0) -> None:
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise InvalidParameter(f"p must be a probability in [0, 1], got {p!r}")
        self.p, self.seed = float(p), _check_seed(seed)
        self.label = f"prob(p={self.p:g}, seed={self.seed})"

    def start(self) -> Any:
        import numpy as np

        rng = np.random.default_rng(self.seed)
        return _Stateless(lambda ids, sizes, capacity: rng.random(ids.size) < self.p)


#: AdaptSize's constants, as libCacheSim's ``admission/adaptsize/adaptsize.cpp`` (after the
#: original AdaptSize code) sets them: at each reconfiguration an object's long-term request count
#: keeps this share of itself and gains the rest of its count in the interval just ended
_EWMA_DECAY = 0.3
_GOLDEN = 0.61803399  # the golden-section search's step, (sqrt(5) - 1) / 2
_SEARCH_TOLERANCE = 3.0e-8  # it stops when its bracket is this narrow, relative to its points
_POSTPONE = 1000  # requests to the next check when the objects tracked fit three times in the cache
_FIRST_C = 2.0 ** 15  # the c of the admission probability exp(-size / c) before any reconfiguration


class _AdaptSizeDecider:
    """One run of :class:`AdaptSize`: its statistics, per dense object id, and its ``c``."""

    def __init__(self, owner: "AdaptSize") -> None:
        import numpy as np

        self.np = np
        self.owner = owner
        self.rng = np.random.default_rng(owner.seed)
        self.c = _FIRST_C
        self.countdown = owner.reconf_interval  # libCacheSim's next_reconf: the check is where it reaches 0
        self.tracked_bytes = 0  # libCacheSim's stat_size: the bytes of the objects in the statistics
        # this interval's request count and latest size of each object, and whether it has any
        self.count = np.zeros(0, dtype=float)
        self.size = np.zeros(0, dtype=np.int64)
        self.in_interval = np.zeros(0, dtype=bool)
        # the long-term (EWMA) request count and size of each object, and whether it has one
        self.seen = np.zeros(0, dtype=float)
        self.seen_size = np.zeros(0, dtype=np.int64)
        self.in_longterm = np.zeros(0, dtype=bool)
        self.history: list[float] = []  # c after each reconfiguration

    def decide(self, ids: Any, sizes: Any, capacity: int) -> Any:
        np = self.np
        if ids.size:
            self._grow(int(ids.max()) + 1)
        draws = self.rng.random(ids.size)  # one per request; a hit ignores its own
        admit = np.empty(ids.size, dtype=bool)
        start = 0
        while start < ids.size:
            # the requests before the check only count down; the check comes first in its request,
            # before that request's statistics (libCacheSim's updateStats calls reconfigure first)
            stop = min(ids.size, start + self.countdown - 1)
            if stop == start:
                self._check(capacity)
                stop = start + 1
            else:
                self.countdown -= stop - start
            self._record(ids[start:stop], sizes[start:stop])
            admit[start:stop] = draws[start:stop] < np.exp(-sizes[start:stop] / self.c)
            start = stop
        return admit

    def _record(self, ids: Any, sizes: Any) -> None:
        """Add requests to this interval's counts, and their bytes to ``tracked_bytes`` as
        libCacheSim does: an object in neither table adds its size; one whose size changed adds
        the difference, once for each table whose size differs (so twice when both do)."""
        np = self.np
        order = np.argsort(ids, kind="stable")
        objects, sizes = ids[order], sizes[order]
        first = np.ones(objects.size, dtype=bool)
        first[1:] = objects[1:] != objects[:-1]
        last = np.ones(objects.size, dtype=bool)
        last[:-1] = first[1:]
        # each request's object: was it in the interval's table before it, and with which size
        before = np.empty_like(sizes)
        before[1:] = sizes[:-1]
        before[first] = self.size[objects[first]]
        in_interval = ~first | self.in_interval[objects]
        in_longterm = self.in_longterm[objects]
        longterm_size = self.seen_size[objects]
        added = np.where(~in_interval & ~in_longterm, sizes, 0)
        added += np.where(in_interval & (before != sizes), sizes - before, 0)
        added += np.where(in_longterm & (longterm_size != sizes), sizes - longterm_size, 0)
        self.tracked_bytes += int(added.sum())
        unique = objects[first]
        self.count[unique] += np.diff(np.append(np.flatnonzero(first), objects.size))
        self.size[unique] = sizes[last]
        self.in_interval[unique] = True

    def _check(self, capacity: int) -> None:
        """The check that ends an interval: postponed by 1000 requests while the objects tracked
        fit three times in the cache, else the EWMA of the counts and a new ``c``."""
        np = self.np
        if self.tracked_bytes <= 3 * capacity:
            self.countdown = _POSTPONE
            return
        self.countdown = self.owner.reconf_interval
        self.seen[self.in_longterm] *= _EWMA_DECAY
        interval = np.flatnonzero(self.in_interval)
        known = self.in_longterm[interval]
        self.seen[interval] = np.where(known, self.seen[interval] + (1 - _EWMA_DECAY) * self.count[interval],
                                       self.count[interval])
        self.seen_size[interval] = self.size[interval]
        self.in_longterm[interval] = True
        self.count[interval] = 0.0
        self.in_interval[interval] = False
        faded = self.in_longterm & (self.seen < 0.1)  # forgotten, and their bytes untracked
        self.tracked_bytes -= int(self.seen_size[faded].sum())
        self.in_longterm[faded] = False
        kept = np.flatnonzero(self.in_longterm)
        if capacity >= 1:  # (a cache of 0 bytes holds nothing whatever c is)
            self.c = _search_c(np, self.seen[kept], self.seen_size[kept].astype(float), capacity,
                               self.owner.max_iteration, self.c)
        self.history.append(self.c)

    def _grow(self, objects: int) -> None:
        np = self.np
        if objects <= self.count.size:
            return
        size = max(objects, 2 * self.count.size)
        for name in ("count", "size", "in_interval", "seen", "seen_size", "in_longterm"):
            old = getattr(self, name)
            grown = np.zeros(size, dtype=old.dtype)
            grown[: old.size] = old
            setattr(self, name, grown)
def _search_c(np: Any, rate: Any, size: Any, capacity: int, max_iteration: int, c: float) -> float:
    """AdaptSize's search for the ``c`` of the highest modelled hit rate, over ``log2 c``: first
    every 4th value 2, 6, 10, ... below ``log2 capacity``, then up to ``max_iteration`` steps of a
    golden-section search between 0 and ``log2 capacity`` around the best of those. ``c`` stays
    as it was when the model gives NaN."""

    def hits(log2c: float) -> float:
        return _model_hits(np, rate, size, capacity, log2c)

    low = 0.0
    high = best_x = math.log2(capacity)
    best = 0.0
    x = 2
    while x < high:
        h = hits(x)
        if h > best:
            best, best_x = h, x
        x += 4
    x1, h1 = best_x, best  # (when no candidate models a hit, x1 is log2 capacity, h1 still 0)
    if high - x1 > x1 - low:
        x2 = x1 + (1 - _GOLDEN) * (high - x1)
        h2 = hits(x2)
    else:
        x2, h2 = x1, h1
        x1 = low + (1 - _GOLDEN) * (x1 - low)
        h1 = hits(x1)
    for _ in range(max_iteration):
        if not abs(high - low) > _SEARCH_TOLERANCE * (abs(x1) + abs(x2)) or math.isnan(h1) or math.isnan(h2):
            break
        if h2 > h1:
            low, x1, x2 = x1, x2, _GOLDEN * x2 + (1 - _GOLDEN) * high
            h1, h2 = h2, hits(x2)
        else:
            high, x2, x1 = x2, x1, _GOLDEN * x1 + (1 - _GOLDEN) * low
            h2, h1 = h1, hits(x1)
    if math.isnan(h1) or math.isnan(h2):
        return c
    return float(2.0 ** (x1 if h1 > h2 else x2))


def _model_hits(np: Any, rate: Any, size: Any, capacity: int, log2c: float) -> float:
    """AdaptSize's model (Berger et al., NSDI '17): the hits, per interval, of a cache of
    ``capacity`` bytes that admits each object with probability ``exp(-size / c)``, objects
    requested at ``rate`` (their EWMA counts). The characteristic time ``T`` (in intervals) is the
    fixed point of "the expected bytes held fill the cache", 20 steps from ``capacity / sum(rate *
    admission * size)``; an object's hit probability at ``T`` is the model's rational
    approximation, clipped to [0, 1]."""
    with np.errstate(all="ignore"):  # a NaN or an infinity ends in NaN, as in libCacheSim
        admission = np.exp(-size / 2.0 ** log2c)
        demand = float((rate * admission * size).sum())
        if demand <= 0:
            return 0.0
        t = np.float64(capacity / demand)
        for _ in range(20):
            if t > 1e70:
                break
            u = rate * t
            held = admission * (np.exp(np.minimum(u, 150.0)) - 1)
            filled = np.where(u > 150, size, size * held / (1 + held)).sum()
            t = capacity * t / filled
        u, p = rate * t, admission
        numerator = p * u * (840 + 60 * u + 20 * u ** 2 + u ** 3)
        denominator = 840 + 120 * (7 * p - 3) * u + 60 * (1 + p) * u ** 2 + 4 * (5 * p - 1) * u ** 3 + p * u ** 4
        ratio = np.where((numerator != 0) & (denominator == 0), 0.0, numerator / denominator)
        return float((rate * np.clip(ratio, 0.0, 1.0)).sum())


class AdaptSize(Admission):
    """Admit a miss with probability ``exp(-size / c)``, ``c`` re-tuned to the request statistics:
    AdaptSize (Berger et al., NSDI '17) as libCacheSim 0.3.5 implements it
    (``admission/adaptsize/``), with its parameters and defaults.

    - Every request counts in the statistics (libCacheSim's ``update`` is called on every
      request, hit or miss, with the cache's size); the admission is consulted on a miss.
    - ``c`` starts at 2**15 bytes. Every ``reconf_interval`` requests (the first time at request
      ``reconf_interval``, before its own statistics) comes a check: while the bytes of the objects
      tracked are at most three times the cache, it is postponed by 1000 requests (so on a trace
      whose objects fit three times in the cache, ``c`` never moves from 2**15); otherwise each
      object's long-term count becomes ``0.3 * itself + 0.7 * its count this interval`` (an object
      new to it takes its count whole), objects whose count fell below 0.1 are forgotten, and
      ``c`` becomes the value of the highest modelled hit rate: ``log2 c`` tried at 2, 6, 10, ...
      below ``log2 capacity``, then ``max_iteration`` steps of a golden-section search.
    - The model: the characteristic time where the expected bytes held fill the cache, and each
      object's hit probability there (``_model_hits``).
    - A miss is admitted when a uniform draw is below ``exp(-size / c)``: one draw per request
      here (a hit ignores its own), one per miss in libCacheSim; the same runs in distribution,
      as for :class:`ProbAdmission`.

    Quirks of libCacheSim's, kept: the tracked bytes count a changed size again for each table
    whose recorded size differs, at every request until the next reconfiguration; an object new to
    the long-term table takes its whole count, not 0.7 of it; a trace shorter than
    ``reconf_interval`` never reconfigures. ``reconf_interval=0`` is refused here (libCacheSim's
    counter is unsigned: it wraps, and never reconfigures). A quirk not kept: libCacheSim's GDSF
    has its own ``get``, which never calls the admissioner's ``update``, so behind GDSF its
    AdaptSize never reconfigures (``c`` stays 2**15); here ``c`` is re-tuned behind every policy.

    ``tests/sim/test_admission.py`` compares it with libcachesim's ``AdaptSizeAdmissioner`` on
    60,000 requests of variable sizes, where it cuts the miss ratio by 0.07 to 0.17: our mean over
    16 seeds is within 0.006 of their 16 runs (largest difference measured 0.0013, behind LRU,
    FIFO, Clock, LFU, S3-FIFO, ARC and Sieve at 1% and 5%); behind GDSF, theirs matches ours with
    no reconfiguration.
    """

    @renamed_keywords(interval="reconf_interval")
    def __init__(self, *, max_iteration: int = 15, reconf_interval: int = 30_000, seed: int = 0) -> None:
        self.max_iteration = check_int("max_iteration", max_iteration, minimum=0)
        self.reconf_interval = check_int("reconf_interval", reconf_interval, minimum=1)
        self.seed = _check_seed(seed)
        shown = [f"seed={self.seed}"]  # and the parameters that differ from libCacheSim's defaults
        if self.reconf_interval != 30_000:
            shown.insert(0, f"reconf_interval={self.reconf_interval}")
        if self.max_iteration != 15:
            shown.insert(0, f"max_iteration={self.max_iteration}")
        self.label = f"adaptsize({', '.join(shown)})"

    @property
    def interval(self) -> int:
        """The old name of ``reconf_interval``."""
        return self.reconf_interval

    def start(self) -> Any:
        return _AdaptSizeDecider(self)


class Admitted:
    """``policy`` behind ``admission``: a policy factory (``capacity -> Policy``) that both
    engines run; see the module docstring."""

    def __init__(self, policy: Any, admission: Admission) -> None:
        if not isinstance(admission, Admission):
            raise InvalidParameter(f"admission must be an Admission (SizeAdmission, BloomAdmission, ProbAdmission, "
                                   f"AdaptSize), got {admission!r}")
        self.policy = self.wraps = policy
        self.admission = admission
        self.name = f"{label(policy)}+{admission.label}"

    def compiled_cache(self, make: Any, capacity: int, objects: int = 0) -> "AdmittedCache":
        """The compiled engine's cache: ``make`` is :class:`~regsim.sim.engine.CompiledCache`."""
        return AdmittedCache(self, make(self.policy, capacity, objects))

    def __call__(self, capacity: int) -> "Any":
        return AdmittedPolicy(make_policy(self.policy, capacity), self.admission.start(), self.name)

    def __repr__(self) -> str:
        return f"admitted({self.policy!r}, {self.admission!r})"


def admitted(policy: Any, admission: Admission) -> Admitted:
    """``policy`` (a name, class or factory) with ``admission`` in front of it."""
    return Admitted(policy, admission)


class AdmittedPolicy(Policy):
    """The Python engine's side: the inner policy object, told that a refused miss is larger
    than the cache (so it looks the object up and never inserts it)."""

    def __init__(self, inner: Policy, decider: Any, name: str) -> None:
        if not isinstance(inner, Policy):
            raise InvalidParameter(f"inner must be a Policy, got {type(inner).__name__} {inner!r:.80}")
        super().__init__(inner.capacity)
        self.inner = inner
        self.decider = decider
        self.name = name
        self.needs_future = inner.needs_future  # Belady: each request with its next access
        self._ids: dict[Hashable, int] = {}

    @property
    def label(self) -> str:
        return self.name

    @property
    def used(self) -> int:
        return self.inner.used

    @used.setter
    def used(self, value: int) -> None:  # Policy.__init__ sets 0; the inner policy keeps the count
        pass

    def _admit_mask(self, keys: Any, sizes: Any) -> Any:
        import numpy as np

        ids = np.fromiter((self._ids.setdefault(k, len(self._ids)) for k in keys), np.int64, count=len(keys))
        return self.decider.decide(ids, np.asarray(sizes, dtype=np.int64), self.capacity)

    def request(self, key: Hashable, size: int, *future: Any) -> bool:
        """One request (``future``: Belady's next access, passed on)."""
        ok = bool(self._admit_mask([key], [size])[0])
        request: Callable[..., bool] = self.inner.request  # Belady's takes the next access too
        return request(key, size if ok else self.capacity + 1, *future)

    def replay_bytes(self, keys: Any, sizes: Any, next_access: Any = None) -> tuple[int, int]:
        keys, sizes = list(keys), list(sizes)
        mask = self._admit_mask(keys, sizes).tolist()
        request: Callable[..., bool] = self.inner.request  # Belady's takes each request's next access too
        over = self.capacity + 1
        shown = [s if ok else over for s, ok in zip(sizes, mask)]
        if self.needs_future:
            from .policies.belady import next_access_times

            future = next_access if next_access is not None else next_access_times(keys)
            outcomes = [request(k, s, n) for k, s, n in zip(keys, shown, future)]
        else:
            outcomes = [request(k, s) for k, s in zip(keys, shown)]
        misses = missed = 0
        for s, hit in zip(sizes, outcomes):
            if not hit:
                misses += 1
                missed += s
        return misses, missed

    def lookup(self, key: Hashable) -> bool:
        return self.inner.lookup(key)

    def admit(self, key: Hashable, size: int) -> Any:
        return self.inner.admit(key, size)

    def evict(self) -> Any:
        return self.inner.evict()

    def __contains__(self, key: object) -> bool:
        return key in self.inner  # type: ignore[operator]  # Policy declares no __contains__; the built-ins have it

    def __iter__(self) -> Any:
        return iter(self.inner)  # type: ignore[call-overload]  # nor __iter__ (the built-ins do)

    def __len__(self) -> int:
        return len(self.inner)  # type: ignore[arg-type]  # nor __len__ (the built-ins do)


class AdmittedCache:
    """The compiled engine's side: a :class:`~regsim.sim.engine.CompiledCache` of the inner policy,
    fed each refused miss as an object larger than the cache (same interface as CompiledCache)."""

    def __init__(self, spec: Admitted, inner: CompiledCache) -> None:
        if not isinstance(spec, Admitted):
            raise InvalidParameter(f"spec must be an Admitted (from admitted()), got {type(spec).__name__} {spec!r:.80}")
        self.inner = inner
        self.name = spec.name
        self.capacity = self.inner.capacity
        self.decider = spec.admission.start()
        self.requests = self.misses = self.missed_bytes = self.bytes_requested = 0

    @property
    def used(self) -> int:
        return self.inner.used

    def feed(self, ids: Any, sizes: Any, *, record: bool = False, next_access: Any = None,
             object_ids: Any = None) -> Any:
        import numpy as np

        ids = np.ascontiguousarray(ids, dtype=np.int64)
        sizes = np.ascontiguousarray(sizes, dtype=np.int64)
        if ids.shape != sizes.shape or ids.ndim != 1:
            raise InvalidParameter(f"ids and sizes differ in length: {ids.size} vs {sizes.size}")
        admit = self.decider.decide(ids, sizes, self.capacity)
        shown = np.where(admit, sizes, self.capacity + 1)
        misses, _, hits = self.inner.feed(ids, shown, record=True, next_access=next_access, object_ids=object_ids)
        missed = int(sizes[~hits].sum())
        self.requests += ids.size
        self.bytes_requested += int(sizes.sum())
        self.misses += misses
        self.missed_bytes += missed
        return (misses, missed, hits) if record else (misses, missed)

    def __repr__(self) -> str:
        return f"AdmittedCache({self.name}, capacity={self.capacity}, used={self.used})"
