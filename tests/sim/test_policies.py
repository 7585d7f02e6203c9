"""The policies package: one module per policy (class, kernel, description), one registry,
parameters that both engines run, readable labels and libCacheSim's spellings."""

from __future__ import annotations

import functools
import math

import pytest

import regsim.sim as sim
from regsim.sim import policies
from regsim.sim.engine import COMPILED_POLICIES, CompiledCache, resolve_engine
from regsim.sim.errors import InvalidParameter, UnknownPolicy


def test_each_policy_is_one_module_holding_its_class_kernel_and_description():
    assert len(policies.POLICIES) >= 8
    for name, cls in policies.POLICIES.items():
        module = f"regsim.sim.policies.{name}"
        assert cls.__module__ == module, name
        assert cls.__doc__ and cls.__doc__.strip(), name
        if cls.State is not None:
            assert cls.State.__module__ == module and cls.State.kernel.py_func.__module__ == module, name
    assert set(COMPILED_POLICIES) <= set(policies.POLICIES)


def test_engine_cache_and_kernels_name_no_policy():
    """Adding a policy touches its own file: the engine, cache and kernels modules list none."""
    import inspect

    from regsim.sim import cache, engine, kernels

    for module in (engine, kernels, cache):
        source = inspect.getsource(module)
        for needle in ('"s3fifo"', '"gdsf"', '"arc"', "== \"lru\""):
            assert needle not in source, (module.__name__, needle)


def test_describe_lists_every_policy():
    table = policies.describe()
    assert table["policy"].tolist() == list(policies.POLICIES)
    assert table.set_index("policy").loc["s3fifo", "parameters"] == "small_ratio=0.1, ghost_ratio=0.9, move_to_main=2"


def test_the_python_lru_is_written_once():
    """LRU and FIFO are one queue class (recency or not): no loop of their own."""
    for cls in (sim.LRU, sim.FIFO):
        assert not {"lookup", "admit", "evict", "replay_bytes"} & set(vars(cls)), cls
    assert sim.LRU(100).replay_bytes(["a", "b", "a", "c"], [60, 30, 60, 50]) == (3, 140)


# -- parameters at compiled speed ------------------------------------------------------------------

PARAMETERISED = [
    sim.S3FIFO.with_params(small_ratio=0.05),
    sim.S3FIFO.with_params(small_ratio=0.3, ghost_ratio=0.5, move_to_main=1),
    functools.partial(sim.S3FIFO, move_to_main=3),
    sim.Clock.with_params(bits=2),
    functools.partial(sim.Clock, bits=3),
    sim.ClockPro.with_params(cold_ratio=0.1),
    functools.partial(sim.ClockPro, cold_ratio=1.0),
    sim.Clock2QPlus.with_params(small_ratio=0.25, window_ratio=0.0),
    functools.partial(sim.Clock2QPlus, move_to_main=2, ghost_ratio=0.5),
]


def test_parameterised_policies_are_labelled_readably():
    trace = sim.object_trace(3000, objects=300, seed=2)
    table = sim.sweep(trace, ["S3-FIFO", *PARAMETERISED, lambda c: sim.Clock(c, bits=2), sim.Clock.with_params(bits=1)],
                      fractions=[0.1])
    assert table["policy"].tolist() == [
        "s3fifo", "s3fifo(small_ratio=0.05)", "s3fifo(small_ratio=0.3, ghost_ratio=0.5, move_to_main=1)",
        "s3fifo(move_to_main=3)", "clock(bits=2)", "clock(bits=3)", "clockpro(cold_ratio=0.1)",
        "clockpro(cold_ratio=1.0)", "clock2qplus(small_ratio=0.25, window_ratio=0.0)",
        "clock2qplus(ghost_ratio=0.5, move_to_main=2)", "clock(bits=2)", "clock"]
    assert repr(sim.S3FIFO.with_params(small_ratio=0.05)) == "s3fifo(small_ratio=0.05)"
    assert sim.S3FIFO.with_params(small_ratio=0.05) == policies.resolve(functools.partial(sim.S3FIFO, small_ratio=0.05))


