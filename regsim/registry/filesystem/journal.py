"""Links, manifests and tags: the registry's events, written into the layout's link files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ... import events as ev
from ...oci.digest import Digest
from .atomic import remove, write_atomic
from .layout import Layout, is_index_bytes, link_text, links, read_link, repository_names

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
        """Delete in an order that never leaves a link to something missing, so a ``kill -9`` at
        any moment leaves a consistent store and the next gc finishes the job: first the doomed
        manifests (an index before the manifests it lists; a manifest's tags before its revision
        link), then every layer link to a swept blob (and links whose blob is already gone: an
        interrupted gc's, or distribution's), and only then the blobs' data."""
        if e.dry_run:
            return
        layout = self.layout
        for name, digest in sorted(e.deleted_manifests, key=lambda nd: not self._is_index(nd[1])):
            for tag_dir in self._tags_pointing_at(name, digest):
                remove(layout, tag_dir)
            remove(layout, layout.revision_link(name, digest).parent)
        swept = set(e.swept)
        keep = self.registry.gc_keep
        for name in repository_names(layout):
            for link, linked in links(layout.repository(name) / "_layers"):
                if linked is not None and (linked in swept or (linked not in keep and not
                                                               layout.blob_data(linked).is_file())):
                    remove(layout, link.parent)
        for digest in e.swept:
            remove(layout, layout.blob_data(digest).parent)

    def _is_index(self, digest: Digest) -> bool:
        try:
            return is_index_bytes(self.layout.blob_data(digest).read_bytes())
        except OSError:
            return False

    def _tags_pointing_at(self, name: str, digest: Digest) -> list[Path]:
        tags = self.layout.repository(name) / "_manifests" / "tags"
        return [d for d in (tags.iterdir() if tags.is_dir() else ()) if read_link(d / "current" / "link") == digest]
