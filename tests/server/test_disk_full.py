"""Issue 16, item 2, on real file systems: ``regsim serve --data`` on a full tmpfs and on a
read-only bind mount. Whatever the server answered 2xx is there after a restart
(``Registry.open(DIR)``); whatever failed is not visible, and memory equals the disk.

Mounting needs root (CAP_SYS_ADMIN); where it is not permitted the tests skip, saying so.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from disk_faults import state
from regsim import Registry
from regsim.oci.mediatypes import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST
from regsim.registry.filesystem import check
from regsim.server import serve

PAGE = 4096


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"mount {' '.join(args)} is not permitted here ({done.stderr.strip() or done.returncode}): "
                    "these tests need root with CAP_SYS_ADMIN")


@pytest.fixture
def mounts(tmp_path):
    """``mounts.tmpfs(dir, size)``, ``mounts.read_only(source, dir)``; all unmounted (by path) after."""
    made: list[Path] = []

    class Mounts:
        @staticmethod
        def tmpfs(path: Path, size: str) -> Path:
            path.mkdir()
            _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
            made.append(path)
            return path

        @staticmethod
        def read_only(source: Path, path: Path) -> Path:
            path.mkdir()
            _mount("--bind", str(source), str(path))
            made.append(path)
            _mount("-o", "remount,ro,bind", str(path))
            return path

    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs or a read-only bind needs root")
    yield Mounts()
    for path in reversed(made):
        subprocess.run(["umount", str(path)], capture_output=True, timeout=30)


def _manifest(config: bytes, layers: list[bytes]) -> bytes:
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                       "config": {"mediaType": OCI_CONFIG, "digest": sha(config), "size": len(config)},
                       "layers": [{"mediaType": OCI_LAYER, "digest": sha(d), "size": len(d)} for d in layers]}).encode()


CONFIG = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'


def test_a_full_disk_never_acknowledges_what_a_restart_loses(mounts, tmp_path, api_for):
    # issue 16: on a 20 MB tmpfs filled so that 64 pages stay free, the blob upload answered 500
    # when its layer link was written, yet HEAD answered 200 and the manifest PUT 201; after a
    # restart the manifest was 404
    data = mounts.tmpfs(tmp_path / "disk", "20m") / "store"
    registry = Registry.open(data)
    registry.push_blob("team/app", CONFIG)
    free = os.statvfs(data).f_bavail * os.statvfs(data).f_frsize
    (data.parent / "filler").write_bytes(b"\0" * (free - 64 * PAGE))
    answers: dict[str, int] = {}
    with serve(registry) as server:
        api = api_for(server)
        # blobs of growing size around what is left, pushed one request each, then chunked
        for i, size in enumerate(range(40 * PAGE, 80 * PAGE, 4 * PAGE)):
            blob = bytes([i]) * size
            answers[sha(blob)] = api.post("/v2/team/app/blobs/uploads/", params={"digest": sha(blob)},
                                          content=blob).status_code
            head = api.head(f"/v2/team/app/blobs/{sha(blob)}").status_code
            assert (answers[sha(blob)], head) in ((201, 200), (500, 404)), (size, answers[sha(blob)], head)
        for digest, status in list(answers.items()):
            layers = [bytes([i]) * size for i, size in enumerate(range(40 * PAGE, 80 * PAGE, 4 * PAGE))
                      if sha(bytes([i]) * size) == digest]
            put = api.put(f"/v2/team/app/manifests/{digest[7:19]}", content=_manifest(CONFIG, layers),
                          headers={"Content-Type": OCI_MANIFEST})
            assert put.status_code in ((201, 500) if status == 201 else (400,)), (status, put.status_code, put.text)
            answers[f"tag {digest[7:19]}"] = put.status_code
    assert 201 in answers.values() and 500 in answers.values(), answers  # the disk did fill up
    assert state(registry) == state(Registry.open(data))  # memory is what a restart reads
    reopened = Registry.open(data)
    for key, status in answers.items():
        if key.startswith("tag "):
            assert (key[4:] in reopened.repository("team/app").tags) == (status == 201), key
        else:
            assert reopened.repository("team/app").has_blob(key) == (status == 201), key
    (data.parent / "filler").unlink()
    assert check(data).ok


def test_a_read_only_store_changes_nothing_it_answers_500_for(mounts, tmp_path, api_for):
    # issue 16: on a read-only bind mount, a cross-repository mount answered 500 yet the blob was
    # linked and the repository in the catalog; DELETE of a tag answered 500 yet the tag was gone
    # until a restart; PUT of a tag answered 500 yet it was served until a restart
    disk = mounts.tmpfs(tmp_path / "disk", "20m")
    writable = Registry.open(disk / "store")
    layer = b"a layer"
    writable.push_blob("team/app", CONFIG)
    writable.push_blob("team/app", layer)
    manifest = _manifest(CONFIG, [layer])
    writable.put_manifest("team/app", "1.0", manifest, media_type=OCI_MANIFEST)
    old = writable.start_upload("team/app").id  # older than the purge age below
    data = mounts.read_only(disk, tmp_path / "ro") / "store"
    registry = Registry.open(data)
    before = state(registry)
    with serve(registry, upload_purge_age=0.001) as server:
        api = api_for(server)
        mounted = api.post("/v2/other/app/blobs/uploads/", params={"mount": sha(layer), "from": "team/app"})
        assert mounted.status_code == 500, mounted.text
        assert "storage refused the write (Read-only file system): nothing was changed" in mounted.text
        assert api.head(f"/v2/other/app/blobs/{sha(layer)}").status_code == 404
        assert api.get("/v2/_catalog").json()["repositories"] == ["team/app"]
        assert api.delete("/v2/team/app/manifests/1.0").status_code == 500
        assert api.get("/v2/team/app/manifests/1.0").status_code == 200
        put = api.put("/v2/team/app/manifests/2.0", content=manifest, headers={"Content-Type": OCI_MANIFEST})
        assert put.status_code == 500
        assert api.get("/v2/team/app/manifests/2.0").status_code == 404
        # purging the old upload fails (read-only): the session stays, as it is on disk, and the
        # request that triggered the purge is answered
        assert api.get(f"/v2/team/app/blobs/uploads/{old}").status_code == 204
        assert api.post("/v2/team/app/blobs/uploads/").status_code == 500  # an upload needs a file
        assert api.post("/admin/gc", params={"delete_untagged": "1"}).status_code in (200, 500)
    assert state(registry) == before == state(Registry.open(data))
