"""Miss-ratio curves without a replay per size: LRU's exact curve in one pass, SHARDS for any policy.

:func:`mrc` computes every request's byte stack distance once (:mod:`regsim.sim.stackdist`, a
Fenwick tree, O(N log N)); an LRU cache of ``C`` bytes hits exactly the requests whose distance
is at most ``C``, so the whole curve -- any number of sizes -- comes from one sort of the
distances. It is the same DataFrame as :func:`~regsim.sim.experiments.sweep` of ``"lru"`` at
those sizes (``tests/sim/test_curves.py`` proves it). The argument needs every object to keep
its size and to fit in the cache; where that fails (objects that change size, a capacity below
the largest object) those sizes are replayed by the compiled kernel instead, and
``df.attrs["replayed"]`` lists them.

:func:`shards` approximates the curve of *any* policy by spatial sampling (Waldspurger et al.,
FAST '15): an object is kept when a seeded hash of it falls below a threshold ``T`` (of
``P = 2**24``), so every request of a kept object is kept, at the rate ``R = T / P``. ``rate=``
fixes ``R`` (SHARDS fixed-rate); ``objects=`` fixes the sample's size in objects, ``T`` being
the hash that keeps that many (fixed-size). The sample is replayed at each capacity scaled by its
share of the working set's bytes (with variable sizes, a steadier scale than ``R``). Miss ratios
are the sample's misses over the requests expected at the rate, ``N * R`` (SHARDS's adjustment:
with a skewed popularity one hot object in or out of the sample moves the sampled request count
a lot; ``adjust=False`` divides by the sampled requests instead). ``compare=True`` also runs the
full replay and states the error of each point (``error``, ``byte_error``: sample minus full) and
their mean absolute value (``df.attrs["mean_absolute_error"]``).

>>> from regsim.sim.workloads import object_trace
>>> t = object_trace(5000, objects=500, seed=1)
>>> from regsim.sim.experiments import sweep
>>> mrc(t, capacities=[100_000, 1_000_000]).equals(sweep(t, ["lru"], capacities=[100_000, 1_000_000]))
True
"""

from __future__ import annotations

import os
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, Iterable

from ..deprecation import keyword_only, renamed_keywords
from ._util import PATH, expect
from .errors import InvalidParameter
from .experiments import RESULT_COLUMNS, _rows, _specs
from .reading import DenseTrace, load_dense
from .traces import Trace

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["mrc", "shards", "SHARDS_COLUMNS"]

SHARDS_COLUMNS = ("workload", "policy", "size", "capacity", "sample_rate", "sampled_requests", "sampled_objects",
                  "sample_capacity", "miss_ratio", "byte_miss_ratio")


def _dense(trace: "Trace | str | os.PathLike[str] | DenseTrace", kind: str | None, zero: bool) -> DenseTrace:
    if isinstance(trace, DenseTrace):
        return trace
    if not isinstance(trace, (Trace, str, os.PathLike)):
        raise InvalidParameter(f"a trace is a Trace or a trace file's path, got {type(trace).__name__}")
    return load_dense(trace, kind=kind, ignore_size_zero_req=zero)


def _capacities(specs: list[tuple[str, Any]], wss: int) -> list[int]:
    return [int(v * wss) if how == "share" else v for how, v in specs]


@keyword_only("fractions")
@renamed_keywords(sizes="fractions")
def mrc(trace: "Trace | str | os.PathLike[str]", policy: str = "lru", *,
        fractions: "Iterable[float | str] | None" = None, capacities: "Iterable[int | str] | None" = None,
        kind: str | None = "blob", ignore_size_zero_req: bool = False, workload: str = "trace") -> pd.DataFrame:
    """The exact LRU miss-ratio curve at every cache size, in one pass; a DataFrame with the columns
    and rows of :func:`~regsim.sim.experiments.sweep` (``fractions=`` shares of the working set,
    ``capacities=`` bytes, as there). A path is read once."""
    import numpy as np
    import pandas as pd

    if not isinstance(policy, str) or policy.lower() != "lru":
        raise InvalidParameter(f"mrc computes LRU's exact curve from stack distances; {policy!r} has no stack "
                               f"property: use shards(trace, {policy!r}, fractions=...) to approximate its curve, or sweep "
                               f"for the exact one")
    specs = _specs(fractions, capacities)
    d = _dense(trace, kind, ignore_size_zero_req)
    caps = _capacities(specs, d.working_set_bytes)
    ids, sz = d.ids, d.sizes
    first = np.zeros(d.objects, np.int64)
    first[ids[::-1]] = sz[::-1]  # each object's size at its first request
    constant = bool((sz == first[ids]).all()) if ids.size else True
    largest = int(sz.max()) if sz.size else 0
    one_pass = [c for c in caps if constant and c >= largest]
    replayed = [c for c in caps if c not in one_pass]
    got: dict[int, tuple[int, int]] = {}
    if one_pass:
        from .stackdist import stack_distances

        dist = stack_distances(ids, sz, d.objects)
        reuse = dist >= 0
        order = np.argsort(dist[reuse], kind="stable")
        sorted_dist = dist[reuse][order]
        hit_bytes = np.concatenate(([0], np.cumsum(sz[reuse][order])))
        for c in one_pass:
            hits = int(np.searchsorted(sorted_dist, c, side="right"))
            got[c] = (d.requests - hits, d.total_bytes - int(hit_bytes[hits]))
    if replayed:
        from .streaming import replay_dense

        for c, counts in zip(replayed, replay_dense(d, "lru", replayed)):
            got[c] = counts
    rows = _rows(specs, d.working_set_bytes, lambda cs: [got[c] for c in cs], d.requests, d.total_bytes)
    df = pd.DataFrame([{"workload": workload, "seed": 0, "policy": "lru", **row} for row in rows],
                      columns=list(RESULT_COLUMNS))
    df.attrs["one_pass"] = one_pass
    df.attrs["replayed"] = replayed
    return df


