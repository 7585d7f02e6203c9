"""The compiled engine is a second implementation of every built-in policy: same hits, request by request."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regsim.sim import engine as engine_module
from regsim.sim.cache import POLICIES, LRU, hit_sequence, make_policy, simulate
from regsim.sim.policies.belady import next_access_times
from regsim.sim.engine import COMPILED_POLICIES, CompiledCache, resolve_engine
from regsim.sim.errors import EngineUnavailable, InvalidParameter, UnknownPolicy
from regsim.sim.experiments import sweep
from regsim.sim.workloads import object_trace

pytest.importorskip("numba", reason="numba is not installed (pip install 'regsim[sim]')")


def test_every_builtin_policy_has_a_kernel():
    assert set(COMPILED_POLICIES) == set(POLICIES)


@st.composite
def traces(draw):
    """Random keys and sizes: sizes per object, sometimes changing per request, some larger than
    the cache, some zero; and a cache of 0 to 400 bytes."""
    objects = draw(st.integers(1, 25))
    size_of = draw(st.lists(st.integers(0, 300), min_size=objects, max_size=objects))
    picks = draw(st.lists(st.tuples(st.integers(0, objects - 1), st.none() | st.integers(0, 450)),
                          min_size=1, max_size=250))
    keys = [k for k, _ in picks]
    sizes = [size_of[k] if other is None else other for k, other in picks]
    capacity = draw(st.sampled_from([0, 1, 50, 150, 400]) | st.integers(0, 600))
    return keys, sizes, capacity


@pytest.mark.parametrize("name", sorted(COMPILED_POLICIES))
@settings(max_examples=120, deadline=None)
@given(trace=traces(), cut=st.integers(1, 250))
def test_both_engines_give_the_same_hit_miss_sequence(name, trace, cut):
    keys, sizes, capacity = trace
    reference = make_policy(name, capacity)
    expected = hit_sequence(keys, reference, sizes)  # the Python object, request by request
    assert hit_sequence(keys, name, sizes, capacity=capacity, engine="python") == expected
    assert hit_sequence(keys, name, sizes, capacity=capacity, engine="compiled") == expected
    # fed in two chunks, the compiled cache carries its state across and ends holding the same bytes
    cache = CompiledCache(name, capacity)
    # Belady sees the future: a trace fed in pieces brings each request's next access along
    future = next_access_times(keys) if reference.needs_future else None
    first = cache.feed(keys[:cut], sizes[:cut], record=True,
                       next_access=None if future is None else future[:cut])[2].tolist()
    second = cache.feed(keys[cut:], sizes[cut:], record=True,
                        next_access=None if future is None else future[cut:])[2].tolist()
    assert first + second == expected
    assert cache.used == reference.used


def test_engines_agree_on_a_zipf_trace_and_in_sweeps():
    trace = object_trace(20_000, objects=2_000, seed=4)
    compiled = sweep(trace, sorted(COMPILED_POLICIES), fractions=[0.001, 0.01, 0.1], engine="compiled")
    python = sweep(trace, sorted(COMPILED_POLICIES), fractions=[0.001, 0.01, 0.1], engine="python")
    assert compiled.equals(python)
    assert compiled.equals(sweep(trace, sorted(COMPILED_POLICIES), fractions=[0.001, 0.01, 0.1]))  # auto = compiled


def test_simulate_takes_policy_names_classes_and_objects():
    keys, sizes = ["a", "b", "a", "c", "b"], [60, 30, 60, 50, 30]
    by_name = simulate(keys, "lru", sizes, capacity=100)
    assert by_name == simulate(keys, LRU, sizes, capacity="100B") == simulate(keys, LRU(100), sizes)
    assert (by_name.hits, by_name.bytes_hit) == (1, 60)
    assert simulate(keys, "ARC", sizes, capacity=100, engine="python") == simulate(keys, "arc", sizes, capacity=100)


def test_engine_errors_say_what_to_do(monkeypatch):
    with pytest.raises(InvalidParameter, match="engine must be one of 'auto', 'compiled', 'python', got 'fast'"):
        simulate([1], "lru", [1], capacity=10, engine="fast")
    with pytest.raises(InvalidParameter, match="runs with engine='python'"):
        simulate([1], LRU(10), [1], engine="compiled")
    class Mine(LRU):  # a user's subclass: its own rules, so not the built-in kernel
        pass

    with pytest.raises(InvalidParameter, match="runs with engine='python'"):
        sweep(object_trace(100, objects=10, seed=1), [Mine], fractions=[0.1], engine="compiled")
    with pytest.raises(InvalidParameter, match=r"needs capacity= \(bytes, or a size such as '64MB'\)"):
        simulate([1], "lru", [1])
    with pytest.raises(InvalidParameter, match="capacity is bytes: an int or a size such as '64MB', got 0.5"):
        simulate([1], "lru", [1], capacity=0.5)
    with pytest.raises(InvalidParameter, match="already has its capacity"):
        simulate([1], LRU(10), [1], capacity=10)
    with pytest.raises(UnknownPolicy, match="unknown cache policy 'nope'"):
        simulate([1], "nope", [1], capacity=10)
    with pytest.raises(UnknownPolicy, match="'nope'"):
        CompiledCache("nope", 10)
    with pytest.raises(InvalidParameter, match="object sizes must be non-negative, got -3"):
        simulate([1, 2], "lru", [4, -3], capacity=10)
    with pytest.raises(InvalidParameter, match="object sizes must be non-negative, got -3"):
        CompiledCache("lru", 10).feed([0, 1], [4, -3])
    with pytest.raises(InvalidParameter, match="dense object ids must be >= 0, got -1"):
        CompiledCache("lru", 10).feed([-1], [4])
    monkeypatch.setattr(engine_module, "numba_available", lambda: False)
    with pytest.raises(EngineUnavailable, match=r"engine='compiled' needs numba, which is not installed: "
                                                r"pip install 'regsim\[sim\]'"):
        simulate([1], "lru", [1], capacity=10, engine="compiled")
    assert resolve_engine("auto", "lru") == "python"  # auto falls back without numba
    assert simulate([1, 1], "lru", [1, 1], capacity=10).hits == 1


def test_kernels_are_compiled_once_per_machine(tmp_path):
    """cache=True: a second process loads the machine code instead of compiling again."""
    code = ("from regsim.sim.engine import CompiledCache; from regsim.sim import kernels; "
            "CompiledCache('fifo', 100).feed([0, 1, 0], [10, 20, 10]); s = kernels.fifo.stats; "
            "print(sum(s.cache_hits.values()), sum(s.cache_misses.values()))")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}  # an empty cache: the first process compiles
    run = lambda: subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                 env=env).stdout.split()
    assert run() == ["0", "1"]  # compiled (a cache miss) and saved
    assert run() == ["1", "0"]  # loaded from the cache
