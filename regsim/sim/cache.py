"""Cache policies with a byte capacity, and replaying request traces through them.

The policies themselves live in :mod:`regsim.sim.policies`, one module each (class, compiled
kernel, description); this module gathers them and replays traces: :func:`simulate` and
:func:`hit_sequence` on either engine, and :class:`CacheReport`.

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

Built-in policies: see :data:`POLICIES` (``regsim.sim.policies.describe()`` tabulates them).
Parameters are set with ``S3FIFO.with_params(small_ratio=0.05)`` (or ``functools.partial``),
which both engines run; names may be spelled as libCacheSim does (``"S3-FIFO"``).

>>> cache = LRU(100)
>>> [cache.request(k, s) for k, s in [("a", 60), ("b", 30), ("a", 60), ("c", 50), ("b", 30)]]
[False, False, True, False, False]
>>> sorted(cache), cache.used
(['b', 'c'], 80)
"""

from __future__ import annotations

import functools
import inspect
import os
import warnings
from dataclasses import dataclass
from numbers import Integral
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterable, TypeVar

from ..deprecation import moved_names
from ._util import check_int, parse_bytes
from .errors import InvalidParameter
from .policies import POLICIES, Configured, Policy, make_policy, resolve
from .policies.arc import ARC
from .policies.belady import Belady, next_access_times
from .policies.beladysize import BeladySize
from .policies.cacheus import Cacheus
from .policies.clock import Clock
from .policies.clockpro import ClockPro
from .policies.clock2qplus import Clock2QPlus
from .policies.fifo import FIFO
from .policies.gdsf import GDSF
from .policies.hyperbolic import Hyperbolic
from .policies.lecar import LeCaR
from .policies.lhd import LHD
from .policies.lfu import LFU
from .policies.lfuda import LFUDA
from .policies.lirs import LIRS
from .policies.lru import LRU
from .policies.lruk import LRUK
from .policies.mq import MQ
from .policies.random import Random
from .policies.s3fifo import S3FIFO
from .policies.sieve import Sieve
from .policies.slru import SLRU
from .policies.twoq import TwoQ
from .policies.wtinylfu import WTinyLFU

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "Policy", "Configured", "Belady", "LRU", "FIFO", "LFU", "Clock", "S3FIFO", "GDSF", "ARC", "Sieve", "TwoQ", "SLRU", "LRUK", "LFUDA", "MQ", "LIRS", "Random", "Hyperbolic", "BeladySize",
    "LeCaR", "Cacheus", "ClockPro",
    "LHD",
    "WTinyLFU",
    "Clock2QPlus",
    "POLICIES",
    "make_policy", "CacheReport", "simulate", "hit_sequence",
]


F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CacheReport:
    """What a cache did with a trace: counts and bytes, and the ratios derived from them."""

    requests: int
    hits: int
    bytes_requested: int
    bytes_hit: int

    @property
    def misses(self) -> int:
        """``requests - hits``."""
        return self.requests - self.hits

    @property
    def hit_ratio(self) -> float:
        """``hits / requests``: the share of requests the cache served (0.0 for no requests).

        >>> stats = CacheReport(requests=4, hits=1, bytes_requested=1000, bytes_hit=100)
        >>> stats.misses, stats.hit_ratio, stats.miss_ratio, stats.byte_hit_ratio, stats.upstream_bytes
        (3, 0.25, 0.75, 0.1, 900)
        """
        return self.hits / self.requests if self.requests else 0.0

    @property
    def miss_ratio(self) -> float:
        """``1 - hit_ratio`` (0.0 for no requests, like the hit ratio)."""
        return 1.0 - self.hit_ratio if self.requests else 0.0

    @property
    def byte_hit_ratio(self) -> float:
        """``bytes_hit / bytes_requested``: the share of requested bytes the cache served (0.0 for none)."""
        return self.bytes_hit / self.bytes_requested if self.bytes_requested else 0.0

    @property
    def byte_miss_ratio(self) -> float:
        """``1 - byte_hit_ratio``: the share of requested bytes fetched from behind the cache (0.0 for none)."""
        return 1.0 - self.byte_hit_ratio if self.bytes_requested else 0.0

    @property
    def upstream_bytes(self) -> int:
        """Bytes fetched from behind the cache: every miss is fetched once."""
        return self.bytes_requested - self.bytes_hit

    def to_dict(self) -> dict[str, float | int]:
        """The counts and ratios as a dict (one row of a DataFrame), ``misses`` and ``upstream_bytes``
        included.
        """
        return {"requests": self.requests, "hits": self.hits, "misses": self.misses,
                "hit_ratio": self.hit_ratio, "byte_hit_ratio": self.byte_hit_ratio,
                "miss_ratio": self.miss_ratio, "byte_miss_ratio": self.byte_miss_ratio,
                "bytes_requested": self.bytes_requested, "upstream_bytes": self.upstream_bytes}


