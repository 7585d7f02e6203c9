"""Issue 16, item 2: for a store on disk a change is durable before it is visible.

A failed disk write (``ENOSPC``, ``EROFS``, ``EIO``) leaves memory exactly as the disk is: every
operation (push, mount, tag, delete, upload, gc) runs once on a disk that fails its n-th write,
for every n (``disk_faults.FailingDisk``); afterwards what the registry holds in memory equals
what ``Registry.open(DIR)`` reads back, the operation can be run again, and ``check`` accepts the
store. Real full and read-only file systems are in tests/server/test_disk_full.py.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from disk_faults import FailingDisk, scratch, state
from regsim import Image, Layer, Registry
from regsim.client.remote import write
from regsim.registry.filesystem import check


def image(*texts: str) -> Image:
    return Image.create([Layer.from_files([(f"/{t}", t.encode())]) for t in texts])


BASE, OLD, NEW = image("base", "v1"), image("base", "old"), image("base", "new")
LOOSE = b"a blob no manifest references"
HALF = b"the first half of an upload, "
REST = b"and the rest of it"


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def work(tmp_path):
    directory = scratch(tmp_path / "work")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    store = tmp_path_factory.mktemp("durable") / "store"
    registry = Registry.open(store)
    write(registry, "team/app", BASE, tags=["1", "latest"])
    write(registry, "team/app", OLD)  # untagged
    registry.push_blob("team/app", LOOSE)
    started = registry.start_upload("team/app")
    registry.upload_chunk(started.id, HALF)
    empty = registry.start_upload("team/app")
    return store, {"upload": started.id, "empty": empty.id}


def _finish(r: Registry, ids: dict[str, str]) -> None:
    """The closing PUT with the rest of the bytes, from where the upload is (as a client resumes)."""
    received = r.uploads[ids["upload"]].size
    r.finish_upload(ids["upload"], sha(HALF + REST), (HALF + REST)[received:], start=received)


def _chunked(r: Registry, ids: dict[str, str]) -> None:
    session = r.start_upload("team/app")
    r.upload_chunk(session.id, b"one, ")
    r.upload_chunk(session.id, b"two")
    r.finish_upload(session.id, sha(b"one, two"))


OPERATIONS: dict[str, Callable[[Registry, dict[str, str]], Any]] = {
    "push image": lambda r, ids: write(r, "team/app", NEW, tags=["2"]),
    "push to a new repository": lambda r, ids: write(r, "new/app", NEW, tags=["1"]),
    "push blob": lambda r, ids: r.push_blob("team/app", b"new bytes"),
    "mount": lambda r, ids: r.mount_blob("other/app", BASE.layers[0].digest, "team/app"),
    "tag": lambda r, ids: r.tag("team/app", "again", str(BASE.digest)),
    "move tag": lambda r, ids: r.tag("team/app", "latest", str(OLD.digest)),
    "delete tag": lambda r, ids: r.delete_tag("team/app", "latest"),
    "delete manifest": lambda r, ids: r.delete_manifest("team/app", str(BASE.digest)),
    "delete blob": lambda r, ids: r.delete_blob("team/app", sha(LOOSE)),
    "start upload": lambda r, ids: r.start_upload("team/app"),
    "upload chunk": lambda r, ids: r.upload_chunk(ids["upload"], REST, start=len(HALF)),
    "first chunk": lambda r, ids: r.upload_chunk(ids["empty"], REST, start=0),
    "finish upload": _finish,
    "cancel upload": lambda r, ids: r.cancel_upload(ids["upload"]),
    "chunked upload": _chunked,
    "gc": lambda r, ids: r.garbage_collect(),
    "gc -m": lambda r, ids: r.garbage_collect(delete_untagged=True),
}

ERRNOS = (errno.ENOSPC, errno.EROFS, errno.EIO)


def copy(source: Path, target: Path) -> None:
    """A copy of a store, fast: hard links, but real copies of the upload files (appended in place)."""
    shutil.copytree(source, target, copy_function=lambda s, d: (shutil.copy2 if "/_uploads/" in s else os.link)(s, d))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_failed_disk_write_leaves_memory_as_the_disk_is(original, work, operation):
    source, ids = original
    run = OPERATIONS[operation]
    shutil.copytree(source, work / "original")  # on the scratch file system: hard links to it work
    source = work / "original"
    counted = work / "counted"
    shutil.copytree(source, counted)
    registry = Registry.open(counted)
    with FailingDisk(None) as disk:
        run(registry, ids)
    assert disk.writes > 0, f"{operation} wrote nothing"
    assert state(registry) == state(Registry.open(counted))
    for n in range(1, disk.writes + 1):
        store = work / f"fail{n}"
        copy(source, store)
        registry = Registry.open(store)
        code = ERRNOS[n % len(ERRNOS)]
        with FailingDisk(n, code) as failing:
            try:
                run(registry, ids)
                failed = False  # the write that failed was a clean-up after the change
            except OSError as exc:
                assert exc.errno == code
                failed = True
        where = f"{operation}, write {n} failed ({failing.failed[0] if failing.failed else 'nothing'})"
        assert state(registry) == state(Registry.open(store)), where
        if failed:
            run(registry, ids)  # the registry still works: the same operation succeeds now
            assert state(registry) == state(Registry.open(store)), where + ", then again"
        report = check(store, verify_digests=False)
        assert report.ok, f"{where}: {report}"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_crash_at_any_disk_write_leaves_a_store_check_accepts(original, work, operation):
    """A ``kill -9`` at every write in turn (the n-th write fails and nothing after it reaches the
    disk): the store opens without problems and ``check`` accepts it."""
    source, ids = original
    run = OPERATIONS[operation]
    shutil.copytree(source, work / "original")
    source = work / "original"
    counted = work / "counted"
    copy(source, counted)
    registry = Registry.open(counted)
    with FailingDisk(None) as disk:
        run(registry, ids)
    for n in range(1, disk.writes + 1):
        store = work / f"crash{n}"
        copy(source, store)
        registry = Registry.open(store)
        with FailingDisk(n, crash=True) as crash:
            try:
                run(registry, ids)
            except OSError:
                pass
        where = f"{operation}, crashed at write {n} ({crash.failed[0] if crash.failed else 'nothing'})"
        assert Registry.open(store).load_problems == [], where
        report = check(store, verify_digests=False)
        assert report.ok, f"{where}: {report}"
