"""Experiments: sweeps are deterministic per seed, with or without executors; plots are polite."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regsim.sim.cache import LRU
from regsim.sim.errors import InvalidParameter, UnknownPolicy
from regsim.sim.experiments import RESULT_COLUMNS, capacity_for, run, sweep
from regsim.sim.workloads import object_trace

WORKLOAD = functools.partial(object_trace, 3000, objects=300)


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32))
def test_same_seed_same_dataframe(seed):
    a = sweep({"zipf": WORKLOAD}, ["lru", "gdsf"], fractions=[0.05, 0.5], seeds=[seed])
    b = sweep({"zipf": WORKLOAD}, ["lru", "gdsf"], fractions=[0.05, 0.5], seeds=[seed])
    assert a.equals(b)


def test_sweep_shape_order_and_executor():
    plain = sweep({"zipf": WORKLOAD}, ["lru", "fifo", LRU], fractions=[0.1], capacities=[1000], seeds=[1, 2], progress=True)
    assert list(plain.columns) == list(RESULT_COLUMNS)
    assert len(plain) == 2 * 3 * 2
    assert list(plain["policy"][:4]) == ["lru", "lru", "fifo", "fifo"]
    assert plain.loc[1, "capacity"] == 1000
    with ThreadPoolExecutor(2) as pool:
        threaded = sweep({"zipf": WORKLOAD}, ["lru", "fifo", LRU], fractions=[0.1], capacities=[1000], seeds=[1, 2],
                         executor=pool)
    assert threaded.equals(plain)
    assert (plain["hits"] <= plain["requests"]).all()
    assert (plain["upstream_bytes"] == plain["bytes_requested"] * plain["byte_miss_ratio"]).all() or \
        ((plain["upstream_bytes"] - plain["bytes_requested"] * plain["byte_miss_ratio"]).abs() < 1).all()


def test_bigger_caches_miss_less_under_lru_on_uniform_sizes():
    trace = object_trace(5000, objects=500, size_sigma=0.0, seed=3)
    df = sweep(trace, ["lru"], fractions=[0.01, 0.1, 0.5, 1.0])
    assert df["miss_ratio"].is_monotonic_decreasing
    assert df["miss_ratio"].iloc[-1] == pytest.approx(trace.working_set()[0] / len(trace))  # only cold misses


def test_run_is_one_row():
    row = run(object_trace(500, objects=50, seed=1), "s3fifo", fraction=0.2)
    assert len(row) == 1 and row.loc[0, "policy"] == "s3fifo"


def test_errors_name_the_value():
    t = object_trace(100, objects=10, seed=1)
    with pytest.raises(InvalidParameter, match=r"\(0, 1\], got 1.5"):
        sweep(t, ["lru"], fractions=[1.5])
    with pytest.raises(UnknownPolicy, match="'nope'"):
        sweep(t, ["nope"], fractions=[0.1])
    with pytest.raises(InvalidParameter, match="at least one policy"):
        sweep(t, [], fractions=[0.1])
    with pytest.raises(InvalidParameter, match="got True"):
        capacity_for(True, 10)
    with pytest.raises(InvalidParameter, match="executor must be a concurrent.futures.Executor or a "
                                               "dask.distributed.Client, got list"):
        sweep(t, ["lru"], fractions=[0.1], executor=[])
    with pytest.raises(InvalidParameter, match="got str"):
        sweep({"x": lambda seed: "nope"}, ["lru"], fractions=[0.1])


def test_plots_return_axes_and_never_show(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from regsim.sim.plots import miss_ratio_curves, rollout_cdf, savings_bars
    from regsim.sim.dedup import dedup_report
    from regsim.sim.rollout import rollout_time
    from regsim.sim.workloads import official_catalog

    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plots must not call plt.show()"))
    df = sweep(object_trace(2000, objects=200, seed=1), ["lru", "gdsf"], fractions=[0.05, 0.2])
    fig, axes = plt.subplots(1, 3)
    assert miss_ratio_curves(df, ax=axes[0]) is axes[0]
    assert len(axes[0].get_lines()) == 2
    assert {l.get_marker() for l in axes[0].get_lines()} == {"o", "s"}  # not colour alone
    assert len({str(l.get_linestyle()) for l in axes[0].get_lines()}) == 2  # nor one line hiding another
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["5%", "20%"]  # every size swept, labelled
    assert savings_bars(dedup_report(official_catalog(repos=["alpine", "nginx"])), ax=axes[1]) is axes[1]
    r = rollout_time([("a", 10_000_000)], 5)
    assert rollout_cdf([r], ax=axes[2]) is axes[2]
    assert [t.get_text() for t in axes[2].get_legend().get_texts()] == [f"direct (makespan {r.makespan_from_start:.0f} s from start)"]
    spread = rollout_time([("a", 10_000_000)], 5, start_spread=30.0)
    ax = rollout_cdf([r, spread], labels=["together", "over 30 s"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        f"together (makespan {r.makespan_from_start:.0f} s from start)",
        f"over 30 s (makespan {spread.makespan_from_start:.0f} s from start)"]
    assert [line.get_label() for line in ax.get_lines()] == [t.get_text() for t in ax.get_legend().get_texts()]
    for labels, count in ((["one"], "1 label"), (["a", "b", "c"], "3 labels"), ("ab", "a string")):
        with pytest.raises(InvalidParameter, match=re.escape(f"one name per result (2), got {count}: {labels!r}")):
            rollout_cdf([r, spread], labels=labels)
    assert miss_ratio_curves(df).figure is not fig  # a new figure when ax is None
    plt.close("all")
    with pytest.raises(InvalidParameter, match="no column 'latency'"):
        miss_ratio_curves(df, metric="latency")


def test_matplotlib_is_imported_only_when_plotting():
    code = ("import sys, regsim.sim, regsim.sim.plots, regsim.sim.experiments; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_run_refuses_a_size_and_a_capacity_at_once():
    trace = WORKLOAD(seed=1)
    with pytest.raises(InvalidParameter, match=r"run takes fraction= \(a share of the working set\) or capacity= "
                                               r"\(bytes\), not both: got fraction=0.1 and capacity='64MB'"):
        run(trace, "lru", fraction=0.1, capacity="64MB")
    assert run(trace, "lru", capacity="64MB")["capacity"].tolist() == [64_000_000]
    assert run(trace, "lru")["size"].tolist() == [0.1]  # the default size, when no capacity is given
    with pytest.raises(InvalidParameter, match=r"give bytes explicitly with capacity=5 "):
        run(trace, "lru", fraction=5)
