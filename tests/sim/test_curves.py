"""Issue 17 item 4: LRU's exact miss-ratio curve in one pass (stack distances), equal to a replay
at every size; SHARDS sampling for any policy, with its error stated against the full run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regsim.sim.curves import mrc, shards
from regsim.sim.errors import InvalidParameter
from regsim.sim.experiments import sweep
from regsim.sim.oracle import write_oracle_general
from regsim.sim.stackdist import stack_distances
from regsim.sim.traces import Trace
from regsim.sim.workloads import object_trace


def brute_distances(ids, weights):
    out = []
    for i, x in enumerate(ids):
        before = [j for j in range(i) if ids[j] == x]
        if not before:
            out.append(-1)
            continue
        p = before[-1]
        latest = {ids[j]: weights[j] for j in range(p + 1, i) if ids[j] != x}
        out.append(sum(latest.values()) + weights[i])
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 8), max_size=60), st.integers(0, 2**16))
def test_stack_distances_match_a_brute_force_count(ids, seed):
    weights = np.random.default_rng(seed).integers(0, 9, size=9)[ids] if ids else []
    assert stack_distances(ids, weights).tolist() == brute_distances(ids, list(weights))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(1, 40)), min_size=1, max_size=80),
       st.lists(st.integers(0, 300), min_size=1, max_size=6))
def test_mrc_equals_a_replay_at_every_size(requests, capacities):
    sizes_of = {}
    keys = [k for k, _ in requests]
    sizes = [sizes_of.setdefault(k, s) for k, s in requests]  # every object keeps its size
    t = Trace.from_columns(key=keys, size=sizes)
    assert mrc(t, capacities=capacities).equals(sweep(t, ["lru"], capacities=capacities))


def test_mrc_is_exact_where_the_stack_argument_fails():
    # objects that change size, and capacities below the largest object: those sizes are replayed
    t = Trace.from_columns(key=[1, 2, 1, 3, 1, 2, 4], size=[10, 50, 30, 5, 30, 50, 200])
    caps = [20, 60, 100, 500]
    got = mrc(t, capacities=caps)
    assert got.equals(sweep(t, ["lru"], capacities=caps))
    assert got.attrs["replayed"] == caps and got.attrs["one_pass"] == []
    steady = object_trace(3000, objects=300, seed=2)
    largest = int(steady.only("blob").frame["size"].max())
    got = mrc(steady, capacities=[largest // 2, largest, 4 * largest])
    assert got.attrs["one_pass"] == [largest, 4 * largest] and got.attrs["replayed"] == [largest // 2]
    assert got.equals(sweep(steady, ["lru"], capacities=[largest // 2, largest, 4 * largest]))


def test_mrc_on_100_sizes_and_a_file(tmp_path):
    t = object_trace(20_000, objects=2000, seed=3)
    sizes = [float(s) for s in np.linspace(0.01, 1.0, 100)]
    curve = mrc(t, "lru", fractions=sizes)
    assert curve.equals(sweep(t, ["lru"], fractions=sizes))
    assert curve["miss_ratio"].is_monotonic_decreasing  # LRU's inclusion property
    path = write_oracle_general(t, tmp_path / "t.oracleGeneral")
    assert mrc(path, fractions=sizes[:5]).drop(columns="workload").equals(curve.iloc[:5].drop(columns="workload"))


def test_mrc_refuses_what_it_cannot_compute():
    t = object_trace(100, objects=10, seed=1)
    with pytest.raises(InvalidParameter, match="shards"):
        mrc(t, "fifo", fractions=[0.1])
    with pytest.raises(InvalidParameter, match="cache size 3 is an int"):
        mrc(t, "lru", fractions=[3])


@pytest.fixture(scope="module")
def big():
    return object_trace(400_000, objects=40_000, seed=1)


@pytest.mark.parametrize("policy", ["lru", "s3fifo", "arc", "sieve"])
def test_shards_fixed_rate_is_close_to_the_full_run(big, policy):
    df = shards(big, policy, fractions=[0.01, 0.05, 0.1, 0.3], rate=0.1, compare=True)
    assert df["sample_rate"].tolist() == pytest.approx([0.1] * 4, abs=1e-6)
    assert df.attrs["mean_absolute_error"] == pytest.approx(df["error"].abs().mean())
    assert df.attrs["mean_absolute_error"] < 0.03, df[["size", "miss_ratio", "exact_miss_ratio"]]
    assert (df["sampled_requests"] < len(big) * 0.2).all()


def test_shards_fixed_size_keeps_that_many_objects(big):
    df = shards(big, "lru", fractions=[0.05, 0.2], objects=4000, compare=True)
    assert (df["sampled_objects"] == 4000).all()
    assert df.attrs["mean_absolute_error"] < 0.04
    assert df["sample_rate"].iloc[0] == pytest.approx(0.1, rel=0.2)


def test_shards_is_seeded_and_checks_its_arguments(big):
    a = shards(big, "fifo", fractions=[0.1], rate=0.05, seed=7)
    assert a.equals(shards(big, "fifo", fractions=[0.1], rate=0.05, seed=7))
    assert not a.equals(shards(big, "fifo", fractions=[0.1], rate=0.05, seed=8))
    for kwargs, message in [({}, "exactly one of rate"), ({"rate": 0.1, "objects": 5}, "exactly one of rate"),
                            ({"rate": 1.5}, "rate must be a fraction in"), ({"objects": 0}, "objects must be an int")]:
        with pytest.raises(InvalidParameter, match=message):
            shards(big, "lru", fractions=[0.1], **kwargs)


def test_opt_is_drawn_as_the_bound_in_its_own_style():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from regsim.sim.plots import miss_ratio_curves

    t = object_trace(2000, objects=200, seed=1)
    policies = ["lru", "fifo", "clock", "lfu", "s3fifo", "gdsf", "arc", "sieve", "belady"]
    ax = miss_ratio_curves(sweep(t, policies, fractions=[0.05, 0.2]))
    lines = {line.get_label(): line for line in ax.get_lines()}
    opt, lru = lines["belady (OPT)"], lines["lru"]
    assert (opt.get_color(), opt.get_marker()) != (lru.get_color(), lru.get_marker())
    styles = [(line.get_color(), line.get_marker(), str(line.get_linestyle())) for line in lines.values()]
    assert len(set(styles)) == len(policies)  # nine lines, nine looks
    plt.close("all")


def test_a_curve_of_100_sizes_gets_round_ticks():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from regsim.sim.plots import miss_ratio_curves

    t = object_trace(2000, objects=200, seed=1)
    ax = miss_ratio_curves(mrc(t, "lru", fractions=[float(s) for s in np.geomspace(0.015, 1.0, 100)]))
    assert list(ax.get_xticks()) == [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
    plt.close("all")
