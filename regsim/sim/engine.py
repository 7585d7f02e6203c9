"""Two engines for one set of policies: the readable Python classes, and compiled kernels.

``engine="python"`` replays a trace through a :class:`~regsim.sim.cache.Policy` object, request
by request; this is the reference, the code the lab teaches and users extend. ``engine="compiled"``
replays it through :mod:`regsim.sim.kernels`, numba loops over dense integer object ids that
give the same hit or miss on every request, tens of times faster. ``engine="auto"`` (the default
everywhere) is compiled for a built-in policy name when numba is installed, and python otherwise;
a user's :class:`Policy` subclass or factory always runs in Python.

:class:`CompiledCache` keeps a compiled policy's state between calls of :meth:`~CompiledCache.feed`,
so a trace can be replayed in chunks (see :mod:`regsim.sim.oracle` and :mod:`regsim.sim.streaming`).

>>> cache = CompiledCache("lru", 100)
>>> cache.feed([0, 1, 0, 2, 1], [60, 30, 60, 50, 30], record=True)[2].tolist()
[False, False, True, False, False]
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any, Literal, overload

from ._util import check_int
from .errors import EngineUnavailable, InvalidParameter, UnknownPolicy
from .policies import POLICIES, compiled_names, resolve
from .policies.belady import BeladyState

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike, NDArray

    from .policies._compiled import KernelState

__all__ = ["ENGINES", "COMPILED_POLICIES", "CompiledCache", "numba_available", "resolve_engine"]

ENGINES = ("auto", "compiled", "python")
#: the built-in policies that have a compiled kernel (all of the deterministic ones)
COMPILED_POLICIES = compiled_names()


def numba_available() -> bool:
    """True when numba can be imported (the ``sim`` extra installs it)."""
    return importlib.util.find_spec("numba") is not None


def _compilable(policy: Any) -> bool:
    if hasattr(policy, "compiled_cache"):  # a policy behind an admission (regsim.sim.admission)
        return _compilable(policy.wraps)
    configured = resolve(policy)
    return configured is not None and configured.cls.State is not None


def resolve_engine(engine: str, policy: Any) -> str:
    """``"compiled"`` or ``"python"`` for ``policy`` under ``engine`` (see the module docstring).

    A built-in policy (a name in any accepted spelling, a built-in class, ``Class.with_params(...)``
    or ``functools.partial(Class, **params)``) under ``"compiled"`` without numba is an
    :class:`EngineUnavailable`; a user's policy under ``"compiled"`` an :class:`InvalidParameter`.
    """
    if engine not in ENGINES:
        raise InvalidParameter(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    builtin = _compilable(policy)
    if engine == "python":
        return "python"
    if engine == "auto":
        return "compiled" if builtin and numba_available() else "python"
    if not builtin:
        raise InvalidParameter(f"engine='compiled' runs the built-in policies ({', '.join(COMPILED_POLICIES)}), "
                               f"by name, class, Class.with_params(...) or functools.partial(Class, ...); "
                               f"{policy!r} runs with engine='python'")
    if not numba_available():
        raise EngineUnavailable("engine='compiled' needs numba, which is not installed: "
                                "pip install 'regsim[sim]' (or numba), or pass engine='python'")
    return "compiled"


class CompiledCache:
    """A built-in policy as a compiled kernel, with its state kept between chunks.

    ``policy`` is a built-in policy (a name such as ``"lru"`` or ``"S3-FIFO"``, a class,
    ``S3FIFO.with_params(small_ratio=0.05)`` or a ``functools.partial``), ``capacity`` its
    bytes; ``objects`` pre-sizes the per-object arrays (they grow when larger ids arrive).
    :meth:`feed` replays a chunk of dense ids and sizes; ``misses``, ``missed_bytes``,
    ``requests`` and ``bytes_requested`` add up over all chunks. Parameters are those of the
    Python class (libCacheSim's defaults unless set).
    """

    def __new__(cls, policy: Any, capacity: int, objects: int = 0) -> Any:
        if hasattr(policy, "compiled_cache"):  # a policy behind an admission: it wraps one of these
            return policy.compiled_cache(cls, capacity, objects)
        return super().__new__(cls)

    def __init__(self, policy: Any, capacity: int, objects: int = 0) -> None:
        import numpy as np

        configured = resolve(policy)
        if configured is None or configured.cls.State is None:
            raise UnknownPolicy(f"unknown cache policy {policy!r} (compiled: {', '.join(COMPILED_POLICIES)}; "
                                f"known: {', '.join(POLICIES)})")
        self.policy = configured
        self.name = configured.name
        self.capacity = check_int("capacity", capacity, minimum=0)
        self._np = np
        self.requests = self.misses = self.missed_bytes = self.bytes_requested = 0
        self._state: KernelState = configured.cls.State(configured(self.capacity), 0)
        self._grow(objects)

    @property
    def used(self) -> int:
        """Bytes held now."""
        return self._state.used

    def _grow(self, n: int) -> None:
        if n > 2**31 - 1:
            raise InvalidParameter(f"the compiled engine handles up to {2**31 - 1:,} distinct objects, got {n:,}")
        self._state.grow(n)

    @overload
    def feed(self, ids: ArrayLike, sizes: ArrayLike, *, record: Literal[False] = ...,
             next_access: ArrayLike | None = ..., object_ids: ArrayLike | None = ...) -> tuple[int, int]: ...

    @overload
    def feed(self, ids: ArrayLike, sizes: ArrayLike, *, record: Literal[True],
             next_access: ArrayLike | None = ..., object_ids: ArrayLike | None = ...) -> tuple[int, int, NDArray[np.bool_]]: ...

    @overload
    def feed(self, ids: ArrayLike, sizes: ArrayLike, *, record: bool,
             next_access: ArrayLike | None = ..., object_ids: ArrayLike | None = ...
             ) -> tuple[int, int] | tuple[int, int, NDArray[np.bool_]]: ...

    def feed(self, ids: ArrayLike, sizes: ArrayLike, *, record: bool = False,
             next_access: ArrayLike | None = None, object_ids: ArrayLike | None = None
             ) -> tuple[int, int] | tuple[int, int, NDArray[np.bool_]]:
        """Replay one chunk: dense ``ids`` and their ``sizes`` (equal lengths, sizes >= 0).

        ``next_access`` (Belady only): each request's next access, a position in the whole trace
        (oracleGeneral's ``next_access_vtime``; -1 = never); without it, Belady computes it from
        the chunk, which is right only when the chunk is the whole trace (a second chunk without it
        is refused). ``object_ids`` (for WTinyLFU, whose sketch hashes object ids as libCacheSim
        does): each dense id's 64-bit object id, an integer array indexed by dense id; without it,
        the dense ids are hashed; other policies ignore it. Returns ``(misses, missed_bytes)`` of
        this chunk, and with ``record=True`` a third item, a boolean array with each request's
        outcome (True = hit).
        """
        np = self._np
        ids64 = np.ascontiguousarray(ids, dtype=np.int64)
        sizes64 = np.ascontiguousarray(sizes, dtype=np.int64)
        if ids64.shape != sizes64.shape or ids64.ndim != 1:
            raise InvalidParameter(f"ids and sizes differ in length: {ids64.size} vs {sizes64.size}")
        if ids64.size == 0:
            return (0, 0, np.zeros(0, dtype=bool)) if record else (0, 0)
        if ids64.min() < 0:
            raise InvalidParameter(f"dense object ids must be >= 0, got {int(ids64.min())}")
        if sizes64.min() < 0:
            raise InvalidParameter(f"object sizes must be non-negative, got {int(sizes64.min())}")
        objects = None if object_ids is None else np.asarray(object_ids)
        if objects is not None and (objects.ndim != 1 or objects.dtype.kind not in "iu" or objects.size <= ids64.max()):
            raise InvalidParameter(f"object_ids must be an integer array with an object id for each dense id "
                                   f"(up to {int(ids64.max())}), got {object_ids!r:.80}")
        self._grow(int(ids64.max()) + 1)
        hits = np.empty(ids64.size if record else 0, dtype=np.bool_)
        state = self._state
        if next_access is not None:
            if not self.policy.cls.needs_future or not isinstance(state, BeladyState):
                raise InvalidParameter(f"next_access= is for policies that see the future (belady), not {self.name}")
            state.future = next_access
        if objects is not None and hasattr(state, "object_ids"):
            state.object_ids = objects
        state.prepare(ids64)
        got = state.run(ids64, sizes64, hits, record)
        misses, missed = int(got[0]), int(got[1])
        self.requests += ids64.size
        self.bytes_requested += int(sizes64.sum())
        self.misses += misses
        self.missed_bytes += missed
        return (misses, missed, hits) if record else (misses, missed)

    def __repr__(self) -> str:
        return f"CompiledCache({self.name}, capacity={self.capacity}, used={self.used})"