@pytest.mark.parametrize("policy", PARAMETERISED, ids=policies.label)
def test_parameterised_policies_run_compiled_and_agree_with_python(policy):
    trace = sim.object_trace(4000, objects=400, size_sigma=2.0, seed=3)
    assert resolve_engine("auto", policy) == "compiled"
    compiled = sim.sweep(trace, [policy], fractions=[0.01, 0.1, 0.3], engine="compiled")
    python = sim.sweep(trace, [policy], fractions=[0.01, 0.1, 0.3], engine="python")
    assert compiled.equals(python)
    keys, sizes = trace.keys, trace.sizes
    cap = int(trace.working_set()[1] * 0.05)
    assert (sim.hit_sequence(keys, policy, sizes, capacity=cap, engine="compiled")
            == sim.hit_sequence(keys, policy, sizes, capacity=cap, engine="python"))
    # the parameters matter: they change the outcome against the defaults
    default = sim.hit_sequence(keys, policy.func if isinstance(policy, functools.partial) else policy.cls, sizes,
                               capacity=cap)
    assert default != sim.hit_sequence(keys, policy, sizes, capacity=cap)


def test_libcachesim_spellings_are_accepted():
    for spelling, name in [("S3-FIFO", "s3fifo"), ("S3FIFO", "s3fifo"), ("LRU", "lru"), ("Sieve", "sieve"),
                           ("CLOCK", "clock")]:
        assert policies.canonical(spelling) == name
        assert sim.sweep(sim.object_trace(200, objects=20, seed=1), [spelling], fractions=[0.5])["policy"].tolist() == [name]
    assert CompiledCache("S3-FIFO", 100).name == "s3fifo"


def test_bad_parameters_are_refused_naming_them():
    with pytest.raises(InvalidParameter, match="s3fifo has no parameter 'small' .*small_ratio, ghost_ratio"):
        sim.S3FIFO.with_params(small=0.1)
    with pytest.raises(InvalidParameter, match="small_ratio must be in \\[0, 1\\], got 2"):
        sim.S3FIFO.with_params(small_ratio=2)
    with pytest.raises(InvalidParameter, match="small_ratio must be in \\[0, 1\\], got 'x'"):
        sim.sweep(sim.object_trace(100, objects=10, seed=1), [functools.partial(sim.S3FIFO, small_ratio="x")], fractions=[0.5])
    with pytest.raises(InvalidParameter, match="bits must be an integer, got 1.5"):
        sim.Clock.with_params(bits=1.5)
    with pytest.raises(UnknownPolicy, match="unknown cache policy 'S4-FIFO'"):
        sim.sweep(sim.object_trace(100, objects=10, seed=1), ["S4-FIFO"], fractions=[0.5])


# -- Belady (OPT) ------------------------------------------------------------------------------------


def test_belady_is_the_bound_on_a_unit_size_trace():
    """Issue 17 finding 1: sweep(t, ["belady"]) raised UnknownPolicy. With equal sizes OPT misses least."""
    trace = sim.object_trace(5000, objects=500, median_size=1, size_sigma=0.0, seed=5)
    table = sim.sweep(trace, list(policies.POLICIES), fractions=[0.01, 0.05, 0.2])
    by = table.pivot(index="size", columns="policy", values="miss_ratio")
    for size, row in by.iterrows():
        assert row["belady"] == row.min(), (size, row.sort_values().head(3).to_dict())
    assert (by["belady"] < by["lru"]).all()
    assert sim.run(trace, "OPT", fraction=0.05)["miss_ratio"].item() == by.loc[0.05, "belady"]


def test_belady_needs_the_future_and_says_so():
    cache = sim.Belady(100)
    with pytest.raises(InvalidParameter, match="belady needs each request's next access"):
        cache.request("a", 10)
    assert cache.request("a", 10, 1) is False and cache.request("a", 10, None) is True
    compiled = CompiledCache("belady", 100)
    compiled.feed([0, 1, 0], [60, 50, 60])
    with pytest.raises(InvalidParameter, match="next_access="):
        compiled.feed([1], [50])
    with pytest.raises(InvalidParameter, match="not lru"):
        CompiledCache("lru", 100).feed([0], [1], next_access=[-1])


