"""Issue 17 items 5 and 7: a file is read once per run (dense ids built while streaming), once
per worker process in a pooled sweep; zero-size requests can be dropped as libCacheSim's reader
does; simulate and hit_sequence take a path or a Trace; regsim.sim exposes streaming, oracle and
plots as the README writes them."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import regsim.sim.oracle as oracle
from regsim.sim import experiments
from regsim.sim.cache import hit_sequence, simulate
from regsim.sim.errors import InvalidParameter
from regsim.sim.experiments import run, sweep
from regsim.sim.oracle import write_oracle_general
from regsim.sim.reading import load_dense
from regsim.sim.streaming import replay
from regsim.sim.traces import Trace
from regsim.sim.workloads import object_trace


@pytest.fixture
def reads(monkeypatch):
    """How many times an oracleGeneral file was read."""
    count = [0]
    reader = oracle.iter_oracle_general

    def counted(*args, **kwargs):
        count[0] += 1
        return reader(*args, **kwargs)

    monkeypatch.setattr(oracle, "iter_oracle_general", counted)
    return count


@pytest.fixture(scope="module")
def trace():
    return object_trace(5000, objects=400, seed=4)


@pytest.fixture(params=["t.oracleGeneral.zst", "t.oracleGeneral"])
def path(trace, tmp_path, request):
    return write_oracle_general(trace, tmp_path / request.param)


@pytest.mark.parametrize("how", [{"fraction": 0.1}, {"capacity": 2_000_000}, {"capacity": "2MB"}])
def test_run_of_a_path_reads_the_file_once(path, trace, reads, how):
    got = run(path, "lru", **how)
    assert reads[0] == 1, how
    expected = run(trace, "lru", **how)
    assert got.drop(columns="workload").equals(expected.drop(columns="workload"))


def test_replay_of_a_path_reads_the_file_once(path, trace, reads):
    for how in ({"fraction": 0.1}, {"capacity": 1_000_000}):
        reads[0] = 0
        assert replay(path, "arc", **how) == replay(trace, "arc", engine="python", **how)
        assert reads[0] == 1, how


def test_a_serial_sweep_of_a_path_reads_it_once(path, trace, reads):
    for how in ({"fractions": [0.01, 0.1]}, {"capacities": [100_000, 1_000_000]}):
        reads[0] = 0
        got = sweep({"f": str(path)}, ["lru", "fifo", "arc"], **how)
        assert reads[0] == 1, how
        assert got.drop(columns="workload").equals(sweep({"t": trace}, ["lru", "fifo", "arc"], **how)
                                                   .drop(columns="workload"))


def test_a_pooled_sweep_of_a_path_reads_it_once_per_process(path, trace, reads):
    experiments._LOADED.clear()
    with ThreadPoolExecutor(2) as pool:  # one process: its tasks share one read
        got = sweep({"f": str(path)}, ["lru", "sieve"], fractions=[0.01, 0.1, 0.5], executor=pool)
    assert reads[0] == 1
    assert got.drop(columns="workload").equals(sweep(trace, ["lru", "sieve"], fractions=[0.01, 0.1, 0.5])
                                               .drop(columns="workload"))
    write_oracle_general(object_trace(3000, objects=300, seed=5), path)  # a rewritten file is read again
    with ThreadPoolExecutor(2) as pool:
        sweep({"f": str(path)}, ["lru"], fractions=[0.1], executor=pool)
    assert reads[0] == 2
    experiments._LOADED.clear()


def test_load_dense_builds_dense_ids_while_streaming(path, trace):
    d = load_dense(path, chunk_requests=700)
    ids, sizes, objects = trace.dense()
    assert d.ids.tolist() == ids.tolist() and d.sizes.tolist() == sizes.tolist() and d.objects == objects
    assert (d.working_set_bytes, d.requests, d.total_bytes) == (trace.working_set()[1], len(trace),
                                                                 trace.total_bytes)


def test_zero_size_requests_can_be_ignored_as_libcachesim_does(tmp_path):
    t = Trace.from_columns(key=[1, 2, 1, 3, 2, 1], size=[0, 10, 50, 0, 10, 50])
    path = write_oracle_general(t, tmp_path / "z.oracleGeneral")
    kept = run(t, "lru", capacity=1000)
    dropped = run(t, "lru", capacity=1000, ignore_size_zero_req=True)
    assert kept["requests"].iloc[0] == 6 and dropped["requests"].iloc[0] == 4
    assert dropped["hits"].iloc[0] == 2  # 2 and 1 again; the zero-size requests are gone
    from_file = run(path, "lru", capacity=1000, ignore_size_zero_req=True)
    assert from_file.drop(columns="workload").equals(dropped.drop(columns="workload"))
    assert replay(path, "lru", capacity=1000, ignore_size_zero_req=True).requests == 4
    with pytest.raises(InvalidParameter, match="ignore_size_zero_req must be True or False, got 'yes'"):
        run(t, "lru", capacity=1000, ignore_size_zero_req="yes")


def test_zero_size_requests_match_libcachesims_default_reader(tmp_path):
    lcs = pytest.importorskip("libcachesim", reason="libcachesim is not installed (pip install libcachesim)")
    t = object_trace(4000, objects=300, seed=6)
    frame = t.frame
    frame.loc[frame.index % 7 == 0, "size"] = 0
    t = Trace(frame)
    path = write_oracle_general(t, tmp_path / "z.oracleGeneral")
    capacity = int(t.working_set()[1] * 0.1)
    reader = lcs.TraceReader(str(path), lcs.TraceType.ORACLE_GENERAL_TRACE, lcs.ReaderInitParam())  # the default
    miss, byte_miss = lcs.LRU(capacity).process_trace(reader)
    ours = run(path, "lru", capacity=capacity, ignore_size_zero_req=True)
    assert ours["miss_ratio"].iloc[0] == pytest.approx(miss, abs=1e-12)
    assert ours["byte_miss_ratio"].iloc[0] == pytest.approx(byte_miss, abs=1e-9)
    assert run(path, "lru", capacity=capacity)["miss_ratio"].iloc[0] != pytest.approx(miss, abs=1e-6)


def test_simulate_and_hit_sequence_take_a_path_or_a_trace(path, trace):
    blobs = trace.only("blob")
    expected = simulate(blobs.keys, "s3fifo", blobs.sizes, capacity=1_000_000)
    for source in (trace, path, str(path)):
        for engine in ("compiled", "python"):
            assert simulate(source, "s3fifo", capacity=1_000_000, engine=engine) == expected
    hits = hit_sequence(blobs.keys, "lru", blobs.sizes, capacity=500_000)
    assert hit_sequence(path, "lru", capacity=500_000) == hits
    assert hit_sequence(trace, "lru", capacity=500_000, engine="python") == hits
    with pytest.raises(InvalidParameter, match="alone"):
        simulate(trace, "lru", [1, 2], capacity=10)
    with pytest.raises(InvalidParameter, match="keys and sizes"):
        simulate([1, 2], "lru", capacity=10)


def test_the_readme_spellings_work_in_a_new_session():
    code = ("import regsim.sim as sim; print(sim.streaming.replay.__name__, sim.oracle.read_oracle_general.__name__, "
            "sim.plots.miss_ratio_curves.__name__, sim.mrc.__name__, sim.analyze.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["replay", "read_oracle_general", "miss_ratio_curves", "mrc", "analyze"]
