"""Experiments: cache policies x cache sizes x workloads (x seeds) -> one pandas DataFrame.

:func:`run` replays one trace through one policy at one size; :func:`sweep` does the cross
product. A workload is a :class:`~regsim.sim.traces.Trace`; a function called as
``workload(seed=s)`` that returns one (regenerated per seed; use ``functools.partial`` of a
generator such as :func:`~regsim.sim.workloads.object_trace` so process pools can pickle it); or
the path of a trace file too big for memory (libCacheSim's ``oracleGeneral``, plain or ``.zst``,
or Parquet), which is streamed in chunks (:mod:`regsim.sim.streaming`).

A cache's size is given one of two ways (CONTRIBUTING.md, "Sizes"): ``fractions=`` of the
workload's working set (the bytes of its distinct objects), floats in (0, 1] such as ``0.1``, or
``capacities=``, explicit byte counts (ints, or strings with a unit such as ``"64MB"``). An int in
``fractions=`` is refused, with an error saying what to write (``1.0`` is the whole working set).
(``sizes=`` and ``size=``, the old keywords, work for one release and warn: ``sizes`` means object
sizes only.) Each row has both: ``size``, the share of the working set, and ``capacity``, the
bytes.

Policies are names (``"lru"``), :class:`~regsim.sim.cache.Policy` subclasses or factories
``capacity -> Policy``. ``engine="auto"`` replays built-in names with the compiled kernels when
numba is installed, the rest in Python; ``"compiled"`` and ``"python"`` force one
(:mod:`regsim.sim.engine`). Both engines give the same hits, request by request.

Only blob requests are replayed by default (``kind="blob"``): they carry the bytes. Rows come in
the order of the arguments (workload, seed, policy, size), whatever order tasks finish in, so
the same seeds give the same DataFrame. ``executor=`` runs one task per (workload, seed,
policy, size) on any :class:`concurrent.futures.Executor` (a thread or process pool) or on a
``dask.distributed.Client`` itself; with dask, each in-memory trace is scattered to every worker
once (a path travels as a path), not sent with every task. ``progress=True`` shows a
``tqdm.auto`` bar.

>>> from regsim.sim.workloads import object_trace
>>> df = sweep({"zipf": object_trace(2000, objects=200, seed=1)}, ["lru", "fifo"], fractions=[0.1, 0.5])
>>> df[["policy", "size", "hit_ratio"]].round(3).values.tolist()
[['lru', 0.1, 0.396], ['lru', 0.5, 0.764], ['fifo', 0.1, 0.368], ['fifo', 0.5, 0.729]]
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Executor
from numbers import Integral
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from ..deprecation import keyword_only, moved_names, renamed_keywords
from ._util import capacity_for, parse_bytes
from .cache import CacheReport, make_policy
from .engine import CompiledCache, resolve_engine
from .errors import InvalidParameter
from .policies import label
from .streaming import DenseTrace
from .traces import Trace

if TYPE_CHECKING:
    import pandas as pd
    from typing_extensions import TypeIs

__all__ = ["run", "sweep", "capacity_for", "RESULT_COLUMNS", "DEFAULT_POLICIES", "DEFAULT_FRACTIONS"]

RESULT_COLUMNS = ("workload", "seed", "policy", "size", "capacity", "requests", "hits", "hit_ratio",
                  "byte_hit_ratio", "miss_ratio", "byte_miss_ratio", "bytes_requested", "upstream_bytes")


def _specs(fractions: "Iterable[float | str] | None", capacities: "Iterable[int | str] | None") -> list[tuple[str, Any]]:
    """``[("share", 0.1), ("bytes", 64_000_000), ...]``, checked, in argument order."""
    if fractions is None and capacities is None:
        fractions = DEFAULT_FRACTIONS
    specs: list[tuple[str, Any]] = []
    for size in fractions if fractions is not None else ():
        if isinstance(size, str):
            specs.append(("bytes", capacity_for(size, 0)))
        else:
            capacity_for(size, 1)
            specs.append(("share", float(size)))
    for capacity in capacities if capacities is not None else ():
        if isinstance(capacity, str):
            specs.append(("bytes", parse_bytes("capacity", capacity)))
        elif isinstance(capacity, bool) or not isinstance(capacity, Integral) or capacity < 0:
            raise InvalidParameter(f"capacities are bytes: ints >= 0 or sizes such as '64MB', got {capacity!r} "
                                   f"(for a share of the working set, use fractions=[0.1])")
        else:
            specs.append(("bytes", int(capacity)))
    if not specs:
        raise InvalidParameter("sweep needs at least one size or capacity")
    return specs


def _policy_label(policy: Any) -> str:
    return label(policy)


def _is_path(workload: object) -> TypeIs[str | os.PathLike[str]]:
    return isinstance(workload, (str, os.PathLike))


def _prepared(trace: Trace, kind: str | None, zero: bool = False) -> Trace:
    trace = trace.only(kind) if kind is not None else trace
    if zero:
        frame = trace.frame
        keep = frame["size"].to_numpy() != 0
        if not keep.all():
            trace = Trace(frame[keep].reset_index(drop=True))
    return trace


def _rows(specs: Sequence[tuple[str, Any]], wss: int, replay: Callable[[list[int]], list[tuple[int, int]]],
          requests: int, total: int) -> list[dict[str, Any]]:
    capacities = [int(v * wss) if how == "share" else v for how, v in specs]
    rows = []
    for (how, value), capacity, (misses, missed) in zip(specs, capacities, replay(capacities)):
        stats = CacheReport(requests, requests - misses, total, total - missed)
        size = value if how == "share" else (capacity / wss if wss else float("nan"))
        rows.append({"size": size, "capacity": capacity, "requests": stats.requests, "hits": stats.hits,
                     "hit_ratio": stats.hit_ratio, "byte_hit_ratio": stats.byte_hit_ratio,
                     "miss_ratio": stats.miss_ratio, "byte_miss_ratio": stats.byte_miss_ratio,
                     "bytes_requested": stats.bytes_requested, "upstream_bytes": stats.upstream_bytes})
    return rows


_LOADED: dict[tuple[Any, ...], DenseTrace] = {}
_LOADING = threading.Lock()


def _loaded(path: str | os.PathLike[str], kind: str | None, zero: bool) -> DenseTrace:
    """This process's :class:`~regsim.sim.streaming.DenseTrace` of ``path``, read once and kept
    (only the latest file): the tasks of a sweep on a process pool or dask worker share one read.
    Keyed by the file's identity, size and modification time, so a rewritten file is read again."""
    from .streaming import load_dense

    st = os.stat(path)
    key = (os.path.realpath(path), st.st_size, st.st_mtime_ns, kind, zero)
    with _LOADING:  # the threads of a pool wait for one read
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = load_dense(path, kind=kind, ignore_size_zero_req=zero)
        return _LOADED[key]