def test_belady_fed_in_pieces_with_next_access_equals_one_piece():
    from regsim.sim.policies.belady import next_access_times

    trace = sim.object_trace(3000, objects=300, seed=6)
    ids, sizes, _ = trace.dense()
    future = next_access_times(ids.tolist())
    cap = int(trace.working_set()[1] * 0.05)
    whole = CompiledCache("belady", cap).feed(ids, sizes, record=True)[2].tolist()
    pieces = CompiledCache("belady", cap)
    got = []
    for a, b in [(0, 1000), (1000, 1001), (1001, 3000)]:
        got += pieces.feed(ids[a:b], sizes[a:b], record=True, next_access=future[a:b])[2].tolist()
    assert got == whole == sim.hit_sequence(trace.keys, "belady", trace.sizes, capacity=cap, engine="python")


def test_lfuda_says_where_libcachesim_would_crash():
    """libCacheSim's LFUDA segfaults on a 1-byte cache requested 1, 2, 3 (its minimum's bucket is empty);
    ours evicts from the lowest non-empty bucket and says so, in both engines, the same way."""
    python = sim.LFUDA(1)
    assert [python.request(k, 1) for k in (1, 2, 3)] == [False, False, False]
    assert python.libcachesim_would_crash and list(python) == [3]
    compiled = CompiledCache("lfuda", 1)
    assert compiled.feed([0, 1, 2], [1, 1, 1], record=True)[2].tolist() == [False, False, False]
    assert compiled._state.libcachesim_would_crash
    quiet = sim.LFUDA(2)
    assert [quiet.request(k, 1) for k in (1, 2, 1, 3)] == [False, False, True, False]
    assert not quiet.libcachesim_would_crash


@pytest.mark.parametrize("engine", ["compiled", "python"])
def test_belady_streams_an_oracle_general_file_with_its_next_accesses(engine, tmp_path):
    """A file replayed in chunks: Belady reads each request's next access from next_access_vtime."""
    from regsim.sim import streaming
    from regsim.sim.oracle import write_oracle_general

    trace = sim.object_trace(4000, objects=400, seed=8)
    path = write_oracle_general(trace, tmp_path / "t.oracleGeneral")
    cap = int(trace.working_set()[1] * 0.05)
    whole = sim.simulate(trace.keys, "belady", trace.sizes, capacity=cap)
    assert streaming.replay(path, "belady", capacity=cap, chunk_requests=700, engine=engine) == whole
    assert whole.miss_ratio < sim.simulate(trace.keys, "lru", trace.sizes, capacity=cap).miss_ratio


def test_lirs_is_a_policy_and_says_where_libcachesim_reads_freed_memory():
    """Issue 17 finding 2: LIRS was missing. A 3-byte cache (LIR share 2, HIR share 1) requested
    0, 1, 2, 2, 0: the hit on 0 (resident HIR, no longer in S) demotes 1 into Q, which pushes 0
    itself out of Q; libCacheSim's hit_RD_HIRinQ then reads 0's freed entry. Both engines say so."""
    keys = [0, 1, 2, 2, 0, 1, 2, 0]
    python = sim.LIRS(3)
    got = []
    for i, k in enumerate(keys):
        got.append(python.request(k, 1))
        assert python.libcachesim_undefined == (i >= 4), i
    assert got == [False, False, False, True, True, True, True, False]
    compiled = CompiledCache("LIRS", 3)
    assert compiled.feed(keys[:4], [1] * 4, record=True)[2].tolist() == got[:4]
    assert not compiled._state.libcachesim_undefined
    assert compiled.feed(keys[4:], [1] * 4, record=True)[2].tolist() == got[4:]
    assert compiled._state.libcachesim_undefined and compiled.used == python.used == 3
    assert sim.sweep(sim.object_trace(2000, objects=200, seed=1), ["LIRS"], fractions=[0.1])["policy"].tolist() == ["lirs"]


