"""Mark-and-sweep garbage collection."""

from helpers import push_image
from regsim import Descriptor, Image, Index, Layer, Manifest, Registry
from regsim import events as ev
from regsim.oci.mediatypes import OCI_EMPTY, OCI_MANIFEST


def img(*files: bytes) -> Image:
    return Image.create([Layer.from_files([(f"/f{i}", data)]) for i, data in enumerate(files)])


def test_deleting_a_tag_frees_nothing(registry):
    a = img(b"base", b"v1")
    push_image(registry, "team/app", a, "1.0")
    registry.delete_tag("team/app", "1.0")
    report = registry.garbage_collect()
    assert report.swept == () and report.bytes_freed == 0
    assert registry.garbage_collect(delete_untagged=True, dry_run=True).bytes_freed > 0


def test_delete_untagged_sweeps_old_versions_but_not_shared_layers(registry):
    v1, v2 = img(b"base", b"v1"), img(b"base", b"v2")
    push_image(registry, "team/app", v1, "latest")
    push_image(registry, "team/app", v2, "latest")  # the tag moves: v1 is untagged
    report = registry.garbage_collect(delete_untagged=True)
    assert report.deleted_manifests == (("team/app", v1.digest),)
    swept = set(report.swept)
    assert v1.digest in swept and v1.layers[1].digest in swept and v1.config_blob.digest in swept
    assert v1.layers[0].digest not in swept  # shared with v2
    assert report.bytes_freed == sum(registry_size for registry_size in [
        len(v1.manifest_bytes), v1.layers[1].size, v1.config_blob.size])
    assert registry.stat_blob("team/app", v1.layers[1].digest) is None  # links removed too
    assert registry.get_manifest("team/app", "latest").digest == v2.digest


def test_unreferenced_uploads_are_swept(registry):
    registry.push_blob("team/app", b"orphan")
    assert registry.storage().unreferenced_bytes == 6
    report = registry.garbage_collect()
    assert len(report.swept) == 1 and report.bytes_freed == 6
    assert registry.storage().physical_bytes == 0


def test_dry_run_changes_nothing_but_emits_a_report(registry):
    registry.push_blob("team/app", b"orphan")
    before = registry.snapshot()
    report = registry.garbage_collect(dry_run=True)
    assert report.dry_run and report.bytes_freed == 6
    assert registry.snapshot() == before
    assert registry.events.of(ev.GarbageCollected)[-1].dry_run


def test_children_of_tagged_index_survive_delete_untagged(registry):
    amd, arm = img(b"amd"), img(b"arm")
    push_image(registry, "team/app", amd)
    push_image(registry, "team/app", arm)
    index = Index(manifests=(amd.descriptor(platform="linux/amd64"), arm.descriptor(platform="linux/arm64")))
    registry.put_manifest("team/app", "latest", index)
    report = registry.garbage_collect(delete_untagged=True)
    assert report.swept == () and report.deleted_manifests == ()


def test_referrers_of_kept_images_are_kept(registry):
    app = img(b"app")
    digest = push_image(registry, "team/app", app, "1.0")
    empty = registry.push_blob("team/app", b"{}")
    sig = registry.push_blob("team/app", b"signature")
    artifact = Manifest(config=Descriptor(OCI_EMPTY, empty.digest, 2),
                        layers=(Descriptor("application/octet-stream", sig.digest, sig.size),),
                        subject=Descriptor(OCI_MANIFEST, digest, len(app.manifest_bytes)),
                        artifact_type="application/vnd.example.sig")
    registry.put_manifest("team/app", artifact.digest, artifact)
    assert registry.garbage_collect(delete_untagged=True).swept == ()
    registry.delete_tag("team/app", "1.0")
    swept = set(registry.garbage_collect(delete_untagged=True).swept)
    assert {digest, artifact.digest, sig.digest} <= swept


def test_blob_shared_across_repositories_survives(registry):
    base = b"shared base"
    a, b = img(base, b"a"), img(base, b"b")
    push_image(registry, "x/a", a, "1")
    push_image(registry, "x/b", b, "1")
    registry.delete_manifest("x/a", a.digest)
    swept = set(registry.garbage_collect().swept)
    assert a.layers[0].digest not in swept and a.layers[1].digest in swept


def test_report_wording(registry):
    registry.push_blob("team/app", b"orphan")
    assert str(registry.garbage_collect(dry_run=True)) == \
        "marked 0 blobs, would sweep 1 blob (6B), would delete 0 untagged manifests"
    assert "no manifests, so no dedup ratio" in str(registry.storage())
    assert str(registry.garbage_collect()).startswith("marked 0 blobs, swept 1 blob (6B), deleted 0")
