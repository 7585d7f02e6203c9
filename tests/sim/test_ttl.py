"""Issue 17 item 3: caches take object TTLs (an object expires ttl seconds after its insertion;
a hit does not renew it), for every built-in policy, through simulate_ttl, run and sweep.

(libcachesim 0.3.5's wheel ignores ``default_ttl``: its miss ratios do not change with it, so
there is nothing of libCacheSim's to compare with; the reference here is a direct model.)"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regsim.sim.engine import COMPILED_POLICIES
from regsim.sim.errors import InvalidParameter, TraceFormatError
from regsim.sim.experiments import run, sweep
from regsim.sim.oracle import write_oracle_general
from regsim.sim.policies import make_policy
from regsim.sim.traces import Trace, write_csv, write_parquet
from regsim.sim.ttl import replay_ttl, simulate_ttl
from regsim.sim.workloads import object_trace


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0, 5)), max_size=60), st.floats(0.5, 20))
def test_a_cache_that_never_evicts_hits_exactly_within_the_ttl(requests, ttl):
    keys = [k for k, _ in requests]
    times, now = [], 0.0
    for _, step in requests:
        now += step
        times.append(now)
    inserted: dict[int, float] = {}
    expected = []
    for k, t in zip(keys, times):  # the model: a hit iff inserted and not expired
        hit = k in inserted and t <= inserted[k] + ttl
        if not hit:
            inserted[k] = t
        expected.append(hit)
    for name in COMPILED_POLICIES:
        policy = make_policy(name, 1000)
        if policy.needs_future:
            continue  # Belady and BeladySize read each request's next access: no TTL replay for them
        _, _, got = replay_ttl(policy, keys, [1] * len(keys), times, ttl, record=True)
        assert got == expected, name


def test_no_hit_ever_finds_an_expired_object_under_eviction():
    t = object_trace(20_000, objects=2000, duration=3600, seed=3).only("blob")
    keys, sizes, times = t.keys, t.sizes, t.frame["time"].tolist()
    for name in ("lru", "s3fifo", "arc", "gdsf"):
        cache = make_policy(name, int(t.working_set()[1] * 0.05))
        _, _, hits = replay_ttl(cache, keys, sizes, times, 120, record=True)
        inserted: dict = {}
        for k, t_, h in zip(keys, times, hits):
            if h:
                assert t_ <= inserted[k] + 120, (name, k)
            else:
                inserted[k] = t_


def test_run_and_sweep_take_a_ttl():
    t = object_trace(10_000, objects=1000, duration=3600, seed=1)
    forever = run(t, "arc", fraction=0.1, ttl=1e9)
    assert forever.equals(run(t, "arc", fraction=0.1))  # a TTL longer than the trace changes nothing
    ratios = [run(t, "lru", fraction=0.1, ttl=ttl)["hit_ratio"].iloc[0] for ttl in (10, 100, 1000)]
    assert ratios[0] < ratios[1] < ratios[2] < forever["hit_ratio"].iloc[0] + 1e-12
    df = sweep(t, ["lru", "sieve"], fractions=[0.05, 0.2], ttl=60)
    assert df["hit_ratio"].tolist() == [simulate_ttl(t, p, capacity=c, ttl=60).hit_ratio
                                        for p, c in zip(df["policy"], df["capacity"])]


def test_simulate_ttl_reads_an_oracle_file(tmp_path):
    t = object_trace(3000, objects=300, duration=600, seed=2)
    path = write_oracle_general(t, tmp_path / "t.oracleGeneral")
    on_disk = simulate_ttl(path, "lru", capacity=1_000_000, ttl=30)
    whole_seconds = Trace(t.frame.assign(time=t.frame["time"].floordiv(1)))  # oracleGeneral keeps seconds
    assert on_disk == simulate_ttl(whole_seconds, "lru", capacity=1_000_000, ttl=30)


def test_run_and_sweep_take_a_trace_file_with_a_ttl(tmp_path):
    """A path works with ttl= as a Trace does (read once, whole: expiry needs every request's time),
    in each format a path may have."""
    t = object_trace(3000, objects=300, duration=600, seed=3)
    whole_seconds = Trace(t.frame.assign(time=t.frame["time"].floordiv(1)))  # what oracleGeneral keeps
    files = {"oracle": (write_oracle_general(t, tmp_path / "t.oracleGeneral"), whole_seconds),
             "csv": (write_csv(t, tmp_path / "t.csv"), t), "parquet": (write_parquet(t, tmp_path / "t.parquet"), t)}
    for name, (path, same) in files.items():
        expected = sweep(same, ["lru", "s3fifo"], fractions=[0.05, 0.2], ttl=45)
        got = sweep(path, ["lru", "s3fifo"], fractions=[0.05, 0.2], ttl=45)
        assert got.drop(columns="workload").equals(expected.drop(columns="workload")), name
        one = run(path, "lru", capacity=10**12, ttl=45)
        assert one["hits"].iloc[0] == simulate_ttl(same, "lru", capacity=10**12, ttl=45).hits, name
        assert one["hits"].iloc[0] < run(path, "lru", capacity=10**12)["hits"].iloc[0], name


def test_bad_ttls_are_refused():
    t = object_trace(100, objects=10, seed=1)
    for ttl in (0, -5, "1h", True):
        with pytest.raises(InvalidParameter, match="ttl is seconds"):
            run(t, "lru", fraction=0.1, ttl=ttl)
    with pytest.raises(InvalidParameter, match="Python engine"):
        run(t, "lru", fraction=0.1, ttl=10, engine="compiled")
    with pytest.raises(TraceFormatError, match="no such trace file"):
        sweep({"f": "some.oracleGeneral"}, ["lru"], fractions=[0.1], ttl=10)
    with pytest.raises(InvalidParameter, match="TTLs need request times"):
        simulate_ttl([1, 2], "lru", capacity=10, ttl=5)
