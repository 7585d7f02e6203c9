"""Issue 11: import sources are untrusted. Symlinks never lead out of a source; ``docker save``
archives load as Docker writes them (shared layers as in-archive symlinks, the OCI layout of newer
engines); every bad source is one clear error."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile

import pytest

from regsim import Registry
from regsim.client.build import make_tar
from regsim.errors import DigestInvalid, SizeInvalid
from regsim.io import LayoutError, import_images, read_images, write_layout
from regsim.client.remote import read


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _link(tar: tarfile.TarFile, name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tar.addfile(info)


def _config(layers: list[bytes]) -> bytes:
    return json.dumps({"architecture": "amd64", "os": "linux",
                       "rootfs": {"type": "layers",
                                  "diff_ids": ["sha256:" + hashlib.sha256(x).hexdigest() for x in layers]}}).encode()


def legacy_save(path, images: list[tuple[str, list[bytes]]]) -> None:
    """``docker save`` as Docker 20.10 writes it: a layer already written for an earlier image is
    written again as a symlink ``<id>/layer.tar -> ../<first id>/layer.tar``."""
    manifest, written = [], {}
    with tarfile.open(path, "w") as tar:
        for number, (tag, layers) in enumerate(images):
            config = _config(layers)
            config_name = hashlib.sha256(config).hexdigest() + ".json"
            _add(tar, config_name, config)
            names = []
            for i, layer in enumerate(layers):
                layer_id = hashlib.sha256(f"{number}/{i}".encode() + layer).hexdigest()  # v1 ids differ per image
                name = f"{layer_id}/layer.tar"
                digest = hashlib.sha256(layer).hexdigest()
                if digest in written:
                    _link(tar, name, f"../{written[digest]}")
                else:
                    _add(tar, name, layer)
                    written[digest] = name
                _add(tar, f"{layer_id}/VERSION", b"1.0")
                names.append(name)
            manifest.append({"Config": config_name, "RepoTags": [tag], "Layers": names})
        _add(tar, "manifest.json", json.dumps(manifest).encode())


BASE = make_tar([("/etc/os-release", b"ID=base\n")])
ONE = make_tar([("/one", b"1")])
TWO = make_tar([("/two", b"2")])


def test_a_legacy_docker_save_of_two_images_sharing_a_layer_loads(tmp_path):
    """Finding: 'has no member <id>/layer.tar' -- the importer skipped in-archive symlinks."""
    legacy_save(tmp_path / "saved.tar", [("one:1", [BASE, ONE]), ("two:1", [BASE, TWO])])
    registry = Registry()
    pushed = import_images(registry, tmp_path / "saved.tar")
    assert sorted(pushed) == ["library/one:1", "library/two:1"]
    two = read(registry, "library/two", "1")
    assert [layer.blob.data for layer in two.layers] == [BASE, TWO]


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../etc/passwd", "../../outside/layer.tar"])
def test_a_tar_symlink_leaving_the_archive_is_refused(tmp_path, target):
    config = _config([BASE])
    with tarfile.open(tmp_path / "evil.tar", "w") as tar:
        _add(tar, hashlib.sha256(config).hexdigest() + ".json", config)
        _link(tar, "abc/layer.tar", target)
        _add(tar, "manifest.json", json.dumps([{"Config": hashlib.sha256(config).hexdigest() + ".json",
                                                "RepoTags": ["evil:1"], "Layers": ["abc/layer.tar"]}]).encode())
    with pytest.raises(LayoutError, match="leaves the archive"):
        read_images(tmp_path / "evil.tar")


def test_symlink_loops_and_hard_links_in_a_tar(tmp_path):
    config = _config([BASE])
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    with tarfile.open(tmp_path / "loop.tar", "w") as tar:
        _add(tar, config_name, config)
        _link(tar, "a/layer.tar", "../b/layer.tar")
        _link(tar, "b/layer.tar", "../a/layer.tar")
        _add(tar, "manifest.json", json.dumps([{"Config": config_name, "RepoTags": ["x:1"],
                                                "Layers": ["a/layer.tar"]}]).encode())
    with pytest.raises(LayoutError, match="symlink"):
        read_images(tmp_path / "loop.tar")
    with tarfile.open(tmp_path / "hard.tar", "w") as tar:
        _add(tar, config_name, config)
        _add(tar, "a/layer.tar", BASE)
        _link(tar, "b/layer.tar", "a/layer.tar", tarfile.LNKTYPE)
        _add(tar, "manifest.json", json.dumps([{"Config": config_name, "RepoTags": ["x:1"],
                                                "Layers": ["b/layer.tar"]}]).encode())
    assert [layer.blob.data for layer in read_images(tmp_path / "hard.tar")[0].image.layers] == [BASE]


def test_a_directory_symlink_out_of_the_source_is_never_followed(tmp_path):
    """Finding: Layers ["root/etc/passwd"] with root -> / served the host's /etc/passwd."""
    saved = tmp_path / "saved"
    saved.mkdir()
    config = _config([b"x"])
    (saved / "c.json").write_bytes(config)
    os.symlink("/", saved / "root")
    (saved / "manifest.json").write_text(json.dumps([{"Config": "c.json", "RepoTags": ["evil:1"],
                                                      "Layers": ["root/etc/passwd"]}]))
    registry = Registry()
    with pytest.raises(LayoutError, match="symlink"):
        import_images(registry, saved)
    assert registry.repositories == {}


