"""OCI image layouts: read them into :class:`~regsim.oci.image.Image` values, write them back.

An image layout (image-spec ``image-layout.md``) is a directory (or a tar of one)::

    oci-layout          {"imageLayoutVersion": "1.0.0"}
    index.json          an image index; each entry may name itself with the annotation
                        org.opencontainers.image.ref.name ("1.0", or a whole reference)
    blobs/sha256/<hex>  every manifest, config and layer, named by its digest

``umoci``, ``skopeo copy ... oci:<dir>:<tag>``, ``buildah`` and ``docker save`` (25 and later) all
write this format. Reading checks every blob against its digest and size; writing stores the
exact manifest bytes, so digests survive a round trip.

>>> import tempfile
>>> from regsim.oci.image import Image, Layer
>>> image = Image.create([Layer.from_files([("/hello", b"hi")])])
>>> with tempfile.TemporaryDirectory() as tmp:
...     _ = write_layout(tmp, [("1.0", image)])
...     [(e.name, e.image.digest == image.digest) for e in read_layout(tmp)]
[('1.0', True)]
"""

from __future__ import annotations

import collections.abc
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..oci.blob import Blob, Content
from ..oci.descriptor import Descriptor
from ..oci.digest import Digest
from ..errors import BlobUnknown, ManifestInvalid, expect
from ..oci.image import Image, ImageIndex
from ..oci.manifest import Index, Manifest, canonical_json, parse_manifest
from ..oci.mediatypes import OCI_INDEX, is_index
from .sources import LayoutError, LoadLimits, Source, load_json, open_source

__all__ = ["LayoutEntry", "LayoutError", "read_layout", "read_source", "write_layout", "REF_NAME",
           "LAYOUT_VERSION", "blob_path"]

REF_NAME = "org.opencontainers.image.ref.name"
LAYOUT_VERSION = "1.0.0"


@dataclass(frozen=True)
class LayoutEntry:
    """One entry of ``index.json``: its name (``ref.name``), the image, its annotations."""

    name: str | None
    image: Image | ImageIndex
    annotations: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def digest(self) -> Digest:
        """The digest of the entry's image manifest or index (what ``index.json`` points at)."""
        return self.image.digest


def blob_path(digest: str) -> str:
    """``blobs/<algorithm>/<encoded>``."""
    expect("digest", digest, str, "a digest (sha256:...)")
    d = Digest(digest)
    return f"blobs/{d.algorithm}/{d.encoded}"


def _read_blob(source: Source, desc: Descriptor, *, spool: bool = False) -> Blob:
    """The blob ``desc`` names, checked against its size (before reading) and digest; a layer
    (``spool``) is streamed to disk when the source's limits name a spool directory."""
    name = blob_path(desc.digest)
    if not source.exists(name):
        raise BlobUnknown(f"{source.description} has no blob {desc.digest} ({desc.media_type}) at {name}",
                          detail=str(desc.digest))
    return source.blob(name, size=desc.size, digest=desc.digest, spool=spool)


def _read_image(source: Source, desc: Descriptor, manifest_bytes: bytes | None = None) -> Image:
    data = manifest_bytes if manifest_bytes is not None else _read_blob(source, desc).data
    manifest = parse_manifest(data, desc.media_type)
    if not isinstance(manifest, Manifest):
        raise LayoutError(f"{source.description}: {desc.digest} is an index, expected an image manifest")
    config = _read_blob(source, manifest.config)
    layers = [_read_blob(source, layer, spool=True) for layer in manifest.layers]
    return Image.from_parts(data, config, layers, desc.media_type)


def _read_entry(source: Source, desc: Descriptor) -> Image | ImageIndex:
    data = _read_blob(source, desc).data
    parsed = parse_manifest(data, desc.media_type)
    if not isinstance(parsed, Index):
        return _read_image(source, desc, data)
    children = []
    for child in parsed.manifests:
        if is_index(child.media_type):
            raise LayoutError(f"{source.description}: index {desc.digest} lists another index {child.digest}; "
                              "nested indexes are not supported")
        children.append(_read_image(source, child))
    return ImageIndex.from_parts(data, children, desc.media_type)


