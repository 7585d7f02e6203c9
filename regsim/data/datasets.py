"""Bundled datasets: real layer metadata of Docker official images.

``data/official-images/official-images-amd64-2023-01.json`` (at the top of the repository) holds the
linux/amd64 layer composition of 26 image manifests from 16 official repositories as Docker Hub
served them around 2023-01-25 (digests and compressed sizes are real; no content). See that folder's
README for provenance. The top-level ``data/`` folder is mapped into the package as
``regsim.data.bundled`` (``pyproject.toml``), so the files ship inside the wheel: :func:`data_path`
finds them with :mod:`importlib.resources` in an installed wheel or an editable install, and in the
``data/`` folder beside the package in a plain source checkout.

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
BUNDLED = "regsim.data.bundled"  # the top-level data/ folder, as the wheel installs it


@dataclass(frozen=True)
class OfficialLayer:
    """One layer of an official image, as docker-library's repo-info recorded it: digest, size in
    bytes and when it was last modified (ISO 8601 text; may be empty).
    """

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
    """A bundled data file or folder (``"traces/README.md"``), from the top-level ``data/`` folder.

    The result has ``read_text``, ``read_bytes``, ``open`` and ``/``; pass it to
    :func:`importlib.resources.as_file` where a real file system path is needed.
    """
    root = _bundled_root()
    parts = [p for p in relative.split("/") if p]
    found = root
    for part in parts:  # one step at a time: an installed data folder is a namespace (MultiplexedPath)
        found = found / part
    if parts and not (found.is_file() or found.is_dir()):
        raise FileNotFoundError(f"regsim has no bundled data file {relative!r} (in the data/ folder)")
    return found


def _bundled_root() -> Traversable:
    """``regsim.data.bundled`` as installed (wheel, editable), else the checkout's top-level ``data/``."""
    try:
        return resources.files(BUNDLED)
    except ModuleNotFoundError:  # a plain source checkout on sys.path: data/ sits beside regsim/
        checkout = Path(__file__).resolve().parents[2] / "data"
        if not checkout.is_dir():
            raise FileNotFoundError(f"regsim's datasets are missing: no package {BUNDLED} and no {checkout}") from None
        return checkout


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
