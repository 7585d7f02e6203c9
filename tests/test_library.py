"""Official images made from real Docker Hub layer metadata."""

from regsim import Registry
from regsim.data.datasets import load_official_images
from regsim.data.library import OFFICIAL_REPOSITORIES, official_images, populate
from regsim.oci.mediatypes import DOCKER_LAYER, DOCKER_MANIFEST_LIST


def test_dataset_loads():
    images = load_official_images()
    assert len(images) == 26
    assert {i.repo for i in images} == set(OFFICIAL_REPOSITORIES)
    python = next(i for i in images if i.repo == "python" and "3.11" in i.tags)
    assert python.total_size == sum(layer.size for layer in python.layers) == 355574627


def test_placeholder_hub_has_real_digests_and_sizes():
    data = {i.tags[0] + "@" + i.repo: i for i in load_official_images()}
    images = {(repo, tags[0]): index for repo, tags, index in official_images()}
    python = images[("library/python", "latest")]
    assert python.media_type == DOCKER_MANIFEST_LIST
    amd64 = python.for_platform("linux/amd64")
    real = data["latest@python"]
    assert [l.digest for l in amd64.layers] == [l.digest for l in real.layers]
    assert amd64.size == real.total_size
    assert all(l.is_placeholder and l.media_type == DOCKER_LAYER for l in amd64.layers)
    arm = python.for_platform("linux/arm64")
    assert not {l.digest for l in arm.layers} & {l.digest for l in amd64.layers}


def test_layer_sharing_is_the_real_one():
    images = {(repo, tags[0]): index.for_platform("linux/amd64") for repo, tags, index in official_images()}
    python = images[("library/python", "latest")]
    node = images[("library/node", "18")]
    debian = images[("library/debian", "latest")]
    assert python.layers[0].digest == node.layers[0].digest == debian.layers[0].digest
    nginx_alpine = images[("library/nginx", "alpine")]
    assert nginx_alpine.layers[0].digest == images[("library/alpine", "latest")].layers[0].digest


def test_bytes_content_is_real_and_scaled():
    [(repo, tags, index)] = official_images(content="bytes", repos=["alpine"])
    image = index.for_platform("linux/amd64")
    [layer] = image.layers
    assert not layer.is_placeholder
    assert 3000 < layer.size < 4000  # 3,370,628 real bytes / 1000, plus tar and gzip framing
    assert layer.files()


def test_same_content_same_digests():
    a = official_images(content="bytes", repos=["redis"])
    b = official_images(content="bytes", repos=["redis"])
    assert [x[2].digest for x in a] == [x[2].digest for x in b]


def test_populate_pushes_every_tag():
    hub = Registry.hub()
    populate(hub, repos=["python", "alpine"])
    assert hub.catalog() == ["library/alpine", "library/python"]
    assert "3.11" in hub.tags("library/python") and "alpine" in hub.tags("library/python")
    assert hub.get_manifest("library/python", "latest").media_type == DOCKER_MANIFEST_LIST
    assert hub.storage().dedup_ratio > 1
