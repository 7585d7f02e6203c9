import json

import pytest
from hypothesis import given, strategies as st

from regsim import Blob, Descriptor, Digest, ImageConfig, Index, Manifest, canonical_json, parse_manifest
from regsim.errors import ManifestInvalid
from regsim.oci.manifest import parse_config
from regsim.oci.mediatypes import (
    DOCKER_CONFIG, DOCKER_LAYER, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_CONFIG, OCI_EMPTY, OCI_INDEX,
    OCI_LAYER_GZIP, OCI_LAYER_ZSTD, OCI_MANIFEST,
)
from regsim.oci.platform import Platform

LAYER = Blob(b"layer")
CONFIG = ImageConfig(diff_ids=(LAYER.digest,))


def manifest(**kw) -> Manifest:
    return Manifest(config=CONFIG.descriptor(), layers=(Descriptor(OCI_LAYER_GZIP, LAYER.digest, LAYER.size),), **kw)


def test_canonical_json_is_sorted_and_compact():
    assert canonical_json({"b": 1, "a": [1, {"d": 2, "c": "é"}]}) == '{"a":[1,{"c":"é","d":2}],"b":1}'.encode()


def test_manifest_bytes_digest_and_size():
    m = manifest()
    data = m.to_bytes()
    assert m.digest == Digest.of(data) and m.size == len(data)
    doc = json.loads(data)
    assert doc["schemaVersion"] == 2 and doc["mediaType"] == OCI_MANIFEST
    assert doc["config"]["digest"] == CONFIG.digest
    assert data == canonical_json(doc)


def test_parse_round_trip_manifest_and_index():
    m = manifest(annotations={"org.opencontainers.image.title": "demo"})
    assert parse_manifest(m.to_bytes()) == m
    idx = Index(manifests=(m.descriptor(platform="linux/amd64"), m.descriptor(platform="linux/arm64/v8")))
    parsed = parse_manifest(idx.to_bytes())
    assert parsed == idx and parsed.is_index
    assert parsed.for_platform("linux/arm64").platform == Platform("linux", "arm64", "v8")
    assert parsed.for_platform("linux/s390x") is None


def test_config_round_trip():
    config = ImageConfig(env=("A=1",), cmd=("python3",), working_dir="/app", exposed_ports=("80/tcp",),
                         labels={"team": "a"}, diff_ids=(LAYER.digest,))
    assert parse_config(config.to_bytes()) == config


def test_docker_media_types_accepted():
    m = Manifest(config=Descriptor(DOCKER_CONFIG, CONFIG.digest, CONFIG.size),
                 layers=(Descriptor(DOCKER_LAYER, LAYER.digest, LAYER.size),), media_type=DOCKER_MANIFEST)
    assert parse_manifest(m.to_bytes()).media_type == DOCKER_MANIFEST
    idx = Index(manifests=(m.descriptor(platform="linux/amd64"),), media_type=DOCKER_MANIFEST_LIST)
    assert parse_manifest(idx.to_bytes()).media_type == DOCKER_MANIFEST_LIST


def test_a_zstd_layer_is_pushed_and_pulled_like_any_layer():
    """OCI 1.1's zstd layers (``...tar+zstd``): the registry stores them as it stores gzip ones."""
    from regsim import Registry

    m = Manifest(config=CONFIG.descriptor(), layers=(Descriptor(OCI_LAYER_ZSTD, LAYER.digest, LAYER.size),))
    assert parse_manifest(m.to_bytes()).layers[0].media_type == OCI_LAYER_ZSTD
    registry = Registry()
    registry.push_image("demo/zstd", m, [LAYER, Blob(CONFIG.to_bytes())], tags=["1.0"])
    assert registry.get_manifest("demo/zstd", "1.0").parsed.layers[0].media_type == OCI_LAYER_ZSTD


def test_media_type_comes_from_content_type_when_absent():
    doc = manifest().to_dict()
    del doc["mediaType"]
    data = canonical_json(doc)
    assert parse_manifest(data, OCI_MANIFEST).media_type == OCI_MANIFEST
    assert parse_manifest(data).media_type == OCI_MANIFEST  # guessed from "config"


def bad(doc) -> bytes:
    return canonical_json(doc) if not isinstance(doc, bytes) else doc


