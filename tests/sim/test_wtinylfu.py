"""WTinyLFU (issue 17, item 1: one of the 10 missing deterministic policies; item 2: its window and
sketch as parameters at compiled speed): libCacheSim's rules, its hash, its sizes, its abort."""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import regsim.sim as sim
from regsim.sim import policies
from regsim.sim.engine import CompiledCache
from regsim.sim.errors import InvalidParameter
from regsim.sim.policies.wtinylfu import SEEDS, WTinyLFU, sketch_shape, xxh64_id


def test_xxh64_of_an_object_id_is_the_reference_xxh64_of_its_8_bytes():
    xxhash = pytest.importorskip("xxhash", reason="xxhash (the test extra) checks our XXH64")
    rng = random.Random(1)
    for value in [0, 1, 255, 2**32, 2**63 - 1, 2**63 + 5, 2**64 - 1, *(rng.getrandbits(64) for _ in range(200))]:
        for seed in (0, *SEEDS):
            assert xxh64_id(value, seed) == xxhash.xxh64_intdigest(struct.pack("<Q", value), seed=seed), (value, seed)
    assert xxh64_id(-1, SEEDS[0]) == xxh64_id(2**64 - 1, SEEDS[0])  # an int64 id is its two's complement


def test_known_hash_values():
    """Fixed values (from the reference implementation), so a broken hash fails without xxhash too."""
    assert xxh64_id(0, 0) == 0x34C96ACDCADB1BBB
    got = [xxh64_id(k, s) & 0xFFFFFFFF for k in (1, 42) for s in SEEDS]
    assert got == KNOWN


KNOWN = [0xA2374097, 0xCB5854BF, 0x34607625, 0x18405888]  # XXH64(1), XXH64(42) under the two seeds, low 32 bits


def test_sizes_window_segments_and_sketch_shape_as_libcachesim():
    cache = WTinyLFU(1000)
    assert (cache.window_capacity, cache.main_capacity, cache.probation_capacity, cache.protected_capacity) == \
        (10, 990, 198, 792)
    assert (cache.sketch.hashes, cache.sketch.width) == sketch_shape(990, 0.001) == (10, 14234)
    assert cache.reset_after == 32 * 990
    # the main cache's bytes are a C int: from 2 GiB on they wrap around (often to a 20-counter sketch)
    assert WTinyLFU(3 * 2**30, window_size=0.0).sketch.width == 20
    assert WTinyLFU(2**30).sketch.width == 2**31 - 1
    assert (WTinyLFU(1000, sketch_error=0.01).sketch.hashes, WTinyLFU(1000, sketch_error=0.01).sketch.width) == (7, 9490)


def test_too_large_objects_are_not_admitted():
    """An object must fit the window, the main cache and probation: libCacheSim's can_insert."""
    cache = WTinyLFU(1000, window_size=0.5)  # window 500, probation 100
    assert not cache.request("big", 101) and "big" not in cache
    assert not cache.request("ok", 100) and "ok" in cache
    small_window = WTinyLFU(1000)  # window 10 bytes: larger objects never enter
    assert not small_window.request("a", 11) and not small_window.request("a", 11)
    assert small_window.request("z", 0) is False and small_window.request("z", 0) is True
    for engine in ("python", "compiled"):
        assert sim.hit_sequence([1, 1, 2, 2], WTinyLFU.with_params(window_size=0.5), [101, 101, 100, 100],
                                capacity=1000, engine=engine) == [False, False, False, True]


def test_libcachesim_aborts_below_five_bytes_of_main_cache_and_ours_says_so():
    """libCacheSim's SLRU refuses a 0-byte segment with ERROR (abort()): WTinyLFU(4) kills the process."""
    for capacity, window, crash in [(0, 0.01, True), (4, 0.01, True), (5, 0.01, False), (8, 0.5, True),
                                    (10, 0.5, False)]:
        cache = WTinyLFU(capacity, window_size=window)
        assert cache.libcachesim_would_crash == crash, capacity
        assert CompiledCache(WTinyLFU.with_params(window_size=window) if window != 0.01 else "wtinylfu",
                             capacity)._state.libcachesim_would_crash == crash
    assert WTinyLFU(4).request("a", 0) is False and WTinyLFU(4).request("a", 1) is False
    _lcs()
    import subprocess
    import sys

    for capacity, aborts in [(4, True), (5, False)]:
        done = subprocess.run([sys.executable, "-c", f"import libcachesim; libcachesim.WTinyLFU({capacity})"],
                              capture_output=True, text=True, timeout=120)
        assert (done.returncode != 0) == aborts, (capacity, done.returncode, done.stderr[-300:])
        if aborts:
            assert "Invalid segment size for segment 0: 0 bytes" in done.stderr


