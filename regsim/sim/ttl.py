"""Object TTLs in caches: an object expires ``ttl`` seconds after it was inserted.

As libCacheSim does (``cache_find_base`` with ``SUPPORT_TTL``): an insertion at time ``t`` sets
the object's expiry to ``t + ttl``; a request at time ``now > t + ttl`` finds it expired, drops it
(:meth:`~regsim.sim.policies.base.Policy.discard`) and is a miss, which inserts it again with a new
expiry. A hit does not renew the expiry. Requests need times, so TTLs work on a
:class:`~regsim.sim.traces.Trace` (its ``time`` column, in seconds) or a trace file (oracleGeneral's
``time`` field, whole seconds; CSV, Parquet, IBM), read whole; the replay runs in the Python engine, for every policy that can drop an object
(all the built-in ones; a user's policy implements ``_drop``).

>>> from regsim.sim.traces import Trace
>>> t = Trace.from_columns(key=["a", "a", "a"], size=[10, 10, 10], time=[0.0, 5.0, 20.0])
>>> simulate_ttl(t, "lru", capacity=100, ttl=10).hits, simulate_ttl(t, "lru", capacity=100, ttl=30).hits
(1, 2)
"""

from __future__ import annotations

import os
from numbers import Real
from typing import Any, Hashable, cast

from .cache import CacheReport, _capacity_bytes, _data_first
from .errors import InvalidParameter

__all__ = ["replay_ttl", "simulate_ttl", "ttl_requests"]


def _check_ttl(ttl: Any) -> float:
    if isinstance(ttl, bool) or not isinstance(ttl, Real) or not cast(float, ttl) > 0:  # a Real compares like a float
        raise InvalidParameter(f"ttl is seconds, a number > 0, got {ttl!r}")
    return float(ttl)


def _read_timed(path: "str | os.PathLike[str]") -> Any:
    """The whole Trace in the file ``path``, times included (expiry needs every request's time):
    the project's CSV, Parquet, the IBM format or oracleGeneral, told apart as the streaming reader
    tells them (:mod:`regsim.sim.reading`)."""
    from pathlib import Path

    from .errors import TraceFormatError
    from .reading import _is_ibm, _is_parquet

    where = Path(path)
    if not where.is_file():
        raise TraceFormatError(f"{where}: no such trace file")
    if where.suffix.lower() == ".csv":
        from .traces import read_csv

        return read_csv(where)
    if _is_parquet(where):
        from .traces import read_parquet

        return read_parquet(where)
    if _is_ibm(where):
        from .traces import read_ibm

        return read_ibm(where)
    from .oracle import read_oracle_general

    return read_oracle_general(where)


def ttl_requests(source: Any, kind: str | None = "blob") -> tuple[list[Hashable], list[int], list[float]]:
    """``(keys, sizes, times)`` of a Trace or a trace file (times in seconds)."""
    from .traces import Trace

    if isinstance(source, (str, os.PathLike)):
        source = _read_timed(source)
    if not isinstance(source, Trace):
        raise InvalidParameter(f"source: TTLs need request times: a Trace or an oracleGeneral file, got "
                               f"{type(source).__name__} {source!r:.80}")
    trace = source.only(kind) if kind is not None else source
    frame = trace.frame
    return frame["key"].tolist(), frame["size"].tolist(), frame["time"].tolist()


def replay_ttl(policy: Any, keys: list[Hashable], sizes: list[int], times: list[float], ttl: float, *,
               record: bool = False) -> tuple[int, int, list[bool] | None]:
    """Replay through the Policy object ``policy`` with object TTLs: ``(misses, missed_bytes,
    hits or None)``."""
    ttl = _check_ttl(ttl)
    expires: dict[Any, float] = {}
    request, discard = policy.request, policy.discard
    misses = missed = 0
    out: list[bool] | None = [] if record else None
    for key, size, now in zip(keys, sizes, times):
        when = expires.get(key)
        if when is not None and now > when:
            discard(key)
            del expires[key]
        hit = request(key, size)
        if not hit:
            misses += 1
            missed += size
            if key in policy:
                expires[key] = now + ttl
            else:
                expires.pop(key, None)
        if out is not None:
            out.append(hit)
    return misses, missed, out


@_data_first
def simulate_ttl(source: Any, policy: Any, *, capacity: "int | str", ttl: float,
                 kind: str | None = "blob") -> CacheReport:
    """:func:`~regsim.sim.cache.simulate` with object TTLs: ``source`` a Trace or an oracleGeneral
    file, ``policy`` a name, class or factory; its :class:`~regsim.sim.cache.CacheReport`. The data
    comes first; the old order ``simulate_ttl(policy, source, ...)`` works for one release and warns."""
    from .policies import make_policy

    keys, sizes, times = ttl_requests(source, kind)
    cache = make_policy(policy, _capacity_bytes(capacity))
    misses, missed, _ = replay_ttl(cache, keys, sizes, times, ttl)
    total = sum(sizes)
    return CacheReport(len(keys), len(keys) - misses, total, total - missed)
