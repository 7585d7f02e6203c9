import pytest

from regsim import Blob, Digest, Image, ImageConfig, ImageIndex, Layer, Placeholder, parse_manifest
from regsim.errors import PlaceholderContent
from regsim.oci.image import DOCKER
from regsim.oci.mediatypes import DOCKER_CONFIG, DOCKER_MANIFEST, OCI_LAYER


def test_layer_digests():
    layer = Layer.from_files([("/a", b"a")])
    assert layer.digest == Digest.of(layer.blob.data)
    assert layer.diff_id != layer.digest  # compressed vs uncompressed
    raw = Layer.from_files([("/a", b"a")], media_type=OCI_LAYER)
    assert raw.digest == raw.diff_id == layer.diff_id
    assert layer.files() == [("/a", b"a")]


def test_placeholder_layer():
    layer = Layer.placeholder("sha256:" + "1" * 64, 42)
    assert layer.is_placeholder and layer.size == 42 and layer.diff_id == layer.digest
    with pytest.raises(PlaceholderContent):
        layer.files()


def test_image_create_fills_diff_ids_and_ids():
    layers = [Layer.from_files([("/a", b"a")]), Layer.from_files([("/b", b"b")])]
    image = Image.create(layers, ImageConfig(cmd=("sh",)))
    assert image.config.diff_ids == tuple(l.diff_id for l in layers)
    assert image.id == image.config_blob.digest
    assert image.digest == Digest.of(image.manifest_bytes)
    assert parse_manifest(image.manifest_bytes) == image.manifest
    assert image.size == sum(l.size for l in layers)
    assert [b.digest for b in image.blobs()] == [image.id, *(l.digest for l in layers)]


def test_docker_family():
    image = Image.create([Layer.from_files([("/a", b"a")])], media_types=DOCKER)
    assert image.media_type == DOCKER_MANIFEST and image.manifest.config.media_type == DOCKER_CONFIG


def test_from_parts_round_trip_and_placeholder_config():
    image = Image.create([Layer.from_files([("/a", b"a")])])
    again = Image.from_parts(image.manifest_bytes, image.config_blob, [l.blob for l in image.layers])
    assert again == image
    ph = Placeholder(image.config_blob.digest, image.config_blob.size)
    blind = Image.from_parts(image.manifest_bytes, ph, [l.blob for l in image.layers])
    assert blind.config is None and blind.digest == image.digest
    with pytest.raises(TypeError):
        Image.from_parts(ImageIndex.create([image]).index_bytes, image.config_blob, [])


def test_index():
    amd = Image.create([Layer.from_files([("/a", b"amd")])], ImageConfig(architecture="amd64"))
    arm = Image.create([Layer.from_files([("/a", b"arm")])], ImageConfig(architecture="arm64", variant="v8"))
    index = ImageIndex.create([amd, arm])
    assert [str(p) for p in index.platforms] == ["linux/amd64", "linux/arm64/v8"]
    assert index.for_platform("linux/arm64") is arm and index.for_platform("windows/amd64") is None
    assert index.size == amd.size + arm.size
    assert ImageIndex.from_parts(index.index_bytes, [amd, arm]).digest == index.digest


def test_blob_equality_used_by_images():
    assert Blob(b"x") in {Blob(b"x")}
