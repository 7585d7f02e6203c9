"""Request streams and the registry requests they cause."""

from __future__ import annotations

import pytest

from regsim import World
from regsim.sim.errors import InvalidParameter
from regsim.sim.streams import (merge, pull_stream, push_stream, registry_trace, rollout,
                                trace_from_events)
from regsim.sim.workloads import official_catalog


def test_pull_stream_is_seeded_time_ordered_and_only_pulls_what_exists(catalogue):
    a = pull_stream(catalogue, 300, seed=4)
    assert a.equals(pull_stream(catalogue, 300, seed=4))
    assert not a.equals(pull_stream(catalogue, 300, seed=5))
    assert a["time"].is_monotonic_increasing
    for row in a.itertuples():
        catalogue.resolve(row.repository, row.tag, row.time)  # raises if it did not exist yet
    assert (a["tag"] == "latest").mean() > 0.6


def test_popularity_is_skewed(catalogue):
    counts = pull_stream(catalogue, 2000, alpha=1.2, seed=1)["repository"].value_counts()
    assert counts.iloc[0] > 4 * counts.iloc[-1]


def test_merge_puts_pushes_first_at_equal_times(catalogue):
    pushes = push_stream(catalogue)
    pulls = pull_stream(catalogue, 50, seed=2)
    pulls.loc[0, "time"] = pushes.loc[3, "time"]
    merged = merge(pulls, pushes)
    assert len(merged) == 50 + len(catalogue) and merged["time"].is_monotonic_increasing
    same = merged[merged["time"] == pushes.loc[3, "time"]]
    assert list(same["op"])[0] == "push"


def test_rollout_is_a_burst():
    r = rollout("library/python", servers=100, at=10.0)
    assert len(r) == 100 and set(r["time"]) == {10.0} and r["client"].iloc[0] == "server-00"
    spread = rollout("library/python", servers=10, at=0, spread=5.0, seed=1)
    assert spread["time"].between(0, 5).all()
    with pytest.raises(InvalidParameter, match="servers must be >= 1"):
        rollout("x", servers=0)


def test_registry_trace_with_and_without_host_layer_caches(catalogue):
    repo = catalogue.repositories()[-1]
    stream = merge(push_stream(catalogue), rollout(repo, servers=3, at=1e9), rollout(repo, servers=3, at=2e9))
    cached = registry_trace(stream, catalogue)
    fresh = registry_trace(stream, catalogue, host_cache=False)
    pulls_cached = cached.frame.query("method == 'GET' and kind == 'blob'")
    pulls_fresh = fresh.frame.query("method == 'GET' and kind == 'blob'")
    image = catalogue.resolve(repo, "latest")
    per_pull = len(image.layers) + 1
    assert len(pulls_fresh) == 6 * per_pull and len(pulls_cached) == 3 * per_pull
    puts = cached.frame.query("method == 'PUT' and kind == 'blob'")
    assert puts["key"].is_unique  # a registry never receives a blob twice


def test_registry_trace_matches_what_real_hosts_do():
    """The fast expansion and the core engine agree on which blobs a pull downloads."""
    cat = official_catalog(repos=["python", "node"])
    world = World()
    world.add_docker_hub(repos=["python", "node"], platforms=("linux/amd64",))
    host = world.add_host("laptop", quiet=True)
    mark = world.events.mark()
    host.pull("python:3.11")
    host.pull("node:18")
    from_events = trace_from_events(world.events.since(mark), registry="docker.io").only("blob")
    stream = merge(rollout("library/python", "3.11", servers=1, prefix="laptop", at=1e10),
                   rollout("library/node", "18", servers=1, prefix="laptop", at=2e10))
    stream["client"] = "laptop"
    expanded = registry_trace(stream, cat).only("blob")
    assert sorted(from_events.keys) == sorted(expanded.keys)
    assert from_events.total_bytes == expanded.total_bytes
    assert set(from_events.frame["client"]) == {"laptop"}


def test_stream_op_must_be_known(catalogue):
    stream = pull_stream(catalogue, 1, seed=1)
    stream.loc[0, "op"] = "delete"
    with pytest.raises(InvalidParameter, match="'delete'"):
        registry_trace(stream, catalogue)
