"""Network time and rollouts."""

from __future__ import annotations

import pytest

from regsim.sim.errors import InvalidParameter
from regsim.sim.network import GBIT, FlowSim, Link, round_trip, transfer_time
from regsim.sim.rollout import MODES, rollout_time, site_links


def test_transfer_time_alone():
    links = {"a": Link("a", 100.0, 0.5), "b": Link("b", 50.0, 0.25)}
    assert transfer_time(100, ["a", "b"], links) == pytest.approx(2 * 0.75 + 2.0)
    assert round_trip(["a"], links) == 1.0
    with pytest.raises(InvalidParameter, match="unknown link 'c'"):
        transfer_time(1, ["c"], links)


def test_max_min_fair_sharing():
    links = {"wan": Link("wan", 100.0), "slow": Link("slow", 30.0), "fast": Link("fast", 1000.0)}
    sim = FlowSim(links)
    sim.add("x", 30, ["wan", "slow"])
    sim.add("y", 140, ["wan", "fast"])
    done = dict(sim.run())
    assert done["x"] == pytest.approx(1.0)       # capped by its slow link at 30/s
    assert done["y"] == pytest.approx(1.7)       # 70/s while x runs, then all 100/s
    assert sim.bytes_on["wan"] == 170


def test_late_starts_and_zero_sizes():
    sim = FlowSim([Link("l", 10.0)])
    sim.add("a", 10, ["l"])
    sim.add("b", 0, ["l"], start=0.5)
    sim.add("c", 10, ["l"], start=0.5)
    done = dict(sim.run())
    assert done["b"] == pytest.approx(0.5)
    assert done["a"] == pytest.approx(1.5)  # alone for 0.5 s, then sharing with c
    assert done["c"] == pytest.approx(2.0)  # 5 B while sharing, then alone
    with pytest.raises(InvalidParameter, match="negative size"):
        sim.add("d", -1, ["l"])
    with pytest.raises(InvalidParameter, match="bandwidth of link 'z' must be > 0"):
        Link("z", 0)


def test_one_server_takes_about_the_wan_time():
    blobs = [("sha256:a", 250_000_000)]
    r = rollout_time(blobs, 1)
    links = site_links(1)
    assert r.makespan_from_start == pytest.approx(round_trip(["wan", "nic-0"], links) * 2 + 2.0, rel=0.01)


def test_rollout_modes():
    blobs = [("sha256:a", 100_000_000), ("sha256:b", 20_000_000), ("sha256:c", 1_000)]
    total = sum(s for _, s in blobs)
    results = {m: rollout_time(blobs, 50, mode=m) for m in MODES}
    assert results["direct"].upstream_bytes == 50 * total
    assert results["mirror"].upstream_bytes == 51 * total      # everyone streams, plus one store
    assert results["mirror-coalescing"].upstream_bytes == total
    assert results["mirror-warm"].upstream_bytes == 0
    assert results["direct"].makespan_from_start == pytest.approx(50 * total / GBIT, rel=0.02)
    assert results["mirror-coalescing"].makespan_from_start < results["direct"].makespan_from_start / 5
    assert results["mirror-warm"].makespan_from_start <= results["mirror-coalescing"].makespan_from_start
    staggered = rollout_time(blobs, 50, mode="mirror", start_spread=60.0)
    assert staggered.upstream_bytes < results["mirror"].upstream_bytes / 5  # later servers find it stored
    assert list(results["direct"].servers.columns) == ["server", "start", "finish", "seconds", "bytes"]
    assert results["direct"].summary()["servers"] == 50


def test_rollout_errors():
    with pytest.raises(InvalidParameter, match="mode must be one of"):
        rollout_time([("a", 1)], 2, mode="p2p")
    with pytest.raises(InvalidParameter, match="at least one blob"):
        rollout_time([], 2)