def _task(workload: "Trace | DenseTrace | str | Callable[..., Trace]", seed: int, policy: Any,
          specs: Sequence[tuple[str, Any]], kind: str | None, engine: str, zero: bool = False,
          ttl: float | None = None) -> list[dict[str, Any]]:
    from .streaming import replay_dense

    if _is_path(workload):  # a task of a pool: the file once per process
        workload = _loaded(workload, kind, zero)
    if isinstance(workload, DenseTrace):
        d = workload
        return _rows(specs, d.working_set_bytes, lambda caps: replay_dense(d, policy, caps, engine=engine),
                     d.requests, d.total_bytes)
    trace = workload(seed=seed) if callable(workload) and not isinstance(workload, Trace) else workload
    if not isinstance(trace, Trace):
        raise InvalidParameter(f"a workload must be a Trace, a function seed -> Trace or a trace file's path, "
                               f"got {type(trace).__name__}")
    trace = _prepared(trace, kind, zero)
    wss = trace.working_set()[1]
    if ttl is not None:
        from .ttl import replay_ttl

        keys, sizes_, times = trace.keys, trace.sizes, trace.frame["time"].tolist()
        return _rows(specs, wss, lambda caps: [replay_ttl(make_policy(policy, c), keys, sizes_, times, ttl)[:2]
                                               for c in caps], len(trace), trace.total_bytes)
    if resolve_engine(engine, policy) == "compiled":
        ids, sizes, objects = trace.dense()
        object_ids = trace.object_ids()

        def replay(capacities: list[int]) -> list[tuple[int, int]]:
            return [CompiledCache(policy, c, objects).feed(ids, sizes, object_ids=object_ids) for c in capacities]
    else:
        keys, sizes_ = trace.keys, trace.sizes

        def replay(capacities: list[int]) -> list[tuple[int, int]]:
            return [make_policy(policy, c).replay_bytes(keys, sizes_) for c in capacities]
    return _rows(specs, wss, replay, len(trace), trace.total_bytes)


