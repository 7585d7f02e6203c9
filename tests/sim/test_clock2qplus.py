"""Clock2QPlus (issue 17 finding 2: one of the deterministic policies libcachesim 0.3.5 has and
regsim lacked): its parameters, its correlation window, how it treats sizes, a scan; each compared
with libCacheSim's own Clock2QPlus request by request where libcachesim is installed."""

from __future__ import annotations

import functools
import random

import pytest

import regsim.sim as sim
from regsim.sim import policies
from regsim.sim.engine import CompiledCache
from regsim.sim.errors import InvalidParameter

Clock2QPlus = policies.POLICIES["clock2qplus"]


@pytest.fixture(scope="module")
def lcs():
    return pytest.importorskip("libcachesim", reason="libcachesim is not installed (pip install libcachesim, in "
                                                     "the test extra): nothing to compare against")


def theirs_for(lcs, policy, capacity):
    configured = policies.resolve(policy)
    kwargs = {Clock2QPlus.libcachesim_params[k]: v for k, v in configured.params.items()}
    return lcs.Clock2QPlus(capacity, hashpower=8, **kwargs)


def libcachesim_hits(lcs, policy, keys, sizes, capacity):
    """libCacheSim's outcome of every request, and the bytes it holds after each."""
    theirs = theirs_for(lcs, policy, capacity)
    req = lcs.Request()
    hits, held = [], []
    for k, s in zip(keys, sizes):
        req.obj_id, req.obj_size, req.clock_time = k, s, 1
        hits.append(theirs.get(req))
        held.append(theirs.get_occupied_byte())
    return hits, held


def ours_hits(policy, keys, sizes, capacity):
    """Ours, request by request (the Python class), checked against the compiled kernel."""
    cache = policies.make_policy(policy, capacity)
    hits, held = [], []
    for k, s in zip(keys, sizes):
        hits.append(cache.request(k, s))
        held.append(cache.used)
    assert sim.hit_sequence(keys, policy, sizes, capacity=capacity, engine="compiled") == hits
    return hits, held


def test_the_defaults_and_parameters_are_libcachesims(lcs):
    """libCacheSim names a Clock2QPlus cache after its parameters: the same values as ours."""
    assert Clock2QPlus.parameters() == {"small_ratio": 0.1, "ghost_ratio": 0.9, "move_to_main": 1,
                                        "window_ratio": 0.5}
    for policy in (Clock2QPlus, Clock2QPlus.with_params(small_ratio=0.25, move_to_main=2, window_ratio=0.3)):
        ours = policies.make_policy(policy, 1000)
        assert theirs_for(lcs, policy, 1000).cache_name == (
            f"Clock2QPlus-{ours.small_ratio:.4f}-{ours.move_to_main}-{ours.window_ratio:.2f}")
    cache = Clock2QPlus(1000)
    assert (cache.small_capacity, cache.main_capacity, cache.ghost_capacity, cache.window) == (100, 900, 900, 50.0)


def test_spellings_labels_and_bad_parameters():
    for spelling in ("Clock2QPlus", "Clock2Q+", "clock2qplus", "CLOCK-2Q+"):
        assert policies.canonical(spelling) == "clock2qplus", spelling
    assert CompiledCache("Clock2Q+", 100).name == "clock2qplus"
    assert policies.label(Clock2QPlus.with_params(window_ratio=0.2)) == "clock2qplus(window_ratio=0.2)"
    assert policies.label(functools.partial(Clock2QPlus, move_to_main=2)) == "clock2qplus(move_to_main=2)"
    assert policies.label(Clock2QPlus.with_params(window_ratio=0.5)) == "clock2qplus"  # the default
    table = sim.sweep(sim.object_trace(2000, objects=200, seed=1), ["Clock2Q+", Clock2QPlus.with_params(small_ratio=0.2)],
                      fractions=[0.1], engine="compiled")
    assert table["policy"].tolist() == ["clock2qplus", "clock2qplus(small_ratio=0.2)"]
    for params, message in [({"small_ratio": 1.5}, "small_ratio must be in \\[0, 1\\], got 1.5"),
                            ({"ghost_ratio": -0.1}, "ghost_ratio must be a finite number >= 0, got -0.1"),
                            ({"window_ratio": float("nan")}, "window_ratio must be a finite number >= 0, got nan"),
                            ({"window_ratio": "x"}, "window_ratio must be a finite number >= 0, got 'x'"),
                            ({"move_to_main": 1.5}, "move_to_main must be an integer, got 1.5"),
                            ({"move_to_main": -1}, "move_to_main must be >= 0, got -1"),
                            ({"window": 3}, "clock2qplus has no parameter 'window'")]:
        with pytest.raises(InvalidParameter, match=message):
            Clock2QPlus.with_params(**params)


