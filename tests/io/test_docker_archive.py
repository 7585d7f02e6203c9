"""``docker save`` tarballs, built here the way Docker writes them."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest

from regsim import Registry
from regsim.client.build import deterministic_gzip, make_tar
from regsim.errors import DigestInvalid
from regsim.io import LayoutError, import_images, read_docker_archive, read_images
from regsim.oci.mediatypes import OCI_LAYER, OCI_LAYER_GZIP


def docker_save(path, images: list[dict]) -> None:
    """Write a classic ``docker save`` archive: manifest.json, <id>.json, <layer>/layer.tar."""
    manifest = []
    with tarfile.open(path, "w") as tar:
        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        for image in images:
            layers = image["layers"]
            diff_ids = ["sha256:" + hashlib.sha256(layer if layer[:2] != b"\x1f\x8b" else image["plain"][i]).hexdigest()
                        for i, layer in enumerate(layers)]
            config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                                 "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
            config_name = hashlib.sha256(config).hexdigest() + ".json"
            add(config_name, config)
            names = []
            for i, layer in enumerate(layers):
                name = f"{hashlib.sha256(layer).hexdigest()}/layer.tar"
                add(name, layer)
                names.append(name)
            manifest.append({"Config": config_name, "RepoTags": image["tags"], "Layers": names})
        add("manifest.json", json.dumps(manifest).encode())


def test_read_a_docker_save_archive(tmp_path):
    base, app = make_tar([("/etc/os-release", b"ID=x\n")]), make_tar([("/app", b"app")])
    docker_save(tmp_path / "saved.tar", [{"tags": ["myapp:1.0", "myapp:latest"], "layers": [base, app]},
                                         {"tags": None, "layers": [base]}])
    entries = read_docker_archive(tmp_path / "saved.tar")
    assert [e.name for e in entries] == ["myapp:1.0", "myapp:latest", None]
    image = entries[0].image
    assert [layer.blob.data for layer in image.layers] == [base, app]
    assert [layer.media_type for layer in image.layers] == [OCI_LAYER, OCI_LAYER]
    assert list(image.config.diff_ids) == [layer.digest for layer in image.layers]
    assert image.config.cmd == ("sh",)

    registry = Registry()
    with pytest.raises(LayoutError, match="has no name: pass repository="):
        import_images(registry, tmp_path / "saved.tar")
    pushed = import_images(Registry(), tmp_path / "saved.tar", "team/app")
    assert list(pushed) == ["team/app:1.0", "team/app:latest", f"team/app@{entries[2].digest}"]
    named = Registry()
    docker_save(tmp_path / "named.tar", [{"tags": ["myapp:1.0"], "layers": [base, app]}])
    assert import_images(named, tmp_path / "named.tar") == {"library/myapp:1.0": image.digest}
    assert read_images(tmp_path / "named.tar")[0].digest == image.digest


def test_gzip_layers_keep_their_type(tmp_path):
    plain = make_tar([("/a", b"a")])
    docker_save(tmp_path / "gz.tar", [{"tags": ["x:1"], "layers": [deterministic_gzip(plain)], "plain": [plain]}])
    (entry,) = read_docker_archive(tmp_path / "gz.tar")
    assert entry.image.layers[0].media_type == OCI_LAYER_GZIP


def test_broken_archives(tmp_path):
    docker_save(tmp_path / "ok.tar", [{"tags": ["x:1"], "layers": [make_tar([("/a", b"a")])]}])
    with tarfile.open(tmp_path / "ok.tar") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    config_name = next(n for n in members if n.endswith(".json") and n != "manifest.json")

    def rewrite(name: str, changes: dict) -> None:
        with tarfile.open(tmp_path / name, "w") as tar:
            for member, data in {**members, **changes}.items():
                if data is None:
                    continue
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))

    rewrite("tampered.tar", {config_name: members[config_name] + b" "})
    with pytest.raises(DigestInvalid, match="does not hash to its name"):
        read_docker_archive(tmp_path / "tampered.tar")
    rewrite("notjson.tar", {"manifest.json": b"{"})
    with pytest.raises(LayoutError, match="manifest.json is not JSON"):
        read_docker_archive(tmp_path / "notjson.tar")
    rewrite("shape.tar", {"manifest.json": b'[{"Config": 1}]'})
    with pytest.raises(LayoutError, match="needs 'Config' and 'Layers'"):
        read_docker_archive(tmp_path / "shape.tar")
    rewrite("missing.tar", {"manifest.json": None})
    with pytest.raises(LayoutError, match="no manifest.json"):
        read_docker_archive(tmp_path / "missing.tar")
