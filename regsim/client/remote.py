"""Write whole images to a registry and read them back, without a host in between.

Like go-containerregistry's ``remote.Write``/``remote.Image``: a push that skips blobs the
repository already has (one :meth:`Registry.push_image` per manifest), and a read that returns
:class:`~regsim.oci.image.Image` values. Hosts
(:mod:`regsim.client.host`) do the same with docker-like output and mount logic; this module is for
setting up scenarios, tests and experiments.

>>> from regsim.registry import Registry
>>> from regsim.oci.image import Image, Layer
>>> reg = Registry()
>>> image = Image.create([Layer.from_files([("/a", b"a")])])
>>> write(reg, "demo/app", image, tags=["1.0"]) == image.digest
True
>>> read(reg, "demo/app", "1.0").digest == image.digest
True
"""

from __future__ import annotations

from typing import Iterable

from ..registry.access import Token
from ..oci.digest import Digest
from ..oci.image import Image, ImageIndex
from ..oci.manifest import Index, Manifest
from ..oci.platform import Platform
from ..registry import Registry, StoredManifest

__all__ = ["write", "read", "copy"]


def write(registry: Registry, repository: str, image: Image | ImageIndex, *, tags: Iterable[str] = (),
          auth: Token | None = None) -> Digest:
    """Push ``image`` (or every image of an index, then the index) and point ``tags`` at it."""
    if isinstance(image, ImageIndex):
        for child in image.images:
            registry.push_image(repository, child.manifest_bytes, child.blobs(), media_type=child.media_type,
                                auth=auth)
        return registry.push_image(repository, image.index_bytes, tags=tags, media_type=image.media_type,
                                   auth=auth)
    return registry.push_image(repository, image.manifest_bytes, image.blobs(), tags=tags,
                               media_type=image.media_type, auth=auth)


def read(registry: Registry, repository: str, reference: str, *, platform: Platform | str | None = None,
         auth: Token | None = None) -> Image | ImageIndex:
    """Read an image (or, without ``platform``, a whole index) with all its blobs."""
    top = registry.get_manifest(repository, reference, auth=auth)

    def image_at(stored: StoredManifest) -> Image:
        assert isinstance(stored.parsed, Manifest)
        manifest = stored.parsed
        config = registry.get_blob(repository, manifest.config.digest, auth=auth)
        layers = [registry.get_blob(repository, d.digest, auth=auth) for d in manifest.layers]
        return Image.from_parts(stored.data, config, layers, stored.media_type)

    if not isinstance(top.parsed, Index):
        return image_at(top)
    if platform is not None:
        desc = top.parsed.for_platform(platform)
        if desc is None:
            from ..errors import ManifestUnknown

            raise ManifestUnknown(f"no manifest for {platform} in {repository}:{reference}", detail=str(platform))
        return image_at(registry.get_manifest(repository, desc.digest, auth=auth))
    children = [image_at(registry.get_manifest(repository, d.digest, auth=auth)) for d in top.parsed.manifests]
    return ImageIndex.from_parts(top.data, children, top.media_type)


def copy(source: Registry, src_repository: str, reference: str, target: Registry, dst_repository: str,
         *, tags: Iterable[str] = (), src_auth: Token | None = None, dst_auth: Token | None = None) -> Digest:
    """``skopeo copy`` between two registries (every platform of an index)."""
    image = read(source, src_repository, reference, auth=src_auth)
    return write(target, dst_repository, image, tags=tags, auth=dst_auth)