def window_trace():
    """A 100-object cache (unit sizes: a small FIFO of 10, a window of 5 admissions). 0..9 fill the
    small FIFO; 9 is requested again at once (inside the window), 0 after 9 other admissions
    (outside it); 10..99 fill main (warm-up: the small FIFO is full); 100..109 make the small FIFO
    give up 0..9 one by one (and main its oldest, once); then 9 and 0 again."""
    keys = [*range(10), 9, 0, *range(10, 110), 9, 0]
    return keys, [1] * len(keys)


@pytest.mark.parametrize("window_ratio, nine_hits, zero_hits", [(0.5, False, True), (0.1, False, True),
                                                                (0.0, True, True), (1.0, False, False)])
def test_a_hit_inside_the_correlation_window_does_not_count(window_ratio, nine_hits, zero_hits):
    """With the default window (5 admissions) the second request of 9 came too soon: 9 left the
    small FIFO as if never hit (into the ghost) and its last request misses. 0's hit, 9 admissions
    later, counted: it moved to main and stays. A window of 1 admission (0.1) still misses 9's; of
    0, every hit counts; of 10 admissions (1.0), neither."""
    keys, sizes = window_trace()
    policy = Clock2QPlus.with_params(window_ratio=window_ratio)
    hits, _ = ours_hits(policy, keys, sizes, 100)
    assert hits[10:12] == [True, True]
    assert hits[-2:] == [nine_hits, zero_hits]
    assert sum(hits) == 2 + nine_hits + zero_hits


@pytest.mark.parametrize("window_ratio", [0.5, 0.0, 0.1, 1.0])
def test_the_correlation_window_agrees_with_libcachesim(lcs, window_ratio):
    """(libcachesim's docstring calls the window adaptive; 0.3.5 sets bounds for it but never moves
    it: a fixed window of window_ratio x the small FIFO's bytes agrees request by request.)"""
    keys, sizes = window_trace()
    policy = Clock2QPlus.with_params(window_ratio=window_ratio)
    assert ours_hits(policy, keys, sizes, 100) == libcachesim_hits(lcs, policy, keys, sizes, 100)


def sizes_trace():
    """A 1000-byte cache (small FIFO 100 bytes). a, b fill the small FIFO, c..t main; then y, exactly
    the small FIFO's size, twice; x, one byte more; a again, now 100 bytes (its key is in the ghost);
    b at 101 bytes, then at 50."""
    fill = ["a", "b", *"cdefghijklmnopqrst"]
    keys = [*fill, "y", "y", "x", "a", "b", "b"]
    sizes = [50] * len(fill) + [100, 100, 101, 100, 101, 50]
    return keys, sizes


def test_objects_larger_than_the_small_fifo_and_exactly_as_large():
    """libCacheSim's rules for sizes: an object larger than the small FIFO is not admitted and
    evicts nothing; one exactly as large has room made for it (a and b leave, into the ghost) and
    is then not stored. But a key found in the ghost enters main at that size: a, at 100 bytes,
    is cached. A key found in the ghost is forgotten there even when its object is too large."""
    keys, sizes = sizes_trace()
    cache = Clock2QPlus(1000)
    for k, s in zip(keys[:20], sizes[:20]):
        cache.request(k, s)
    assert cache.used == 1000 and len(cache) == 20
    assert cache.request("y", 100) is False
    assert "y" not in cache and {"a", "b"}.isdisjoint(cache) and cache.used == 900  # room made for nothing
    assert cache.request("y", 100) is False and "y" not in cache and cache.used == 900  # it fits: still not stored
    assert cache.request("x", 101) is False and cache.used == 900 and len(cache) == 18  # nothing evicted
    assert cache.request("a", 100) is False and "a" in cache and cache.used == 1000  # from the ghost, into main
    assert cache.request("b", 101) is False and "b" not in cache and cache.used == 1000  # too large, from the ghost too
    assert cache.request("b", 50) is False and list(cache)[0] == "b"  # a newcomer again: in the small FIFO
    assert "c" not in cache and cache.used == 1000  # main's oldest made room


def test_objects_larger_than_the_cache_are_misses_that_change_nothing():
    cache = Clock2QPlus(50)
    assert cache.small_capacity == 5
    assert [cache.request(k, s) for k, s in [("a", 4), ("big", 51), ("a", 4), ("mid", 6), ("a", 4)]] == [
        False, False, True, False, True]
    assert list(cache) == ["a"] and cache.used == 4
    tiny = Clock2QPlus(9)  # a small FIFO of 0 bytes: nothing is ever stored, not even a zero-size object
    assert [tiny.request(k, s) for k, s in [("a", 0), ("a", 0), ("b", 1)]] == [False, False, False]
    assert tiny.used == 0 and len(tiny) == 0


