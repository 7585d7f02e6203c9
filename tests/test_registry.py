"""The registry model: blobs, uploads, mounts, manifests, tags, referrers, deletes, storage."""

import json
import uuid

from collections.abc import Mapping

import pytest

from helpers import push_image
from regsim import Blob, Descriptor, Digest, Image, ImageConfig, Index, Layer, Manifest, Placeholder, Registry
from regsim import events as ev
from regsim.errors import (
    BlobUnknown, BlobUploadUnknown, Denied, DigestInvalid, ManifestBlobUnknown, ManifestInvalid,
    ManifestTooLarge, ManifestUnknown, NameInvalid, NameUnknown, PaginationNumberInvalid, RangeInvalid,
    TagInvalid,
)
from regsim.oci.mediatypes import OCI_EMPTY, OCI_INDEX, OCI_MANIFEST


def kinds(reg: Registry, mark: int) -> list[str]:
    return [e.kind for e in reg.events.since(mark)]


# -- blobs -------------------------------------------------------------------------------------------

def test_blob_is_visible_only_where_it_was_pushed(registry):
    blob = registry.push_blob("a/app", b"hello")
    assert registry.stat_blob("a/app", blob.digest) == blob
    assert registry.get_blob("a/app", blob.digest).data == b"hello"
    assert registry.stat_blob("b/app", blob.digest) is None
    with pytest.raises(BlobUnknown):
        registry.get_blob("b/app", blob.digest)


def test_same_bytes_are_stored_once(registry):
    registry.push_blob("a/app", b"shared")
    mark = registry.events.mark()
    registry.push_blob("b/app", b"shared")
    uploaded = registry.events.since(mark)[-1]
    assert isinstance(uploaded, ev.BlobUploaded) and uploaded.deduplicated
    assert len(registry.blobs) == 1
    assert registry.repository("b/app").has_blob(Digest.of(b"shared"))


def test_push_blob_verifies_the_digest(registry):
    before = registry.snapshot()
    with pytest.raises(DigestInvalid):
        registry.push_blob("a/app", b"hello", Digest.of(b"other"))
    assert registry.snapshot() == before


def test_placeholders_are_stored_by_size(registry):
    p = Placeholder.for_key("big", 10**10)
    registry.push_blob("a/app", p)
    assert registry.stat_blob("a/app", p.digest).size == 10**10
    assert registry.storage().placeholder_bytes == 10**10
    # real bytes of the same digest replace a placeholder
    real = Blob(b"now real")
    registry.push_blob("a/app", Placeholder(real.digest, real.size))
    registry.push_blob("a/app", real)
    assert registry.blobs[real.digest].data == b"now real"


def test_blob_events(registry):
    mark = registry.events.mark()
    blob = registry.push_blob("a/app", b"x")
    registry.stat_blob("a/app", blob.digest)
    registry.get_blob("a/app", blob.digest)
    assert kinds(registry, mark) == ["RepositoryCreated", "BlobUploaded", "BlobChecked", "BlobFetched"]


# -- uploads -----------------------------------------------------------------------------------------

def test_chunked_upload(registry):
    session = registry.start_upload("a/app")
    assert registry.upload_chunk(session.id, b"hello ", start=0) == 6
    assert registry.upload_status(session.id) == 6
    assert registry.upload_chunk(session.id, b"world", start=6) == 11
    blob = registry.finish_upload(session.id, Digest.of(b"hello world!"), b"!")
    assert blob.data == b"hello world!" and session.id not in registry.uploads
    assert registry.stat_blob("a/app", blob.digest) is not None


def test_out_of_order_chunk_is_416_and_changes_nothing(registry):
    session = registry.start_upload("a/app")
    registry.upload_chunk(session.id, b"abc", start=0)
    before = registry.snapshot()
    for start in (0, 2, 4):
        with pytest.raises(RangeInvalid) as info:
            registry.upload_chunk(session.id, b"def", start=start)
        assert info.value.status == 416 and "must start at 3" in info.value.message
    assert registry.snapshot() == before


def test_finish_with_wrong_digest_keeps_the_session(registry):
    session = registry.start_upload("a/app")
    registry.upload_chunk(session.id, b"abc")
    before = registry.snapshot()
    with pytest.raises(DigestInvalid) as info:
        registry.finish_upload(session.id, Digest.of(b"abcd"))
    assert str(Digest.of(b"abc")) in info.value.message
    assert registry.snapshot() == before
    registry.finish_upload(session.id, Digest.of(b"abc"))


