"""Real clients against the served model: umoci builds OCI layouts, skopeo pushes and pulls them.

These need Debian's ``skopeo`` and ``umoci``; without them the tests skip (fail under CI=true).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from regsim import Registry
from regsim.events import BlobMounted, BlobUploaded, ManifestDeleted, ManifestPushed, UserLoggedIn
from regsim.io import import_images, read_docker_archive
from regsim.server import serve

pytestmark = pytest.mark.tools


def layout_blob(layout: Path, digest: str) -> bytes:
    algorithm, encoded = digest.split(":")
    return (layout / "blobs" / algorithm / encoded).read_bytes()


def layout_manifest(layout: Path, tag: str) -> tuple[str, bytes]:
    index = json.loads((layout / "index.json").read_text())
    desc = next(d for d in index["manifests"] if d["annotations"]["org.opencontainers.image.ref.name"] == tag)
    return desc["digest"], layout_blob(layout, desc["digest"])


def blob_digests(manifest: bytes) -> list[str]:
    doc = json.loads(manifest)
    return [doc["config"]["digest"], *(layer["digest"] for layer in doc["layers"])]


@pytest.fixture
def layout(umoci) -> Path:
    """tag 1.0: two layers; tag 2.0: the same two layers and a third."""
    path = umoci.layout()
    umoci.image(path, "1.0", {"/etc/motd": b"hello from umoci\n", "/app/run.sh": b"#!/bin/sh\necho hi\n" * 500})
    umoci.image(path, "2.0", {"/app/extra.txt": b"version two\n"}, base="1.0")
    return path


def test_copy_in_list_inspect_and_copy_out_byte_identical(server, registry, skopeo, layout, tmp_path):
    target = f"docker://{server.address}/demo/app:1.0"
    skopeo.copy(f"oci:{layout}:1.0", target)

    digest, manifest = layout_manifest(layout, "1.0")
    assert list(registry.tags("demo/app")) == ["1.0"]
    stored = registry.resolve("demo/app", "1.0")
    assert (stored.digest, stored.data) == (digest, manifest)
    assert sorted(registry.repository("demo/app").blobs) == sorted(blob_digests(manifest))

    listed = json.loads(skopeo.run("list-tags", "--tls-verify=false", f"docker://{server.address}/demo/app").stdout)
    assert listed["Tags"] == ["1.0"]
    assert skopeo.run("inspect", "--raw", "--tls-verify=false", target).stdout.encode() == manifest
    inspected = json.loads(skopeo.run("inspect", "--tls-verify=false", target).stdout)
    assert inspected["Digest"] == digest
    assert inspected["Layers"] == blob_digests(manifest)[1:]

    out = tmp_path / "pulled"
    skopeo.copy(target, f"oci:{out}:1.0")
    pulled_digest, pulled_manifest = layout_manifest(out, "1.0")
    assert (pulled_digest, pulled_manifest) == (digest, manifest)
    for blob in blob_digests(manifest):
        assert layout_blob(out, blob) == layout_blob(layout, blob)


def test_a_shared_layer_is_reported_as_already_existing(server, registry, skopeo, layout):
    skopeo.copy(f"oci:{layout}:1.0", f"docker://{server.address}/demo/app:1.0")
    mark = registry.events.mark()
    output = skopeo.copy(f"oci:{layout}:2.0", f"docker://{server.address}/demo/app:2.0", "--debug").stderr

    _, first = layout_manifest(layout, "1.0")
    _, second = layout_manifest(layout, "2.0")
    shared = set(blob_digests(first)[1:])
    new = set(blob_digests(second)[1:]) - shared
    assert len(shared) == 2 and len(new) == 1
    assert set(re.findall(r"Skipping blob (sha256:[0-9a-f]{64}) \(already present\)", output)) == shared, output
    uploaded = {e.digest for e in registry.events.since(mark) if isinstance(e, BlobUploaded)}
    assert new <= uploaded and not shared & uploaded
    assert list(registry.tags("demo/app")) == ["1.0", "2.0"]


def test_a_cross_repository_copy_mounts_the_layers(server, registry, skopeo, layout):
    skopeo.copy(f"oci:{layout}:1.0", f"docker://{server.address}/demo/app:1.0")
    mark = registry.events.mark()
    skopeo.copy(f"docker://{server.address}/demo/app:1.0", f"docker://{server.address}/demo/other:1.0")

    _, manifest = layout_manifest(layout, "1.0")
    layers = set(blob_digests(manifest)[1:])
    mounted = {e.digest for e in registry.events.since(mark) if isinstance(e, BlobMounted)}
    assert mounted >= layers
    assert all(e.from_repository == "demo/app" for e in registry.events.since(mark) if isinstance(e, BlobMounted))
    assert not layers & {e.digest for e in registry.events.since(mark) if isinstance(e, BlobUploaded)}
    assert registry.resolve("demo/other", "1.0").data == manifest


def test_deletes_and_tag_lists_follow_the_spec(server, registry, skopeo, layout):
    for tag in ("1.0", "2.0"):
        skopeo.copy(f"oci:{layout}:{tag}", f"docker://{server.address}/demo/app:{tag}")
    skopeo.copy(f"oci:{layout}:1.0", f"docker://{server.address}/demo/app:stable")

    def tags() -> list[str]:
        return json.loads(skopeo.run("list-tags", "--tls-verify=false",
                                     f"docker://{server.address}/demo/app").stdout)["Tags"]

    assert tags() == ["1.0", "2.0", "stable"]
    digest, _ = layout_manifest(layout, "1.0")
    skopeo.run("delete", "--tls-verify=false", f"docker://{server.address}/demo/app:stable")
    deleted = registry.events.of(ManifestDeleted)[-1]
    assert (deleted.digest, deleted.tags) == (digest, ("1.0", "stable"))  # a digest delete takes every tag
    assert tags() == ["2.0"]
    missing = skopeo.run("inspect", "--tls-verify=false", f"docker://{server.address}/demo/app:1.0", check=False)
    assert missing.returncode != 0 and "manifest unknown" in missing.stderr


def test_a_docker_save_archive_is_served_to_skopeo(server, registry, skopeo, layout, tmp_path):
    archive = tmp_path / "saved.tar"
    skopeo.copy(f"oci:{layout}:2.0", f"docker-archive:{archive}:demo/saved:2.0")
    (entry,) = read_docker_archive(archive)
    assert entry.name == "docker.io/demo/saved:2.0" and len(entry.image.layers) == 3

    with server.lock:
        pushed = import_images(registry, archive)
    assert pushed == {"demo/saved:2.0": entry.image.digest}
    out = tmp_path / "pulled"  # dir: keeps blobs as they are (oci: would gzip tar layers)
    skopeo.copy(f"docker://{server.address}/demo/saved:2.0", f"dir:{out}")
    assert (out / "manifest.json").read_bytes() == entry.image.manifest_bytes
    for blob in entry.image.blobs():
        assert (out / blob.digest.encoded).read_bytes() == blob.data


def test_bearer_token_flow_with_real_credentials(skopeo, layout, tmp_path):
    hub = Registry.hub("docker.io")
    hub.add_user("alice", "alice-pw")
    with serve(hub) as server:
        target = f"docker://{server.address}/alice/app:1.0"
        refused = skopeo.run("copy", "--dest-tls-verify=false", f"oci:{layout}:1.0", target, check=False)
        assert refused.returncode != 0 and re.search(r"(?i)denied|unauthorized|authentication required",
                                                     refused.stderr)
        assert hub.repositories == {}
        skopeo.run("copy", "--dest-tls-verify=false", "--dest-creds", "alice:alice-pw", f"oci:{layout}:1.0", target)
        assert list(hub.tags("alice/app")) == ["1.0"]
        assert any(r.path == "/token" and r.status == 200 for r in server.requests)
        assert [e.user for e in hub.events.of(UserLoggedIn)] == ["alice"]  # one login, many requests
        # public repository: anonymous pull works through an anonymous token
        skopeo.run("copy", "--src-tls-verify=false", "--src-no-creds", target, f"oci:{tmp_path / 'anon'}:1.0")
        with server.lock:
            hub.set_visibility("alice/app", "private", auth=hub.login("alice", "alice-pw"))
        hidden = skopeo.run("inspect", "--tls-verify=false", "--no-creds", target, check=False)
        assert hidden.returncode != 0
        skopeo.run("inspect", "--tls-verify=false", "--creds", "alice:alice-pw", target)


def test_basic_auth_registry(skopeo, layout):
    private = Registry.private("localhost:5000", users={"ci": "ci-pw"})
    with serve(private) as server:
        target = f"docker://{server.address}/team/app:1.0"
        refused = skopeo.run("copy", "--dest-tls-verify=false", f"oci:{layout}:1.0", target, check=False)
        assert refused.returncode != 0
        skopeo.run("copy", "--dest-tls-verify=false", "--dest-creds", "ci:ci-pw", f"oci:{layout}:1.0", target)
        assert list(private.tags("team/app", auth=private.login("ci", "ci-pw"))) == ["1.0"]
        assert server.app.auth.scheme == "basic"


def test_every_push_request_became_model_events(server, registry, skopeo, layout):
    skopeo.copy(f"oci:{layout}:1.0", f"docker://{server.address}/demo/app:1.0")
    kinds = {type(e).__name__ for e in registry.events}
    assert {"BlobChecked", "UploadStarted", "UploadProgressed", "BlobUploaded", "ManifestPushed",
            "TagUpdated"} <= kinds
    assert len(registry.events.of(ManifestPushed)) == 1
    assert registry.uploads == {}  # no session left open
