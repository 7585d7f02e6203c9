"""Images as values: :class:`Layer`, :class:`Image` (one platform) and :class:`ImageIndex`.

In the spirit of go-containerregistry's ``v1.Image``: small read-only objects whose digests and
sizes are derived in exactly one place, from their bytes.

>>> layer = Layer.from_files([("/hello.txt", b"hello")])
>>> image = Image.create([layer], ImageConfig(cmd=("cat", "/hello.txt")))
>>> image.layers[0].diff_id == image.config.diff_ids[0]
True
>>> image.digest == Digest.of(image.manifest_bytes)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterable, Mapping, Sequence

from .blob import Blob, Content, Placeholder
from .descriptor import Annotations, Descriptor
from .digest import Digest
from .manifest import ImageConfig, Index, Manifest, parse_config, parse_manifest
from .mediatypes import (
    DOCKER_CONFIG,
    DOCKER_LAYER,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_LAYER_GZIP,
    OCI_MANIFEST,
)
from .platform import Platform
from .tar import ROOT, LayerFiles, Owner, deterministic_gzip, make_tar, read_tar
from ..display import table
from ..units import human_size, plural
from ..errors import InvalidArgument

__all__ = ["Layer", "Image", "ImageIndex", "OCI", "DOCKER"]

#: Media-type families: (manifest, index, config, gzip layer).
OCI = (OCI_MANIFEST, OCI_INDEX, OCI_CONFIG, OCI_LAYER_GZIP)
DOCKER = (DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_CONFIG, DOCKER_LAYER)


@dataclass(frozen=True)
class Layer:
    """A layer: its blob (compressed tar, or a placeholder) and its ``diff_id`` (uncompressed digest)."""

    blob: Content
    diff_id: Digest
    media_type: str = OCI_LAYER_GZIP

    @classmethod
    def from_files(cls, files: LayerFiles, media_type: str = OCI_LAYER_GZIP, *, mode: int = 0o644,
                   owner: Owner = ROOT) -> "Layer":
        """A real layer holding ``files`` (``[(path, bytes)]``), as a reproducible tar+gzip.

        Files are mode 0644 and owned by root unless ``mode``/``owner`` say otherwise (``COPY --chmod``,
        ``--chown``).
        """
        tar = make_tar(files, mode=mode, owner=owner)
        diff_id = Digest.of(tar)
        data = tar if media_type == OCI_LAYER else deterministic_gzip(tar)
        return cls(Blob(data), diff_id, media_type)

    @classmethod
    def placeholder(cls, digest: str, size: int, media_type: str = OCI_LAYER_GZIP) -> "Layer":
        """A layer known only by digest and size (its diff_id is taken to be its digest)."""
        blob = Placeholder(digest, size)
        return cls(blob, blob.digest, media_type)

    @property
    def digest(self) -> Digest:
        """The digest of the layer's compressed bytes (its blob), as a manifest lists it."""
        return self.blob.digest

    @property
    def size(self) -> int:
        """The size of the layer's blob in bytes."""
        return self.blob.size

    @property
    def is_placeholder(self) -> bool:
        """True for a layer known only by digest and size (the official-images metadata), with no bytes."""
        return self.blob.is_placeholder

    def descriptor(self) -> Descriptor:
        """The descriptor a manifest lists for this layer (media type, digest, size)."""
        return Descriptor(self.media_type, self.digest, self.size)

    def files(self) -> LayerFiles:
        """The files in this layer (raises ``PlaceholderContent`` for a placeholder)."""
        return read_tar(self.blob.data)

    def __repr__(self) -> str:
        kind = "placeholder " if self.is_placeholder else ""
        return f"Layer({kind}{self.digest.short}, size={self.size})"