def test_random_is_seeded_and_the_same_on_both_engines():
    """Issue 17 finding 2: Random was missing; "every random workload takes a seed"."""
    trace = sim.object_trace(3000, objects=300, size_sigma=1.0, seed=9)
    cap = int(trace.working_set()[1] * 0.05)
    runs = {seed: sim.hit_sequence(trace.keys, sim.Random.with_params(seed=seed), trace.sizes, capacity=cap,
                                   engine="python") for seed in (0, 1)}
    assert runs[0] != runs[1]
    for seed, expected in runs.items():
        assert sim.hit_sequence(trace.keys, sim.Random.with_params(seed=seed), trace.sizes, capacity=cap,
                                engine="compiled") == expected
    assert sim.hit_sequence(trace.keys, "random", trace.sizes, capacity=cap) == runs[0]  # seed=0 by default
    assert policies.label(sim.Random.with_params(seed=1)) == "random(seed=1)" and sim.Random.sampled
    with pytest.raises(InvalidParameter, match="seed"):
        sim.Random.with_params(seed=-1)


def test_hyperbolic_is_seeded_and_evicts_the_lowest_rate():
    """Issue 17 finding 2: Hyperbolic was missing. With as many samples as objects it (almost
    surely) finds the object of fewest requests per request since admission."""
    cache = sim.Hyperbolic(30, samples=200, seed=4)
    for key in ["a", "a", "a", "b", "c", "c"]:
        cache.request(key, 10)
    cache.request("d", 10)  # a: 3 requests in 6, b: 1 in 3, c: 2 in 2 -> b leaves
    assert sorted(cache) == ["a", "c", "d"]
    trace = sim.object_trace(3000, objects=300, seed=10)
    cap = int(trace.working_set()[1] * 0.05)
    runs = [sim.hit_sequence(trace.keys, sim.Hyperbolic.with_params(seed=seed), trace.sizes, capacity=cap,
                             engine=engine) for seed in (0, 1) for engine in ("python", "compiled")]
    assert runs[0] == runs[1] and runs[2] == runs[3] and runs[0] != runs[2]


def test_beladysize_evicts_the_largest_size_times_distance_and_keeps_no_last_request():
    """Issue 17 finding 2: BeladySize was missing. A 50-byte cache, as libCacheSim's: an object
    never requested again is not kept, but the room for it is still made."""
    cache = sim.BeladySize(50, samples=50, seed=1)
    assert [cache.request(k, s, n) for k, s, n in [("b", 30, 4), ("c", 10, 6), ("x", 10, None)]] == [False] * 3
    assert sorted(cache) == ["b", "c"]  # x fitted, but is never requested again: not kept
    assert cache.request("b", 30, 5) is True
    assert cache.request("a", 20, 7) is False  # request 5: b scores 30 x (5 - 5), c 10 x (6 - 5): c leaves
    assert sorted(cache) == ["a", "b"]
    assert cache.request("b", 30, None) is True and sorted(cache) == ["a"]  # its last request: it leaves
    assert cache.request("y", 40, None) is False and list(cache) == [] and cache.used == 0  # a made room for y
    trace = sim.object_trace(3000, objects=300, seed=11)
    cap = int(trace.working_set()[1] * 0.05)
    runs = [sim.hit_sequence(trace.keys, sim.BeladySize.with_params(samples=4, seed=seed), trace.sizes, capacity=cap,
                             engine=engine) for seed in (0, 1) for engine in ("python", "compiled")]
    assert runs[0] == runs[1] and runs[2] == runs[3] and runs[0] != runs[2]


# -- LeCaR ------------------------------------------------------------------------------------------


