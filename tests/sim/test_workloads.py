"""Catalogues and object traces: seeded, realistic in shape, and usable with the core."""

from __future__ import annotations

import random

import pytest

from regsim import Registry, StorageReport
from regsim.sim.errors import InvalidParameter
from regsim.sim.workloads import DAY, generate_catalog, layer_size, object_trace, official_catalog


def test_same_seed_same_catalogue_other_seed_other_digests():
    a = generate_catalog(bases=2, families=4, versions=3, seed=5)
    assert a == generate_catalog(bases=2, families=4, versions=3, seed=5)
    b = generate_catalog(bases=2, families=4, versions=3, seed=6)
    assert set(a.layers()).isdisjoint(b.layers())
    assert generate_catalog(bases=1, families=1, versions=1, seed=None) == \
        generate_catalog(bases=1, families=1, versions=1, seed=0)
    assert generate_catalog(bases=1, families=1, versions=1, seed=random.Random(3)) == \
        generate_catalog(bases=1, families=1, versions=1, seed=3)


def test_generated_catalogue_shares_base_layers_and_moves_latest(catalogue):
    families = [r for r in catalogue.repositories() if not r.startswith("base/")]
    assert len(families) == 6 and len(catalogue) == (2 + 6) * 3
    for repo in families:
        versions = catalogue.versions_of(repo)
        base = catalogue.resolve(versions[0].base.split(":")[0], versions[0].base.split(":")[1])
        assert versions[0].layers[:2] == base.layers  # built on its base
        newest = max(versions, key=lambda v: v.released)
        assert catalogue.resolve(repo, "latest").digest == newest.digest
        assert catalogue.resolve(repo, "latest", at=versions[0].released).digest == versions[0].digest
        assert versions[1].layers[-1] != versions[0].layers[-1]  # the code layer always changes
    assert catalogue.storage().dedup_ratio > 1.2


def test_resolve_names_what_is_missing(catalogue):
    with pytest.raises(InvalidParameter, match="'nope/x' is not in the catalogue"):
        catalogue.resolve("nope/x", "latest")
    repo = catalogue.repositories()[-1]
    with pytest.raises(InvalidParameter, match="does not exist at t=-1s"):
        catalogue.resolve(repo, "latest", at=-1)


def test_layer_sizes_are_skewed():
    rng = random.Random(1)
    sizes = sorted(layer_size(rng) for _ in range(4000))
    tiny = sum(1 for s in sizes if s < 100_000) / len(sizes)
    top = sum(sizes[-200:]) / sum(sizes)  # the largest 5%
    assert tiny > 0.6 and top > 0.5


def test_populate_pushes_through_the_core_and_storage_agrees(catalogue):
    reg = Registry("localhost:5000")
    assert catalogue.populate(reg) == len(catalogue)
    report = reg.storage()
    assert report.blobs >= len(catalogue.layers())
    # one definition of logical and physical: the catalogue reports what a registry holding it stores
    assert isinstance(catalogue.storage(), StorageReport)
    assert catalogue.storage() == report
    for repo in catalogue.repositories():
        assert reg.resolve(repo, "latest").digest == catalogue.resolve(repo, "latest").digest


def test_official_catalogue_is_the_real_data():
    cat = official_catalog()
    s = cat.storage()
    assert (len(cat), len(cat.layers()), len(cat.repositories())) == (26, 102, 16)
    assert (s.manifests, s.blobs, s.repositories) == (26, 154, 16)  # + 26 configs, 26 manifests
    assert s.physical_bytes == pytest.approx(1.65e9, rel=0.01)
    assert s.logical_bytes == pytest.approx(2.94e9, rel=0.01)
    python = cat.resolve("library/python", "3.11")
    node = cat.resolve("library/node", "18")
    assert set(python.layers[:3]) == set(node.layers[:3])  # they really share Debian layers
    assert min(v.released for v in cat) == 0.0


def test_object_trace_is_seeded_and_zipf_skewed():
    a, b = object_trace(5000, objects=500, seed=3), object_trace(5000, objects=500, seed=3)
    assert a == b and a != object_trace(5000, objects=500, seed=4)
    frame = a.frame
    counts = frame["key"].value_counts()
    assert counts.iloc[0] > 20 * counts.median()
    assert (frame.groupby("key")["size"].nunique() == 1).all()  # one size per object
    assert frame["time"].is_monotonic_increasing and frame["time"].max() <= 3600
    with pytest.raises(InvalidParameter, match="requests must be >= 1, got 0"):
        object_trace(0, objects=10)
    with pytest.raises(InvalidParameter, match="alpha"):
        object_trace(10, objects=10, alpha=-1)
    assert DAY == 86400


def test_seeds_come_from_the_core_rng_and_a_bad_seed_is_named():
    import numpy as np

    from regsim.data.generate import rng
    from regsim.sim._util import as_random

    assert [as_random(seed=s).random() for s in (None, 0, 7)] == [rng(seed=s).random() for s in (None, 0, 7)]
    mine = random.Random(5)
    assert as_random(seed=mine) is mine
    assert as_random(seed=np.int64(7)).random() == rng(seed=7).random()  # a seed taken from an array
    assert object_trace(50, objects=10, seed=np.int64(3)) == object_trace(50, objects=10, seed=3)
    for bad in ("7", 7.0, True):
        with pytest.raises(TypeError) as core:
            rng(seed=bad)
        with pytest.raises(InvalidParameter) as lab:
            object_trace(50, objects=10, seed=bad)
        assert str(lab.value) == str(core.value) == f"seed must be an int, a random.Random or None, got {bad!r}"
