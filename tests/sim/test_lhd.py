"""Issue 17 finding 2: LHD (Least Hit Density) was missing. Its rules, on both engines; its
agreement with libCacheSim (a tolerance over seeds) is in test_libcachesim.py."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import regsim.sim as sim
from regsim.sim import policies
from regsim.sim.engine import CompiledCache
from regsim.sim.errors import InvalidParameter
from regsim.sim.policies.lhd import LOWEST, coarse_age, hit_age_class, hit_density, reconfigure

np = pytest.importorskip("numpy")


def both_engines(policy, keys, sizes, capacity):
    python = sim.hit_sequence(keys, policy, sizes, capacity=capacity, engine="python")
    assert sim.hit_sequence(keys, policy, sizes, capacity=capacity, engine="compiled") == python
    return python


def test_lhd_is_a_seeded_sampled_policy_with_libcachesims_name():
    assert policies.canonical("LHD") == "lhd" and sim.LHD.sampled and sim.LHD.libcachesim == "LHD"
    assert sim.LHD.parameters() == {"associativity": 32, "admissions": 8, "reconfigure_every": 1 << 20,
                                    "max_age": 20_000, "seed": 0}
    assert policies.label(sim.LHD.with_params(seed=3, associativity=64)) == "lhd(associativity=64, seed=3)"
    trace = sim.object_trace(3000, objects=300, seed=12)
    cap = int(trace.working_set()[1] * 0.05)
    runs = [both_engines(sim.LHD.with_params(seed=seed), trace.keys, trace.sizes, cap) for seed in (0, 1, 0)]
    assert runs[0] == runs[2] != runs[1]  # same seed, same run; another seed, another run
    assert sim.hit_sequence(trace.keys, "LHD", trace.sizes, capacity=cap) == runs[0]  # seed 0 by default


def test_of_two_objects_alike_but_for_size_the_larger_leaves():
    """Both never hit and of age 0: ranks 17/50 and 17/30 per byte. A 90-byte cache has no
    explorers (1% of it is 0 bytes), so no rank is raised: whatever the seed, the larger leaves."""
    assert sim.LHD(90).explorer_budget == 0 and sim.LHD(1000).explorer_budget == 10
    for seed in range(10):
        for engine in ("python", "compiled"):
            hits = sim.hit_sequence(["big", "small", "x", "small", "big"], sim.LHD.with_params(seed=seed),
                                    [50, 30, 20, 30, 50], capacity=90, engine=engine)
            assert hits == [False, False, False, True, False], (seed, engine)


def test_objects_larger_than_the_cache_are_refused_without_an_access():
    cache = sim.LHD(50, seed=5)
    state = cache.rng_state
    assert cache.request("big", 51) is False
    assert "big" not in cache and cache.used == 0 and cache.now == 0 and cache.rng_state == state
    compiled = CompiledCache("lhd", 50)
    assert compiled.feed([0, 1, 1], [51, 20, 20]) == (2, 71) and compiled.used == 20


def test_a_hit_stores_the_requests_size_unless_it_exceeds_the_cache():
    """As libCacheSim's LHD (its find updates the size and the bytes held); a request larger than
    the whole cache (how an admission policy shows a refused one) keeps the stored size."""
    sizes = [10, 30, 500, 20]
    cache = sim.LHD(100)
    used = [(cache.request("a", s), cache.used)[1] for s in sizes]
    assert used == [10, 30, 30, 20]
    compiled = CompiledCache("lhd", 100)
    assert [(compiled.feed([0], [s]), compiled.used)[1] for s in sizes] == used


def test_the_hit_density_of_a_class_is_hits_over_expected_lifetime():
    """One class, a hit at age 2 and an eviction at age 4 (max_age 6): beyond age a, the hits
    after it over the sum of the events' remaining ages (their age - a + 1)."""
    for fn in (reconfigure.py_func, reconfigure):  # the Python class's and the kernel's
        max_age = 6
        hits, evictions = np.zeros(16 * max_age), np.zeros(16 * max_age)
        densities = np.full(16 * max_age, 7.0)
        hits[2], evictions[4] = 1.0, 1.0
        averages = np.zeros(2)
        assert fn(hits, evictions, densities, max_age, 10, False, 3, averages) == 10
        assert densities[:6].tolist() == pytest.approx([1 / 8, 1 / 6, 1 / 4, 0, 0, 7.0])  # the last age: unused
        assert hits[2] == evictions[4] == 0.9 and densities[6:12].tolist() == [0.0] * 5 + [7.0]
        assert averages.tolist() == [3.0, 1.0]
    assert hit_density.py_func(densities, 0, 2, 6, 2, False) == 1 / 8
    assert hit_density.py_func(densities, 0, 2, 6, 2, True) == 1 + 1 / 8  # an explorer
    assert hit_density.py_func(densities, 0, 5, 6, 2, False) == LOWEST  # the last age: first to go
    assert hit_density.py_func(densities, 0, 2, 6, 0, False) == math.inf  # 0 bytes
    assert [hit_age_class.py_func(age, 20_000) for age in (0, 1, 10_000, 19_999, 20_000, 40_000)] == [15, 15, 1, 1, 0, 0]
    assert coarse_age.py_func(5000, 904, 10, 6) == 4 and coarse_age.py_func(10**6, 0, 10, 6) == 5