def _capacity_bytes(capacity: object) -> int:
    if isinstance(capacity, str):
        return parse_bytes("capacity", capacity)
    if isinstance(capacity, bool) or not isinstance(capacity, Integral):
        raise InvalidParameter(f"capacity is bytes: an int or a size such as '64MB', got {capacity!r} "
                               f"(for a share of the working set, use run/sweep with fractions=[0.1])")
    return check_int("capacity", capacity, minimum=0)


def _requests(keys: Any, sizes: Any, kind: str | None) -> tuple[Any, Any, bool, Any]:
    """``keys`` and ``sizes`` as given, or the requests of a Trace or trace file (``sizes`` None):
    a Trace's keys and sizes (its ``kind`` requests only), a file's dense ids and sizes (one read).
    The last two items: whether they are dense ids, and then each dense id's integer key (or None)."""
    import os

    from .traces import Trace

    if isinstance(keys, Trace) or isinstance(keys, (str, os.PathLike)):
        if sizes is not None:
            raise InvalidParameter("give a Trace or a trace file's path alone (its sizes come with it), "
                                   "or keys and sizes")
        if isinstance(keys, Trace):
            trace = keys.only(kind) if kind is not None else keys
            return trace.keys, trace.sizes, False, None
        from .reading import load_dense

        d = load_dense(keys, kind=kind)
        return d.ids, d.sizes, True, d.object_ids
    if sizes is None:
        raise InvalidParameter("keys: simulate and hit_sequence take keys and sizes, or a Trace or a trace file's path "
                           f"(got {type(keys).__name__} {keys!r:.80} and no sizes)")
    return keys, sizes, False, None


def _prepare(policy: Any, keys: Any, sizes: Any, capacity: object, engine: str,
             kind: str | None = "blob") -> tuple[str, Any, Any, Any, Any]:
    """Check the arguments of :func:`simulate` and :func:`hit_sequence`; pick the engine.

    Returns ``(engine, policy, keys, sizes, object_ids)``: for ``"python"`` a fresh or given Policy
    object, for ``"compiled"`` a :class:`~regsim.sim.engine.CompiledCache`. Keys and sizes are
    lists, or int64 arrays of dense ids and sizes when read from a file for the compiled engine
    (then ``object_ids`` is each dense id's integer key, or None; the Python engine gets the keys).
    """
    from .engine import CompiledCache, resolve_engine

    keys, sizes, dense, object_ids = _requests(keys, sizes, kind)
    if not dense:
        keys = keys if isinstance(keys, list) else list(keys)
        sizes = sizes if isinstance(sizes, list) else list(sizes)
    if len(keys) != len(sizes):
        raise InvalidParameter(f"keys and sizes differ in length: {len(keys)} vs {len(sizes)}")
    if len(sizes) and min(sizes) < 0:
        raise InvalidParameter(f"object sizes must be non-negative, got {min(sizes)!r}")
    if isinstance(policy, Policy):
        if capacity is not None:
            raise InvalidParameter(f"{policy!r} already has its capacity; pass capacity= only with a "
                                   f"policy name, class or factory")
        if engine == "compiled":
            raise InvalidParameter(f"engine='compiled' replays a policy given by name (simulate(keys, 'lru', "
                                   f"sizes, capacity=...)); the object {policy!r} runs with engine='python'")
        resolve_engine(engine, policy)  # checks the engine name
        return "python", policy, _keys_list(keys, object_ids), _as_list(sizes), None
    if capacity is None:
        raise InvalidParameter(f"simulate(..., {policy!r}) needs capacity= (bytes, or a size such as '64MB')")
    capacity = _capacity_bytes(capacity)
    if isinstance(policy, str) and resolve(policy) is None:
        make_policy(policy, 0)  # raises UnknownPolicy, naming it
    chosen = resolve_engine(engine, policy)
    if chosen == "compiled":
        return chosen, CompiledCache(policy, capacity), keys, sizes, object_ids
    return chosen, make_policy(policy, capacity), _keys_list(keys, object_ids), _as_list(sizes), None


def _as_list(values: Any) -> list[Any]:
    return values if isinstance(values, list) else values.tolist()


def _keys_list(keys: Any, object_ids: Any) -> list[Any]:
    """The keys as a list: a file's dense ids turned back into its integer keys when known."""
    return _as_list(keys if object_ids is None else object_ids[keys])


def _is_policy(value: Any) -> bool:
    """Whether ``value`` is a policy as simulate takes one: a Policy, a known name, a class or factory."""
    if isinstance(value, Policy) or resolve(value) is not None:
        return True
    if isinstance(value, type):
        return issubclass(value, Policy)
    return callable(value) and not isinstance(value, (str, bytes))


