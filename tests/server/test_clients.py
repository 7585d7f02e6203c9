"""The pure-Python client pushes and pulls like a real one; skopeo and it leave the same model."""

from __future__ import annotations

import pytest

from regsim import Image, ImageIndex, Layer
from regsim.events import BlobChecked, BlobUploaded, ManifestPushed
from regsim.io import write_layout
from regsim.server.clients import SimpleClient, ToolMissing, find_tool


def test_simple_client_push_skips_present_blobs_and_pulls_back(server, registry, image):
    client = SimpleClient(server.url)
    assert client.push("demo/app", "1.0", image) == image.digest
    assert registry.resolve("demo/app", "1.0").data == image.manifest_bytes
    uploads = len(registry.events.of(BlobUploaded))
    assert uploads == 3  # config and two layers
    client.push("demo/app", "again", image)
    assert len(registry.events.of(BlobUploaded)) == uploads
    assert [e.exists for e in registry.events.of(BlobChecked)][-3:] == [True] * 3
    pulled = client.pull("demo/app", "1.0")
    assert pulled.digest == image.digest and [b.data for b in pulled.blobs()] == [b.data for b in image.blobs()]


def test_simple_client_pushes_an_index(server, registry):
    images = [Image.create([Layer.from_files([("/arch", arch.encode())])]) for arch in ("amd64", "arm64")]
    index = ImageIndex.create(images)
    client = SimpleClient(server.url)
    assert client.push("demo/multi", "1.0", index) == index.digest
    assert [e.tag for e in registry.events.of(ManifestPushed)] == [None, None, "1.0"]
    with pytest.raises(RuntimeError, match="is an index"):
        client.pull("demo/multi", "1.0")
    with pytest.raises(RuntimeError, match="HTTP 404"):
        client.pull("demo/multi", "nope")


def test_find_tool_names_the_package_to_install():
    with pytest.raises(ToolMissing, match=r"apt-get install no-such-package"):
        find_tool("regsim-no-such-tool", "no-such-package")


@pytest.mark.tools
def test_skopeo_and_the_simple_client_leave_the_same_model(skopeo, image, tmp_path):
    from regsim import Registry
    from regsim.server import serve

    layout = write_layout(tmp_path / "layout", [("1.0", image)])
    results = []
    for push in ("skopeo", "simple"):
        registry = Registry("localhost:5000")
        with serve(registry) as server:
            if push == "skopeo":
                skopeo.copy(f"oci:{layout}:1.0", f"docker://{server.address}/demo/app:1.0")
            else:
                SimpleClient(server.url).push("demo/app", "1.0", image)
        snapshot = registry.snapshot()
        snapshot.pop("upload_counter")
        results.append(snapshot)
    assert results[0] == results[1]
