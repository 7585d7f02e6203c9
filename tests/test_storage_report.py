"""One StorageReport, one meaning of logical and physical bytes, for registries and hosts.

logical = for every image, the bytes of every blob stored for it (counted again per image);
physical = every distinct stored blob once. (The sim catalogue's side: tests/sim/test_workloads.py.)
"""

from regsim import StorageReport, World


def test_a_host_reports_storage_as_a_storage_report():
    world = World.standard(quiet=True)
    laptop = world.hosts["laptop"]
    laptop.pull("python:3.11")
    laptop.pull("node:18")
    laptop.tag("python:3.11", "mine/python:1")
    report = laptop.storage()
    assert isinstance(report, StorageReport)
    images = laptop.local_images()
    assert report.manifests == len(images) == 2
    assert report.repositories == 3  # library/python, library/node, mine/python
    assert report.blobs == len(laptop.blobs)
    assert report.physical_bytes == laptop.disk_usage()
    # the host stores configs and layers (no manifests): each counted once per image
    assert report.logical_bytes == sum(b.size for img in images for b in img.blobs())
    assert report.unreferenced_bytes == 0
    assert report.dedup_ratio > 1.3 and report.saved_bytes == report.logical_bytes - report.physical_bytes
    assert "2 manifests" in str(report) and "dedup ratio" in str(report)
    assert report.to_dict()["dedup_ratio"] == report.dedup_ratio
    assert "dedup" in report._repr_html_()


def test_an_empty_host_reports_nothing_stored():
    report = World.standard(quiet=True).hosts["laptop"].storage()
    assert isinstance(report, StorageReport)
    assert (report.manifests, report.blobs, report.physical_bytes, report.logical_bytes) == (0, 0, 0, 0)
    assert report.dedup_ratio == 1.0


def test_a_registry_counts_only_the_blobs_it_stores_not_foreign_layers():
    """A foreign layer (a descriptor with ``urls``) is not stored, so it is neither physical nor
    logical: the registry holds the config and the manifest only (review: logical counted the
    1 MB foreign layer, a dedup ratio of 1352x for one image)."""
    from regsim import Blob, Descriptor, Digest, Manifest, Registry
    from regsim.oci.mediatypes import DOCKER_FOREIGN_LAYER, OCI_CONFIG

    registry = Registry("foreign")
    config = Blob(b'{"architecture":"amd64","os":"windows","rootfs":{"type":"layers","diff_ids":[]}}')
    registry.push_blob("win/app", config)
    foreign = Descriptor(DOCKER_FOREIGN_LAYER, str(Digest.of(b"far away")), 1_000_000,
                         urls=("https://example.com/layer.tar.gz",))
    manifest = Manifest(config=Descriptor(OCI_CONFIG, config.digest, config.size), layers=[foreign])
    registry.put_manifest("win/app", "1", manifest)
    report = registry.storage()
    stored = config.size + len(manifest.to_bytes())
    assert (report.physical_bytes, report.logical_bytes) == (stored, stored)
    assert report.dedup_ratio == 1.0 and report.blobs == 2


def test_a_registry_counts_manifests_per_repository_like_the_catalogue():
    """``manifests`` counts images per repository, the same images ``logical_bytes`` counts
    (review: one image in x/app and y/app reported 1 manifest and logical 2x physical)."""
    from helpers import push_image
    from regsim import Image, Layer, Registry

    image = Image.create([Layer.from_files([("/app", b"a" * 500)])])
    registry = Registry("two")
    push_image(registry, "x/app", image, "1")
    push_image(registry, "y/app", image, "1")
    report = registry.storage()
    assert (report.repositories, report.manifests) == (2, 2)
    assert report.logical_bytes == 2 * report.physical_bytes
