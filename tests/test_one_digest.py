"""One manifest, one digest (issue 12): a parsed manifest keeps its exact bytes, and its digest,
size, descriptor and bytes all describe those bytes; canonical bytes only for what the model makes."""

import json

from regsim import Descriptor, Digest, Index, Manifest, Registry, parse_manifest
from regsim.oci.manifest import ImageConfig, parse_config
from regsim.oci.mediatypes import OCI_INDEX


def pretty(doc) -> bytes:
    return json.dumps(doc, indent=3, sort_keys=False).encode() + b"\n"


def test_a_parsed_manifest_describes_its_own_bytes():
    reg = Registry()
    config = reg.push_blob("team/app", b"{}")
    m = Manifest(config=Descriptor("application/vnd.oci.image.config.v1+json", config.digest, 2))
    raw = pretty(m.to_dict())
    assert raw != m.to_bytes()  # valid, not canonical
    digest = reg.put_manifest("team/app", "1.0", raw)
    stored = reg.resolve("team/app", "1.0")
    assert digest == stored.digest == Digest.of(raw)
    parsed = stored.parsed
    assert parsed.to_bytes() == raw and parsed.digest == Digest.of(raw) and parsed.size == len(raw)
    assert parsed.descriptor() == Descriptor(m.media_type, Digest.of(raw), len(raw)) == stored.descriptor()


def test_an_index_of_non_canonical_children_lists_their_real_digests():
    raw = pretty(Manifest(config=Descriptor("application/vnd.oci.image.config.v1+json", Digest.of(b"{}"), 2)).to_dict())
    index = Index(manifests=(parse_manifest(raw).descriptor(platform="linux/amd64"),), media_type=OCI_INDEX)
    assert (index.manifests[0].digest, index.manifests[0].size) == (Digest.of(raw), len(raw))


def test_the_model_writes_canonical_bytes_for_what_it_makes():
    m = Manifest(config=Descriptor("application/vnd.oci.image.config.v1+json", Digest.of(b"{}"), 2))
    assert m.to_bytes() == json.dumps(m.to_dict(), sort_keys=True, separators=(",", ":")).encode()
    assert parse_manifest(m.to_bytes()).digest == m.digest


def test_a_parsed_config_keeps_its_bytes():
    config = ImageConfig(env=("A=1",))
    raw = pretty(json.loads(config.to_bytes()))
    parsed = parse_config(raw)
    assert parsed.to_bytes() == raw and parsed.digest == Digest.of(raw) and parsed == config