def test_sha512_upload(registry):
    session = registry.start_upload("a/app")
    registry.upload_chunk(session.id, b"abc")
    blob = registry.finish_upload(session.id, Digest.of(b"abc", "sha512"))
    assert blob.digest.algorithm == "sha512"


def test_unknown_and_cancelled_uploads(registry):
    with pytest.raises(BlobUploadUnknown):
        registry.upload_chunk("nope", b"x")
    session = registry.start_upload("a/app")
    registry.cancel_upload(session.id)
    with pytest.raises(BlobUploadUnknown):
        registry.upload_status(session.id)


def test_upload_ids_are_unguessable():
    """Issue 11: ids from a counter could be predicted and repeated after a restart."""
    a, b = Registry("r"), Registry("r")
    ids = [a.start_upload("x/y").id for _ in range(3)] + [b.start_upload("x/y").id for _ in range(3)]
    assert len(set(ids)) == 6 and all(uuid.UUID(i).version == 4 for i in ids)


# -- mounts ------------------------------------------------------------------------------------------

def test_mount_links_without_bytes(registry):
    blob = registry.push_blob("library/python", b"python layer")
    mark = registry.events.mark()
    registry.mount_blob("me/app", blob.digest, "library/python")
    assert registry.stat_blob("me/app", blob.digest) is not None
    mounted = registry.events.of(ev.BlobMounted)[-1]
    assert mounted.from_repository == "library/python" and mounted.seq >= mark


def test_mount_from_a_repository_without_the_blob(registry):
    registry.push_blob("library/python", b"python layer")
    before = registry.snapshot()
    with pytest.raises(BlobUnknown):
        registry.mount_blob("me/app", Digest.of(b"other"), "library/python")
    with pytest.raises(BlobUnknown):
        registry.mount_blob("me/app", Digest.of(b"python layer"), "library/nothing")
    assert registry.snapshot() == before


# -- manifests and tags ------------------------------------------------------------------------------

def test_manifest_needs_its_blobs_in_this_repository(registry, image):
    before = registry.snapshot()
    with pytest.raises(ManifestBlobUnknown) as info:
        registry.put_manifest("a/app", "1.0", image.manifest_bytes)
    assert info.value.detail == str(image.config_blob.digest) and info.value.status == 400
    assert registry.snapshot() == before
    # the blobs in another repository do not count
    push_image(registry, "b/app", image)
    with pytest.raises(ManifestBlobUnknown):
        registry.put_manifest("a/app", "1.0", image.manifest_bytes)


def test_put_and_get_by_tag_and_digest(registry, image):
    digest = push_image(registry, "a/app", image, "1.0")
    assert digest == image.digest
    by_tag = registry.get_manifest("a/app", "1.0")
    by_digest = registry.get_manifest("a/app", str(digest))
    assert by_tag == by_digest and by_tag.data == image.manifest_bytes
    assert by_tag.media_type == OCI_MANIFEST


def test_exact_bytes_are_stored(registry, image):
    for blob in image.blobs():
        registry.push_blob("a/app", blob)
    pretty = json.dumps(json.loads(image.manifest_bytes), indent=3).encode()
    digest = registry.put_manifest("a/app", "pretty", pretty)
    assert digest == Digest.of(pretty) != image.digest
    assert registry.get_manifest("a/app", "pretty").data == pretty


def test_put_by_digest_must_match(registry, image):
    for blob in image.blobs():
        registry.push_blob("a/app", blob)
    before = registry.snapshot()
    with pytest.raises(DigestInvalid):
        registry.put_manifest("a/app", "sha256:" + "0" * 64, image.manifest_bytes)
    assert registry.snapshot() == before


def test_descriptor_size_must_match_the_blob(registry):
    layer = registry.push_blob("a/app", b"12345")
    config = registry.push_blob("a/app", ImageConfig().to_bytes())
    m = Manifest(config=Descriptor("application/vnd.oci.image.config.v1+json", config.digest, config.size),
                 layers=(Descriptor("application/vnd.oci.image.layer.v1.tar", layer.digest, 6),))
    with pytest.raises(ManifestInvalid) as info:
        registry.put_manifest("a/app", "1", m)
    assert "says 6 bytes but the blob has 5" in info.value.message


def test_oversized_manifest_is_413():
    reg = Registry(max_manifest_size=100)
    with pytest.raises(ManifestTooLarge) as info:
        reg.put_manifest("a/app", "1", b"{" + b" " * 200 + b"}")
    assert info.value.status == 413 and info.value.code == "MANIFEST_INVALID"


