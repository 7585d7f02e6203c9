"""``docker save`` tarballs: read the images in them.

The classic format (every Docker version) holds::

    manifest.json     [{"Config": "<hex>.json", "RepoTags": ["nginx:1.25"], "Layers": ["<id>/layer.tar", ...]}]
    <hex>.json        the image config (its sha256 is the image ID)
    <id>/layer.tar    each layer, an uncompressed tar (its sha256 is the layer's diff_id)

Docker 25 and later also write an OCI layout into the same tarball; either way this module uses
``manifest.json``, which every version writes. There is no registry manifest in the archive:
each image gets an OCI manifest whose config is the saved config and whose layers are the saved
layer files (``...layer.v1.tar``, or ``...tar+gzip`` for gzip files), so the config's
``diff_ids`` still name the layers.
"""

from __future__ import annotations

import os
from typing import Any

from ..oci.blob import Blob
from ..oci.descriptor import Descriptor
from ..oci.digest import Digest
from ..errors import DigestInvalid, expect
from ..oci.image import Image
from ..oci.manifest import Manifest
from ..oci.mediatypes import OCI_CONFIG, OCI_LAYER, OCI_LAYER_GZIP
from .layout import LayoutEntry
from .sources import LayoutError, LoadLimits, Source, TarSource, load_json

__all__ = ["read_docker_archive", "read_docker_source", "is_docker_archive"]


def is_docker_archive(source: Source) -> bool:
    expect("source", source, Source, "a Source (from open_source())")
    return source.exists("manifest.json")


def _layer_type(layer: Blob) -> str:
    return OCI_LAYER_GZIP if layer.read(0, 2) == b"\x1f\x8b" else OCI_LAYER


def _image(source: Source, entry: dict[str, Any], position: int) -> Image:
    config_name, layer_names = entry.get("Config"), entry.get("Layers")
    if not isinstance(config_name, str) or not isinstance(layer_names, list):
        raise LayoutError(f"{source.description}/manifest.json entry {position} needs 'Config' and 'Layers'")
    bad = [name for name in layer_names if not isinstance(name, str)]
    if bad:
        raise LayoutError(f"{source.description}/manifest.json entry {position}: 'Layers' must list paths "
                          f"(strings), found {bad[0]!r}")
    config = source.blob(config_name)
    stem = os.path.basename(config_name).removesuffix(".json")
    if len(stem) == 64 and Digest.is_valid(f"sha256:{stem}") and config.digest != f"sha256:{stem}":
        raise DigestInvalid(f"{source.description}/{config_name} does not hash to its name "
                            f"(sha256:{stem}): it hashes to {config.digest}", detail=config_name)
    layers = [source.blob(name, spool=True) for name in layer_names]
    manifest = Manifest(
        config=Descriptor(OCI_CONFIG, config.digest, config.size),
        layers=tuple(Descriptor(_layer_type(layer), layer.digest, layer.size) for layer in layers),
    )
    return Image.from_parts(manifest.to_bytes(), config, layers)


def read_docker_source(source: Source) -> list[LayoutEntry]:
    """One entry per ``RepoTags`` item (``name`` None for an image saved by ID)."""
    expect("source", source, Source, "a Source (from open_source())")
    doc = load_json(source, "manifest.json")
    if not isinstance(doc, list):
        raise LayoutError(f"{source.description}/manifest.json must be a list of images")
    entries: list[LayoutEntry] = []
    for position, item in enumerate(doc):
        if not isinstance(item, dict):
            raise LayoutError(f"{source.description}/manifest.json entry {position} is not an object")
        tags = item.get("RepoTags") or [None]
        if not isinstance(tags, list) or not all(t is None or isinstance(t, str) for t in tags):
            raise LayoutError(f"{source.description}/manifest.json entry {position}: 'RepoTags' must be a "
                              f"list of names (strings), got {item.get('RepoTags')!r}"[:300])
        image = _image(source, item, position)
        entries.extend(LayoutEntry(tag, image) for tag in tags)
    return entries


def read_docker_archive(path: str | os.PathLike[str], limits: LoadLimits | None = None) -> list[LayoutEntry]:
    """The images of a ``docker save`` tarball, named by their ``RepoTags``, read within ``limits``."""
    expect("path", path, (str, os.PathLike), "a path")
    expect("limits", limits, (LoadLimits, type(None)), "a LoadLimits or None")
    with TarSource(path, limits) as source:
        if not is_docker_archive(source):
            raise LayoutError(f"{path} is not a docker save archive: no manifest.json")
        return read_docker_source(source)
