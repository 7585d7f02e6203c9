"""OCI image layouts: read, write, round trips, and every way a layout can be broken."""

from __future__ import annotations

import ast
import gzip
import json
import shutil
import sys
import tarfile
from pathlib import Path

import pytest

from regsim import Digest, Image, ImageConfig, ImageIndex, Layer, Registry
from regsim.errors import BlobUnknown, DigestInvalid, PlaceholderContent, SizeInvalid
from regsim.io import LayoutError, export_images, import_images, read_images, read_layout, write_layout
from regsim.io.layout import blob_path
from regsim.client.remote import write

IO = Path(__file__).resolve().parents[2] / "regsim" / "io"


def make_image(tag: str, *files: tuple[str, bytes]) -> Image:
    return Image.create([Layer.from_files([f]) for f in files], ImageConfig(cmd=("echo", tag)))


@pytest.fixture
def images():
    base = ("/etc/os-release", b"ID=regsim\n")
    return {"1.0": make_image("1.0", base, ("/app", b"one")), "2.0": make_image("2.0", base, ("/app", b"two"))}


def test_regsim_io_imports_only_the_standard_library_and_the_core():
    stdlib = set(sys.stdlib_module_names)
    for path in sorted(IO.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] in stdlib for a in node.names), path.name
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module.split(".")[0] in stdlib, (path.name, node.module)
            elif isinstance(node, ast.ImportFrom) and node.level == 2:
                assert (node.module or "").split(".")[0] not in ("server", "viz", "sim"), (path.name, node.module)