_P = 1 << 24  # hashes are 24-bit, as SHARDS's modulus P


def _hashes(n: int, seed: int) -> Any:
    """A seeded splitmix64 hash of each dense id ``0..n-1``, reduced to ``0 .. 2**24 - 1``."""
    import numpy as np

    with np.errstate(over="ignore"):
        z = np.arange(n, dtype=np.uint64) + np.uint64((seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.int64)


def _ratio(misses: int, sampled: int, expected: float, adjust: bool) -> float:
    if adjust:
        return min(1.0, misses / expected) if expected else 0.0
    return misses / sampled if sampled else 0.0


@keyword_only("fractions")
@renamed_keywords(sizes="fractions")
def shards(trace: "Trace | str | os.PathLike[str]", policy: Any = "lru", *,
           fractions: "Iterable[float | str] | None" = None, capacities: "Iterable[int | str] | None" = None,
           rate: float | None = None, objects: int | None = None, seed: int = 0, kind: str | None = "blob",
           engine: str = "auto", compare: bool = False, ignore_size_zero_req: bool = False, workload: str = "trace",
           adjust: bool = True) -> pd.DataFrame:
    """An approximate miss-ratio curve of ``policy`` from a spatial sample of the trace (SHARDS).

    Give ``rate=`` (a fraction in (0, 1]: fixed-rate) or ``objects=`` (the sample's number of
    objects: fixed-size), not both. ``capacities`` and ``fractions`` are those of the full trace; the
    sample is replayed at ``capacity * rate``. Columns :data:`SHARDS_COLUMNS`, and with
    ``compare=True`` ``exact_miss_ratio``, ``exact_byte_miss_ratio``, ``error`` and ``byte_error``
    (sample minus full run) from a full replay.
    """
    expect("trace", trace, (Trace, *PATH), "a Trace or a trace file's path")
    import numpy as np
    import pandas as pd

    from .experiments import _policy_label
    from .streaming import replay_dense

    if (rate is None) == (objects is None):
        raise InvalidParameter("shards needs exactly one of rate= (fixed-rate sampling, a fraction in (0, 1]) or "
                               "objects= (fixed-size: how many objects the sample keeps)")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, Real) or not 0 < rate <= 1):
        raise InvalidParameter(f"rate must be a fraction in (0, 1], got {rate!r}")
    if objects is not None and (isinstance(objects, bool) or not isinstance(objects, Integral) or objects < 1):
        raise InvalidParameter(f"objects must be an int >= 1 (the sample's size), got {objects!r}")
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise InvalidParameter(f"seed must be an int, got {seed!r}")
    label = _policy_label(policy)
    specs = _specs(fractions, capacities)
    d = _dense(trace, kind, ignore_size_zero_req)
    caps = _capacities(specs, d.working_set_bytes)
    h = _hashes(d.objects, int(seed))
    if rate is not None:
        threshold = max(1, int(round(rate * _P)))
    else:
        ranked = np.sort(h)
        threshold = int(ranked[objects]) if objects < ranked.size else _P
    r = threshold / _P
    keep = h[d.ids] < threshold
    sample_ids, sample_sizes = d.ids[keep], d.sizes[keep]
    uniq, inverse = np.unique(sample_ids, return_inverse=True)
    first = np.zeros(uniq.size, np.int64)
    first[inverse[::-1]] = sample_sizes[::-1]
    sample = DenseTrace(inverse.astype(np.int64), sample_sizes, int(uniq.size), int(first.sum()),
                        int(sample_ids.size), int(sample_sizes.sum()))
    scale = sample.working_set_bytes / d.working_set_bytes if d.working_set_bytes else r
    scaled = [int(c * scale) for c in caps]
    counts = replay_dense(sample, policy, scaled, engine=engine)
    rows = []
    for (how, value), c, sc, (misses, missed) in zip(specs, caps, scaled, counts):
        size = value if how == "share" else (c / d.working_set_bytes if d.working_set_bytes else float("nan"))
        rows.append({"workload": workload, "policy": label, "size": size, "capacity": c, "sample_rate": r,
                     "sampled_requests": sample.requests, "sampled_objects": sample.objects, "sample_capacity": sc,
                     "miss_ratio": _ratio(misses, sample.requests, d.requests * r, adjust),
                     "byte_miss_ratio": _ratio(missed, sample.total_bytes, d.total_bytes * r, adjust)})
    df = pd.DataFrame(rows, columns=list(SHARDS_COLUMNS))
    if compare:
        exact = replay_dense(d, policy, caps, engine=engine)
        df["exact_miss_ratio"] = [m / d.requests if d.requests else 0.0 for m, _ in exact]
        df["exact_byte_miss_ratio"] = [b / d.total_bytes if d.total_bytes else 0.0 for _, b in exact]
        df["error"] = df["miss_ratio"] - df["exact_miss_ratio"]
        df["byte_error"] = df["byte_miss_ratio"] - df["exact_byte_miss_ratio"]
        df.attrs["mean_absolute_error"] = float(df["error"].abs().mean())
        df.attrs["mean_absolute_byte_error"] = float(df["byte_error"].abs().mean())
    return df