def _data_first(function: F) -> F:
    """The old order ``function(policy, keys, ...)`` for one release: a call whose first argument is
    a policy (a Policy, a name, a class or factory) and whose second is not warns and swaps them."""

    data, policy = list(inspect.signature(function).parameters)[:2]

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if len(args) >= 2:
            first, second = args[0], args[1]
            old = not _is_policy(second) and (
                _is_policy(first) or (isinstance(first, str) and not isinstance(second, (str, os.PathLike))))
            if old:
                name = function.__name__
                warnings.warn(f"{name}({policy}, {data}, ...) is now {name}({data}, {policy}, ...) (the data first); "
                              "the old order goes in the next release", DeprecationWarning, stacklevel=2)
                args = (second, first, *args[2:])
        return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature for callers


@_data_first
def simulate(keys: Any, policy: "Policy | str | type[Policy] | Callable[[int], Policy]",
             sizes: "Iterable[int] | None" = None, *, capacity: "int | str | None" = None, engine: str = "auto",
             kind: str | None = "blob") -> CacheReport:
    """Replay ``keys``/``sizes`` (equal lengths) through a cache; count hits and bytes.

    Instead of keys and sizes, give a :class:`~regsim.sim.traces.Trace` or a trace file's path
    (anything :func:`regsim.sim.streaming.iter_chunks` reads; read once) alone: its ``kind``
    requests (blobs by default, as :func:`~regsim.sim.experiments.run`) are replayed.

    ``policy`` is a :class:`Policy` object (it keeps its state: look inside it afterwards), or a
    name (``"lru"``), class or factory with ``capacity=`` in bytes (an int or ``"64MB"``).
    ``engine`` is ``"auto"``, ``"compiled"`` or ``"python"`` (:mod:`regsim.sim.engine`): a
    built-in name runs compiled when numba is installed; objects always run in Python.

    The data comes first (CONTRIBUTING.md); the old order ``simulate(policy, keys, ...)`` still
    works for one release, with a DeprecationWarning.

    >>> simulate(["a", "b", "a", "c", "b"], "lru", [60, 30, 60, 50, 30], capacity=100).hits
    1
    """
    chosen, cache, keys, sizes, objects = _prepare(policy, keys, sizes, capacity, engine, kind)
    if chosen == "python":
        misses, missed = cache.replay_bytes(keys, sizes)
    else:
        ids, objects = (keys, objects) if not isinstance(keys, list) else _dense(keys)
        misses, missed = cache.feed(ids, sizes, object_ids=objects)
    total = _total(sizes)
    return CacheReport(len(keys), len(keys) - misses, total, total - missed)


def _total(sizes: Any) -> int:
    """The sum of ``sizes``: a list, or an int64 array read from a file."""
    return int(sum(sizes)) if isinstance(sizes, list) else int(sizes.sum())


@_data_first
def hit_sequence(keys: Any, policy: "Policy | str | type[Policy] | Callable[[int], Policy]",
                 sizes: "Iterable[int] | None" = None, *, capacity: "int | str | None" = None,
                 engine: str = "auto", kind: str | None = "blob") -> list[bool]:
    """Each request's outcome (True = hit), in order; arguments as :func:`simulate` (keys and
    sizes, or a Trace or a trace file's path).

    The two engines give the same sequence (``tests/sim/test_engines.py`` proves it).

    >>> hit_sequence(["a", "b", "a", "c", "b"], "lru", [60, 30, 60, 50, 30], capacity=100)
    [False, False, True, False, False]
    """
    chosen, cache, keys, sizes, objects = _prepare(policy, keys, sizes, capacity, engine, kind)
    if chosen == "python":
        request = cache.request
        if cache.needs_future:  # Belady: each request with its next access
            return [request(k, s, n) for k, s, n in zip(keys, sizes, next_access_times(keys))]
        return [request(k, s) for k, s in zip(keys, sizes)]
    ids, objects = (keys, objects) if not isinstance(keys, list) else _dense(keys)
    hits: list[bool] = cache.feed(ids, sizes, record=True, object_ids=objects)[2].tolist()
    return hits


def _dense(keys: list[Hashable]) -> tuple[NDArray[np.int64], Any]:
    """Dense ids ``0..n-1`` (in order of first request) for ``keys``, and each one's key when the
    keys are integers (the object ids WTinyLFU hashes; None otherwise)."""
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(keys))
    objects = uniques.to_numpy() if uniques.dtype.kind in "iu" else None
    return codes.astype("int64"), objects


# Old names, for one release (CONTRIBUTING.md, "Renaming").
__getattr__ = moved_names("regsim.sim.cache", {"CacheStats": "CacheReport"}, globals())