def test_a_scan_does_not_flush_the_frequent_objects():
    """The point of TinyLFU: once the hot set is in the main cache (where its hits are counted; hits
    in the window are not, as in libCacheSim), a scan of one-hit wonders passes through the window."""
    hot = list(range(20))
    keys = hot * 5 + list(range(500, 600)) + hot * 30 + list(range(1000, 4000)) + hot
    sizes = [1] * len(keys)
    for engine in ("python", "compiled"):
        seq = sim.hit_sequence(keys, WTinyLFU.with_params(window_size=0.1), sizes, capacity=100, engine=engine)
        assert all(seq[-20:]), engine
    assert not any(sim.hit_sequence(keys, "lru", sizes, capacity=100)[-20:])
    # hot objects requested only while in the window are not counted: a scan then flushes them
    flushed = sim.hit_sequence(hot * 30 + list(range(1000, 3000)) + hot, "wtinylfu", [1] * 2620, capacity=40)
    assert not all(flushed[-20:])


def test_parameters_labels_spellings_and_bad_values():
    assert policies.canonical("W-TinyLFU") == policies.canonical("WTinyLFU") == "wtinylfu"
    assert policies.label(WTinyLFU.with_params(window_size=0.1, reset_factor=8)) == \
        "wtinylfu(window_size=0.1, reset_factor=8)"
    assert WTinyLFU.libcachesim_params == {"window_size": "window_size"}
    for bad, message in [({"window_size": 1.0}, r"window_size must be in \[0, 1\), got 1.0"),
                         ({"window_size": "x"}, "window_size must be in"),
                         ({"sketch_error": 0}, r"sketch_error must be in \(0, 1\), got 0"),
                         ({"reset_factor": 0}, "reset_factor")]:
        with pytest.raises(InvalidParameter, match=message):
            WTinyLFU.with_params(**bad)


@pytest.mark.parametrize("policy, baseline", [
    (WTinyLFU.with_params(window_size=0.2), "wtinylfu"),
    (WTinyLFU.with_params(window_size=0.3, sketch_error=0.2), WTinyLFU.with_params(window_size=0.3)),
    (WTinyLFU.with_params(window_size=0.3, reset_factor=1), WTinyLFU.with_params(window_size=0.3))],
    ids=lambda p: policies.label(p))
def test_parameters_run_compiled_agree_with_python_and_matter(policy, baseline):
    """On unit sizes: the sketch has ~14 counters per cached object, so its shape shows."""
    trace = sim.object_trace(6000, objects=600, median_size=1, size_sigma=0.0, seed=3)
    cap = int(trace.working_set()[1] * 0.05)
    compiled = sim.hit_sequence(trace.keys, policy, trace.sizes, capacity=cap, engine="compiled")
    assert compiled == sim.hit_sequence(trace.keys, policy, trace.sizes, capacity=cap, engine="python")
    assert compiled != sim.hit_sequence(trace.keys, baseline, trace.sizes, capacity=cap)
    table = sim.sweep(trace, [policy], fractions=[0.05], engine="compiled")
    assert table["hits"].item() == compiled.count(True)
    assert table.equals(sim.sweep(trace, [policy], fractions=[0.05], engine="python"))


def test_the_compiled_engine_hashes_object_ids_not_dense_ids():
    """Keys 7, 3 are dense ids 0, 1: the sketch must see 7 and 3, as libCacheSim and the Python class do."""
    keys = [random.Random(2).randrange(10**12) for _ in range(40)] * 20
    sizes = [10] * len(keys)
    policy = WTinyLFU.with_params(window_size=0.1)
    python = sim.hit_sequence(keys, policy, sizes, capacity=100, engine="python")
    assert sim.hit_sequence(keys, policy, sizes, capacity=100, engine="compiled") == python
    ids, _, _ = sim.Trace.from_columns(key=keys, size=sizes).dense()
    dense = CompiledCache(policy, 100).feed(ids, sizes, record=True)[2].tolist()
    assert dense == sim.hit_sequence(ids.tolist(), policy, sizes, capacity=100, engine="python")
    with pytest.raises(InvalidParameter, match="object_ids must be an integer array"):
        CompiledCache(policy, 100).feed([0, 5], [1, 1], object_ids=[7, 3])