def _streamed(path: str, policies: Sequence[Any], specs: Sequence[tuple[str, Any]], kind: str | None,
              engine: str, zero: bool) -> list[list[dict[str, Any]]]:
    """Every policy at explicit byte capacities in one streaming pass over ``path``: rows per policy."""
    from .streaming import stream_policies

    capacities = [v for _, v in specs]
    counts, tally = stream_policies(path, policies, capacities, engine=engine, kind=kind, ignore_size_zero_req=zero)
    return [_rows(specs, tally.wss, _counted(got), tally.requests, tally.total) for got in counts]


def _counted(got: list[tuple[int, int]]) -> Callable[[list[int]], list[tuple[int, int]]]:
    """A replay for :func:`_rows` that gives the counts a streaming pass already made."""
    return lambda capacities: got


@keyword_only("fraction")
@renamed_keywords(size="fraction")
def run(trace: "Trace | str", policy: Any = "lru", *, fraction: "float | str | None" = None,
        capacity: "int | str | None" = None, kind: str | None = "blob", engine: str = "auto",
        ignore_size_zero_req: bool = False, ttl: float | None = None) -> pd.DataFrame:
    """One policy at one cache size on one trace: a one-row DataFrame (the columns of :func:`sweep`).

    ``fraction`` is a share of the working set (a float in (0, 1], 0.1 when neither is given); or
    give ``capacity=`` in bytes (an int or ``"64MB"``) instead, not both. A path is read once
    (:mod:`regsim.sim.streaming`).
    """
    size = fraction
    if capacity is not None:
        if size is not None:
            raise InvalidParameter(f"run takes fraction= (a share of the working set) or capacity= (bytes), not "
                                   f"both: got fraction={size!r} and capacity={capacity!r}")
        return sweep({"trace": trace}, [policy], capacities=[capacity], kind=kind, engine=engine,
                     ignore_size_zero_req=ignore_size_zero_req, ttl=ttl)
    size = 0.1 if size is None else size
    capacity_for(size, 1, single=True)  # run's own words (size=, capacity=) for a bad size
    return sweep({"trace": trace}, [policy], fractions=[size], kind=kind, engine=engine,
                 ignore_size_zero_req=ignore_size_zero_req, ttl=ttl)


DEFAULT_POLICIES = ("lru", "fifo", "clock", "lfu", "s3fifo", "gdsf", "arc", "sieve")
DEFAULT_FRACTIONS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)


def _is_dask_client(executor: Any) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed" and hasattr(executor, "scatter")


