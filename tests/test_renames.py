"""Every renamed public name still works for one release and warns, naming the new one
(CONTRIBUTING.md, "Renaming"; /work/RENAMES.md is the list of decisions)."""

from __future__ import annotations

import importlib
import warnings

import pytest

from regsim import World

# --- sim and data (regsim.sim, regsim.data) ---------------------------------------------------------

# (module, old name, new name): the old name, asked for on the module, is the new object and warns.
SIM_MOVED = [
    ("regsim.sim", "CacheStats", "CacheReport"),
    ("regsim.sim.cache", "CacheStats", "CacheReport"),
    ("regsim.sim", "MirrorStats", "MirrorReport"),
    ("regsim.sim.mirrors", "MirrorStats", "MirrorReport"),
    ("regsim.sim.dedup", "DedupResult", "DedupReport"),
    ("regsim.sim", "RolloutResult", "RolloutReport"),
    ("regsim.sim.rollout", "RolloutResult", "RolloutReport"),
    ("regsim.data.generate", "CatalogueStats", "CatalogReport"),
    ("regsim.sim", "Catalogue", "Catalog"),
    ("regsim.sim.workloads", "Catalogue", "Catalog"),
    ("regsim.sim", "generate_catalogue", "generate_catalog"),
    ("regsim.sim.workloads", "generate_catalogue", "generate_catalog"),
    ("regsim.sim", "official_catalogue", "official_catalog"),
    ("regsim.sim.workloads", "official_catalogue", "official_catalog"),
    ("regsim.sim", "load_csv", "read_csv"),
    ("regsim.sim", "save_csv", "write_csv"),
    ("regsim.sim.traces", "load_csv", "read_csv"),
    ("regsim.sim.traces", "save_csv", "write_csv"),
    ("regsim.sim.traces", "load_parquet", "read_parquet"),
    ("regsim.sim.traces", "save_parquet", "write_parquet"),
    ("regsim.sim.experiments", "DEFAULT_SIZES", "DEFAULT_FRACTIONS"),
]


@pytest.mark.parametrize(("module", "old", "new"), SIM_MOVED, ids=[f"{m}.{o}" for m, o, _ in SIM_MOVED])
def test_sim_old_names_still_work_and_warn(module, old, new):
    mod = importlib.import_module(module)
    assert new in mod.__all__ and old not in mod.__all__
    with pytest.warns(DeprecationWarning, match=rf"{old}.*{new}"):
        value = getattr(mod, old)
    assert value is getattr(mod, new)


def test_sim_old_names_import_with_from_and_warn():
    with pytest.warns(DeprecationWarning, match="CacheReport"):
        from regsim.sim import CacheStats  # noqa: F401


@pytest.mark.parametrize("name", ["simulate", "hit_sequence"])
def test_the_old_order_policy_then_keys_still_works_and_warns(name, tmp_path):
    from regsim import sim
    from regsim.sim import LRU

    function = getattr(sim, name)
    keys, sizes = ["a", "b", "a", "c", "b"], [60, 30, 60, 50, 30]
    new = function(keys, "lru", sizes, capacity=100)
    for policy, capacity in (("lru", {"capacity": 100}), (LRU, {"capacity": 100}), ("nosuch-policy", None)):
        with pytest.warns(DeprecationWarning, match=rf"{name}\(keys, policy"):
            if capacity is None:
                with pytest.raises(sim.UnknownPolicy):
                    function(policy, keys, sizes, capacity=100)
            else:
                assert function(policy, keys, sizes, **capacity) == new
    with pytest.warns(DeprecationWarning, match="the data first"):
        assert function(LRU(100), keys, sizes) == new
    trace = sim.object_trace(requests=50, objects=10, seed=1)
    path = sim.write_csv(trace, tmp_path / "t.csv")
    with pytest.warns(DeprecationWarning, match="the data first"):
        assert function("lru", str(path), capacity=1000) == function(str(path), "lru", capacity=1000)



