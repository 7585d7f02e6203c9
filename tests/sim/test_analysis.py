"""Issue 17 item 4: sim.analyze reports popularity (Zipf fit), reuse distance and time, sizes,
one-hit wonders and request rate; the plots live in regsim.sim.plots and take ax=."""

from __future__ import annotations

import numpy as np
import pytest

from regsim.sim import plots
from regsim.sim.analysis import analyze
from regsim.sim.errors import InvalidParameter
from regsim.sim.oracle import write_oracle_general
from regsim.sim.traces import Trace
from regsim.sim.workloads import object_trace


def test_a_small_trace_by_hand():
    t = Trace.from_columns(key=["a", "b", "a", "c", "b", "a"], size=[10, 20, 10, 5, 20, 10],
                           time=[0.0, 1.0, 2.0, 3.0, 4.0, 10.0])
    a = analyze(t, window=5.0)
    assert (a.requests, a.objects, a.bytes_requested, a.working_set_bytes) == (6, 3, 75, 35)
    assert a.counts.tolist() == [3, 2, 1]
    assert a.one_hit_wonders == 1 and a.one_hit_wonder_ratio == pytest.approx(1 / 3)
    # re-requests: a@2 (b in between), b@4 (a, c), a@5 (c, b)
    assert a.reuse_distance.tolist() == [1, 2, 2]
    assert a.reuse_time.tolist() == [2, 3, 3]
    assert a.reuse_seconds.tolist() == [2.0, 3.0, 8.0]
    assert sorted(a.sizes.tolist()) == [5, 10, 20]
    assert a.rate.tolist() == [5 / 5.0, 0.0, 1 / 5.0] and a.rate.index.tolist() == [0.0, 5.0, 10.0]
    assert a.duration == 10.0 and a.summary()["reuse_ratio"] == 0.5


@pytest.mark.parametrize("alpha", [0.8, 1.0, 1.2])
def test_the_zipf_fit_finds_the_generators_alpha(alpha):
    a = analyze(object_trace(100_000, objects=10_000, alpha=alpha, seed=2))
    assert a.zipf_alpha == pytest.approx(alpha, abs=0.12)
    assert a.zipf_r2 > 0.9


def test_a_file_is_analysed_like_its_trace(tmp_path):
    t = object_trace(3000, objects=300, seed=5)
    path = write_oracle_general(t, tmp_path / "t.oracleGeneral.zst")
    a, b = analyze(t), analyze(path)
    assert a.counts.tolist() == b.counts.tolist() and a.reuse_distance.tolist() == b.reuse_distance.tolist()
    assert a.summary()["zipf_alpha"] == b.summary()["zipf_alpha"]


def test_plots_take_ax_and_draw_each_part():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    a = analyze(object_trace(5000, objects=500, seed=1))
    fig, axes = plt.subplots(2, 3)
    assert plots.popularity(a, axes[0, 0]) is axes[0, 0]
    assert len(axes[0, 0].get_lines()) == 2  # the objects and the fitted line
    for of, ax in zip(["distance", "time", "seconds"], [axes[0, 1], axes[0, 2], axes[1, 0]]):
        plots.reuse(a, ax, of=of)
        assert np.isclose(ax.get_lines()[0].get_ydata()[-1], 1.0)  # a CDF ends at 1
    plots.size_distribution(a, axes[1, 1])
    plots.request_rate(a, axes[1, 2])
    assert len(plots.trace_analysis(a)) == 4
    with pytest.raises(InvalidParameter, match="of must be"):
        plots.reuse(a, of="space")
    with pytest.raises(InvalidParameter, match="expected a TraceAnalysis"):
        plots.popularity("trace")
    plt.close("all")


def test_analyze_checks_its_arguments():
    with pytest.raises(InvalidParameter, match="window must be"):
        analyze(object_trace(100, objects=10, seed=1), window=0)
    with pytest.raises(InvalidParameter, match="analyze takes a Trace"):
        analyze([1, 2, 3])