@keyword_only("fractions")
@renamed_keywords(sizes="fractions")
def sweep(workloads: "Trace | str | Mapping[str, Trace | str | Callable[..., Trace]]",
          policies: Iterable[Any] = DEFAULT_POLICIES, *, fractions: "Iterable[float | str] | None" = None,
          capacities: "Iterable[int | str] | None" = None, seeds: Iterable[int] = (0,),
          kind: str | None = "blob", progress: bool = False, executor: Any = None, engine: str = "auto",
          ignore_size_zero_req: bool = False, ttl: float | None = None) -> pd.DataFrame:
    """Every workload x seed x policy x cache size; a DataFrame with :data:`RESULT_COLUMNS`.

    ``fractions`` (default: 1%, 2%, 5%, 10%, 20%, 50% of the working set, unless ``capacities``
    are given) and ``capacities`` as in the module docstring; ``executor`` a
    :class:`concurrent.futures.Executor` or a ``dask.distributed.Client``.
    ``ignore_size_zero_req=True`` drops requests of size 0, as libCacheSim's reader does.
    ``ttl=`` (seconds) gives every object that TTL (:mod:`regsim.sim.ttl`): it needs every
    request's time, so a trace file is read whole into memory, and the replay runs in the Python
    engine.

    A trace file is read once: serially, every policy and size in one streaming pass when all
    sizes are bytes (``capacities=``), or from one read into dense ids when some are shares of
    the working set; with an executor, once per worker process (the tasks there share it).
    """
    import pandas as pd

    if isinstance(workloads, Trace) or _is_path(workloads):
        workloads = {"trace": workloads}
    if not isinstance(workloads, Mapping) or not workloads:
        raise InvalidParameter("workloads must be a Trace, a trace file's path or a non-empty mapping "
                               f"name -> Trace, path or seed -> Trace, got {type(workloads).__name__} {workloads!r:.80}")
    policies, seeds = list(policies), list(seeds)
    if not policies or not seeds:
        raise InvalidParameter("sweep needs at least one policy, one size and one seed")
    if not isinstance(ignore_size_zero_req, bool):
        raise InvalidParameter(f"ignore_size_zero_req must be True or False, got {ignore_size_zero_req!r}")
    zero = ignore_size_zero_req
    if ttl is not None:
        from .ttl import _check_ttl

        ttl = _check_ttl(ttl)
        if engine == "compiled":
            raise InvalidParameter("ttl= runs in the Python engine (expiry drops objects through the policy "
                                   "classes): pass engine='auto' or 'python'")
        from .ttl import _read_timed

        workloads = {name: _read_timed(w) if _is_path(w) else w for name, w in workloads.items()}
        engine = "python"
    specs = _specs(fractions, capacities)
    labels = [_policy_label(p) for p in policies]
    for policy in policies:
        resolve_engine(engine, policy)  # a bad engine fails here, before any work
    dask = executor is not None and _is_dask_client(executor)
    if executor is not None and not dask and not isinstance(executor, Executor):
        raise InvalidParameter(f"executor must be a concurrent.futures.Executor or a dask.distributed.Client, "
                               f"got {type(executor).__name__}")
    jobs: list[tuple[tuple[str, int, str], tuple[Any, ...]]] = []
    streamed: dict[int, list[dict[str, Any]]] = {}  # job -> rows made by one streaming pass
    workload: Any  # a Trace, path or factory; then what the tasks get (a DenseTrace, a dask future...)
    for name, workload in workloads.items():
        generated = callable(workload) and not isinstance(workload, Trace)
        task_kind, task_zero = kind, zero
        if isinstance(workload, Trace):
            workload = _prepared(workload, kind, zero)
            task_kind, task_zero = None, False
            if dask:  # once to every worker: only the dense arrays when every policy runs compiled
                if all(resolve_engine(engine, p) == "compiled" for p in policies):
                    workload = DenseTrace.of(workload)
                workload = executor.scatter(workload, broadcast=True)
        elif _is_path(workload):
            workload = os.fspath(workload)
            if executor is None:  # serially: the file once for the whole sweep
                if all(how == "bytes" for how, _ in specs):
                    for i, rows in enumerate(_streamed(workload, policies, specs, kind, engine, zero)):
                        streamed[len(jobs) + i] = rows
                else:
                    from .streaming import load_dense

                    workload = load_dense(workload, kind=kind, ignore_size_zero_req=zero)
        for seed in (seeds if generated else seeds[:1]):
            for policy, label in zip(policies, labels):
                # with an executor, one task per size too: tasks of similar length spread evenly
                # (a GDSF replay costs several LRU ones); serially, one per policy
                for part in ([[spec] for spec in specs] if executor is not None else [specs]):
                    jobs.append(((name, seed, label),
                                 (workload, seed, policy, part, task_kind, engine, task_zero, ttl)))
    results: list[list[dict[str, Any]] | None] = [None] * len(jobs)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc="sweep", unit="run")
    if executor is None:
        for i, (_, args) in enumerate(jobs):
            results[i] = streamed[i] if i in streamed else _task(*args)
            if bar is not None:
                bar.update(1)
    else:
        done: Iterable[Any]
        if dask:
            from distributed import as_completed as dask_completed

            futures = {executor.submit(_task, *args, pure=False): i for i, (_, args) in enumerate(jobs)}
            done = dask_completed(list(futures))  # type: ignore[no-untyped-call]  # distributed declares no types for it
        else:
            from concurrent.futures import as_completed

            futures = {executor.submit(_task, *args): i for i, (_, args) in enumerate(jobs)}
            done = as_completed(list(futures))
        for future in done:
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


# Old names, for one release (CONTRIBUTING.md, "Renaming").
__getattr__ = moved_names("regsim.sim.experiments", {"DEFAULT_SIZES": "DEFAULT_FRACTIONS"}, globals())