def test_reconfigurations_come_every_interval_and_set_the_age_coarsening():
    """40 keys in a cycle through a 20-object cache: every request an access (a hit or an
    admission), 20 objects cached from the 20th on. At the 6th reconfiguration the age coarsening is
    set so that max_age (50) coarse ages span 100 x 20 accesses: 2**6 accesses each (2**5 < 2000 /
    50 <= 2**6)."""
    cache = sim.LHD(20, reconfigure_every=100, max_age=50)
    keys = [i % 40 for i in range(600)]
    found = 0
    for i, key in enumerate(keys):
        found += cache.request(key, 1)
        if i == 98:  # before the first reconfiguration, the histograms count every hit and eviction
            hits, evictions, _ = cache.tables
            assert (sum(hits), sum(evictions), cache.reconfigurations) == (found, 99 - found - 20, 0)
        if i == 499:
            assert (cache.reconfigurations, cache.shift) == (5, 10)
    assert (cache.now, cache.reconfigurations, cache.shift) == (600, 6, 6)
    both_engines(sim.LHD.with_params(reconfigure_every=100, max_age=50), keys * 10, [1] * 6000, 20)


def test_associativity_counts_after_fifty_reconfigurations_and_admissions_add_candidates():
    """libCacheSim's warm-up: 8 candidates until the 51st reconfiguration (52M accesses by
    default), then ``associativity``."""
    trace = sim.object_trace(20_000, objects=2_000, seed=13)
    cap = int(trace.working_set()[1] * 0.02)
    one, many = (both_engines(sim.LHD.with_params(associativity=a), trace.keys, trace.sizes, cap) for a in (1, 64))
    assert one == many
    short = dict(reconfigure_every=40, max_age=60)
    runs = {params: both_engines(sim.LHD.with_params(**short, **dict(params)), trace.keys, trace.sizes, cap)
            for params in [(("associativity", 1),), (("associativity", 64),), (("admissions", 0),), ()]}
    assert len({tuple(r) for r in runs.values()}) == 4
    assert sum(runs[(("associativity", 64),)]) > sum(runs[(("associativity", 1),)])  # a better victim, more hits


def test_bad_parameters_name_the_value():
    for params, word in [({"associativity": 0}, "associativity"), ({"admissions": -1}, "admissions"),
                         ({"reconfigure_every": 0}, "reconfigure_every"), ({"max_age": 1}, "max_age"),
                         ({"seed": -1}, "seed"), ({"associativity": 2.5}, "associativity")]:
        with pytest.raises(InvalidParameter, match=word):
            sim.LHD.with_params(**params)