def _lcs():
    return pytest.importorskip("libcachesim", reason="libcachesim is not installed: nothing to compare against")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 60)), min_size=1, max_size=400),
       st.integers(5, 600), st.sampled_from([0.0, 0.01, 0.1, 0.3, 0.7]))
def test_hypothesis_request_by_request_with_libcachesim(requests, capacity, window):
    """Random traces (sizes changing per request, zero sizes, objects larger than the cache)."""
    lcs = _lcs()
    ours = WTinyLFU(capacity, window_size=window)
    if ours.libcachesim_would_crash:
        return  # libCacheSim would abort() the whole process
    theirs = lcs.WTinyLFU(capacity, hashpower=8, window_size=window)
    req = lcs.Request()
    expected = []
    for k, s in requests:
        req.obj_id, req.obj_size, req.clock_time = k, s, 1
        got = theirs.get(req)
        expected.append(got)
        assert ours.request(k, s) == got
        assert ours.used == theirs.get_occupied_byte()
    keys, sizes = [k for k, _ in requests], [s for _, s in requests]
    assert sim.hit_sequence(keys, WTinyLFU.with_params(window_size=window) if window != 0.01 else "wtinylfu", sizes,
                            capacity=capacity, engine="compiled") == expected


def test_sketch_collisions_and_halving_agree_with_libcachesim():
    """A 50-byte main cache has a 720-counter sketch (collisions) halved every 1,600 main hits."""
    lcs = _lcs()
    rng = random.Random(7)
    keys = [rng.randrange(2**40) if rng.random() < 0.2 else rng.randrange(60) for _ in range(20_000)]
    ours, theirs = WTinyLFU(62, window_size=0.2), lcs.WTinyLFU(62, hashpower=8, window_size=0.2)
    req = lcs.Request()
    halvings = 0
    for k in keys:
        req.obj_id, req.obj_size, req.clock_time = k, 1, 1
        before = ours._main_hits
        assert ours.request(k, 1) == theirs.get(req)
        halvings += ours._main_hits < before
    assert halvings >= 3


def test_fed_in_chunks_with_object_ids_equals_one_feed_and_python():
    """The compiled sketch numbers the counters objects name as they arrive (its table grows past
    1,024 entries here); chunk by chunk it counts as one feed, and as the Python class."""
    trace = sim.object_trace(20_000, objects=3000, median_size=1, size_sigma=0.0, seed=12)
    ids, sizes, _ = trace.dense()
    object_ids = trace.object_ids()
    policy = WTinyLFU.with_params(window_size=0.1)
    cap = 300
    whole = CompiledCache(policy, cap).feed(ids, sizes, record=True, object_ids=object_ids)[2].tolist()
    pieces = CompiledCache(policy, cap)
    got = []
    for start in range(0, len(ids), 1700):
        got += pieces.feed(ids[start:start + 1700], sizes[start:start + 1700], record=True,
                           object_ids=object_ids)[2].tolist()
    assert got == whole == sim.hit_sequence(trace.keys, policy, trace.sizes, capacity=cap, engine="python")
    assert pieces._state.table[0].size > 1024 and pieces._state.count <= 3000 * 10


@pytest.mark.parametrize("engine", ["compiled", "python"])
def test_a_trace_file_replays_as_libcachesim_reads_it(engine, tmp_path):
    """simulate(path) reads dense ids in one pass; WTinyLFU still hashes the file's object ids."""
    lcs = _lcs()
    from regsim.sim.oracle import write_oracle_general

    rng = random.Random(3)
    names = [rng.randrange(10**9) for _ in range(2000)]
    trace = sim.Trace.from_columns(key=[names[min(rng.randrange(2000), rng.randrange(2000))] for _ in range(6000)],
                                   size=[1] * 6000)
    path = write_oracle_general(trace, tmp_path / "t.oracleGeneral")
    theirs = lcs.WTinyLFU(100, hashpower=10, window_size=0.1).process_trace(
        lcs.TraceReader(str(path), lcs.TraceType.ORACLE_GENERAL_TRACE, lcs.ReaderInitParam(ignore_size_zero_req=False)))
    ours = sim.simulate(str(path), WTinyLFU.with_params(window_size=0.1), capacity=100, engine=engine, kind=None)
    assert (ours.miss_ratio, ours.byte_miss_ratio) == pytest.approx(theirs, abs=1e-12)
    seq = sim.hit_sequence(str(path), WTinyLFU.with_params(window_size=0.1), capacity=100, engine=engine, kind=None)
    assert seq == sim.hit_sequence(trace.keys, WTinyLFU.with_params(window_size=0.1), trace.sizes, capacity=100)
