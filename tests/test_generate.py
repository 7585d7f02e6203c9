import random

import pytest

from regsim import Registry
from regsim.data.generate import placeholder_catalog, random_image, random_layer, rng


def test_same_seed_same_digests():
    assert random_image(seed=3).digest == random_image(seed=3).digest
    assert random_image(seed=3).digest != random_image(seed=4).digest
    assert random_image(seed=random.Random(5)).digest == random_image(seed=5).digest
    assert random_image().digest == random_image(seed=0).digest  # deterministic by default


def test_random_layer_size_and_files():
    layer = random_layer(3000, seed=1, files=3)
    assert sum(len(data) for _, data in layer.files()) == 3000


def test_bad_seed():
    with pytest.raises(TypeError):
        rng(seed="seven")  # type: ignore[arg-type]


def test_catalogue_shape_and_determinism():
    a, b = Registry("a"), Registry("a")
    sa = placeholder_catalog(a, repositories=200, layers=900, seed=2)
    sb = placeholder_catalog(b, repositories=200, layers=900, seed=2)
    assert sa == sb and a.snapshot() == b.snapshot()
    assert sa.repositories == len(a.repositories) == 200
    assert sa.distinct_layers == 900
    report = a.storage()
    manifests = {d: m.size for r in a.repositories.values() for d, m in r.manifests.items()}
    assert report.physical_bytes - report.placeholder_bytes == sum(manifests.values())  # only manifests are real
    assert report.dedup_ratio > 1  # bases are shared
    gc = a.garbage_collect(delete_untagged=True)
    assert gc.deleted_manifests and gc.bytes_freed > 0


def test_catalogue_checks_its_arguments():
    with pytest.raises(ValueError):
        placeholder_catalog(Registry(), repositories=10, layers=5)


def test_derived_placeholder_equals_for_key():
    from regsim import Placeholder
    assert Placeholder._derived("k", 7).digest == Placeholder.for_key("k", 7).digest


def test_stale_builds_are_untagged_garbage():
    reg = Registry("s")
    stats = placeholder_catalog(reg, repositories=100, layers=500, versions=(1, 1), stale=1.0, seed=3)
    assert stats.manifests == 200 and stats.tags == 200
    assert all(len(repo.untagged()) == 1 for repo in reg.repositories.values())
    with pytest.raises(ValueError):
        placeholder_catalog(Registry(), stale=2.0)
