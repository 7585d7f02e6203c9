"""Issue 11: a registry kept on disk in the reference registry's layout (``Registry.open``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from regsim import Image, Layer, Placeholder, Registry
from regsim.client.remote import read, write
from regsim.errors import PlaceholderContent
from regsim.registry.filesystem import Layout, check


def image(text: str, base: Image | None = None) -> Image:
    layers = [*(base.layers if base else ()), Layer.from_files([(f"/{text}", text.encode())])]
    return Image.create(layers)


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store"


def test_the_layout_is_distributions(store):
    registry = Registry.open(store)
    app = image("app")
    write(registry, "team/app", app, tags=["1.0"])
    v2 = store / "docker" / "registry" / "v2"
    layer = app.layers[0].digest
    assert (v2 / "blobs" / "sha256" / layer.encoded[:2] / layer.encoded / "data").read_bytes() == app.layers[0].blob.data
    repo = v2 / "repositories" / "team" / "app"
    assert (repo / "_layers" / "sha256" / layer.encoded / "link").read_text() == str(layer)
    assert (repo / "_manifests" / "revisions" / "sha256" / app.digest.encoded / "link").read_text() == str(app.digest)
    assert (repo / "_manifests" / "tags" / "1.0" / "current" / "link").read_text() == str(app.digest)
    assert (repo / "_manifests" / "tags" / "1.0" / "index" / "sha256" / app.digest.encoded / "link").is_file()
    assert not any((store / ".regsim-tmp").iterdir())  # every write was renamed into place


def test_everything_survives_a_reopen(store):
    registry = Registry.open(store)
    base, app = image("base"), None
    app = image("app", base)
    write(registry, "library/base", base, tags=["1"])
    registry.mount_blob("team/app", base.layers[0].digest, "library/base")
    write(registry, "team/app", app, tags=["1.0", "latest"])
    write(registry, "team/app", image("old"), tags=["old"])
    registry.delete_tag("team/app", "old")
    session = registry.start_upload("team/app")
    registry.upload_chunk(session.id, b"half an upload")
    before = registry.snapshot()

    reopened = Registry.open(store)
    after = reopened.snapshot()
    assert after["blobs"] == before["blobs"]
    for name, repo in before["repositories"].items():
        for key in ("blobs", "manifests", "tags"):
            assert after["repositories"][name][key] == repo[key], (name, key)
    assert reopened.load_problems == []
    assert read(reopened, "team/app", "latest").digest == app.digest
    resumed = reopened.uploads[session.id]
    assert resumed.size == len(b"half an upload")
    reopened.upload_chunk(session.id, b", finished", start=resumed.size)
    blob = reopened.finish_upload(session.id, "sha256:" + __import__("hashlib").sha256(
        b"half an upload, finished").hexdigest())
    assert Registry.open(store).blobs[blob.digest].data == b"half an upload, finished"
    assert check(store).ok


def test_deletes_and_gc_remove_the_files(store):
    registry = Registry.open(store)
    keep, drop = image("keep"), image("drop")
    write(registry, "team/app", keep, tags=["keep"])
    write(registry, "team/app", drop, tags=["drop"])
    registry.delete_manifest("team/app", drop.digest)
    layout = Layout(store)
    assert not layout.tag_dir("team/app", "drop").exists()
    assert layout.blob_data(drop.layers[0].digest).exists()  # a delete unlinks; the bytes wait for gc
    report = registry.garbage_collect()
    assert drop.layers[0].digest in report.swept
    assert not layout.blob_data(drop.layers[0].digest).exists()
    assert not layout.layer_link("team/app", drop.layers[0].digest).exists()
    assert layout.blob_data(keep.layers[0].digest).exists()
    assert check(store).ok and read(Registry.open(store), "team/app", "keep").digest == keep.digest


def test_cancelled_uploads_and_placeholders(store):
    registry = Registry.open(store)
    session = registry.start_upload("team/app")
    registry.upload_chunk(session.id, b"bytes")
    upload_dir = Layout(store).upload_dir("team/app", session.id)
    assert (upload_dir / "data").read_bytes() == b"bytes" and (upload_dir / "startedat").is_file()
    registry.cancel_upload(session.id)
    assert not upload_dir.exists()
    before = registry.snapshot()
    with pytest.raises(PlaceholderContent, match="real bytes"):
        registry.push_blob("team/app", Placeholder.for_key("big", 10**9))
    assert registry.snapshot() == before


def test_check_finds_corruption(store):
    registry = Registry.open(store)
    app = image("app")
    write(registry, "team/app", app, tags=["1.0"])
    assert check(store).ok
    layout = Layout(store)
    data = layout.blob_data(app.layers[0].digest)
    data.write_bytes(b"flipped" + data.read_bytes()[7:])
    (layout.tag_dir("team/app", "2.0") / "current").mkdir(parents=True)
    (layout.tag_current("team/app", "2.0")).write_text("sha256:" + "0" * 64)
    layout.blob_data(app.config_blob.digest).unlink()
    report = check(store)
    assert not report.ok
    text = str(report)
    assert "does not hash to its name" in text and "tag 2.0 points at" in text and "has no data file" in text


def test_regsim_gc_and_check_commands(store):
    registry = Registry.open(store)
    write(registry, "team/app", image("one"), tags=["1"])
    write(registry, "team/app", image("two"), tags=["2"])
    registry.delete_tag("team/app", "2")

    def regsim(*args):
        return subprocess.run([sys.executable, "-m", "regsim.cli", *args], capture_output=True, text=True, timeout=60)

    dry = regsim("gc", "--data", str(store), "--dry-run", "--delete-untagged")
    assert dry.returncode == 0 and "would delete manifest team/app@sha256:" in dry.stdout
    assert "would sweep 3 blobs" in dry.stdout
    assert len(Registry.open(store).blobs) == 6
    done = regsim("gc", "--data", str(store), "--delete-untagged")
    assert done.returncode == 0 and "swept 3 blobs" in done.stdout
    assert len(Registry.open(store).blobs) == 3
    fine = regsim("check", "--data", str(store))
    assert fine.returncode == 0 and "consistent" in fine.stdout
    Layout(store).blob_data(next(iter(Registry.open(store).blobs))).write_bytes(b"rot")
    broken = regsim("check", "--data", str(store))
    assert broken.returncode == 1 and "problem: blob sha256:" in broken.stdout


def test_regsim_gc_refuses_a_path_that_holds_no_store(tmp_path):
    def regsim(*args):
        return subprocess.run([sys.executable, "-m", "regsim.cli", *args], capture_output=True, text=True, timeout=60)

    typo = tmp_path / "typo"
    a_file = tmp_path / "file"
    a_file.write_text("not a store")
    for path in (typo, a_file):
        for dry in ((), ("--dry-run",)):
            done = regsim("gc", "--data", str(path), *dry)
            assert done.returncode == 1 and f"{str(path)!r} is not a registry store" in done.stderr
            assert done.stdout == ""
    assert not typo.exists()  # a typo creates nothing
    assert a_file.read_text() == "not a store"


def test_check_report_counts_read_as_english(store):
    registry = Registry.open(store)
    write(registry, "team/app", image("one"), tags=["1"])
    text = str(check(store))
    assert "1 repository, 1 manifest, 1 tag, 0 uploads in progress: consistent" in text


def _regsim(*args):
    return subprocess.run([sys.executable, "-m", "regsim.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_gc_never_sweeps_what_a_revision_references_when_a_layer_is_damaged(store, damage):
    # review (SEVERE): one corrupt or missing layer made `regsim gc` delete the whole image
    registry = Registry.open(store)
    app = image("two", image("one"))
    write(registry, "team/app", app, tags=["1.0"])
    layout = Layout(store)
    hurt = app.layers[0].digest
    if damage == "corrupt":
        layout.blob_data(hurt).write_bytes(b"garbage")
    else:
        import shutil
        shutil.rmtree(layout.blob_data(hurt).parent)
    kept = [app.digest, app.config_blob.digest, app.layers[1].digest]
    for dry in (("--dry-run",), ()):
        done = _regsim("gc", "--data", str(store), *dry)
        assert done.returncode == 0, done.stderr
        assert "swept 0 blobs" in done.stdout or "would sweep 0 blobs" in done.stdout, done.stdout
        assert "regsim check" in done.stderr  # the damage is reported, and where to look
    for digest in kept:
        assert layout.blob_data(digest).is_file()
    assert read_link_of(layout.revision_link("team/app", app.digest)) == app.digest
    assert layout.tag_current("team/app", "1.0").is_file()
    # the in-process API too (a served store: POST /admin/gc)
    reopened = Registry.open(store)
    assert reopened.load_problems
    assert reopened.garbage_collect().swept == ()


def test_gc_refuses_a_store_whose_manifest_is_missing(store):
    registry = Registry.open(store)
    app = image("app")
    write(registry, "team/app", app, tags=["1.0"])
    layout = Layout(store)
    import shutil
    shutil.rmtree(layout.blob_data(app.digest).parent)  # what it references is unknown now
    done = _regsim("gc", "--data", str(store))
    assert done.returncode == 1 and "regsim check" in done.stderr and done.stdout == ""
    assert layout.blob_data(app.layers[0].digest).is_file()


def read_link_of(path):
    from regsim.registry.filesystem import read_link
    return read_link(path)


def test_a_registry_on_disk_added_to_a_world_keeps_writing_its_links(store):
    """Second review: World.add_registry gave the registry the world's log, but the registry's
    journal stayed subscribed to its old log, so links, tags and manifests stopped reaching disk."""
    from regsim import World
    world = World()
    registry = world.add_registry(Registry.open(store, "localhost:5000"))
    write(registry, "team/app", image("app"), tags=["1.0"])
    again = Registry.open(store)
    assert list(again.repositories) == ["team/app"]
    assert again.snapshot() == registry.snapshot()


def test_a_world_that_does_not_record_refuses_a_registry_on_disk(store):
    from regsim import EventLog, World
    from regsim.errors import InvalidArgument
    world = World(events=EventLog(recording=False))
    with pytest.raises(InvalidArgument, match="records"):
        world.add_registry(Registry.open(store, "localhost:5000"))
    assert not world.registries


def test_a_staged_file_pushed_as_a_blob_is_taken_not_copied(store):
    """A mirror or --load stages a blob in .regsim-tmp and pushes it: the store takes the file
    (durably, before the blob is visible) and nothing is left behind."""
    import hashlib

    from regsim.oci.digest import Digest
    from regsim.registry.filesystem import SpooledBlob

    registry = Registry.open(store)
    staged = Layout(store).tmp / "staged-layer"
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_bytes(b"staged layer bytes")
    digest = Digest("sha256:" + hashlib.sha256(b"staged layer bytes").hexdigest())
    registry.push_blob("team/app", SpooledBlob(staged, digest, staged.stat().st_size))
    assert not staged.exists()
    assert Registry.open(store).blobs[digest].data == b"staged layer bytes"
    report = check(store)
    assert report.ok and report.notes == [], str(report)
