"""The pure-Python client pushes and pulls like a real one; skopeo and it leave the same model."""

from __future__ import annotations

import pytest

from regsim import Image, ImageIndex, Layer
from regsim.events import BlobChecked, BlobUploaded, ManifestPushed
from regsim.io import write_layout
from regsim.engines import tools
from regsim.engines.clients import SimpleClient, SkopeoClient, ToolMissing, find_tool, make_client


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
        results.append(snapshot)
    assert results[0] == results[1]


def test_simple_client_pushes_the_image_a_layout_names(server, registry, image, tmp_path):
    other = Image.create([Layer.from_files([("/other", b"other")])])
    layout = write_layout(tmp_path / "layout", [("1.0", image), ("2.0", other)])
    client = SimpleClient(server.url)
    assert client.push("demo/app", "2.0", layout) == other.digest
    assert client.push("demo/app", "1.0", str(layout)) == image.digest
    assert list(registry.tags("demo/app")) == ["1.0", "2.0"]
    with pytest.raises(ValueError, match=r"has no image named '3\.0' \(it has: '1\.0', '2\.0'\)"):
        client.push("demo/app", "3.0", layout)


def test_make_client_falls_back_to_the_standard_library_without_skopeo(server, monkeypatch):
    monkeypatch.setattr(tools.shutil, "which", lambda name: None)  # tools finds every outside program
    client = make_client(server.url)
    assert isinstance(client, SimpleClient) and client.tool == "simple"
    with pytest.raises(ToolMissing, match="skopeo is not installed: install it with `sudo apt-get install skopeo`"):
        make_client(server.url, tool="skopeo")


def test_make_client_names_a_bad_tool_or_address(server):
    assert make_client(server.url, tool="simple").tool == "simple"
    with pytest.raises(ValueError, match="tool must be one of 'auto', 'skopeo', 'simple', 'docker', 'podman', "
                                         "got 'crane'"):
        make_client(server.url, tool="crane")
    with pytest.raises(ValueError, match="base_url must be like http://127.0.0.1:5000, got '127.0.0.1:5000'"):
        make_client("127.0.0.1:5000", tool="simple")


@pytest.mark.tools
def test_make_client_prefers_skopeo_when_it_is_installed(server, skopeo):
    with make_client(server.url) as client:
        assert isinstance(client, SkopeoClient) and client.tool == "skopeo"
        scratch = client.scratch
        assert scratch.is_dir()
    assert not scratch.exists()  # close() removes the scratch layouts


@pytest.mark.tools
def test_skopeo_client_pushes_and_pulls_like_the_simple_client(skopeo, image, tmp_path):
    from regsim import Registry
    from regsim.server import serve

    index = ImageIndex.create([Image.create([Layer.from_files([("/arch", arch.encode())])])
                               for arch in ("amd64", "arm64")])
    layout = write_layout(tmp_path / "layout", [("from-layout", image)])
    seen = []
    for make in (lambda url: SkopeoClient(url, skopeo=skopeo), SimpleClient):
        registry = Registry("localhost:5000")
        with serve(registry) as server, make(server.url) as client:
            pushed = [client.push("demo/app", "1.0", image), client.push("demo/app", "from-layout", layout),
                      client.push("demo/multi", "1.0", index)]
            assert pushed == [image.digest, image.digest, index.digest], client.tool
            pulled = client.pull("demo/app", "1.0")
            assert (pulled.digest, pulled.manifest_bytes) == (image.digest, image.manifest_bytes), client.tool
            assert [b.data for b in pulled.blobs()] == [b.data for b in image.blobs()], client.tool
            assert client.pull("demo/app", str(image.digest)).digest == image.digest, client.tool
            with pytest.raises(RuntimeError, match="demo/multi:1.0 is an index"):
                client.pull("demo/multi", "1.0")
            with pytest.raises(RuntimeError):
                client.pull("demo/app", "nope")
        snapshot = registry.snapshot()
        seen.append(snapshot)
    assert seen[0] == seen[1]