def test_lecar_is_seeded_and_the_same_on_both_engines():
    """Issue 17 finding 2: LeCaR was missing. Same seed, same run (on either engine); another seed,
    another run: its coin decides every eviction where LRU and LFU name different victims."""
    trace = sim.object_trace(4000, objects=400, size_sigma=1.0, seed=12)
    cap = int(trace.working_set()[1] * 0.05)
    runs = {seed: sim.hit_sequence(trace.keys, sim.LeCaR.with_params(seed=seed), trace.sizes, capacity=cap,
                                   engine="python") for seed in (0, 1)}
    assert runs[0] != runs[1]
    for seed, expected in runs.items():
        assert sim.hit_sequence(trace.keys, sim.LeCaR.with_params(seed=seed), trace.sizes, capacity=cap,
                                engine="compiled") == expected
        assert sim.hit_sequence(trace.keys, sim.LeCaR.with_params(seed=seed), trace.sizes, capacity=cap,
                                engine="python") == expected
    assert sim.hit_sequence(trace.keys, "LeCaR", trace.sizes, capacity=cap) == runs[0]  # seed=0 by default
    assert sim.LeCaR.sampled and policies.canonical("LeCaR") == "lecar"
    assert policies.label(sim.LeCaR.with_params(lru_weight=0.2, seed=3)) == "lecar(lru_weight=0.2, seed=3)"


@pytest.mark.parametrize(("lru_weight", "same_as"), [(1.0, "lru"), (0.0, "lfu")])
def test_lecar_with_one_expert_and_no_learning_is_that_expert(lru_weight, same_as):
    """The coin r in {0, 0.01, ..., 0.99} follows LRU when r < w_lru: always at weight 1, never at
    0. Without weight updates LeCaR is then exactly LRU, or LFU, whatever the seed and sizes."""
    trace = sim.object_trace(4000, objects=400, size_sigma=2.0, seed=13)
    for fraction in (0.001, 0.02, 0.2):
        cap = int(trace.working_set()[1] * fraction)
        expected = sim.hit_sequence(trace.keys, same_as, trace.sizes, capacity=cap)
        for seed in (0, 5):
            policy = sim.LeCaR.with_params(update_weight=False, lru_weight=lru_weight, seed=seed)
            for engine in ("python", "compiled"):
                assert sim.hit_sequence(trace.keys, policy, trace.sizes, capacity=cap, engine=engine) == expected


def test_lecar_regret_lowers_the_weight_of_the_expert_that_evicted():
    """a is hit twice, so LRU's victim is a and LFU's is b; at weight 1 LRU's choice goes and a
    enters LRU's history. Its miss one request later lowers w_lru by exp(-0.45 * d ** 1), then
    normalises (with libCacheSim's 1e-10s), even though a is too large to be cached again."""
    cache = sim.LeCaR(30, lru_weight=1.0)
    for key in ["a", "a", "b", "c"]:
        cache.request(key, 10)
    assert cache.request("d", 10) is False and sorted(cache) == ["b", "c", "d"]
    assert (cache.w_lru, cache.w_lfu) == (1.0, 0.5)
    assert cache.request("a", 31) is False and "a" not in cache  # too large: not cached, still a regret
    d = 0.005 ** (1 / 30)
    penalised = math.exp(-0.45 * d) + 1e-10
    assert cache.w_lru == pytest.approx(penalised / (penalised + 0.5 + 2e-10), abs=1e-15)
    assert cache.w_lfu == pytest.approx((0.5 + 1e-10) / (penalised + 0.5 + 2e-10), abs=1e-15)
    assert cache.w_lru + cache.w_lfu == pytest.approx(1.0)
    # a second miss on a finds no history: the weights stay
    before = (cache.w_lru, cache.w_lfu)
    cache.request("a", 31)
    assert (cache.w_lru, cache.w_lfu) == before
    # without learning, a regret changes nothing
    frozen = sim.LeCaR(30, lru_weight=1.0, update_weight=False)
    for key in ["a", "a", "b", "c", "d", "a"]:
        frozen.request(key, 10)
    assert (frozen.w_lru, frozen.w_lfu) == (1.0, 0.5)


def test_lecar_histories_hold_half_the_capacity_and_too_large_objects_are_not_cached():
    cache = sim.LeCaR(100, lru_weight=1.0, update_weight=False)
    assert cache.request("big", 101) is False and len(cache) == 0 and cache.used == 0
    for i in range(40):
        cache.request(i, 30)
        cache.request(i, 30)  # every object hit once: LRU and LFU (first to reach 2) often differ
    assert cache.used <= 100
    for history in cache._history.values():
        assert sum(size for size, _ in history.values()) <= 50


