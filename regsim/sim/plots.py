"""Plotting helpers for lab results. matplotlib is imported inside each function only.

Every function draws on ``ax`` (a new figure when None) and returns the Axes; none calls
``plt.show()``. Series differ by colour (Okabe-Ito) *and* marker or hatch, never colour alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from ._util import SEQUENCE, expect
from .errors import InvalidParameter

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.ticker import FuncFormatter
    from numpy.typing import ArrayLike

    from .analysis import TraceAnalysis

__all__ = ["miss_ratio_curves", "savings_bars", "rollout_cdf", "popularity", "reuse", "size_distribution",
           "request_rate", "trace_analysis", "OKABE_ITO", "MARKERS", "LINESTYLES"]

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), (0, (5, 2, 1, 2, 1, 2)))
HATCHES = ("", "//", "..", "xx", "\\\\", "++")
#: policies drawn as the offline bound (grey, hexagons, dotted): they read the future
BOUNDS = ("belady", "opt")


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 4.0))
    return ax


def miss_ratio_curves(results: pd.DataFrame, ax: Axes | None = None, *, metric: str = "miss_ratio", x: str = "size",
                      by: str = "policy", logx: bool = True, title: str | None = None) -> Axes:
    """One line per ``by`` value (policy): ``metric`` against cache ``x`` (from :func:`sweep`).

    ``metric`` is ``miss_ratio``, ``byte_miss_ratio``, ``hit_ratio`` or ``byte_hit_ratio``. With
    several seeds, the mean per point is drawn. Belady (OPT), the offline bound, is drawn in its
    own style (grey, dotted, hexagons, labelled ``belady (OPT)``), whatever the number of policies.
    """
    if not hasattr(results, "columns"):
        raise InvalidParameter(f"results must be a DataFrame of sweep() or mrc(), got {type(results).__name__} {results!r:.80}")
    for column in (metric, x, by):
        if column not in results.columns:
            raise InvalidParameter(f"results have no column {column!r} (columns: {list(results.columns)})")
    ax = _axes(ax)
    means = results.groupby([by, x], sort=False)[metric].mean().reset_index()
    i = 0
    for label, part in means.groupby(by, sort=False):
        part = part.sort_values(x)
        if by == "policy" and str(label) in BOUNDS:  # the offline bound: its own look, never a palette's
            ax.plot(part[x], part[metric], color="#7f7f7f", marker="h", markersize=9, linestyle=(0, (1, 1)),
                    linewidth=3, label=f"{label} (OPT)", zorder=1)
            continue
        # colour, marker *and* line style differ, and later lines are drawn thinner with hollow
        # markers, so two policies with equal values (LRU and CLOCK) both stay visible
        colour, hollow = OKABE_ITO[i % len(OKABE_ITO)], i % 2 == 1
        ax.plot(part[x], part[metric], marker=MARKERS[i % len(MARKERS)], color=colour,
                linestyle=LINESTYLES[i % len(LINESTYLES)], label=str(label), linewidth=2.2 - 0.15 * (i % 8),
                markersize=8 - 0.5 * (i % 8), markerfacecolor="none" if hollow else colour,
                markeredgecolor=colour if hollow else "#333333", markeredgewidth=1.2 if hollow else 0.6,
                zorder=2 + i)
        i += 1
    if logx:
        ax.set_xscale("log")
    if x == "size" and results[x].map(lambda v: isinstance(v, float)).all():
        from matplotlib.ticker import FixedLocator, NullLocator

        ticks = sorted(set(means[x]))
        if len(ticks) > 12:  # a curve of many sizes (sim.mrc): round shares within its range
            ticks = [t for t in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
                     if ticks[0] <= t <= ticks[-1]]
        ax.xaxis.set_major_locator(FixedLocator(ticks))  # a label at every size swept, none between
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(_percent())
        ax.set_xlabel("cache size (share of the working set)")
    else:
        ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(title=by, frameon=False)
    if title:
        ax.set_title(title)
    return ax


def _percent() -> FuncFormatter:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:.0%}" if v >= 0.01 and round(v * 100) == v * 100 else f"{v:.1%}")


def savings_bars(report: pd.DataFrame, ax: Axes | None = None, *, value: str = "stored_bytes",
                 title: str | None = None) -> Axes:
    """Bars of ``value`` per dedup strategy (from :func:`~regsim.sim.dedup.dedup_report`).

    Compressed and uncompressed rows are side by side, told apart by hatch and legend. Metadata
    is stacked on top of stored bytes, lighter.
    """
    if not hasattr(report, "columns"):
        raise InvalidParameter(f"report must be a DataFrame of dedup_report(), got {type(report).__name__} {report!r:.80}")
    if value not in report.columns:
        raise InvalidParameter(f"report has no column {value!r}")
    ax = _axes(ax)
    strategies = list(dict.fromkeys(report["strategy"]))
    settings = list(dict.fromkeys(report["compressed"]))
    width = 0.8 / len(settings)
    highest = 0.0
    for j, compressed in enumerate(settings):
        part = report[report["compressed"] == compressed].set_index("strategy").reindex(strategies)
        xs = [i + (j - (len(settings) - 1) / 2) * width for i in range(len(strategies))]
        mb = part[value] / 1e6
        label = "compressed" if compressed else "uncompressed"
        ax.bar(xs, mb, width * 0.95, color=OKABE_ITO[j], hatch=HATCHES[j], edgecolor="black", linewidth=0.6,
               label=f"{value.replace('_', ' ')}, {label}")
        if value == "stored_bytes" and "metadata_bytes" in part:
            ax.bar(xs, part["metadata_bytes"] / 1e6, width * 0.95, bottom=mb, color="#FFFFFF", hatch="..",
                   edgecolor=OKABE_ITO[j], linewidth=0.6, label=f"metadata, {label}")
        tops = mb + (part["metadata_bytes"] / 1e6 if value == "stored_bytes" and "metadata_bytes" in part else 0)
        for xpos, v, top in zip(xs, mb, tops):
            ax.annotate(f"{v:.2f}", (xpos, top), textcoords="offset points", xytext=(0, 2), ha="center", fontsize=7)
            highest = max(highest, float(top))
    ax.set_ylim(0, highest * 1.15 if highest > 0 else 1.0)
    ax.set_xticks(range(len(strategies)), strategies)
    ax.set_ylabel("MB")
    ax.set_xlabel("dedup strategy")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def rollout_cdf(results: Sequence[Any], ax: Axes | None = None, *, labels: Sequence[str] | None = None,
                title: str | None = None) -> Axes:
    """For each :class:`~regsim.sim.rollout.RolloutReport`: the share of servers done by time t.

    The legend names each result by its mode, or by ``labels`` (one per result, in order: to
    tell apart two runs of one mode), followed by its makespan: seconds from the rollout's start
    until its last server finished.
    """
    expect("results", results, SEQUENCE, "a sequence of rollout_time() results")
    results = list(results)
    if labels is None:
        labels = [r.mode for r in results]
    elif isinstance(labels, str) or len(labels) != len(results):
        count = "a string" if isinstance(labels, str) else f"{len(labels)} label{'' if len(labels) == 1 else 's'}"
        raise InvalidParameter(f"labels must be one name per result ({len(results)}), got {count}: {labels!r}")
    ax = _axes(ax)
    for i, (r, name) in enumerate(zip(results, labels)):
        done = sorted(r.servers["finish"])
        n = len(done)
        xs = [0.0] + [t for t in done for _ in (0, 1)]
        ys = [0.0] + [v for k in range(n) for v in (k / n, (k + 1) / n)]
        ax.plot(xs, ys, color=OKABE_ITO[i % len(OKABE_ITO)], linestyle=("-", "--", "-.", ":")[i % 4],
                linewidth=1.8, label=f"{name} (makespan {r.makespan_from_start:.0f} s from start)")
    ax.set_xlabel("seconds since the rollout started")
    ax.set_ylabel("share of servers with the image")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax


# -- a trace's analysis (regsim.sim.analysis.TraceAnalysis) ------------------------------------------


def _analysis(analysis: Any) -> Any:
    if not hasattr(analysis, "counts") or not hasattr(analysis, "reuse_distance"):
        raise InvalidParameter(f"analysis: expected a TraceAnalysis (from sim.analyze(trace)), got {type(analysis).__name__} "
                               f"{analysis!r:.80}")
    return analysis


def popularity(analysis: TraceAnalysis, ax: Axes | None = None, *, title: str | None = "popularity") -> Axes:
    """Requests per object against its rank, log-log, with the fitted Zipf line."""
    import numpy as np

    a, ax = _analysis(analysis), _axes(ax)
    ranks = np.arange(1, a.counts.size + 1)
    ax.loglog(ranks, a.counts, marker=MARKERS[0], linestyle="none", markersize=3, color=OKABE_ITO[0],
              label="objects")
    head = a.counts[a.counts >= 2]
    if head.size >= 2 and a.zipf_alpha == a.zipf_alpha:
        x = np.arange(1, head.size + 1)
        c = np.exp(np.mean(np.log(head) + a.zipf_alpha * np.log(x)))  # the fit's intercept
        ax.loglog(x, c * x ** -a.zipf_alpha, color=OKABE_ITO[5], linestyle="--", linewidth=2,
                  label=f"Zipf fit, alpha {a.zipf_alpha:.2f}")
    ax.set_xlabel("object rank")
    ax.set_ylabel("requests")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax


def _cdf(ax: Axes, values: ArrayLike, label: str, i: int) -> None:
    import numpy as np

    v = np.sort(np.asarray(values, dtype=float))
    if v.size:
        ax.plot(v, np.arange(1, v.size + 1) / v.size, color=OKABE_ITO[i], linestyle=LINESTYLES[i], linewidth=2,
                label=label)


def reuse(analysis: TraceAnalysis, ax: Axes | None = None, *, of: str = "distance",
          title: str | None = None) -> Axes:
    """The CDF of the reuse distance (``of="distance"``: distinct objects in between) or reuse time
    (``"time"``: requests in between, ``"seconds"``), log x."""
    a, ax = _analysis(analysis), _axes(ax)
    values = {"distance": a.reuse_distance, "time": a.reuse_time, "seconds": a.reuse_seconds}
    if of not in values:
        raise InvalidParameter(f"of must be 'distance', 'time' or 'seconds', got {of!r}")
    label = {"distance": "reuse distance (distinct objects)", "time": "reuse time (requests)",
             "seconds": "reuse time (seconds)"}[of]
    _cdf(ax, values[of] + (1 if of != "seconds" else 0), label, 0)
    ax.set_xscale("log")
    ax.set_xlabel(label + (" + 1" if of != "seconds" else ""))
    ax.set_ylabel("share of re-requests")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_title(title if title is not None else f"reuse {of}")
    return ax


def size_distribution(analysis: TraceAnalysis, ax: Axes | None = None, *,
                      title: str | None = "object sizes") -> Axes:
    """The CDF of the objects' sizes (bytes, log x)."""
    a, ax = _analysis(analysis), _axes(ax)
    _cdf(ax, a.sizes[a.sizes > 0], "objects", 2)
    ax.set_xscale("log")
    ax.set_xlabel("object size (bytes)")
    ax.set_ylabel("share of objects")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def request_rate(analysis: TraceAnalysis, ax: Axes | None = None, *, title: str | None = "request rate") -> Axes:
    """Requests per second in each window of the trace."""
    a, ax = _analysis(analysis), _axes(ax)
    ax.step(a.rate.index, a.rate.to_numpy(), where="post", color=OKABE_ITO[3], linewidth=1.8)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"requests/s (windows of {a.window:g} s)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def trace_analysis(analysis: TraceAnalysis, axes: Sequence[Axes] | None = None) -> list[Axes]:
    """The four plots of an analysis on a 2 x 2 grid (``axes``: four Axes, or None for a new
    figure); returns the axes."""
    _analysis(analysis)
    if axes is None:
        import matplotlib.pyplot as plt

        _, grid = plt.subplots(2, 2, figsize=(10, 7), constrained_layout=True)
        drawn: list[Axes] = list(grid.ravel())
    else:
        drawn = list(axes)
    if len(drawn) != 4:
        raise InvalidParameter(f"trace_analysis draws on 4 axes, got {len(drawn)}")
    popularity(analysis, drawn[0])
    reuse(analysis, drawn[1])
    size_distribution(analysis, drawn[2])
    request_rate(analysis, drawn[3])
    return drawn