def test_a_cache_size_keyword_is_fraction_and_the_old_size_keywords_warn():
    """sizes= means object sizes only: a cache's share of the working set is fractions=/fraction=."""
    from regsim import sim
    from regsim.sim import streaming

    trace = sim.object_trace(400, objects=40, seed=3)
    calls = [
        (sim.sweep, (trace, ["lru"]), "sizes", "fractions", [0.1, 0.5]),
        (sim.mrc, (trace, "lru"), "sizes", "fractions", [0.1, 0.5]),
        (sim.shards, (trace, "lru"), "sizes", "fractions", [0.1, 0.5]),
        (sim.run, (trace, "lru"), "size", "fraction", 0.1),
        (streaming.replay, (trace, "lru"), "size", "fraction", 0.1),
    ]
    for function, args, old, new, value in calls:
        extra = {"rate": 1.0} if function is sim.shards else {}
        expected = function(*args, **{new: value}, **extra)
        with pytest.warns(DeprecationWarning, match=rf"{old}=\.\.\.\) is renamed .*\({new}=\.\.\.\)"):
            got = function(*args, **{old: value}, **extra)
        assert got.equals(expected) if hasattr(got, "equals") else got == expected
        if function is not streaming.replay:  # the cache size by position (the third argument) still works
            with pytest.warns(DeprecationWarning, match=rf"{new}=\.\.\.\): the option is keyword-only"):
                got = function(*args, value, **extra)
            assert got.equals(expected)



def test_simulate_ttl_takes_the_data_first_and_the_old_order_warns():
    from regsim.sim import simulate_ttl
    from regsim.sim.traces import Trace

    t = Trace.from_columns(key=["a", "a", "a"], size=[10, 10, 10], time=[0.0, 5.0, 20.0])
    with pytest.warns(DeprecationWarning, match=r"simulate_ttl\(source, policy, \.\.\.\) \(the data first\)"):
        old = simulate_ttl("lru", t, capacity=100, ttl=10)
    assert old == simulate_ttl(t, "lru", capacity=100, ttl=10)



def test_sim_options_given_by_position_still_work_and_warn(tmp_path):
    """Options became keyword-only (CONTRIBUTING.md, "Arguments"); by position they work for one
    release, with a warning naming the keyword."""
    import numpy as np

    from regsim import sim
    from regsim.sim import chunking, samples, streams
    from regsim.sim._util import as_random
    from regsim.sim.oracle import OracleWriter, read_oracle_general

    data = bytes(np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8))
    calls = [
        (lambda: sim.object_trace(100, 10, seed=1), lambda: sim.object_trace(100, objects=10, seed=1), "objects"),
        (lambda: sim.generate_catalog(2, 3, 2, seed=7), lambda: sim.generate_catalog(2, families=3, versions=2, seed=7),
         "families=..., versions"),
        (lambda: samples.generate_sample(5, 20), lambda: samples.generate_sample(seed=5, pulls=20), "seed=..., pulls"),
        (lambda: streams.rollout("library/x", "1", 3), lambda: streams.rollout("library/x", "1", servers=3), "servers"),
        (lambda: chunking.cdc_chunks(data, 1024, 256, 4096),
         lambda: chunking.cdc_chunks(data, 1024, minimum=256, maximum=4096), "minimum=..., maximum"),
        (lambda: chunking.cdc_boundaries(data, 1024, 256),
         lambda: chunking.cdc_boundaries(data, 1024, minimum=256), "minimum"),
        (lambda: as_random(3).random(), lambda: as_random(seed=3).random(), "seed"),
    ]
    for old, new, keywords in calls:
        with pytest.warns(DeprecationWarning, match=rf" {keywords}=\.\.\.\): the option is keyword-only"):
            got = old()
        expected = new()
        assert got.equals(expected) if hasattr(got, "equals") else got == expected
    for i, by_position in enumerate((True, False)):
        with OracleWriter(tmp_path / f"{i}.bin") as out:
            if by_position:
                with pytest.warns(DeprecationWarning, match=r"next_access=\.\.\.\): the option is keyword-only"):
                    out.write([1, 2, 1], [10, 20, 10], [0, 1, 2], [3, -1, -1])
            else:
                out.write([1, 2, 1], [10, 20, 10], [0, 1, 2], next_access=[3, -1, -1])
    assert read_oracle_general(tmp_path / "0.bin") == read_oracle_general(tmp_path / "1.bin")