def test_index_needs_its_manifests(registry, image):
    index = Index(manifests=(image.descriptor(platform="linux/amd64"),))
    for blob in image.blobs():
        registry.push_blob("a/app", blob)
    with pytest.raises(ManifestBlobUnknown) as info:
        registry.put_manifest("a/app", "multi", index)
    assert info.value.detail == str(image.digest)
    registry.put_manifest("a/app", image.digest, image.manifest_bytes)
    assert registry.put_manifest("a/app", "multi", index) == index.digest


def test_tag_moves_and_reports_previous(registry, image):
    first = push_image(registry, "a/app", image, "latest")
    other = Image.create([Layer.from_files([("/v2", b"2")])])
    second = push_image(registry, "a/app", other, "latest")
    moved = registry.events.of(ev.TagUpdated)[-1]
    assert (moved.previous, moved.digest) == (first, second)
    assert registry.repository("a/app").untagged() == [first]


def test_tags_order_and_pagination(registry, image):
    names = ["b", "A", "a", "C", "1.0", "latest"]
    for blob in image.blobs():
        registry.push_blob("a/app", blob)
    for t in names:
        registry.put_manifest("a/app", t, image.manifest_bytes)
    assert list(registry.tags("a/app")) == ["1.0", "A", "a", "b", "C", "latest"]
    assert list(registry.tags("a/app", n=2)) == ["1.0", "A"]
    assert list(registry.tags("a/app", n=2, last="A")) == ["a", "b"]
    assert list(registry.tags("a/app", last="b")) == ["C", "latest"]
    assert list(registry.tags("a/app", n=0)) == []
    with pytest.raises(PaginationNumberInvalid):
        registry.tags("a/app", n=-1)
    with pytest.raises(NameUnknown):
        registry.tags("nobody/here")


def test_tags_map_each_tag_to_its_manifest_digest_like_repository_tags(registry, image):
    """Issue 20 (one vocabulary): Registry.tags returned a list while Repository.tags and Host.tags
    were Mappings tag -> digest."""
    for blob in image.blobs():
        registry.push_blob("a/app", blob)
    registry.put_manifest("a/app", "1.0", image.manifest_bytes)
    registry.put_manifest("a/app", "latest", image.manifest_bytes)
    tags = registry.tags("a/app")
    assert isinstance(tags, Mapping) and dict(tags) == {"1.0": image.digest, "latest": image.digest}
    assert dict(tags) == dict(registry.repository("a/app").tags)
    assert dict(registry.tags("a/app", n=1, last="1.0")) == {"latest": image.digest}
    with pytest.raises(TypeError):
        tags["2.0"] = image.digest  # type: ignore[index]  # read-only, as Repository.tags


def test_a_repository_maps_its_linked_blobs_to_their_sizes(registry, image):
    for blob in image.blobs():
        registry.push_blob("a/app", blob)
    linked = registry.repository("a/app").blobs
    assert isinstance(linked, Mapping)
    assert dict(linked) == {blob.digest: blob.size for blob in image.blobs()}


def test_get_unknown_manifest(registry, image):
    with pytest.raises(NameUnknown):
        registry.get_manifest("a/app", "latest")
    push_image(registry, "a/app", image, "1.0")
    with pytest.raises(ManifestUnknown):
        registry.get_manifest("a/app", "2.0")
    with pytest.raises(ManifestUnknown):
        registry.get_manifest("a/app", "sha256:" + "0" * 64)
    assert registry.stat_manifest("a/app", "2.0") is None
    with pytest.raises(TagInvalid):
        registry.get_manifest("a/app", "-bad")
    with pytest.raises(DigestInvalid):
        registry.get_manifest("a/app", "sha256:bad")


def test_tag_method_points_an_existing_manifest(registry, image):
    digest = push_image(registry, "a/app", image, "1.0")
    registry.tag("a/app", "stable", digest)
    assert registry.repository("a/app").tags_of(digest) == ["1.0", "stable"]


# -- deletes -----------------------------------------------------------------------------------------

def test_delete_tag_keeps_manifest(registry, image):
    digest = push_image(registry, "a/app", image, "1.0")
    assert registry.delete_tag("a/app", "1.0") == digest
    assert list(registry.tags("a/app")) == []
    assert registry.get_manifest("a/app", str(digest)).digest == digest
    with pytest.raises(ManifestUnknown):
        registry.delete_tag("a/app", "1.0")


