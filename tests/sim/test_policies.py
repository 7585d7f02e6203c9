"""The policies package: one module per policy (class, kernel, description), one registry,
parameters that both engines run, readable labels and libCacheSim's spellings."""

from __future__ import annotations

import functools

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
