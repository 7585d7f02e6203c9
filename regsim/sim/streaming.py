"""Replaying traces larger than memory: chunks in, one cache state carried across them.

A *source* is a :class:`~regsim.sim.traces.Trace`, or the path of a trace file: libCacheSim's
``oracleGeneral`` (plain or ``.zst``, :mod:`regsim.sim.oracle`), Parquet with the columns
``key`` and ``size`` (and ``kind``, if present, to pick blob requests), such as
:func:`~regsim.sim.traces.write_parquet` writes, the project's CSV (a ``.csv`` file, as
:func:`~regsim.sim.traces.write_csv` writes), or an IBM registry trace (JSON, optionally
gzipped: :func:`~regsim.sim.traces.iter_ibm` reads it in chunks). :func:`iter_chunks` yields ``(keys, sizes)``
numpy arrays of at most ``chunk_requests`` requests; :class:`DenseIds` turns keys into dense ids
``0..n-1`` across chunks (a compiled hash table for integer keys); :func:`replay` feeds the chunks
to one cache and returns its :class:`~regsim.sim.cache.CacheReport`. Memory is one chunk plus
the cache's state (a few arrays over the distinct objects), whatever the trace's length:
``benchmarks/cache.py --streamed`` replays 100 million requests in well under 2 GiB.

A file is read once per replay. With ``capacity=`` (bytes) the replay streams: the working set is
measured during the same pass. A share of the working set (``fraction=0.1``) cannot be turned into
bytes before the whole file has been seen, so :func:`load_dense` reads it once into dense ids
and sizes (16 bytes a request, less than the 24 of an oracleGeneral record) and the replay runs
from memory. ``ignore_size_zero_req=True`` drops requests of size 0, as libCacheSim's reader does
by default (``ReaderInitParam(ignore_size_zero_req=True)``); regsim keeps them by default.

>>> from regsim.sim.workloads import object_trace
>>> trace = object_trace(5000, objects=500, seed=1)
>>> replay(trace, "lru", fraction=0.1, chunk_requests=700) == replay(trace, "lru", fraction=0.1, engine="python")
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..deprecation import renamed_keywords
from ._util import PATH, SEQUENCE, capacity_for, expect
from .cache import CacheReport, _capacity_bytes, make_policy
from .engine import CompiledCache, resolve_engine
from .errors import InvalidParameter
from .policies import resolve
from .reading import (PARQUET_MAGIC, DenseIds, DenseTrace, _is_ibm, _is_parquet, _Tally, iter_chunks, load_dense,
                      working_set)
from .traces import Trace

__all__ = ["iter_chunks", "DenseIds", "DenseTrace", "load_dense", "working_set", "replay",
           "replay_dense", "stream_policies", "PARQUET_MAGIC"]


def _next_accesses(source: Any, chunk_requests: int, ignore_size_zero_req: bool) -> Iterator[Any]:
    """Each chunk's next accesses, from an oracleGeneral file's ``next_access_vtime`` (positions in the
    file: their order is what Belady needs, so dropping zero-size requests keeps them right); None
    for other sources, where Belady computes the future itself and takes the trace in one piece."""
    if isinstance(source, (str, os.PathLike)) and Path(source).is_file():
        path = Path(source)
        if path.suffix.lower() != ".csv" and not _is_parquet(path) and not _is_ibm(path):
            from .oracle import iter_oracle_general

            for rec in iter_oracle_general(path, chunk_requests):
                future = rec["next_access_vtime"]
                yield future[rec["obj_size"] != 0] if ignore_size_zero_req else future
            return
    while True:
        yield None


def stream_policies(source: Any, policies: Sequence[Any], capacities: Sequence[int], *, engine: str = "auto",
                    kind: str | None = "blob", chunk_requests: int = 1_000_000,
                    ignore_size_zero_req: bool = False) -> tuple[list[list[tuple[int, int]]], "_Tally"]:
    """One pass over ``source`` feeding a cache per policy and capacity: for each policy its
    ``[(misses, missed_bytes), ...]``, and the pass's totals (working set, requests, bytes)."""
    expect("source", source, (Trace, *PATH), "a Trace or a trace file's path")
    expect("policies", policies, SEQUENCE, "a sequence of policies")
    expect("capacities", capacities, SEQUENCE, "a sequence of capacities in bytes")
    chosen = [resolve_engine(engine, p) for p in policies]
    caches: list[list[Any]] = [[CompiledCache(p, c) if how == "compiled" else make_policy(p, c) for c in capacities]
                               for p, how in zip(policies, chosen)]
    counts = [[[0, 0] for _ in capacities] for _ in policies]
    tally = _Tally()
    seers = [(resolved := resolve(p)) is not None and resolved.cls.needs_future for p in policies]
    futures = _next_accesses(source, chunk_requests, ignore_size_zero_req) if any(seers) else None
    for keys, sizes in iter_chunks(source, chunk_requests=chunk_requests, kind=kind,
                                   ignore_size_zero_req=ignore_size_zero_req):
        ids = tally.add(keys, sizes)
        objects = tally.dense.object_ids()  # the integer keys, which WTinyLFU hashes (None: not integers)
        future = next(futures) if futures is not None else None  # Belady: the file's next accesses
        as_lists = None
        for how, row, count, seer in zip(chosen, caches, counts, seers):
            for cache, c in zip(row, count):
                if how == "compiled":
                    misses, missed = cache.feed(ids, sizes, next_access=future if seer else None, object_ids=objects)
                else:
                    if as_lists is None:
                        as_lists = ((ids if objects is None else objects[ids]).tolist(), sizes.tolist())
                    if seer:
                        misses, missed = cache.replay_bytes(*as_lists, next_access=None if future is None
                                                            else future.tolist())
                    else:
                        misses, missed = cache.replay_bytes(*as_lists)
                c[0] += misses
                c[1] += missed
    return [[(m, b) for m, b in count] for count in counts], tally