def test_a_symlinked_blob_in_an_oci_layout_directory_is_refused(tmp_path, image):
    layout = write_layout(tmp_path / "layout", [("1.0", image)])
    victim = layout / "blobs" / "sha256" / image.layers[0].digest.encoded
    secret = tmp_path / "secret"
    secret.write_bytes(victim.read_bytes())  # same bytes: only the link itself is wrong
    victim.unlink()
    os.symlink(secret, victim)
    with pytest.raises(LayoutError, match="symlink"):
        read_images(layout)
    victim.unlink()
    os.symlink(image.config_blob.digest.encoded, victim)  # followed (it stays inside), then checked
    with pytest.raises((DigestInvalid, SizeInvalid)):
        read_images(layout)


def test_a_docker_save_in_the_oci_layout_of_newer_engines(tmp_path, image):
    """Docker 25+ writes an OCI layout, and a manifest.json whose Layers are blobs/sha256/<hex>."""
    layout = write_layout(tmp_path / "oci", [("demo/app:1.0", image)])
    entries = [{"Config": f"blobs/sha256/{image.config_blob.digest.encoded}", "RepoTags": ["demo/app:1.0"],
                "Layers": [f"blobs/sha256/{layer.digest.encoded}" for layer in image.layers]}]
    (layout / "manifest.json").write_text(json.dumps(entries))
    with tarfile.open(tmp_path / "saved.tar", "w") as tar:
        for path in sorted(layout.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(layout)), recursive=False)
    registry = Registry()
    assert import_images(registry, tmp_path / "saved.tar") == {"demo/app:1.0": image.digest}
    assert import_images(Registry(), layout) == {"demo/app:1.0": image.digest}


def _write(path, files: dict[str, bytes]) -> None:
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            _add(tar, name, data)


@pytest.mark.parametrize("files, message", [
    ({"manifest.json": json.dumps([{"Config": "c.json", "Layers": [7], "RepoTags": ["x:1"]}]).encode(),
      "c.json": b"{}"}, "Layers"),
    ({"manifest.json": json.dumps([{"Config": "c.json", "Layers": [], "RepoTags": [["x:1"]]}]).encode(),
      "c.json": b"{}"}, "RepoTags"),
    ({"manifest.json": json.dumps([{"Config": "c.json", "Layers": [], "RepoTags": "x:1"}]).encode(),
      "c.json": b"{}"}, "RepoTags"),
    ({"manifest.json": b"[" * 100_000 + b"]" * 100_000}, "nested"),
    ({"oci-layout": b'{"imageLayoutVersion": "1.0.0"}', "index.json": b"[" * 100_000 + b"]" * 100_000},
     "nested"),
    ({"oci-layout": b'{"imageLayoutVersion": "1.0.0"}', "index.json": b'{"manifests": [{"digest": 5}]}'},
     "index.json"),
])
def test_bad_sources_are_one_clear_error(tmp_path, files, message):
    _write(tmp_path / "bad.tar", files)
    with pytest.raises(LayoutError, match=message):
        read_images(tmp_path / "bad.tar")


def test_a_file_that_is_not_a_tar(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(LayoutError, match="not a directory or a tar archive"):
        read_images(tmp_path / "notes.txt")
