"""What the benchmark relies on in the kernels (issue 17, speed): how they are compiled, and what they
count of libCacheSim's own work."""

from __future__ import annotations

import pytest

from regsim import sim

pytest.importorskip("numba", reason="numba is not installed (pip install 'regsim[sim]')")

from regsim.sim.engine import CompiledCache  # noqa: E402


@pytest.mark.parametrize("name", ["arc", "lirs", "lruk", "mq", "slru", "lfuda", "gdsf"])
def test_multi_queue_kernels_run_without_reference_counts(name):
    """With numba's runtime, every array handed to an inlined helper was reference-counted
    (atomically) inside the request loop: LIRS ran 3-4x, ARC 1.4-1.9x slower (benchmarks/cache.py).
    LFUDA's buckets needed a typed Dict (numba's runtime) until they moved to an array table; GDSF's
    heap helpers ran 2.5-3x slower with them."""
    state = CompiledCache(name, 100)._state
    if name == "gdsf":  # its heap helpers are separate functions: without reference counts too
        from regsim.sim.policies import _compiled
        for helper in (_compiled.heap_push, _compiled.heap_compact, _compiled._sift_down):
            compiled = helper.compiled() if isinstance(helper, _compiled.Kernel) else helper
            assert compiled.targetoptions.get("_nrt") is False
    dispatcher = type(state).kernel.compiled()
    assert dispatcher.targetoptions.get("_nrt") is False


class CountingLFUDA(sim.LFUDA):
    """Counts libCacheSim's update_min_freq: one hash lookup per frequency from min + 1 up to the
    first bucket with objects, or up to max when none is (frequencies can be 10**17 apart: counted,
    not looped over)."""

    lookups = 0

    def _update_min(self) -> None:
        above = [f for f, bucket in self._buckets.items() if bucket and self._min < f <= self._max]
        self.lookups += (min(above) if above else max(self._max, self._min)) - self._min
        super()._update_min()


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("fraction", [0.05, 0.2, 0.5])
def test_lfuda_counts_the_frequencies_libcachesim_looks_up(seed, fraction):
    """The benchmark skipped LFUDA wherever max - min passed 10**6, yet libCacheSim scans only up to the
    next bucket with objects: on the 1M benchmark trace at 10%, 211 lookups (max - min 5.4e6), a run
    it finishes in seconds. The kernel counts the lookups themselves."""
    trace = sim.object_trace(3000, objects=300, seed=seed)
    ids, sizes, _ = trace.dense()
    capacity = int(trace.working_set()[1] * fraction)
    python = CountingLFUDA(capacity)
    for key, size in zip(ids.tolist(), sizes.tolist()):
        python.request(key, size)
    compiled = CompiledCache("lfuda", capacity)
    compiled.feed(ids, sizes)
    assert not python.libcachesim_would_crash
    assert compiled._state.libcachesim_lookups == min(python.lookups, 2**62)


def test_lfuda_lookups_tell_a_run_libcachesim_cannot_finish_from_one_it_can():
    trace = sim.object_trace(20_000, objects=2_000, seed=1)
    ids, sizes, _ = trace.dense()
    wss = trace.working_set()[1]
    small, large = CompiledCache("lfuda", int(wss * 0.05)), CompiledCache("lfuda", int(wss * 0.2))
    small.feed(ids, sizes)
    large.feed(ids, sizes)
    assert large._state.libcachesim_lookups < 10**4 < large._state.libcachesim_scan  # the old criterion skipped it
    assert small._state.libcachesim_lookups > 10**7  # the frequencies run far apart in a small cache


@pytest.mark.parametrize("chunk", [1, 37, 20_000])
def test_lfuda_frequency_table_grows_and_deletes_across_chunks(chunk):
    """LFUDA's frequency -> bucket table lives in arrays sized before each chunk (grown, rehashed) and
    loses a frequency whenever its bucket empties: hits, chunk by chunk, equal the Python class's."""
    trace = sim.object_trace(20_000, objects=3_000, seed=5)
    ids, sizes, _ = trace.dense()
    capacity = int(trace.working_set()[1] * 0.3)
    python = sim.LFUDA(capacity)
    expected = [python.request(int(k), int(s)) for k, s in zip(ids, sizes)]
    cache = CompiledCache("lfuda", capacity)
    got = []
    for start in range(0, ids.size, chunk):
        got += cache.feed(ids[start:start + chunk], sizes[start:start + chunk], record=True)[2].tolist()
    assert got == expected
    assert cache.used == python.used
    state = cache._state
    assert state.libcachesim_would_crash == python.libcachesim_would_crash
    assert int(state.st[7]) == len(python._buckets) > 100  # many buckets: the table was grown and rehashed