@renamed_keywords(size="fraction")
def replay(source: "Trace | str | os.PathLike[str]", policy: Any = "lru", *, fraction: float | None = None,
           capacity: "int | str | None" = None, engine: str = "auto", kind: str | None = "blob",
           chunk_requests: int = 1_000_000, ignore_size_zero_req: bool = False) -> CacheReport:
    """Replay ``source`` through one cache; its :class:`CacheReport`. The file is read once.

    Give ``capacity=`` (bytes, or ``"64MB"``: the replay streams, one chunk in memory) or
    ``fraction=`` (a share of the working set, a float in (0, 1]: the file is read once into dense
    ids, 16 bytes a request, and replayed from memory).
    """
    size = fraction
    expect("source", source, (Trace, *PATH), "a Trace or a trace file's path")
    if (size is None) == (capacity is None):
        raise InvalidParameter("replay needs exactly one of fraction= (a share of the working set) or capacity= (bytes)")
    if capacity is not None:
        cap = _capacity_bytes(capacity)
        [[(misses, missed)]], tally = stream_policies(source, [policy], [cap], engine=engine, kind=kind,
                                                      chunk_requests=chunk_requests,
                                                      ignore_size_zero_req=ignore_size_zero_req)
        requests, total = tally.requests, tally.total
    else:
        assert size is not None  # exactly one of size= and capacity= (checked above)
        capacity_for(size, 1, single=True)  # a fraction, or a clear error before reading anything
        d = load_dense(source, kind=kind, chunk_requests=chunk_requests, ignore_size_zero_req=ignore_size_zero_req)
        cap = capacity_for(size, d.working_set_bytes, single=True)
        [(misses, missed)] = replay_dense(d, policy, [cap], engine=engine)
        requests, total = d.requests, d.total_bytes
    return CacheReport(requests, requests - misses, total, total - missed)


def replay_dense(d: DenseTrace, policy: Any, capacities: Sequence[int], *, engine: str = "auto") -> list[tuple[int, int]]:
    """``[(misses, missed_bytes), ...]`` of ``policy`` at each capacity over a :class:`DenseTrace`."""
    expect("d", d, DenseTrace, "a DenseTrace (from load_dense())")
    expect("capacities", capacities, SEQUENCE, "a sequence of capacities in bytes")
    if resolve_engine(engine, policy) == "compiled":
        return [CompiledCache(policy, c, d.objects).feed(d.ids, d.sizes, object_ids=d.object_ids) for c in capacities]
    keys, sizes = (d.ids if d.object_ids is None else d.object_ids[d.ids]).tolist(), d.sizes.tolist()
    return [make_policy(policy, c).replay_bytes(keys, sizes) for c in capacities]