def test_sizes_agree_with_libcachesim(lcs):
    keys, sizes = sizes_trace()
    ids = [ord(k) for k in keys]  # libCacheSim's ids are integers
    assert ours_hits(Clock2QPlus, ids, sizes, 1000) == libcachesim_hits(lcs, Clock2QPlus, ids, sizes, 1000)
    big = [("a", 4), ("big", 51), ("a", 4), ("mid", 6), ("a", 4), ("z", 0), ("z", 0)]
    for capacity in (0, 9, 50):
        ids, sizes = [ord(k[0]) for k, _ in big], [s for _, s in big]
        assert ours_hits(Clock2QPlus, ids, sizes, capacity) == libcachesim_hits(lcs, Clock2QPlus, ids, sizes, capacity)


@pytest.mark.parametrize("policy", [Clock2QPlus, Clock2QPlus.with_params(small_ratio=0.3, move_to_main=2),
                                    Clock2QPlus.with_params(ghost_ratio=0.0), Clock2QPlus.with_params(move_to_main=0),
                                    Clock2QPlus.with_params(small_ratio=1.0, window_ratio=2.0),
                                    Clock2QPlus.with_params(ghost_ratio=3.0)], ids=policies.label)
def test_variable_and_changing_sizes_agree_with_libcachesim_request_by_request(lcs, policy):
    """Sizes from 0 to 3000 bytes, a fifth of the requests with a size other than the object's
    (a hit keeps the stored size; a ghost entry is forgotten by its own), caches of 0 to 20,000 bytes."""
    for seed in range(8):
        rng = random.Random(seed)
        objects = rng.choice([5, 20, 60, 300])
        size_of = {k: rng.choice([0, 1, rng.randrange(1, 400), rng.randrange(1, 3000)]) for k in range(objects)}
        capacity = rng.choice([0, 9, 10, 50, 500, 2000, 20000])
        keys = [rng.randrange(objects) if rng.random() < 0.5 else min(rng.randrange(objects), rng.randrange(objects))
                for _ in range(2000)]
        sizes = [size_of[k] if rng.random() < 0.8 else rng.randrange(0, 500) for k in keys]
        assert ours_hits(policy, keys, sizes, capacity) == libcachesim_hits(lcs, policy, keys, sizes, capacity), seed


def scan_trace():
    """100 hot unit-size objects, requested at random; then a scan of 9000 objects requested once,
    three at a time with a hot request after each three; then the hot ones alone again."""
    rng = random.Random(7)
    hot = [rng.randrange(100) for _ in range(3000)]
    scan = [x for i in range(3000) for x in (1000 + 3 * i, 1001 + 3 * i, 1002 + 3 * i, rng.randrange(100))]
    after = [rng.randrange(100) for _ in range(2000)]
    keys = hot + scan + after
    return keys, [1] * len(keys), len(hot) + len(scan)


def test_a_scan_passes_through_the_small_fifo_and_leaves_the_hot_objects():
    """A 120-object cache (small FIFO 12, main 108): the scanned objects enter the small FIFO, are
    never hit and leave it (into the ghost), so the hot set stays in main; LRU lets the scan push
    most of it out."""
    keys, sizes, scan_end = scan_trace()
    ours, _ = ours_hits(Clock2QPlus, keys, sizes, 120)
    lru = sim.hit_sequence(keys, "lru", sizes, capacity=120)
    during = slice(3000 + 3, scan_end, 4)  # the hot requests during the scan
    assert len(ours[during]) == 3000 and not any(ours[3000:scan_end][i] for i in range(0, 12000, 4))
    assert sum(ours[during]) / 3000 > 0.99
    assert sum(lru[during]) / 3000 < 0.3
    assert all(ours[scan_end:])  # after the scan, every hot object is still cached


def test_a_scan_agrees_with_libcachesim(lcs):
    keys, sizes, _ = scan_trace()
    assert ours_hits(Clock2QPlus, keys, sizes, 120) == libcachesim_hits(lcs, Clock2QPlus, keys, sizes, 120)


def test_discard_and_a_ttl_leave_the_queues_consistent():
    cache = Clock2QPlus(100)  # small FIFO 10 bytes: 0 and 1 in it, 2..19 in main
    for k in range(20):
        cache.request(k, 5)
    assert cache.discard(0) and cache.discard(19) and not cache.discard(99)
    assert cache.used == 5 * len(cache) == 90
    for k in [*range(20, 60), 1, 5, *range(60, 90)]:  # evictions from both queues after the discards
        cache.request(k, 5)
        assert cache.used == 5 * len(cache) <= 100
    t = sim.object_trace(3000, objects=300, duration=600, seed=2)
    assert sim.run(t, "clock2qplus", fraction=0.1, ttl=1e9).equals(sim.run(t, "clock2qplus", fraction=0.1))
