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
from typing import Any

from ._util import check_int
from .errors import EngineUnavailable, InvalidParameter, UnknownPolicy

__all__ = ["ENGINES", "COMPILED_POLICIES", "CompiledCache", "numba_available", "resolve_engine"]

ENGINES = ("auto", "compiled", "python")
#: the built-in policies that have a compiled kernel (all of them)
COMPILED_POLICIES = ("lru", "fifo", "clock", "lfu", "s3fifo", "gdsf", "arc", "sieve")


def numba_available() -> bool:
    """True when numba can be imported (the ``sim`` extra installs it)."""
    return importlib.util.find_spec("numba") is not None


def resolve_engine(engine: str, policy: Any) -> str:
    """``"compiled"`` or ``"python"`` for ``policy`` under ``engine`` (see the module docstring).

    A built-in name under ``"compiled"`` without numba, or a non-name policy under
    ``"compiled"``, is an :class:`EngineUnavailable` / :class:`InvalidParameter` saying why.
    """
    if engine not in ENGINES:
        raise InvalidParameter(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    builtin = isinstance(policy, str) and policy.lower() in COMPILED_POLICIES
    if engine == "python":
        return "python"
    if engine == "auto":
        return "compiled" if builtin and numba_available() else "python"
    if not builtin:
        raise InvalidParameter(f"engine='compiled' runs the built-in policies by name "
                               f"({', '.join(COMPILED_POLICIES)}); {policy!r} runs with engine='python'")
    if not numba_available():
        raise EngineUnavailable("engine='compiled' needs numba, which is not installed: "
                                "pip install 'regsim[sim]' (or numba), or pass engine='python'")
    return "compiled"


class CompiledCache:
    """A built-in policy as a compiled kernel, with its state kept between chunks.

    ``name`` is a built-in policy name, ``capacity`` its bytes; ``objects`` pre-sizes the
    per-object arrays (they grow when larger ids arrive). :meth:`feed` replays a chunk of dense
    ids and sizes; ``misses``, ``missed_bytes``, ``requests`` and ``bytes_requested`` add up over
    all chunks. Parameters are libCacheSim's defaults, as the Python classes' (CLOCK 1 bit;
    S3-FIFO small 10%, ghost 90%, move to main at 2).
    """

    def __init__(self, name: str, capacity: int, objects: int = 0) -> None:
        import numpy as np

        from . import kernels

        if not isinstance(name, str) or name.lower() not in COMPILED_POLICIES:
            raise UnknownPolicy(f"unknown cache policy {name!r} (compiled: {', '.join(COMPILED_POLICIES)})")
        self.name = name.lower()
        self.capacity = check_int("capacity", capacity, minimum=0)
        self._np = np
        self._kernel = kernels.KERNELS[self.name]
        self.requests = self.misses = self.missed_bytes = self.bytes_requested = 0
        self._n = 0
        queues = {"lru": 1, "fifo": 1, "clock": 1, "sieve": 1, "s3fifo": 3, "arc": 4, "lfu": 0, "gdsf": 0}
        self._lists = np.full(2 * queues[self.name], -1, dtype=np.int64)
        self._st = np.zeros(7, dtype=np.int64)
        self._fst = np.zeros(1, dtype=np.float64)
        # per-object arrays: name -> (dtype, fill); int32 links keep the working memory small
        self._fields: dict[str, tuple[Any, int]] = {"osize": (np.int64, 0), "where": (np.int8, 0)}
        if self.name != "gdsf":
            self._fields.update(prev=(np.int32, -1), nxt=(np.int32, -1))
        if self.name in ("clock", "lfu", "s3fifo", "gdsf"):
            self._fields["freq"] = (np.int64, 0)
        if self.name == "gdsf":
            self._fields["vtime"] = (np.int64, -1)
            self._heap = (np.zeros(0, np.float64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        if self.name == "sieve":
            self._fields["visited"] = (np.int8, 0)
            self._st[1] = -1  # the hand starts at the tail
        if self.name == "lfu":
            self._st[1] = self._st[2] = 1  # min and max frequency
            self._bhead = np.full(0, -1, dtype=np.int64)
            self._btail = np.full(0, -1, dtype=np.int64)
        if self.name == "s3fifo":
            self.small_capacity = int(self.capacity * 0.1)
            self.ghost_capacity = int(self.capacity * 0.9)
        self._arrays: dict[str, Any] = {f: np.zeros(0, dtype) for f, (dtype, _) in self._fields.items()}
        self._grow(objects)

    @property
    def used(self) -> int:
        """Bytes held now."""
        return int(self._st[0])

    def _grow(self, n: int) -> None:
        np = self._np
        if n > 2**31 - 1:
            raise InvalidParameter(f"the compiled engine handles up to {2**31 - 1:,} distinct objects, got {n:,}")
        if n > self._n:
            new = min(max(n, 2 * self._n, 1024), 2**31 - 1)
            for f, (dtype, fill) in self._fields.items():
                a = np.full(new, fill, dtype=dtype)
                a[: self._n] = self._arrays[f][: self._n]
                self._arrays[f] = a
            self._n = new

    def _ensure_lfu(self, chunk: int) -> None:
        np = self._np
        need = int(self._st[2]) + chunk + 2  # the highest frequency this chunk can reach, + 1
        if self._bhead.size < need:
            size = max(need, 2 * self._bhead.size)
            for attr in ("_bhead", "_btail"):
                grown = np.full(size, -1, dtype=np.int64)
                old = getattr(self, attr)
                grown[: old.size] = old
                setattr(self, attr, grown)

    def _ensure_heap(self) -> None:
        np = self._np
        need = 2 * self._n + 64
        hp, hv, hx = self._heap
        if hp.size < need:
            m = int(self._st[2])
            grown = (np.zeros(need, np.float64), np.zeros(need, np.int64), np.zeros(need, np.int64))
            for old, new in zip(self._heap, grown):
                new[:m] = old[:m]
            self._heap = grown

    def feed(self, ids, sizes, *, record: bool = False):
        """Replay one chunk: dense ``ids`` and their ``sizes`` (equal lengths, sizes >= 0).

        Returns ``(misses, missed_bytes)`` of this chunk, and with ``record=True`` a third item,
        a boolean array with each request's outcome (True = hit).
        """
        np = self._np
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        sizes = np.ascontiguousarray(sizes, dtype=np.int64)
        if ids.shape != sizes.shape or ids.ndim != 1:
            raise InvalidParameter(f"ids and sizes differ in length: {ids.size} vs {sizes.size}")
        if ids.size == 0:
            return (0, 0, np.zeros(0, dtype=bool)) if record else (0, 0)
        if ids.min() < 0:
            raise InvalidParameter(f"dense object ids must be >= 0, got {int(ids.min())}")
        if sizes.min() < 0:
            raise InvalidParameter(f"object sizes must be non-negative, got {int(sizes.min())}")
        self._grow(int(ids.max()) + 1)
        hits = np.empty(ids.size if record else 0, dtype=np.bool_)
        a, cap, st = self._arrays, self.capacity, self._st
        name = self.name
        if name in ("lru", "fifo"):
            got = self._kernel(ids, sizes, hits, record, cap, st, self._lists, a["prev"], a["nxt"], a["osize"],
                               a["where"])
        elif name == "clock":
            got = self._kernel(ids, sizes, hits, record, cap, st, self._lists, a["prev"], a["nxt"], a["osize"],
                               a["where"], a["freq"], 1)
        elif name == "lfu":
            self._ensure_lfu(ids.size)
            got = self._kernel(ids, sizes, hits, record, cap, st, self._bhead, self._btail, a["prev"], a["nxt"],
                               a["osize"], a["where"], a["freq"])
        elif name == "s3fifo":
            got = self._kernel(ids, sizes, hits, record, cap, st, self._lists, a["prev"], a["nxt"], a["osize"],
                               a["where"], a["freq"], self.small_capacity, cap - self.small_capacity,
                               self.ghost_capacity, 2)
        elif name == "gdsf":
            self._ensure_heap()
            got = self._kernel(ids, sizes, hits, record, cap, st, self._fst, a["osize"], a["where"], a["freq"],
                               a["vtime"], *self._heap)
        elif name == "arc":
            got = self._kernel(ids, sizes, hits, record, cap, st, self._fst, self._lists, a["prev"], a["nxt"],
                               a["osize"], a["where"])
        else:  # sieve
            got = self._kernel(ids, sizes, hits, record, cap, st, self._lists, a["prev"], a["nxt"], a["osize"],
                               a["where"], a["visited"])
        misses, missed = int(got[0]), int(got[1])
        self.requests += ids.size
        self.bytes_requested += int(sizes.sum())
        self.misses += misses
        self.missed_bytes += missed
        return (misses, missed, hits) if record else (misses, missed)

    def __repr__(self) -> str:
        return f"CompiledCache({self.name}, capacity={self.capacity}, used={self.used})"
