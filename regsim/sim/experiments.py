"""Experiments: cache policies x cache sizes x workloads (x seeds) -> one pandas DataFrame.

:func:`run` replays one trace through one policy at one size; :func:`sweep` does the cross
product. A workload is a :class:`~regsim.sim.traces.Trace`, or a function called as
``workload(seed=s)`` that returns one (regenerated per seed; use ``functools.partial`` of a
generator such as :func:`~regsim.sim.workloads.object_trace` so process pools can pickle it); sizes are fractions of the workload's working set (floats in (0, 1])
or bytes (ints). Policies are names (``"lru"``), :class:`~regsim.sim.cache.Policy` subclasses or
factories ``capacity -> Policy``.

Only blob requests are replayed by default (``kind="blob"``): they carry the bytes. Rows come in
the order of the arguments (workload, seed, policy, size), whatever order tasks finish in, so
the same seeds give the same DataFrame -- also with ``executor=`` any
:class:`concurrent.futures.Executor` (a thread or process pool, or a ``dask.distributed``
client), which runs one task per (workload, seed, policy). ``progress=True`` shows a
``tqdm.auto`` bar.

>>> from regsim.sim.workloads import object_trace
>>> df = sweep({"zipf": object_trace(2000, 200, seed=1)}, ["lru", "fifo"], [0.1, 0.5])
>>> df[["policy", "size", "hit_ratio"]].round(3).values.tolist()
[['lru', 0.1, 0.396], ['lru', 0.5, 0.764], ['fifo', 0.1, 0.368], ['fifo', 0.5, 0.729]]
"""

from __future__ import annotations

import functools
from concurrent.futures import Executor
from typing import Any, Callable, Iterable, Mapping, Sequence

from .cache import POLICIES, Policy, make_policy, simulate
from .errors import InvalidParameter
from .traces import Trace

__all__ = ["run", "sweep", "capacity_for", "RESULT_COLUMNS"]

RESULT_COLUMNS = ("workload", "seed", "policy", "size", "capacity", "requests", "hits", "hit_ratio",
                  "byte_hit_ratio", "miss_ratio", "byte_miss_ratio", "bytes_requested", "upstream_bytes")


def capacity_for(size: float | int, working_set_bytes: int) -> int:
    """Bytes for a size spec: a float in (0, 1] is a fraction of the working set, an int is bytes."""
    if isinstance(size, bool):
        raise InvalidParameter(f"cache size must be a fraction or a byte count, got {size!r}")
    if isinstance(size, float):
        if not 0 < size <= 1:
            raise InvalidParameter(f"a fractional cache size must be in (0, 1], got {size!r}")
        return int(size * working_set_bytes)
    if isinstance(size, int) and size >= 0:
        return size
    raise InvalidParameter(f"cache size must be a fraction in (0, 1] or bytes >= 0, got {size!r}")


def _policy_label(policy: Any) -> str:
    if isinstance(policy, str):
        if policy.lower() not in POLICIES:
            make_policy(policy, 0)  # raises UnknownPolicy naming it
        return policy.lower()
    if isinstance(policy, type) and issubclass(policy, Policy):
        return policy.name
    return getattr(policy, "name", None) or getattr(policy, "__name__", None) or repr(policy)


def _select(trace: Trace, kind: str | None) -> tuple[list, list[int], int]:
    if kind is not None:
        trace = trace.only(kind)
    return trace.keys, trace.sizes, trace.working_set()[1]


def _task(workload: "Trace | Callable[[int], Trace]", seed: int, policy: Any, sizes: Sequence[float | int],
          kind: str | None) -> list[dict[str, Any]]:
    trace = workload(seed=seed) if callable(workload) and not isinstance(workload, Trace) else workload
    if not isinstance(trace, Trace):
        raise InvalidParameter(f"a workload must be a Trace or a function seed -> Trace, got {type(trace).__name__}")
    keys, sizes_, wss = _select(trace, kind)
    rows = []
    for size in sizes:
        capacity = capacity_for(size, wss)
        stats = simulate(make_policy(policy, capacity), keys, sizes_)
        rows.append({"size": size, "capacity": capacity, "requests": stats.requests, "hits": stats.hits,
                     "hit_ratio": stats.hit_ratio, "byte_hit_ratio": stats.byte_hit_ratio,
                     "miss_ratio": stats.miss_ratio, "byte_miss_ratio": stats.byte_miss_ratio,
                     "bytes_requested": stats.bytes_requested, "upstream_bytes": stats.upstream_bytes})
    return rows


def run(trace: Trace, policy: Any = "lru", size: float | int = 0.1, *, kind: str | None = "blob"):
    """One policy at one size on one trace: a one-row DataFrame (the columns of :func:`sweep`)."""
    return sweep({"trace": trace}, [policy], [size], kind=kind)


def sweep(workloads: "Trace | Mapping[str, Trace | Callable[[int], Trace]]",
          policies: Iterable[Any] = ("lru", "fifo", "clock", "lfu", "s3fifo", "gdsf"),
          sizes: Iterable[float | int] = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5), *, seeds: Iterable[int] = (0,),
          kind: str | None = "blob", progress: bool = False, executor: Executor | None = None):
    """Every workload x seed x policy x size; a DataFrame with :data:`RESULT_COLUMNS`."""
    import pandas as pd

    if isinstance(workloads, Trace):
        workloads = {"trace": workloads}
    if not isinstance(workloads, Mapping) or not workloads:
        raise InvalidParameter("workloads must be a Trace or a non-empty mapping name -> Trace or seed -> Trace")
    policies, sizes, seeds = list(policies), list(sizes), list(seeds)
    if not policies or not sizes or not seeds:
        raise InvalidParameter("sweep needs at least one policy, one size and one seed")
    for size in sizes:
        capacity_for(size, 1)
    labels = [_policy_label(p) for p in policies]
    jobs = []
    for name, workload in workloads.items():
        workload_seeds = seeds if callable(workload) and not isinstance(workload, Trace) else seeds[:1]
        for seed in workload_seeds:
            for policy, label in zip(policies, labels):
                jobs.append(((name, seed, label), functools.partial(_task, workload, seed, policy, sizes, kind)))
    results: list[list[dict[str, Any]] | None] = [None] * len(jobs)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc="sweep", unit="run")
    if executor is None:
        for i, (_, job) in enumerate(jobs):
            results[i] = job()
            if bar is not None:
                bar.update(1)
    else:
        from concurrent.futures import as_completed

        futures = {executor.submit(job): i for i, (_, job) in enumerate(jobs)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    rows = []
    for ((name, seed, label), _), got in zip(jobs, results):
        for row in got or ():
            rows.append({"workload": name, "seed": seed, "policy": label, **row})
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