def test_lecar_parameters_are_checked_naming_them():
    for bad, match in [({"lru_weight": 1.5}, "lru_weight must be in \\[0, 1\\], got 1.5"),
                       ({"update_weight": 1}, "update_weight"), ({"seed": -1}, "seed must be >= 0"),
                       ({"learning_rate": -0.1}, "learning_rate must be >= 0"),
                       ({"discount_rate": 2.0}, "discount_rate must be in \\[0, 1\\]")]:
        with pytest.raises(InvalidParameter, match=match):
            sim.LeCaR.with_params(**bad)
    slow = sim.LeCaR.with_params(learning_rate=0.0)  # no learning at all: the weights never move
    trace = sim.object_trace(3000, objects=300, seed=14)
    cap = int(trace.working_set()[1] * 0.05)
    assert (sim.hit_sequence(trace.keys, slow, trace.sizes, capacity=cap)
            != sim.hit_sequence(trace.keys, "lecar", trace.sizes, capacity=cap))


# -- ClockPro (libCacheSim 0.3.5's) ----------------------------------------------------------------------


def test_clockpro_fills_its_cold_share_and_then_evicts_nothing():
    """A scan through a 100-byte ClockPro (cold share 50 bytes by default): the first five 10-byte
    objects are admitted, nothing after them, however often the scan comes back (libCacheSim 0.3.5's
    ClockPro never runs its clock hands: see the class docstring)."""
    cache = sim.ClockPro(100)
    assert cache.cold_capacity == 50
    scan = [f"s{i}" for i in range(20)]
    assert [cache.request(k, 10) for k in scan] == [False] * 20
    assert sorted(cache) == ["s0", "s1", "s2", "s3", "s4"] and cache.used == 50
    assert [cache.request(k, 10) for k in scan] == [True] * 5 + [False] * 15
    assert cache.request("zero", 0) is False and "zero" in cache  # a 0-byte object still fits
    compiled = CompiledCache("clockpro", 100)
    ids = list(range(20)) * 2
    assert compiled.feed(ids, [10] * 40, record=True)[2].tolist() == [False] * 20 + [True] * 5 + [False] * 15
    assert compiled.used == 50


def test_clockpro_objects_larger_than_the_cache_or_its_cold_share_and_variable_sizes():
    cache = sim.ClockPro(1000, cold_ratio=0.3)  # a cold share of 300 bytes
    assert cache.request("huge", 1001) is False and "huge" not in cache  # larger than the cache
    assert cache.request("big", 301) is False and "big" not in cache  # fits the cache, not the cold share
    assert [cache.request(k, s) for k, s in [("a", 200), ("b", 150), ("c", 100), ("d", 50)]] == [False] * 4
    assert sorted(cache) == ["a", "c"] and cache.used == 300  # b (150) no longer fitted; c (100) and then nothing
    assert cache.request("a", 5) is True and cache.used == 300  # a hit keeps the admitted size
    keys, sizes = ["huge", "big", "a", "b", "c", "d", "a"], [1001, 301, 200, 150, 100, 50, 5]
    assert (sim.hit_sequence(keys, sim.ClockPro.with_params(cold_ratio=0.3), sizes, capacity=1000, engine="compiled")
            == [False] * 6 + [True])