def test_a_hit_stores_the_size_as_libcachesims_lhd_does():
    """libCacheSim's LHD stores a hit's size and counts its bytes (its LRU does not); the one
    difference, a hit larger than the whole cache, is stated beside the other sizes."""
    lcs = pytest.importorskip("libcachesim", reason="libcachesim is not installed: nothing to compare against")
    sizes = [10, 30, 20, 90, 500]
    theirs, lru = lcs.LHD(100), lcs.LRU(100)
    occupied = []
    for s in sizes:
        req = lcs.Request()
        req.obj_id, req.obj_size = 7, s
        theirs.get(req)
        lru.get(req)
        occupied.append(theirs.get_occupied_byte())
    assert occupied == [10, 30, 20, 90, 500] and lru.get_occupied_byte() == 10
    ours = sim.LHD(100)
    assert [(ours.request(7, s), ours.used)[1] for s in sizes] == [10, 30, 20, 90, 90]  # 500 > the cache: kept at 90


def test_the_age_coarsening_stretches_or_compresses_the_histograms():
    """16 objects cached on average, 8 ages: the new shift makes 8 ages span 100 x 16 accesses,
    2**8 each (2**7 < 1600 / 8 <= 2**8). From 10 that is 2 bits finer: each age spreads over 4
    (a quarter each), and the ages beyond the new range fold into the last. From 0 to 1 (no
    objects: the least shift, 1) two ages merge into one."""
    for fn in (reconfigure.py_func, reconfigure):
        hits = np.zeros(16 * 8)
        hits[:8] = np.arange(1, 9)
        evictions, densities, averages = hits.copy(), np.zeros(16 * 8), np.zeros(2)
        assert fn(hits, evictions, densities, 8, 10, True, 16, averages) == 8
        assert hits[:8].tolist() == pytest.approx([0.9 * h for h in [0.25] * 4 + [0.5] * 3 + [33]])
        assert evictions[:8].tolist() == hits[:8].tolist() and averages.tolist() == [16 * 8, 8]
        hits[:8] = np.arange(1, 9)
        assert fn(hits, evictions, densities, 8, 0, True, 0, np.zeros(2)) == 1
        assert hits[:8].tolist() == pytest.approx([0.9 * h for h in [3, 7, 11, 15, 0, 0, 0, 8]])


@st.composite
def lhd_traces(draw):
    """Random keys and sizes (sometimes changing, zero, or larger than the cache), a cache of 0
    to 400 bytes, and parameters that make every path run: reconfigurations every few accesses,
    age coarsening (at the 6th and 26th), few ages, few or no recent admissions."""
    objects = draw(st.integers(1, 30))
    size_of = draw(st.lists(st.integers(0, 120), min_size=objects, max_size=objects))
    picks = draw(st.lists(st.tuples(st.integers(0, objects - 1), st.none() | st.integers(0, 450)),
                          min_size=1, max_size=300))
    keys = [k for k, _ in picks]
    sizes = [size_of[k] if other is None else other for k, other in picks]
    params = {"reconfigure_every": draw(st.integers(1, 12)), "max_age": draw(st.integers(2, 40)),
              "associativity": draw(st.integers(1, 40)), "admissions": draw(st.integers(0, 4)),
              "seed": draw(st.integers(0, 5))}
    return keys, sizes, draw(st.integers(0, 400)), params


@settings(max_examples=150, deadline=None)
@given(trace=lhd_traces(), cut=st.integers(1, 300))
def test_both_engines_agree_through_reconfigurations(trace, cut):
    keys, sizes, capacity, params = trace
    policy = sim.LHD.with_params(**params)
    reference = policy(capacity)
    expected = sim.hit_sequence(keys, reference, sizes)
    cache = CompiledCache(policy, capacity)
    got = cache.feed(keys[:cut], sizes[:cut], record=True)[2].tolist() + \
        cache.feed(keys[cut:], sizes[cut:], record=True)[2].tolist()
    assert got == expected
    assert cache.used == reference.used
