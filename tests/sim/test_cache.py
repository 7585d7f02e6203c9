"""Cache policies: the interface, each policy's rule, and properties over random traces."""

from __future__ import annotations

from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regsim.sim.cache import (FIFO, GDSF, LFU, LRU, POLICIES, S3FIFO, CacheReport, Clock, Policy, hit_sequence,
                              make_policy, simulate)
from regsim.sim.errors import InvalidParameter, UnknownPolicy


def ask(policy: Policy, key, size) -> bool:
    """One request; Belady also needs the next access (None: never again, as far as this test knows)."""
    return policy.request(key, size, None) if policy.needs_future else policy.request(key, size)


def run(policy: Policy, requests):
    return [ask(policy, k, s) for k, s in requests]


def test_lru_evicts_least_recent():
    cache = LRU(100)
    assert run(cache, [("a", 40), ("b", 40), ("a", 40), ("c", 40)]) == [False, False, True, False]
    assert list(cache) == ["a", "c"] and cache.used == 80


def test_fifo_ignores_hits():
    cache = FIFO(100)
    run(cache, [("a", 40), ("b", 40), ("a", 40), ("c", 40)])
    assert list(cache) == ["b", "c"]


def test_clock_gives_a_second_chance():
    cache = Clock(100)
    run(cache, [("a", 40), ("b", 40), ("a", 40), ("c", 40)])
    assert sorted(cache) == ["a", "c"]  # a was referenced: b goes instead


def test_lfu_evicts_least_frequent_then_oldest():
    cache = LFU(100)
    run(cache, [("a", 30), ("a", 30), ("b", 30), ("c", 30), ("d", 30)])
    assert sorted(cache) == ["a", "c", "d"]


def test_gdsf_prefers_small_popular_objects_and_admits_before_evicting():
    cache = GDSF(100)
    run(cache, [("small", 10), ("small", 10), ("big", 80)])
    assert "small" in cache and "big" in cache
    assert cache.request("huge", 95) is False
    assert "small" in cache and "huge" not in cache  # the newcomer had the lowest priority


def test_s3fifo_never_admits_objects_larger_than_its_small_queue():
    cache = S3FIFO(1000)
    assert cache.small_capacity == 100
    cache.request("x", 101)
    assert "x" not in cache and cache.used == 0


def test_objects_larger_than_the_cache_are_never_admitted():
    for name, cls in POLICIES.items():
        cache = cls(50)
        assert ask(cache, "big", 51) is False
        assert "big" not in cache and cache.used == 0, name


def test_a_hit_never_changes_the_stored_size():
    cache = LRU(100)
    cache.request("a", 10)
    assert cache.request("a", 90) is True
    assert cache.used == 10


def test_user_policy_needs_only_three_methods():
    class MRU(Policy):
        name = "mru"

        def __init__(self, capacity):
            super().__init__(capacity)
            self.order = OrderedDict()

        def lookup(self, key):
            if key in self.order:
                self.order.move_to_end(key)
                return True
            return False

        def admit(self, key, size):
            self.order[key] = size

        def evict(self):
            return self.order.popitem(last=True)

    cache = MRU(100)
    assert run(cache, [("a", 50), ("b", 50), ("a", 50), ("c", 50)]) == [False, False, True, False]
    assert list(cache.order) == ["b", "c"]
    assert make_policy(MRU, 10).capacity == 10
    assert cache.discard("b") is False  # a user policy without _drop keeps its objects


def test_discard_frees_bytes_in_every_builtin():
    for name, cls in POLICIES.items():
        cache = cls(1000)
        ask(cache, "a", 50)
        ask(cache, "b", 60)
        held = set(cache)
        assert cache.discard("a") is ("a" in held), name
        assert "a" not in cache and cache.used == (60 if "b" in cache else 0), name
        assert cache.discard("zzz") is False


def test_make_policy_and_simulate_errors():
    with pytest.raises(UnknownPolicy, match="'nope'"):
        make_policy("nope", 10)
    with pytest.raises(InvalidParameter, match="capacity"):
        LRU(-1)
    with pytest.raises(InvalidParameter, match="differ in length"):
        simulate(["a"], LRU(10), [])
    with pytest.raises(InvalidParameter, match="non-negative"):
        simulate(["a"], LRU(10), [-3])
    with pytest.raises(InvalidParameter, match="returned str"):
        make_policy(lambda c: "not a policy", 10)


def test_replay_is_written_once_in_the_base_class():
    assert [cls.__name__ for cls in POLICIES.values() if "replay" in vars(cls)] == []
    assert LRU(100).replay(["a", "b", "a", "c"], [60, 30, 60, 50]) == 3


def test_stats_ratios():
    s = CacheReport(requests=4, hits=1, bytes_requested=100, bytes_hit=10)
    assert (s.misses, s.hit_ratio, s.miss_ratio, s.byte_hit_ratio, s.upstream_bytes) == (3, 0.25, 0.75, 0.1, 90)
    assert CacheReport(0, 0, 0, 0).miss_ratio == 0.0


traces = st.lists(st.tuples(st.integers(0, 15), st.integers(0, 60)), min_size=1, max_size=120)


def fixed_sizes(requests):
    """Registry objects never change size: the first size seen for a key is its size."""
    first = {}
    return [(k, first.setdefault(k, s)) for k, s in requests]


@settings(max_examples=60, deadline=None)
@given(traces, st.integers(0, 200), st.sampled_from(sorted(POLICIES)))
def test_a_cache_never_holds_more_than_its_capacity(requests, capacity, name):
    requests = fixed_sizes(requests)
    size_of = dict(requests)
    cache = POLICIES[name](capacity)
    for k, s in requests:
        ask(cache, k, s)
        assert cache.used <= capacity
        assert cache.used == sum(size_of[key] for key in cache)


@settings(max_examples=60, deadline=None)
@given(traces, st.integers(0, 200), st.sampled_from(sorted(POLICIES)))
def test_hits_plus_misses_is_requests_and_the_fast_loop_agrees(requests, capacity, name):
    requests = fixed_sizes(requests)
    keys, sizes = [k for k, _ in requests], [s for _, s in requests]
    stats = simulate(keys, POLICIES[name](capacity), sizes)
    assert stats.hits + stats.misses == stats.requests == len(requests)
    assert 0 <= stats.bytes_hit <= stats.bytes_requested == sum(sizes)
    slow = POLICIES[name](capacity)
    outcomes = hit_sequence(keys, slow, sizes)  # the generic loop, request by request
    assert stats.hits == sum(outcomes)
    assert stats.bytes_requested - stats.bytes_hit == sum(s for (_, s), hit in zip(requests, outcomes) if not hit)
    assert POLICIES[name](capacity).replay(keys, sizes) == stats.misses


def test_a_subclass_without_a_name_is_named_after_its_class():
    """Its rows in a sweep are never taken for its parent's (a sweep of [Mine, "lru"] had two "lru" rows)."""
    import regsim.sim as sim

    class Mine(sim.LRU):
        pass

    class Named(sim.LRU):
        name = "lru-named"

    assert (Mine.name, Named.name, sim.LRU.name) == ("Mine", "lru-named", "lru")
    trace = sim.Trace.from_columns(key=["a", "b", "a", "c", "a"], size=[1, 1, 1, 1, 1])
    table = sim.sweep(trace, [Mine, "lru"], capacities=[2], engine="python")
    assert table["policy"].tolist() == ["Mine", "lru"]
    assert table["hits"].tolist()[0] == table["hits"].tolist()[1]