def read_source(source: Source) -> list[LayoutEntry]:
    """The entries of the layout in ``source``, in ``index.json`` order."""
    expect("source", source, Source, "a Source (from open_source())")
    if not source.exists("oci-layout"):
        raise LayoutError(f"{source.description} is not an OCI image layout: no oci-layout file")
    if not source.exists("index.json"):
        raise LayoutError(f"{source.description} is not an OCI image layout: no index.json")
    header = load_json(source, "oci-layout")
    index_doc = load_json(source, "index.json")
    version = header.get("imageLayoutVersion") if isinstance(header, dict) else None
    if version != LAYOUT_VERSION:
        raise LayoutError(f"{source.description}: unsupported imageLayoutVersion {version!r} "
                          f"(expected {LAYOUT_VERSION!r})")
    try:
        index = parse_manifest(json.dumps(index_doc).encode(), OCI_INDEX)
    except ManifestInvalid as exc:
        raise LayoutError(f"{source.description}/index.json: {exc.message}") from None
    assert isinstance(index, Index)  # parsed as OCI_INDEX: parse_manifest refuses any other kind
    return [LayoutEntry(desc.annotations.get(REF_NAME), _read_entry(source, desc), dict(desc.annotations))
            for desc in index.manifests]


def read_layout(path: str | os.PathLike[str], limits: LoadLimits | None = None) -> list[LayoutEntry]:
    """Read an OCI image layout directory or archive (``oci-archive``), within ``limits``."""
    expect("path", path, (str, os.PathLike), "a path")
    expect("limits", limits, (LoadLimits, type(None)), "a LoadLimits or None")
    with open_source(path, limits) as source:
        return read_source(source)


def _write_blob(root: Path, digest: Digest, data: bytes) -> None:
    path = root / blob_path(digest)
    if path.is_file() and path.stat().st_size == len(data):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _write_image(root: Path, image: Image) -> None:
    blobs: list[Content] = image.blobs()
    for blob in blobs:
        _write_blob(root, blob.digest, blob.data)
    _write_blob(root, image.digest, image.manifest_bytes)


def _descriptor(image: Image | ImageIndex, name: str | None) -> dict[str, Any]:
    if isinstance(image, ImageIndex):
        desc = Descriptor(image.media_type, image.digest, len(image.index_bytes))
    else:
        desc = Descriptor(image.media_type, image.digest, len(image.manifest_bytes))
    out = desc.to_dict()
    if name is not None:
        out["annotations"] = {REF_NAME: name}
    return out


def write_layout(path: str | os.PathLike[str],
                 images: Iterable[tuple[str | None, Image | ImageIndex]] | Mapping[str, Image | ImageIndex]
                 ) -> Path:
    """Write ``(name, image)`` pairs into the layout at ``path`` (created, or added to).

    An existing entry with the same name is replaced, as ``skopeo copy`` and ``umoci`` do.
    Placeholder blobs cannot be written (they have no bytes).
    """
    expect("path", path, (str, os.PathLike), "a path")
    expect("images", images, (collections.abc.Iterable, collections.abc.Mapping), "a mapping of name to image, or (name, image) pairs")
    root = Path(path)
    pairs = list(images.items() if isinstance(images, Mapping) else images)
    entries: list[dict[str, Any]] = []
    index_file = root / "index.json"
    if index_file.is_file():
        entries = [e for e in read_index_entries(index_file)
                   if e.get("annotations", {}).get(REF_NAME) not in {n for n, _ in pairs if n is not None}]
    root.mkdir(parents=True, exist_ok=True)
    for name, image in pairs:
        if isinstance(image, ImageIndex):
            for child in image.images:
                _write_image(root, child)
            _write_blob(root, image.digest, image.index_bytes)
        else:
            _write_image(root, image)
        entries.append(_descriptor(image, name))
    (root / "oci-layout").write_bytes(canonical_json({"imageLayoutVersion": LAYOUT_VERSION}))
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    index_file.write_bytes(canonical_json(index))
    return root


def read_index_entries(index_file: Path) -> list[dict[str, Any]]:
    try:
        doc = json.loads(index_file.read_bytes())
    except RecursionError:
        raise LayoutError(f"{index_file} is nested too deeply to be a real index") from None
    except ValueError as exc:
        raise LayoutError(f"{index_file} is not JSON: {exc}") from None
    manifests = doc.get("manifests") if isinstance(doc, dict) else None
    if not isinstance(manifests, list):
        raise LayoutError(f"{index_file} has no 'manifests' list")
    return manifests