def test_delete_manifest_removes_every_tag_on_it(registry, image):
    digest = push_image(registry, "a/app", image, "1.0")
    registry.tag("a/app", "latest", digest)
    assert registry.delete_manifest("a/app", digest) == ("1.0", "latest")
    assert list(registry.tags("a/app")) == []
    with pytest.raises(ManifestUnknown):
        registry.get_manifest("a/app", "latest")


def test_delete_blob_refused_while_referenced(registry, image):
    digest = push_image(registry, "a/app", image, "1.0")
    layer = image.layers[0].digest
    before = registry.snapshot()
    with pytest.raises(Denied) as info:
        registry.delete_blob("a/app", layer)
    assert "delete the manifest first" in info.value.message
    assert registry.snapshot() == before
    registry.delete_manifest("a/app", digest)
    registry.delete_blob("a/app", layer)
    assert registry.stat_blob("a/app", layer) is None
    assert layer in registry.blobs  # bytes stay until gc


def test_delete_blob_only_unlinks_this_repository(registry):
    blob = registry.push_blob("a/app", b"shared")
    registry.push_blob("b/app", b"shared")
    registry.delete_blob("a/app", blob.digest)
    assert registry.stat_blob("b/app", blob.digest) is not None
    with pytest.raises(BlobUnknown):
        registry.delete_blob("a/app", blob.digest)


def test_delete_child_of_an_index_refused(registry, image):
    push_image(registry, "a/app", image)
    index = Index(manifests=(image.descriptor(platform="linux/amd64"),))
    registry.put_manifest("a/app", "multi", index)
    with pytest.raises(Denied):
        registry.delete_manifest("a/app", image.digest)


# -- referrers -------------------------------------------------------------------------------------

def _artifact(registry, repo, subject, artifact_type, payload: bytes, annotations=None):
    empty = registry.push_blob(repo, b"{}")
    blob = registry.push_blob(repo, payload)
    m = Manifest(config=Descriptor(OCI_EMPTY, empty.digest, 2),
                 layers=(Descriptor("application/octet-stream", blob.digest, blob.size),),
                 subject=subject, artifact_type=artifact_type, annotations=annotations or {})
    registry.put_manifest(repo, m.digest, m)
    return m


def test_referrers(registry, image):
    digest = push_image(registry, "a/app", image, "1.0")
    subject = Descriptor(OCI_MANIFEST, digest, len(image.manifest_bytes))
    sig = _artifact(registry, "a/app", subject, "application/vnd.example.signature", b"sig", {"who": "ci"})
    sbom = _artifact(registry, "a/app", subject, "application/spdx+json", b"sbom")
    result = registry.referrers("a/app", digest)
    assert result.media_type == OCI_INDEX
    assert {d.digest for d in result.manifests} == {sig.digest, sbom.digest}
    by_type = {d.artifact_type: d for d in result.manifests}
    assert by_type["application/vnd.example.signature"].annotations == {"who": "ci"}
    only = registry.referrers("a/app", digest, artifact_type="application/spdx+json")
    assert [d.digest for d in only.manifests] == [sbom.digest]
    assert registry.referrers("a/app", "sha256:" + "1" * 64).manifests == ()
    assert registry.referrers("nobody/here", digest).manifests == ()


def test_subject_may_be_missing(registry):
    ghost = Descriptor(OCI_MANIFEST, "sha256:" + "2" * 64, 100)
    m = _artifact(registry, "a/app", ghost, "application/vnd.example", b"x")
    assert [d.digest for d in registry.referrers("a/app", ghost.digest).manifests] == [m.digest]


# -- catalog and storage -------------------------------------------------------------------------------

def test_catalog(registry):
    for name in ["b/x", "a/y", "c/z"]:
        registry.push_blob(name, b"x")
    assert registry.catalog() == ["a/y", "b/x", "c/z"]
    assert registry.catalog(n=1, last="a/y") == ["b/x"]


def test_storage_counts_logical_and_physical_bytes(registry):
    base = Layer.from_files([("/base", b"b" * 1000)])
    a = Image.create([base, Layer.from_files([("/a", b"a" * 100)])])
    b = Image.create([base, Layer.from_files([("/b", b"b" * 200)])])
    push_image(registry, "team/a", a, "1")
    push_image(registry, "team/b", b, "1")
    report = registry.storage()
    distinct = {blob.digest: blob.size for img in (a, b) for blob in img.blobs()}
    manifests = len(a.manifest_bytes) + len(b.manifest_bytes)
    assert report.physical_bytes == sum(distinct.values()) + manifests
    assert report.logical_bytes == sum(x.size for img in (a, b) for x in img.blobs()) + manifests
    assert report.dedup_ratio == report.logical_bytes / report.physical_bytes > 1
    assert report.saved_bytes == base.size
    assert report.unreferenced_bytes == 0