GOOD = manifest().to_dict()


@pytest.mark.parametrize(
    "data, media_type, words",
    [
        (b"{not json", None, "not valid JSON"),
        (b"\xff\xfe", None, "not valid JSON"),
        (bad([1, 2]), None, "JSON object"),
        (bad({**GOOD, "schemaVersion": 1}), None, "schema 1"),
        (bad({**GOOD, "schemaVersion": 3}), None, "schemaVersion must be 2"),
        (bad({**GOOD, "schemaVersion": True}), None, "schemaVersion must be 2"),
        (bad(GOOD), OCI_INDEX, "does not match Content-Type"),
        (bad({**GOOD, "mediaType": "application/json"}), None, "unsupported manifest media type"),
        (bad({k: v for k, v in GOOD.items() if k != "config"}), None, "no 'config'"),
        (bad({**GOOD, "layers": {}}), None, "'layers' must be a list"),
        (bad({**GOOD, "layers": [{"mediaType": OCI_LAYER_GZIP, "digest": "sha256:xyz", "size": 1}]}), None,
         "layers[0].digest"),
        (bad({**GOOD, "layers": [{"mediaType": OCI_LAYER_GZIP, "digest": LAYER.digest, "size": -1}]}), None,
         "layers[0].size"),
        (bad({**GOOD, "layers": [{"mediaType": OCI_LAYER_GZIP, "digest": LAYER.digest, "size": "5"}]}), None,
         "layers[0].size"),
        (bad({**GOOD, "layers": [{"digest": LAYER.digest, "size": 5}]}), None, "layers[0].mediaType"),
        (bad({**GOOD, "config": {**GOOD["config"], "mediaType": OCI_EMPTY}}), None, "artifactType must be set"),
        (bad({**GOOD, "annotations": {"a": 1}}), None, "annotations"),
        (bad({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": "x"}), None, "'manifests' list"),
        (bad({"schemaVersion": 2}), None, "cannot tell its type"),
        (bad({**GOOD, "mediaType": DOCKER_MANIFEST}), None, "Docker schema 2 manifest config"),
    ],
)
def test_invalid_manifests_name_the_problem(data, media_type, words):
    with pytest.raises(ManifestInvalid) as info:
        parse_manifest(data, media_type)
    assert words in info.value.message
    assert info.value.code == "MANIFEST_INVALID"


def test_descriptor_data_field_is_checked():
    good = {"mediaType": OCI_EMPTY, "digest": Digest.of(b"{}"), "size": 2, "data": "e30="}
    assert Descriptor.from_dict(good).data == b"{}"
    with pytest.raises(ManifestInvalid):
        Descriptor.from_dict({**good, "data": "eA=="})


def test_descriptor_equality_and_hash():
    a = Descriptor(OCI_LAYER_GZIP, LAYER.digest, 5, annotations={"k": "v"})
    b = Descriptor(OCI_LAYER_GZIP, LAYER.digest, 5, annotations={"k": "v"})
    assert a == b and hash(a) == hash(b)
    assert a.annotations["k"] == "v"


@given(st.lists(st.binary(max_size=64), max_size=5),
       st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=5), max_size=3))
def test_any_manifest_round_trips(layers, annotations):
    blobs = [Blob(b) for b in layers]
    m = Manifest(config=CONFIG.descriptor(), layers=tuple(Descriptor(OCI_LAYER_GZIP, b.digest, b.size) for b in blobs),
                 annotations=annotations)
    assert parse_manifest(m.to_bytes()) == m
    assert parse_manifest(m.to_bytes()).digest == m.digest


@given(st.lists(st.tuples(st.binary(max_size=8), st.text(min_size=1, max_size=12)), max_size=5),
       st.sampled_from([OCI_MANIFEST, DOCKER_MANIFEST, 'odd/"type"\u00e9']))
def test_fast_canonical_bytes_equal_the_generic_ones(layers, media_type):
    descs = tuple(Descriptor(kind, Blob(data).digest, len(data)) for data, kind in layers)
    m = Manifest(config=CONFIG.descriptor(), layers=descs, media_type=media_type)
    assert m.to_bytes() == canonical_json(m.to_dict())
