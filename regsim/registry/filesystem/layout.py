"""Where things are: the paths of distribution's filesystem layout, and its link files.

A link file holds the digest it names (``sha256:<hex>``), as distribution writes it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ...errors import RegistryError
from ...oci.digest import Digest
from ...oci.mediatypes import is_index

__all__ = ["Layout", "read_link", "link_text", "repository_names", "links", "is_index_bytes"]


class Layout:
    """Paths of distribution's filesystem layout under ``root``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.base = self.root / "docker" / "registry" / "v2"
        self.tmp = self.root / ".regsim-tmp"
        #: The lock a server holds while it serves the store (see :mod:`.lock`).
        self.lock = self.root / ".regsim-lock"

    @staticmethod
    def _split(digest: str) -> tuple[str, str]:
        d = Digest(digest)
        return d.algorithm, d.encoded

    def blob_data(self, digest: str) -> Path:
        """``blobs/<alg>/<first two hex>/<hex>/data``: where the blob's bytes are, whichever repositories
        link it.

        >>> layout = Layout("/srv/registry")
        >>> str(layout.blob_data("sha256:" + "ab" * 32)).replace("ab" * 32, "<hex>")
        '/srv/registry/docker/registry/v2/blobs/sha256/ab/<hex>/data'
        >>> str(layout.tag_current("team/app", "v1"))
        '/srv/registry/docker/registry/v2/repositories/team/app/_manifests/tags/v1/current/link'
        """
        alg, hexa = self._split(digest)
        return self.base / "blobs" / alg / hexa[:2] / hexa / "data"

    def repositories(self) -> Path:
        """``repositories/``: the directory under which every repository is (a name may have slashes)."""
        return self.base / "repositories"

    def repository(self, name: str) -> Path:
        """``repositories/<name>``: the directory of one repository."""
        return self.repositories().joinpath(*name.split("/"))

    def layer_link(self, name: str, digest: str) -> Path:
        """``<repository>/_layers/<alg>/<hex>/link``: the blob ``digest`` is linked into repository ``name``."""
        alg, hexa = self._split(digest)
        return self.repository(name) / "_layers" / alg / hexa / "link"

    def revision_link(self, name: str, digest: str) -> Path:
        """``<repository>/_manifests/revisions/<alg>/<hex>/link``: the manifest ``digest`` is in repository ``name``."""
        alg, hexa = self._split(digest)
        return self.repository(name) / "_manifests" / "revisions" / alg / hexa / "link"

    def tag_dir(self, name: str, tag: str) -> Path:
        """``<repository>/_manifests/tags/<tag>``: everything about one tag."""
        return self.repository(name) / "_manifests" / "tags" / tag

    def tag_current(self, name: str, tag: str) -> Path:
        """``<tag dir>/current/link``: the manifest the tag points at now."""
        return self.tag_dir(name, tag) / "current" / "link"

    def tag_index(self, name: str, tag: str, digest: str) -> Path:
        """``<tag dir>/index/<alg>/<hex>/link``: the tag pointed at ``digest`` once (distribution keeps
        every manifest a tag pointed at).
        """
        alg, hexa = self._split(digest)
        return self.tag_dir(name, tag) / "index" / alg / hexa / "link"

    def upload_dir(self, name: str, upload_id: str) -> Path:
        """``<repository>/_uploads/<id>``: an upload in progress (its ``data`` and ``startedat``)."""
        return self.repository(name) / "_uploads" / upload_id


def link_text(digest: str) -> bytes:
    return str(digest).encode()


def read_link(path: Path) -> Digest | None:
    """The digest a link file names; None when it is missing or not a digest."""
    try:
        return Digest(path.read_text().strip())
    except (OSError, UnicodeDecodeError, RegistryError):
        return None


def repository_names(layout: Layout) -> list[str]:
    """Repositories: directories holding ``_layers``, ``_manifests`` or ``_uploads``."""
    root = layout.repositories()
    names = []
    for dirpath, dirnames, _ in os.walk(root) if root.is_dir() else ():
        if any(d in dirnames for d in ("_layers", "_manifests", "_uploads")):
            names.append(Path(dirpath).relative_to(root).as_posix())
        dirnames[:] = [d for d in dirnames if not d.startswith("_")]
    return sorted(names)


def links(directory: Path) -> list[tuple[Path, Digest | None]]:
    """Every ``<alg>/<hex>/link`` under ``directory`` with the digest it names."""
    return [(link, read_link(link)) for link in sorted(directory.glob("*/*/link"))] if directory.is_dir() else []


def is_index_bytes(data: bytes) -> bool:
    """True when manifest bytes are an index (they list manifests)."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and ("manifests" in doc or is_index(str(doc.get("mediaType", ""))))
