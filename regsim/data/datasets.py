"""Bundled datasets: real layer metadata of Docker official images.

``regsim/data/official-images/official-images-amd64-2023-01.json`` holds the linux/amd64 layer
composition of 26 image manifests from 16 official repositories as Docker Hub served them around
2023-01-25 (digests and compressed sizes are real; no content). See that folder's README for
provenance. The files are package data: :func:`data_path` finds them with
:mod:`importlib.resources`, in a source checkout and in an installed wheel alike.

>>> images = load_official_images()
>>> len(images), images[0].repo, images[0].tags[:2]
(26, 'alpine', ('latest', '3'))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ..oci.digest import Digest

__all__ = ["OfficialImage", "OfficialLayer", "load_official_images", "data_path", "OFFICIAL_IMAGES_FILE"]

OFFICIAL_IMAGES_FILE = "official-images/official-images-amd64-2023-01.json"


@dataclass(frozen=True)
class OfficialLayer:
    digest: Digest
    size: int
    modified: str


@dataclass(frozen=True)
class OfficialImage:
    """One linux/amd64 manifest of an official repository, as Docker Hub served it."""

    repo: str
    tags: tuple[str, ...]
    digest: Digest
    index_digest: Digest | None
    config_digest: Digest
    total_size: int
    layers: tuple[OfficialLayer, ...]

    @property
    def name(self) -> str:
        """``repo:first-tag``, e.g. ``python:latest``."""
        return f"{self.repo}:{self.tags[0]}"


def data_path(relative: str = "") -> Traversable:
    """A bundled data file or folder of ``regsim.data`` (``"traces/README.md"``), as package data.

    The result has ``read_text``, ``read_bytes``, ``open`` and ``/``; pass it to
    :func:`importlib.resources.as_file` where a real file system path is needed.
    """
    root = resources.files(__package__ or "regsim.data")
    parts = [p for p in relative.split("/") if p]
    found = root.joinpath(*parts) if parts else root
    if parts and not (found.is_file() or found.is_dir()):
        raise FileNotFoundError(f"regsim has no bundled data file {relative!r} (in regsim/data/)")
    return found


def load_official_images(path: str | Path | None = None) -> list[OfficialImage]:
    """Load the official-images metadata (the bundled file by default)."""
    file: Path | Traversable = Path(path) if path is not None else data_path(OFFICIAL_IMAGES_FILE)
    doc = json.loads(file.read_text(encoding="utf-8"))
    out = []
    for item in doc["images"]:
        out.append(
            OfficialImage(
                repo=item["repo"],
                tags=tuple(item["tags"]),
                digest=Digest(item["digest"]),
                index_digest=Digest(item["index_digest"]) if item.get("index_digest") else None,
                config_digest=Digest(item["config_digest"]),
                total_size=int(item["total_size"]),
                layers=tuple(OfficialLayer(Digest(l["digest"]), int(l["size"]), l.get("modified", ""))
                             for l in item["layers"]),
            )
        )
    return out