@pytest.mark.parametrize("name", ["UPPER/case", "a..b", "", "a/", "x" * 256])
def test_bad_repository_names(registry, name):
    before = registry.snapshot()
    with pytest.raises(NameInvalid):
        registry.push_blob(name, b"x")
    assert registry.snapshot() == before


# -- push_image: a whole image in one atomic call -------------------------------------------------

def test_push_image_links_blobs_then_manifest_then_tags(registry, image):
    mark = registry.events.mark()
    digest = registry.push_image("a/app", image.manifest_bytes, image.blobs(), tags=["1.0", "latest"])
    assert digest == image.digest and list(registry.tags("a/app")) == ["1.0", "latest"]
    assert kinds(registry, mark) == ["RepositoryCreated", "BlobUploaded", "BlobUploaded", "BlobUploaded",
                                     "ManifestPushed", "TagUpdated", "TagUpdated"]
    mark = registry.events.mark()
    registry.push_image("a/app", image.manifest_bytes, image.blobs(), tags=["2.0"])
    assert kinds(registry, mark) == ["ManifestPushed", "TagUpdated"]  # linked blobs are skipped


def test_push_image_is_atomic(registry, image):
    before = registry.snapshot()
    with pytest.raises(ManifestBlobUnknown):
        registry.push_image("a/app", image.manifest_bytes, image.blobs()[:-1], tags=["1.0"])
    with pytest.raises(TagInvalid):
        registry.push_image("a/app", image.manifest_bytes, image.blobs(), tags=["ok", "-bad"])
    with pytest.raises(TypeError):
        registry.push_image("a/app", image.manifest_bytes, [b"raw bytes"])  # type: ignore[list-item]
    assert registry.snapshot() == before


# -- from the review: wrong types, index children, atomic describe, events for every change ----------

@pytest.mark.parametrize("bad", [5, "text", None, [1, 2]])
def test_content_must_be_bytes(registry, bad):
    session = registry.start_upload("a/app")
    before = registry.snapshot()
    with pytest.raises(TypeError) as info:
        registry.upload_chunk(session.id, bad)
    assert type(bad).__name__ in str(info.value)
    with pytest.raises(TypeError):
        registry.finish_upload(session.id, Digest.of(b""), bad)
    with pytest.raises(TypeError):
        Blob(bad)
    with pytest.raises(TypeError):
        Digest.of(bad)
    assert registry.snapshot() == before


def test_index_children_must_be_manifests(registry):
    layer = registry.push_blob("team/app", b"a layer, not a manifest")
    index = Index(manifests=(Descriptor(OCI_MANIFEST, layer.digest, layer.size, platform="linux/amd64"),))
    before = registry.snapshot()
    with pytest.raises(ManifestBlobUnknown):
        registry.put_manifest("team/app", "idx", index)
    with pytest.raises(ManifestBlobUnknown):
        registry.push_image("team/app", index, [layer])
    assert registry.snapshot() == before


def test_describe_and_visibility_are_events_and_atomic(hub):
    alice = hub.login("alice", "alice-pw")
    hub.push_blob("alice/app", b"x", auth=alice)
    before = hub.snapshot()
    with pytest.raises(ValueError):
        hub.describe("alice/app", "new words", stars=-1, auth=alice)
    assert hub.snapshot() == before
    hub.describe("alice/app", "An app", stars=2, auth=alice)
    hub.set_visibility("alice/app", "private", auth=alice)
    changes = hub.events.of(ev.RepositoryChanged)
    assert [(e.description, e.visibility) for e in changes] == [("An app", "public"), ("An app", "private")]
    with pytest.raises(ValueError):
        hub.create_repository("alice/app", private=False, auth=alice)  # exists, and is private
    assert hub.create_repository("alice/app", private=True, auth=alice).visibility == "private"


def test_stat_manifest_is_an_event(registry, image):
    push_image(registry, "a/app", image, "1.0")
    registry.stat_manifest("a/app", "1.0")
    registry.stat_manifest("a/app", "2.0")
    checks = registry.events.of(ev.ManifestChecked)
    assert [(c.reference, c.digest) for c in checks] == [("1.0", image.digest), ("2.0", None)]


def test_pulls_are_in_the_snapshot(registry, image):
    push_image(registry, "a/app", image, "1.0")
    before = registry.snapshot()
    registry.get_manifest("a/app", "1.0")
    assert registry.snapshot() != before
