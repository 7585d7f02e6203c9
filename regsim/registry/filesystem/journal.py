"""Links, manifests and tags: the registry's events, written into the layout's link files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ... import events as ev
from ...oci.digest import Digest
from .atomic import remove, write_atomic
from .layout import Layout, link_text, read_link

if TYPE_CHECKING:  # pragma: no cover
    from ..registry import Registry

__all__ = ["Journal"]


class Journal:
    """Writes each state change the registry announces into the layout's link files."""

    def __init__(self, registry: "Registry", layout: Layout) -> None:
        self.registry = registry
        self.layout = layout
        self.enabled = True

    def __call__(self, event: ev.Event) -> None:
        if not self.enabled or getattr(event, "registry", None) != self.registry.name:
            return
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            handler(event)

    def _link(self, path: Path, digest: str, unit: Path | None = None) -> None:
        if read_link(path) != digest:
            write_atomic(self.layout, path, link_text(digest), unit)

    def _on_BlobUploaded(self, e: ev.BlobUploaded) -> None:
        self._link(self.layout.layer_link(e.repository, e.digest), e.digest)

    def _on_BlobMounted(self, e: ev.BlobMounted) -> None:
        self._link(self.layout.layer_link(e.repository, e.digest), e.digest)

    def _on_BlobDeleted(self, e: ev.BlobDeleted) -> None:
        remove(self.layout, self.layout.layer_link(e.repository, e.digest).parent)

    def _on_ManifestPushed(self, e: ev.ManifestPushed) -> None:
        self._link(self.layout.revision_link(e.repository, e.digest), e.digest)
        # distribution's garbage-collect --delete-untagged lists the tags of every repository with
        # manifests, and fails when the directory is missing (a repository pushed by digest only)
        (self.layout.repository(e.repository) / "_manifests" / "tags").mkdir(parents=True, exist_ok=True)

    def _on_TagUpdated(self, e: ev.TagUpdated) -> None:
        # current first, in a tag directory that appears whole; then the tag's index entry
        self._link(self.layout.tag_current(e.repository, e.tag), e.digest, self.layout.tag_dir(e.repository, e.tag))
        self._link(self.layout.tag_index(e.repository, e.tag, e.digest), e.digest)

    def _on_TagDeleted(self, e: ev.TagDeleted) -> None:
        remove(self.layout, self.layout.tag_dir(e.repository, e.tag))

    def _on_ManifestDeleted(self, e: ev.ManifestDeleted) -> None:
        for tag in e.tags:
            remove(self.layout, self.layout.tag_dir(e.repository, tag))
        remove(self.layout, self.layout.revision_link(e.repository, e.digest).parent)

    def _on_GarbageCollected(self, e: ev.GarbageCollected) -> None:
        if e.dry_run:
            return
        for name, digest in e.deleted_manifests:
            for tag_dir in self._tags_pointing_at(name, digest):
                remove(self.layout, tag_dir)
            remove(self.layout, self.layout.revision_link(name, digest).parent)
        swept = set(e.swept)
        for name in self.registry.repositories:
            layers = self.layout.repository(name) / "_layers"
            for link in list(layers.glob("*/*/link")) if layers.is_dir() else ():
                if read_link(link) in swept:
                    remove(self.layout, link.parent)

    def _tags_pointing_at(self, name: str, digest: Digest) -> list[Path]:
        tags = self.layout.repository(name) / "_manifests" / "tags"
        return [d for d in (tags.iterdir() if tags.is_dir() else ()) if read_link(d / "current" / "link") == digest]
