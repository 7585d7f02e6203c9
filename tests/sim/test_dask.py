"""sweep(executor=client) with a real dask.distributed cluster: two worker processes, same DataFrame."""

from __future__ import annotations

import functools

import pytest

from regsim.sim.cache import LRU
from regsim.sim.experiments import sweep
from regsim.sim.oracle import write_oracle_general
from regsim.sim.traces import Trace
from regsim.sim.workloads import object_trace

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install 'regsim[sim]')")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        yield client


def test_a_sweep_on_two_worker_processes_equals_the_serial_one(client, tmp_path, monkeypatch):
    trace = object_trace(8000, objects=800, seed=2)
    path = write_oracle_general(object_trace(4000, objects=400, seed=3), tmp_path / "t.oracleGeneral.zst")
    workloads = {"zipf": trace, "generated": functools.partial(object_trace, 3000, objects=300), "file": str(path)}
    policies = ["lru", "fifo", "clock", "lfu", "s3fifo", "gdsf", "arc", "sieve"]
    serial = sweep(workloads, policies, fractions=[0.01, 0.1], capacities=["1MB"], seeds=[1, 2])

    scattered, submitted = [], []
    scatter, submit = client.scatter, client.submit
    monkeypatch.setattr(client, "scatter", lambda data, **kw: scattered.append((data, kw)) or scatter(data, **kw))
    monkeypatch.setattr(client, "submit", lambda fn, *args, **kw: submitted.append(args) or submit(fn, *args, **kw))
    parallel = sweep(workloads, policies, fractions=[0.01, 0.1], capacities=["1MB"], seeds=[1, 2], executor=client,
                     progress=True)
    assert parallel.equals(serial)
    assert len(parallel) == (1 + 2 + 1) * 8 * 3
    # the in-memory trace was scattered once, to every worker (as its dense arrays: every policy runs
    # compiled); tasks carry a future, a path or a function
    assert [(type(data).__name__, kw) for data, kw in scattered] == [("DenseTrace", {"broadcast": True})]
    assert len(submitted) == (1 + 2 + 1) * 8 * 3  # one task per size: tasks of similar length
    assert not any(isinstance(arg, Trace) for args in submitted for arg in args)
    assert {type(args[0]).__name__ for args in submitted} == {"Future", "partial", "str"}
    assert len(client.scheduler_info()["workers"]) == 2
    # a policy that runs in Python needs the keys: then the whole (blob) Trace is scattered
    scattered.clear()
    in_python = lambda capacity: LRU(capacity)  # noqa: E731 - a user's factory (the LRU class itself runs compiled)
    mixed = sweep({"zipf": trace}, ["lru", in_python], fractions=[0.1], executor=client)
    assert mixed.equals(sweep({"zipf": trace}, ["lru", in_python], fractions=[0.1]))
    assert [type(data) for data, _ in scattered] == [Trace]


def test_a_path_is_read_once_per_worker(client, tmp_path):
    """Issue 17: every task of a path re-read the file (twice); now each worker process reads it once."""
    path = write_oracle_general(object_trace(5000, objects=500, seed=4), tmp_path / "t.oracleGeneral")

    def count_reads():
        import regsim.sim.experiments as experiments
        import regsim.sim.oracle as oracle

        experiments._LOADED.clear()
        original = getattr(oracle, "_uncounted", oracle.iter_oracle_general)
        oracle._uncounted, oracle._reads = original, 0

        def counted(*args, **kwargs):
            oracle._reads += 1
            return original(*args, **kwargs)

        oracle.iter_oracle_general = counted

    def reads():
        import regsim.sim.oracle as oracle

        oracle.iter_oracle_general = oracle._uncounted
        return oracle._reads

    client.run(count_reads)
    parallel = sweep(str(path), ["lru", "fifo", "arc", "sieve"], fractions=[0.01, 0.1, 0.5], executor=client)
    per_worker = client.run(reads)
    assert parallel.equals(sweep(str(path), ["lru", "fifo", "arc", "sieve"], fractions=[0.01, 0.1, 0.5]))
    assert len(per_worker) == 2 and set(per_worker.values()) <= {0, 1} and sum(per_worker.values()) >= 1, per_worker