def test_clockpro_parameters_and_spellings():
    assert sim.ClockPro(1000, cold_ratio=1).cold_capacity == 1000 and sim.ClockPro(1000, cold_ratio=0).cold_capacity == 0
    assert sim.ClockPro(999, cold_ratio=0.1).cold_capacity == 99  # int(capacity * ratio), as libCacheSim truncates
    assert policies.label(sim.ClockPro.with_params(cold_ratio=0.25)) == "clockpro(cold_ratio=0.25)"
    assert policies.label(sim.ClockPro.with_params(cold_ratio=0.5)) == "clockpro"  # the default
    for spelling in ("ClockPro", "CLOCK-Pro", "clockpro", "Clock Pro"):
        assert policies.canonical(spelling) == "clockpro"
    assert resolve_engine("auto", sim.ClockPro.with_params(cold_ratio=0.25)) == "compiled"
    for bad in (1.5, -0.1, "x", True, float("nan")):
        with pytest.raises(InvalidParameter, match=f"cold_ratio must be in \\[0, 1\\], got {bad!r}"):
            sim.ClockPro.with_params(cold_ratio=bad)
    with pytest.raises(InvalidParameter, match="clockpro has no parameter 'init_ref'"):
        sim.ClockPro.with_params(init_ref=1)
    # 2**54 - 1 is not a float: times 1.0 it rounds up to 2**54, a cold share larger than the cache
    with pytest.raises(InvalidParameter, match="cold share of 18014398509481984 bytes, more than the 18014398509481983-byte cache"):
        sim.ClockPro(2**54 - 1, cold_ratio=1.0)
    assert sim.ClockPro(2**54 - 1, cold_ratio=0.5).cold_capacity == 2**53


# -- Cacheus ----------------------------------------------------------------------------------------


def test_cacheus_is_seeded_and_the_same_on_both_engines():
    """Issue 17 finding 2: Cacheus was missing. The seed draws its first learning rate (in
    [0.001, 1]) and its coins: same seed, same run on either engine; another seed, another run."""
    trace = sim.object_trace(4000, objects=400, size_sigma=1.0, seed=15)
    cap = int(trace.working_set()[1] * 0.05)
    runs = {seed: sim.hit_sequence(trace.keys, sim.Cacheus.with_params(seed=seed), trace.sizes, capacity=cap,
                                   engine="python") for seed in (0, 1)}
    assert runs[0] != runs[1]
    for seed, expected in runs.items():
        for engine in ("compiled", "python"):
            assert sim.hit_sequence(trace.keys, sim.Cacheus.with_params(seed=seed), trace.sizes, capacity=cap,
                                    engine=engine) == expected
    assert sim.hit_sequence(trace.keys, "Cacheus", trace.sizes, capacity=cap) == runs[0]  # seed=0 by default
    rates = {sim.Cacheus(1000, seed=seed).learning_rate for seed in range(20)}
    assert len(rates) > 10 and all(0.001 <= r <= 1.0 for r in rates)
    assert sim.Cacheus.sampled and policies.label(sim.Cacheus.with_params(seed=2)) == "cacheus(seed=2)"
    with pytest.raises(InvalidParameter, match="seed must be >= 0"):
        sim.Cacheus.with_params(seed=-1)


def test_cacheus_starts_new_objects_in_sr_and_refuses_one_larger_than_sr():
    """SR starts at half the capacity: a new object larger than that is not cached (libCacheSim's
    SR-LRU refuses it), and one larger than the cache not either. A hit in SR moves an object to R."""
    cache = sim.Cacheus(100)
    assert cache.request("big", 101) is False and cache.request("half", 51) is False
    assert len(cache) == 0 and cache.used == 0
    assert cache.request("a", 20) is False and list(cache._sr) == ["a"] and not cache._r
    assert cache.request("a", 20) is True and list(cache._r) == ["a"] and not cache._sr
    for key in "bcd":
        cache.request(key, 20)  # SR holds 50 bytes: at d (b, c, d = 60) b leaves for the history H
    assert sorted(cache) == ["a", "c", "d"] and list(cache._h) == ["b"] and cache.used == 60
    assert cache.request("b", 20) is False  # back from H: into R, next to a
    assert list(cache._r) == ["a", "b"] and list(cache._sr) == ["c", "d"] and cache.used == 80


def test_cacheus_sr_grows_when_an_object_that_left_it_unhit_comes_back():
    cache = sim.Cacheus(100)
    for key in "abcde":
        cache.request(key, 20)  # SR holds 50 bytes: a, b, c leave it unhit for H (as new objects)
    assert list(cache._h) == ["a", "b", "c"] and cache._sr_size == 50
    assert cache.request("a", 20) is False  # back from H: into R, and SR grows by max(1, demoted // new)
    assert "a" in cache._r and cache._sr_size == 51 and cache._r_size == 49