@dataclass(frozen=True)
class Image:
    """One single-platform image: manifest (exact bytes), config and layers."""

    manifest_bytes: bytes = field(repr=False)
    manifest: Manifest = field(repr=False)
    config_blob: Content = field(repr=False)
    layers: tuple[Layer, ...] = field(repr=False)
    config: ImageConfig | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        layers: Sequence[Layer],
        config: ImageConfig | None = None,
        *,
        media_types: tuple[str, str, str, str] = OCI,
        annotations: Mapping[str, str] | None = None,
        subject: Descriptor | None = None,
        artifact_type: str | None = None,
    ) -> "Image":
        """Assemble an image from layers and a config (whose ``diff_ids`` are filled in)."""
        manifest_type, _, config_type, _ = media_types
        config = replace(config or ImageConfig(), diff_ids=tuple(layer.diff_id for layer in layers),
                         media_type=config_type)
        config_blob = Blob(config.to_bytes())
        manifest = Manifest(
            config=Descriptor(config_type, config_blob.digest, config_blob.size),
            layers=tuple(layer.descriptor() for layer in layers),
            media_type=manifest_type, annotations=Annotations(annotations), subject=subject,
            artifact_type=artifact_type,
        )
        return cls(manifest.to_bytes(), manifest, config_blob, tuple(layers), config)

    @classmethod
    def from_parts(cls, manifest_bytes: bytes, config_blob: Content, layers: Sequence[Content],
                   media_type: str | None = None) -> "Image":
        """An image from a registry's bytes (the manifest is parsed, the config when it has bytes)."""
        manifest = parse_manifest(manifest_bytes, media_type)
        if not isinstance(manifest, Manifest):
            raise InvalidArgument(f"Image.from_parts needs an image manifest, got a {manifest.media_type} "
                            f"({manifest.digest}): use ImageIndex.from_parts")
        config = None
        if not config_blob.is_placeholder:
            try:
                config = parse_config(config_blob.data, manifest.config.media_type)
            except Exception:  # artifacts carry configs that are not image configs
                config = None
        diff_ids = list(config.diff_ids) if config is not None else []
        built = []
        for i, (desc, blob) in enumerate(zip(manifest.layers, layers)):
            diff_id = diff_ids[i] if i < len(diff_ids) else blob.digest
            built.append(Layer(blob, diff_id, desc.media_type))
        return cls(bytes(manifest_bytes), manifest, config_blob, tuple(built), config)

    @cached_property
    def digest(self) -> Digest:
        """The manifest digest (what ``@sha256:...`` references name)."""
        return Digest.of(self.manifest_bytes)

    @property
    def id(self) -> Digest:
        """The image ID docker shows: the config digest."""
        return self.config_blob.digest

    @property
    def media_type(self) -> str:
        """The media type of the image's manifest (OCI or Docker)."""
        return self.manifest.media_type

    @property
    def platform(self) -> Platform:
        """The platform the image is for, from its config (os, architecture, variant)."""
        if self.config is not None:
            return self.config.platform
        return Platform("linux", "amd64")

    @property
    def size(self) -> int:
        """Bytes of all layers (what ``docker images`` approximates)."""
        return sum(layer.size for layer in self.layers)

    def blobs(self) -> list[Content]:
        """Config and layer blobs, in manifest order."""
        return [self.config_blob, *(layer.blob for layer in self.layers)]

    def descriptor(self, platform: Platform | str | None = None) -> Descriptor:
        """The descriptor an index lists for this image, with its platform (the config's unless given)."""
        return Descriptor(self.media_type, self.digest, len(self.manifest_bytes),
                          platform=platform if platform is not None else self.platform)

    def __repr__(self) -> str:
        return f"Image({self.digest.short}, {self.platform}, {plural(len(self.layers), 'layer')}, {self.size} B)"

    def _repr_html_(self) -> str:
        rows = [["config", self.config_blob.digest.short, human_size(self.config_blob.size), ""]]
        rows += [[f"layer {i}", l.digest.short, human_size(l.size), "placeholder" if l.is_placeholder else ""]
                 for i, l in enumerate(self.layers)]
        return table(rows, header=["part", "digest", "size", ""],
                     caption=f"Image {self.digest.short} ({self.platform}), {human_size(self.size)}")


@dataclass(frozen=True)
class ImageIndex:
    """A multi-platform image: the index (exact bytes) and the images it lists that we hold."""

    index_bytes: bytes = field(repr=False)
    index: Index = field(repr=False)
    images: tuple[Image, ...] = field(repr=False)

    @classmethod
    def create(cls, images: Iterable[Image], *, media_type: str = OCI_INDEX,
               annotations: Mapping[str, str] | None = None) -> "ImageIndex":
        """A multi-platform index of ``images`` (each with its platform), as ``docker buildx --platform`` makes."""
        images = tuple(images)
        index = Index(manifests=tuple(img.descriptor() for img in images), media_type=media_type,
                      annotations=Annotations(annotations))
        return cls(index.to_bytes(), index, images)

    @classmethod
    def from_parts(cls, index_bytes: bytes, images: Iterable[Image], media_type: str | None = None) -> "ImageIndex":
        """An index from its stored bytes and the images it lists (what a pull of every platform gives)."""
        index = parse_manifest(index_bytes, media_type)
        if not isinstance(index, Index):
            raise InvalidArgument(f"ImageIndex.from_parts needs an index, got a {index.media_type} "
                            f"({index.digest}): use Image.from_parts")
        return cls(bytes(index_bytes), index, tuple(images))

    @cached_property
    def digest(self) -> Digest:
        """The digest of the index's stored bytes: what ``docker pull name@digest`` names for every platform."""
        return Digest.of(self.index_bytes)

    @property
    def media_type(self) -> str:
        """The media type of the index (OCI image index or Docker manifest list)."""
        return self.index.media_type

    @property
    def platforms(self) -> list[Platform]:
        """The platforms the index lists, in its order."""
        return self.index.platforms

    def for_platform(self, platform: Platform | str) -> Image | None:
        """The image for ``platform`` (``"linux/arm64"`` or a Platform), or None if the index has none."""
        desc = self.index.for_platform(platform)
        if desc is None:
            return None
        return next((img for img in self.images if img.digest == desc.digest), None)

    @property
    def size(self) -> int:
        """The bytes of every image's blobs, summed (what pulling every platform would move at most)."""
        return sum(img.size for img in self.images)

    def __repr__(self) -> str:
        plats = ", ".join(str(p) for p in self.platforms)
        return f"ImageIndex({self.digest.short}, [{plats}])"

    def _repr_html_(self) -> str:
        rows = [[str(d.platform or ""), d.digest.short, human_size(d.size)] for d in self.index.manifests]
        return table(rows, header=["platform", "manifest", "manifest size"], caption=f"Image index {self.digest.short}")