def test_round_trip_keeps_names_digests_and_bytes(tmp_path, images):
    write_layout(tmp_path, images)
    assert json.loads((tmp_path / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    entries = read_layout(tmp_path)
    assert [(e.name, e.digest) for e in entries] == [(tag, img.digest) for tag, img in images.items()]
    for entry, image in zip(entries, images.values()):
        assert entry.image.manifest_bytes == image.manifest_bytes
        assert [b.data for b in entry.image.blobs()] == [b.data for b in image.blobs()]
        assert entry.image.config == image.config
    shared = images["1.0"].layers[0].digest
    assert (tmp_path / blob_path(shared)).read_bytes() == images["1.0"].layers[0].blob.data


def test_writing_is_deterministic_and_adds_to_an_existing_layout(tmp_path, images):
    write_layout(tmp_path / "a", images)
    write_layout(tmp_path / "b", [("1.0", images["1.0"])])
    write_layout(tmp_path / "b", [("2.0", images["2.0"])])
    assert (tmp_path / "a" / "index.json").read_bytes() == (tmp_path / "b" / "index.json").read_bytes()
    replaced = make_image("new", ("/x", b"x"))
    write_layout(tmp_path / "b", [("1.0", replaced)])  # same name: the entry is replaced
    assert [(e.name, e.digest) for e in read_layout(tmp_path / "b")] == [("2.0", images["2.0"].digest),
                                                                         ("1.0", replaced.digest)]


def test_an_index_round_trips(tmp_path):
    index = ImageIndex.create([make_image(arch, ("/arch", arch.encode())) for arch in ("amd64", "arm64")])
    write_layout(tmp_path, [("multi", index)])
    (entry,) = read_layout(tmp_path)
    assert isinstance(entry.image, ImageIndex) and entry.digest == index.digest
    assert [i.digest for i in entry.image.images] == [i.digest for i in index.images]


def test_an_oci_archive_tar_is_read_too(tmp_path, images):
    write_layout(tmp_path / "layout", images)
    archive = tmp_path / "image.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(tmp_path / "layout", arcname=".")
    assert [e.digest for e in read_images(archive)] == [i.digest for i in images.values()]


def test_import_into_a_registry_and_export_back(tmp_path, images):
    write_layout(tmp_path / "in", images)
    registry = Registry()
    pushed = import_images(registry, tmp_path / "in", "demo/app")
    assert pushed == {f"demo/app:{tag}": img.digest for tag, img in images.items()}
    assert list(registry.tags("demo/app")) == ["1.0", "2.0"]
    assert sum(e.deduplicated for e in registry.events if e.kind == "BlobUploaded") == 0
    export_images(registry, "demo/app", ["1.0", images["2.0"].digest], tmp_path / "out")
    assert [(e.name, e.digest) for e in read_layout(tmp_path / "out")] == [("1.0", images["1.0"].digest),
                                                                           (None, images["2.0"].digest)]


def test_import_names(tmp_path, images):
    write_layout(tmp_path / "full", [("docker.io/library/app:1.0", images["1.0"]),
                                     ("localhost:5000/team/app:2.0", images["2.0"])])
    registry = Registry()
    assert sorted(import_images(registry, tmp_path / "full")) == ["library/app:1.0", "team/app:2.0"]
    write_layout(tmp_path / "tags", [("1.0", images["1.0"])])
    with pytest.raises(LayoutError, match="only by tag '1.0': pass repository="):
        import_images(registry, tmp_path / "tags")
    write_layout(tmp_path / "unnamed", [(None, images["1.0"])])
    assert import_images(registry, tmp_path / "unnamed", "x/y") == {f"x/y@{images['1.0'].digest}": images["1.0"].digest}


def test_placeholders_cannot_be_exported(tmp_path):
    image = Image.create([Layer.placeholder("sha256:" + "1" * 64, 1000)])
    registry = Registry()
    write(registry, "big/app", image, tags=["1.0"])
    with pytest.raises(PlaceholderContent, match="placeholder of 1000 bytes"):
        export_images(registry, "big/app", ["1.0"], tmp_path)


@pytest.fixture
def layout(tmp_path, images):
    return write_layout(tmp_path / "layout", images)


def test_not_a_layout(tmp_path, layout):
    with pytest.raises(FileNotFoundError, match="no such layout directory or archive"):
        read_layout(tmp_path / "nothing")
    (layout / "oci-layout").unlink()
    with pytest.raises(LayoutError, match="no oci-layout file"):
        read_layout(layout)


@pytest.mark.parametrize("header, message", [
    ('{"imageLayoutVersion": "2.0.0"}', "unsupported imageLayoutVersion '2.0.0'"),
    ("not json", "not JSON"),
])
def test_bad_layout_header(layout, header, message):
    (layout / "oci-layout").write_text(header)
    with pytest.raises(LayoutError, match=message):
        read_layout(layout)


def test_bad_index(layout):
    (layout / "index.json").write_text('{"schemaVersion": 2, "manifests": [{"digest": "sha256:x"}]}')
    with pytest.raises(LayoutError, match=r"index.json: manifests\[0\]"):
        read_layout(layout)
    (layout / "index.json").unlink()
    with pytest.raises(LayoutError, match="no index.json"):
        read_layout(layout)


def test_missing_corrupt_and_truncated_blobs(layout, images):
    layer = images["1.0"].layers[1]
    path = layout / blob_path(layer.digest)
    original = path.read_bytes()
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    with pytest.raises(DigestInvalid, match="does not match its name"):
        read_layout(layout)
    path.write_bytes(original[:-1])
    with pytest.raises(SizeInvalid, match=f"has {len(original) - 1} bytes, its descriptor says {len(original)}"):
        read_layout(layout)
    path.unlink()
    with pytest.raises(BlobUnknown, match=f"has no blob {layer.digest}"):
        read_layout(layout)


def test_nested_indexes_are_refused(tmp_path):
    inner = ImageIndex.create([make_image("x", ("/x", b"x"))])
    write_layout(tmp_path, [("inner", inner)])
    outer = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": inner.media_type, "digest": inner.digest, "size": len(inner.index_bytes)}]}
    data = json.dumps(outer).encode()
    digest = Digest.of(data)
    (tmp_path / blob_path(digest)).write_bytes(data)
    index = json.loads((tmp_path / "index.json").read_text())
    index["manifests"] = [{"mediaType": outer["mediaType"], "digest": digest, "size": len(data)}]
    (tmp_path / "index.json").write_text(json.dumps(index))
    with pytest.raises(LayoutError, match="nested indexes are not supported"):
        read_layout(tmp_path)


def test_archive_members_may_not_escape(tmp_path):
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("../oci-layout")
        tar.addfile(info)
    with pytest.raises(ValueError, match="leaves the archive"):
        read_images(archive)


@pytest.mark.tools
def test_a_umoci_layout_is_read_exactly(tmp_path):
    umoci = shutil.which("umoci")
    if umoci is None:
        from helpers import skip_or_fail

        skip_or_fail("umoci is not installed: install it with `sudo apt-get install umoci` (Debian/Ubuntu)")
    import subprocess

    layout = tmp_path / "umoci"
    source = tmp_path / "hello.txt"
    source.write_bytes(b"hello\n")
    for args in (["init", "--layout", str(layout)], ["new", "--image", f"{layout}:1.0"],
                 ["insert", "--image", f"{layout}:1.0", "--history.created", "1970-01-01T00:00:00Z",
                  str(source), "/hello.txt"]):
        subprocess.run([umoci, *args], check=True, capture_output=True)
    (entry,) = [e for e in read_layout(layout) if e.name == "1.0"]
    index = json.loads((layout / "index.json").read_text())
    desc = next(d for d in index["manifests"] if d["annotations"]["org.opencontainers.image.ref.name"] == "1.0")
    assert entry.digest == desc["digest"]
    assert entry.image.manifest_bytes == (layout / blob_path(desc["digest"])).read_bytes()
    assert b'"mediaType":"application/vnd.oci.image.manifest.v1+json"' not in entry.image.manifest_bytes[:40]
    layer = entry.image.layers[0]
    assert layer.diff_id == Digest.of(gzip.decompress(layer.blob.data))  # config and layer agree
    assert gzip.decompress(layer.blob.data).startswith(b"hello.txt\0")
