"""regsim's policies give the same miss ratio and byte miss ratio as libCacheSim on the same traces."""

from __future__ import annotations

import math
import random

import pytest

lcs = pytest.importorskip("libcachesim", reason="libcachesim is not installed (pip install libcachesim, "
                                                "in the test extra): nothing to compare against")

from regsim.sim.cache import POLICIES, simulate  # noqa: E402
from regsim.sim.workloads import object_trace  # noqa: E402

THEIRS = {"lru": "LRU", "fifo": "FIFO", "lfu": "LFU", "clock": "Clock", "s3fifo": "S3FIFO", "gdsf": "GDSF"}


def libcachesim_ratios(name, capacity, keys, sizes, path):
    import numpy as np

    rec = np.zeros(len(keys), dtype=[("t", "<u4"), ("id", "<u8"), ("size", "<u4"), ("next", "<i8")])
    rec["t"], rec["id"], rec["size"], rec["next"] = 1, keys, sizes, -1
    rec.tofile(path)
    reader = lcs.TraceReader(str(path), lcs.TraceType.ORACLE_GENERAL_TRACE,
                             lcs.ReaderInitParam(ignore_size_zero_req=False))
    cache = getattr(lcs, THEIRS[name])(capacity, hashpower=int(math.log2(max(2, len(set(keys))))) + 1)
    return cache.process_trace(reader)


@pytest.mark.parametrize("name", sorted(THEIRS))
@pytest.mark.parametrize("seed, alpha, sigma", [(1, 1.0, 1.5), (2, 0.7, 2.5), (3, 1.2, 0.5)])
def test_same_miss_ratios_as_libcachesim(name, seed, alpha, sigma, tmp_path):
    trace = object_trace(20_000, 2_000, alpha=alpha, size_sigma=sigma, seed=seed)
    keys, sizes = trace.keys, trace.sizes
    wss = trace.working_set()[1]
    for fraction in (0.0005, 0.01, 0.05, 0.2):  # the smallest has objects larger than the cache
        capacity = int(wss * fraction)
        ours = simulate(POLICIES[name](capacity), keys, sizes)
        miss, byte_miss = libcachesim_ratios(name, capacity, keys, sizes, tmp_path / "t.bin")
        assert ours.miss_ratio == pytest.approx(miss, abs=1e-12), (name, fraction)
        assert ours.byte_miss_ratio == pytest.approx(byte_miss, abs=1e-9), (name, fraction)


def test_request_by_request_agreement_through_the_python_api():
    rng = random.Random(5)
    requests = [(rng.randrange(40), 0) for _ in range(3000)]
    size_of = {k: rng.randrange(1, 400) for k in range(40)}
    cache, theirs = POLICIES["lru"](2000), lcs.LRU(2000, hashpower=8)
    req = lcs.Request()
    for k, _ in requests:
        req.obj_id, req.obj_size, req.clock_time = k, size_of[k], 1
        assert cache.request(k, size_of[k]) == theirs.get(req)
    assert cache.used == theirs.get_occupied_byte()
