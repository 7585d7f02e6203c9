"""Media types of the OCI image-spec v1.1 and of Docker's image manifest schema 2.

Names follow the spec; each constant's value is the exact string sent on the wire.
"""

from __future__ import annotations

__all__ = [
    "OCI_MANIFEST",
    "OCI_INDEX",
    "OCI_CONFIG",
    "OCI_LAYER",
    "OCI_LAYER_GZIP",
    "OCI_LAYER_ZSTD",
    "OCI_EMPTY",
    "DOCKER_MANIFEST",
    "DOCKER_MANIFEST_LIST",
    "DOCKER_CONFIG",
    "DOCKER_LAYER",
    "DOCKER_FOREIGN_LAYER",
    "DOCKER_SCHEMA1",
    "DOCKER_SCHEMA1_SIGNED",
    "MANIFEST_TYPES",
    "INDEX_TYPES",
    "IMAGE_MANIFEST_TYPES",
    "CONFIG_TYPES",
    "is_index",
]

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
OCI_LAYER_NONDISTRIBUTABLE = "application/vnd.oci.image.layer.nondistributable.v1.tar"
OCI_LAYER_NONDISTRIBUTABLE_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"

#: Single-image manifests the registry stores.
IMAGE_MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
#: Multi-platform indexes (manifest lists) the registry stores.
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
#: Every manifest media type a ``PUT /manifests`` accepts.
MANIFEST_TYPES = IMAGE_MANIFEST_TYPES | INDEX_TYPES
CONFIG_TYPES = frozenset({OCI_CONFIG, DOCKER_CONFIG})
#: Layers that may live outside the registry (``urls``); their blobs are not required.
FOREIGN_LAYER_TYPES = frozenset(
    {OCI_LAYER_NONDISTRIBUTABLE, OCI_LAYER_NONDISTRIBUTABLE_GZIP, DOCKER_FOREIGN_LAYER}
)


def is_index(media_type: str | None) -> bool:
    """True for a multi-platform index: an OCI image index or a Docker manifest list.

    >>> is_index(OCI_INDEX), is_index(DOCKER_MANIFEST_LIST), is_index(OCI_MANIFEST)
    (True, True, False)
    """
    return media_type in INDEX_TYPES