def test_a_stacked_shim_warns_at_the_callers_line():
    """sweep has two shims (keyword_only over renamed_keywords): either warning names this file, so a
    notebook shows it and pyproject's filter does not take it for regsim's own."""
    import warnings

    from regsim import sim

    trace = sim.object_trace(200, objects=20, seed=1)
    for call in (lambda: sim.sweep(trace, ["lru"], sizes=[0.5]), lambda: sim.sweep(trace, ["lru"], [0.5]),
                 lambda: sim.run(trace, "lru", size=0.5), lambda: sim.simulate("lru", trace, capacity=100)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
        assert len(deprecations) == 1 and deprecations[0].filename == __file__, [
            (w.filename, str(w.message)) for w in deprecations]


# --- viz and the core ---------------------------------------------------------------------------------


def _old(module: str, name: str) -> tuple[object, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = getattr(importlib.import_module(module), name)
    return value, caught


def _one_deprecation(caught: list[warnings.WarningMessage], new: str) -> None:
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 1, [str(w.message) for w in caught]
    assert new in str(deprecations[0].message)
    assert deprecations[0].filename == __file__  # points at the caller's line (stacklevel), not at regsim


MOVED = [
    # (module, old name, module of the new name, new name)
    ("regsim.viz", "capture", "regsim.viz", "Capture"),
    ("regsim.viz.views", "capture", "regsim.viz.views", "Capture"),
    ("regsim.viz", "record", "regsim.viz", "Record"),
    ("regsim.viz.animate", "record", "regsim.viz.animate", "Record"),
    ("regsim.viz", "TransferSummary", "regsim.viz", "TransferReport"),
    ("regsim.viz.views", "TransferSummary", "regsim.viz.views", "TransferReport"),
    ("regsim.viz", "DedupStats", "regsim.viz", "ImageDedupReport"),
    ("regsim.viz.dedup", "DedupStats", "regsim.viz.dedup", "ImageDedupReport"),
    ("regsim", "parse_docker_ref", "regsim.oci.reference", "parse_docker_ref"),  # one parser at the top
]


@pytest.mark.parametrize("module, old, home, new", MOVED, ids=[f"{m}.{o}" for m, o, _, _ in MOVED])
def test_an_old_name_is_the_new_object_and_warns(module, old, home, new):
    value, caught = _old(module, old)
    assert value is getattr(importlib.import_module(home), new)
    _one_deprecation(caught, f"{home}.{new}")
    assert old not in importlib.import_module(module).__all__


def _push(world: World):
    registry = world.add_registry("localhost:5000")
    laptop = world.add_host("laptop", quiet=True)
    laptop.build('FROM scratch\nCOPY hello /hello\n', "localhost:5000/demo/app:1", context={"hello": b"hello"})
    return registry, laptop


def test_old_capture_and_record_still_capture_and_record():
    world = World()
    registry, laptop = _push(world)
    capture, caught = _old("regsim.viz", "capture")
    _one_deprecation(caught, "Capture")
    record, caught = _old("regsim.viz", "record")
    _one_deprecation(caught, "Record")
    with capture(registry) as op:
        laptop.push("localhost:5000/demo/app:1", quiet=True)
    assert op.kind == "push" and op.after is not None
    with record(registry) as recording:
        laptop.tag("localhost:5000/demo/app:1", "localhost:5000/demo/app:2", quiet=True)
        laptop.push("localhost:5000/demo/app:2", quiet=True)
    assert len(recording) >= 3


def test_host_layers_is_host_blobs_and_warns():
    _, laptop = _push(World())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layers = laptop.layers
    _one_deprecation(caught, "Host.blobs")
    assert dict(layers) == dict(laptop.blobs) and len(layers) == 2  # the layer and the config


def test_the_old_top_level_parse_docker_ref_still_adds_latest():
    parse_docker_ref, caught = _old("regsim", "parse_docker_ref")
    _one_deprecation(caught, "regsim.oci.reference.parse_docker_ref")
    assert str(parse_docker_ref("nginx")) == "docker.io/library/nginx:latest"
    import regsim

    assert str(regsim.parse_reference("nginx")) == "docker.io/library/nginx"  # the one top-level parser


def test_catalogue_keywords_and_placeholder_catalogue_are_renamed_catalog_and_warn():
    """American spelling, as the OCI spec's _catalog: ``catalog=`` in streams and mirrors."""
    from regsim.sim import PullThroughMirror, generate_catalog, pull_stream, push_stream, registry_trace

    catalog = generate_catalog(bases=1, families=2, versions=2, seed=1)
    for call, new in [(lambda: push_stream(catalogue=catalog), push_stream(catalog)),
                      (lambda: pull_stream(catalogue=catalog, pulls=20, seed=1), pull_stream(catalog, 20, seed=1))]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            old = call()
        _one_deprecation(caught, "catalog=")
        assert old.equals(new)
    stream = push_stream(catalog)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trace = registry_trace(stream, catalogue=catalog)
    _one_deprecation(caught, "catalog=")
    assert trace.frame.equals(registry_trace(stream, catalog).frame)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mirror = PullThroughMirror(prefetch=True, catalogue=catalog)
        assert mirror.catalogue is catalog
    assert len(caught) == 2 and all(issubclass(w.category, DeprecationWarning) for w in caught)
    assert mirror.catalog is catalog
    placeholder_catalogue, caught = _old("regsim.data.generate", "placeholder_catalogue")
    _one_deprecation(caught, "placeholder_catalog")
    from regsim.data.generate import placeholder_catalog

    assert placeholder_catalogue is placeholder_catalog
