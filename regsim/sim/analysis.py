"""What a trace is made of, as libCacheSim's ``TraceAnalyzer`` reports it: popularity (with a
Zipf fit), reuse distance and reuse time, object sizes, one-hit wonders and request rate.

:func:`analyze` returns a :class:`TraceAnalysis`: the numbers (``summary()``), and the arrays
behind them for plots. It computes, it does not draw: :mod:`regsim.sim.plots` has
``popularity``, ``reuse``, ``size_distribution``, ``request_rate`` and ``trace_analysis`` (the
four on one figure), each taking ``ax=``.

* popularity: each object's request count, largest first; ``zipf_alpha`` is the slope of
  ``log(count)`` against ``log(rank)`` fitted by least squares over the objects requested at
  least twice (the one-hit tail is flat by construction and would bias the fit), with its ``r2``;
* reuse distance: for each request of an object seen before, the number of distinct other
  objects requested since its previous request (:mod:`regsim.sim.stackdist`); reuse time: the
  requests, and the seconds, since then;
* sizes: each object's size at its first request; one-hit wonders: the objects requested once;
* request rate: requests per window of ``window`` seconds (default: the trace's span / 100).

>>> from regsim.sim.workloads import object_trace
>>> a = analyze(object_trace(20_000, objects=2_000, alpha=1.0, seed=1))
>>> a.requests, a.objects, round(a.zipf_alpha, 1)
(20000, 1792, 1.0)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidParameter
from .traces import Trace

__all__ = ["TraceAnalysis", "analyze"]


@dataclass(frozen=True, eq=False)
class TraceAnalysis:
    """The result of :func:`analyze`; arrays are numpy, ``rate`` a pandas Series."""

    requests: int
    objects: int
    bytes_requested: int
    working_set_bytes: int
    duration: float  #: seconds from the first request to the last
    counts: Any  #: requests per object, largest first (rank 1 first)
    zipf_alpha: float
    zipf_r2: float
    reuse_distance: Any  #: per re-request: distinct other objects since the object's previous request
    reuse_time: Any  #: per re-request: requests since the previous one
    reuse_seconds: Any  #: per re-request: seconds since the previous one
    sizes: Any  #: each object's size (first request)
    one_hit_wonders: int  #: objects requested exactly once
    rate: Any = field(repr=False)  #: requests per window, indexed by the window's start (seconds)
    window: float = 0.0

    @property
    def one_hit_wonder_ratio(self) -> float:
        """Share of the objects requested exactly once."""
        return self.one_hit_wonders / self.objects if self.objects else 0.0

    @property
    def reuse_ratio(self) -> float:
        """Share of the requests that re-request an object (an infinite cache's hit ratio)."""
        return self.reuse_time.size / self.requests if self.requests else 0.0

    def summary(self) -> dict[str, Any]:
        """The headline numbers, as a dict (a notebook shows it as a table via pandas)."""
        import numpy as np

        def q(a: Any, p: float) -> float:
            return float(np.quantile(a, p)) if a.size else float("nan")

        return {
            "requests": self.requests, "objects": self.objects, "bytes_requested": self.bytes_requested,
            "working_set_bytes": self.working_set_bytes, "duration_s": self.duration,
            "mean_request_rate": self.requests / self.duration if self.duration else float("nan"),
            "zipf_alpha": self.zipf_alpha, "zipf_r2": self.zipf_r2,
            "one_hit_wonder_ratio": self.one_hit_wonder_ratio, "reuse_ratio": self.reuse_ratio,
            "median_reuse_distance": q(self.reuse_distance, 0.5), "p90_reuse_distance": q(self.reuse_distance, 0.9),
            "median_reuse_time": q(self.reuse_time, 0.5), "median_reuse_seconds": q(self.reuse_seconds, 0.5),
            "median_size": q(self.sizes, 0.5), "mean_size": float(self.sizes.mean()) if self.sizes.size else 0.0,
            "largest_size": int(self.sizes.max()) if self.sizes.size else 0,
        }

    def __repr__(self) -> str:
        return (f"TraceAnalysis({self.requests:,} requests, {self.objects:,} objects, Zipf alpha "
                f"{self.zipf_alpha:.2f} (r2 {self.zipf_r2:.2f}), one-hit wonders {self.one_hit_wonder_ratio:.1%}, "
                f"reuse {self.reuse_ratio:.1%})")


def _zipf_fit(counts: Any) -> tuple[float, float]:
    """``(alpha, r2)`` of ``log(count) = c - alpha * log(rank)`` over counts >= 2."""
    import numpy as np

    head = counts[counts >= 2]
    if head.size < 2:
        return float("nan"), float("nan")
    x = np.log(np.arange(1, head.size + 1, dtype=float))
    y = np.log(head.astype(float))
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    total = ((y - y.mean()) ** 2).sum()
    return float(-slope), float(1 - (residual ** 2).sum() / total) if total else 1.0


def _frame(trace: "Trace | str | os.PathLike[str]", kind: str | None) -> Any:
    if isinstance(trace, Trace):
        return (trace.only(kind) if kind is not None else trace).frame
    if not isinstance(trace, (str, os.PathLike)):
        raise InvalidParameter(f"analyze takes a Trace or a trace file's path, got {type(trace).__name__}")
    from .reading import _is_parquet
    from .traces import read_csv, read_parquet

    path = os.fspath(trace)
    if path.lower().endswith(".csv"):
        loaded = read_csv(path)
    elif os.path.isfile(path) and _is_parquet(__import__("pathlib").Path(path)):
        loaded = read_parquet(path)
    else:
        from .oracle import read_oracle_general

        loaded = read_oracle_general(path)
    return (loaded.only(kind) if kind is not None and "kind" in loaded.frame else loaded).frame


def analyze(trace: "Trace | str | os.PathLike[str]", *, kind: str | None = "blob", window: float | None = None,
            ignore_size_zero_req: bool = False) -> TraceAnalysis:
    """Analyse ``trace`` (a Trace, or an oracleGeneral, Parquet or CSV file); see the module docstring."""
    import numpy as np
    import pandas as pd

    from .stackdist import previous_request, stack_distances

    frame = _frame(trace, kind)
    if ignore_size_zero_req:
        frame = frame[frame["size"].to_numpy() != 0]
    if window is not None and (isinstance(window, bool) or not isinstance(window, (int, float)) or not window > 0):
        raise InvalidParameter(f"window must be a number of seconds > 0, got {window!r}")
    codes, uniques = pd.factorize(frame["key"])
    ids = codes.astype(np.int64)
    sizes = frame["size"].to_numpy(dtype=np.int64)
    times = frame["time"].to_numpy(dtype=float)
    objects = len(uniques)
    per_object = np.bincount(ids, minlength=objects) if ids.size else np.zeros(0, np.int64)
    counts = np.sort(per_object)[::-1]
    alpha, r2 = _zipf_fit(counts)
    first = np.zeros(objects, np.int64)
    first[ids[::-1]] = sizes[::-1]
    prev = previous_request(ids)
    again = prev >= 0
    dist = stack_distances(ids, np.ones(ids.size, np.int64), objects)
    duration = float(times[-1] - times[0]) if times.size else 0.0
    step = float(window) if window is not None else (duration / 100 if duration > 0 else 1.0)
    start = times[0] if times.size else 0.0
    bins = np.floor((times - start) / step).astype(np.int64) if times.size else np.zeros(0, np.int64)
    per_window = np.bincount(bins) if bins.size else np.zeros(0, np.int64)
    rate = pd.Series(per_window / step, index=pd.Index(start + step * np.arange(per_window.size), name="time"),
                     name="requests_per_second")
    positions = np.flatnonzero(again)
    return TraceAnalysis(
        requests=int(ids.size), objects=objects, bytes_requested=int(sizes.sum()),
        working_set_bytes=int(first.sum()), duration=duration, counts=counts, zipf_alpha=alpha, zipf_r2=r2,
        reuse_distance=dist[again] - 1, reuse_time=positions - prev[again],
        reuse_seconds=times[again] - times[prev[again]], sizes=first,
        one_hit_wonders=int((per_object == 1).sum()), rate=rate, window=step)
