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
                           ``interval`` requests to the value that maximises the object hit
                           ratio predicted by AdaptSize's model (Berger et al., NSDI '17)
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


class _AdaptSizeDecider:
    def __init__(self, owner: "AdaptSize") -> None:
        import numpy as np

        self.np = np
        self.owner = owner
        self.rng = np.random.default_rng(owner.seed)
        self.c = math.inf  # admit everything until the first re-tuning
        self.window_ids: list[Any] = []
        self.window_sizes: list[Any] = []
        self.in_window = 0
        self.history: list[float] = []

    def decide(self, ids: Any, sizes: Any, capacity: int) -> Any:
        np = self.np
        out = np.empty(ids.size, dtype=bool)
        draws = self.rng.random(ids.size)
        start = 0
        while start < ids.size:
            stop = min(ids.size, start + self.owner.interval - self.in_window)
            s = sizes[start:stop]
            admit = np.ones(stop - start, dtype=bool) if self.c == math.inf else draws[start:stop] < np.exp(-s / self.c)
            out[start:stop] = admit
            self.window_ids.append(ids[start:stop])
            self.window_sizes.append(s)
            self.in_window += stop - start
            if self.in_window >= self.owner.interval:
                self._retune(capacity)
            start = stop
        return out

    def _retune(self, capacity: int) -> None:
        np = self.np
        ids = np.concatenate(self.window_ids)
        sizes = np.concatenate(self.window_sizes)
        self.window_ids, self.window_sizes, self.in_window = [], [], 0
        objects, first, counts = np.unique(ids, return_index=True, return_counts=True)
        rate = counts / ids.size  # requests per request of the window
        size = np.maximum(sizes[first].astype(float), 1.0)
        best, best_c = -1.0, self.c
        for c in self.owner.candidates:
            ohr = _model_ohr(np, rate, size, c, capacity)
            if ohr > best:
                best, best_c = ohr, c
        self.c = best_c
        self.history.append(best_c)


def _model_ohr(np: Any, rate: Any, size: Any, c: float, capacity: int) -> float:
    """AdaptSize's model: the object hit ratio of a cache of ``capacity`` admitting with
    ``exp(-size / c)``, at the characteristic time ``T`` where the expected bytes held fill it."""
    admit = np.exp(-size / c)

    def held(t: float) -> Any:
        x = admit * np.expm1(np.minimum(rate * t, 50.0))
        return x / (1.0 + x)

    lo, hi = 0.0, 1.0
    while (held(hi) * size).sum() < capacity and hi < 1e15:
        hi *= 4
    for _ in range(40):
        mid = (lo + hi) / 2
        if (held(mid) * size).sum() < capacity:
            lo = mid
        else:
            hi = mid
    return float((rate * held(lo)).sum() / rate.sum())


class AdaptSize(Admission):
    """Admit with probability ``exp(-size / c)``; every ``interval`` requests, ``c`` becomes the
    candidate (powers of two from 2**4 to 2**36 bytes) whose predicted object hit ratio is the
    highest under AdaptSize's model, fitted on that window's request rates and sizes."""

    def __init__(self, *, interval: int = 30_000, seed: int = 0) -> None:
        self.interval = check_int("interval", interval, minimum=1)
        self.seed = _check_seed(seed)
        self.candidates = [float(2 ** k) for k in range(4, 37)]
        self.label = f"adaptsize(interval={self.interval}, seed={self.seed})"

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

    def feed(self, ids: Any, sizes: Any, *, record: bool = False, next_access: Any = None) -> Any:
        import numpy as np

        ids = np.ascontiguousarray(ids, dtype=np.int64)
        sizes = np.ascontiguousarray(sizes, dtype=np.int64)
        if ids.shape != sizes.shape or ids.ndim != 1:
            raise InvalidParameter(f"ids and sizes differ in length: {ids.size} vs {sizes.size}")
        admit = self.decider.decide(ids, sizes, self.capacity)
        shown = np.where(admit, sizes, self.capacity + 1)
        misses, _, hits = self.inner.feed(ids, shown, record=True, next_access=next_access)
        missed = int(sizes[~hits].sum())
        self.requests += ids.size
        self.bytes_requested += int(sizes.sum())
        self.misses += misses
        self.missed_bytes += missed
        return (misses, missed, hits) if record else (misses, missed)

    def __repr__(self) -> str:
        return f"AdmittedCache({self.name}, capacity={self.capacity}, used={self.used})"
