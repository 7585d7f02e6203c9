"""The store's journal: the registry's durable sink, which writes each event to disk *before* the
registry applies it to memory (:meth:`Registry.add_sink <regsim.registry.Registry.add_sink>`).

Each event is one small transaction (:class:`Transaction`): its steps are atomic renames, each
with its undo. When a step fails (``ENOSPC``, ``EROFS``, ``EIO``: an :class:`OSError`), the steps
already done are undone in reverse and the error propagates, so the registry applies nothing and
memory stays exactly as the disk is; the client is told the change failed. Only when every step
is on disk does the registry apply the event, so a client is told of success only for what
survives a restart. Files to delete are renamed into ``.regsim-tmp`` (one atomic step, undone by
renaming back) and removed for good after the transaction, or by the next open.

Order inside a transaction makes every prefix consistent, for a ``kill -9`` (no undo then): a
blob's data before its link, a manifest's bytes before its revision link, the revision before its
tag; gc deletes a manifest's tags and revision, then the links to swept blobs, then their data.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ... import events as ev
from ...oci.digest import Digest
from .atomic import fsync_dir
from .layout import Layout, is_index_bytes, link_text, links, read_link, repository_names
from .store import FilesystemBlobs, SpooledBlob

if TYPE_CHECKING:  # pragma: no cover
    from ..registry import Registry

__all__ = ["Journal", "Transaction"]


class Transaction:
    """Steps on disk that all happen, or are all undone (see the module's docstring)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._undo: list[Callable[[], None]] = []
        self._done: list[Callable[[], None]] = []
        self._gone: list[Path] = []

    def __enter__(self) -> "Transaction":
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is None:
            for gone in self._gone:  # past the point of no return: what is left is only garbage
                shutil.rmtree(gone, ignore_errors=True) if gone.is_dir() else _quietly(gone.unlink)
            for done in self._done:
                done()
            return
        for undo in reversed(self._undo):
            _quietly(undo)  # best effort: on a disk that refuses even this, the next open tells

    def on_commit(self, done: Callable[[], None]) -> None:
        self._done.append(done)

    def _temp(self, suffix: str) -> Path:
        self.layout.tmp.mkdir(parents=True, exist_ok=True)
        return self.layout.tmp / f"{secrets.token_hex(8)}.{suffix}"

    def _synced_file(self, data: bytes) -> Path:
        temp = self._temp("partial")
        try:
            with open(temp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError:
            _quietly(temp.unlink)
            raise
        return temp

    def _install(self, temp: Path, path: Path, unit: Path) -> None:
        """Rename ``temp`` to ``path``, creating ``unit`` (a directory) whole when missing."""
        if unit.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                backup = self._temp("backup")
                os.link(path, backup)
                self._undo.append(lambda: os.replace(backup, path))
                self._gone.append(backup)
            else:
                self._undo.append(lambda: os.unlink(path))
            os.replace(temp, path)
            fsync_dir(path.parent)
            return
        staging = self._temp("dir")
        inside = staging / path.relative_to(unit)
        try:
            inside.parent.mkdir(parents=True)
            os.replace(temp, inside)
            unit.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staging, unit)  # atomic: the unit appears whole
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            _quietly(temp.unlink)
            raise
        self._undo.append(lambda: os.rename(unit, self._temp("undone")))
        fsync_dir(unit.parent)

    def write(self, path: Path, data: bytes, unit: Path | None = None) -> None:
        """``path`` holds ``data`` (its directory ``unit``, when given and missing, appears whole)."""
        temp = self._synced_file(data)
        try:
            self._install(temp, path, unit if unit is not None else path.parent)
        except OSError:
            _quietly(temp.unlink)
            raise

    def link(self, path: Path, digest: str, unit: Path | None = None) -> None:
        if read_link(path) != digest:
            self.write(path, link_text(digest), unit)

    def adopt(self, source: Path, path: Path, unit: Path) -> None:
        """``path`` (in a missing directory ``unit``) becomes a hard link of ``source`` (synced)."""
        with open(source, "rb+") as handle:
            os.fsync(handle.fileno())
        temp = self._temp("partial")
        os.link(source, temp)
        try:
            self._install(temp, path, unit)
        except OSError:
            _quietly(temp.unlink)
            raise

    def remove(self, path: Path) -> None:
        """``path`` (a file, or a directory that goes whole) is gone: renamed into ``.regsim-tmp``."""
        if not path.exists():
            return
        doomed = self._temp("gone")
        os.rename(path, doomed)
        self._undo.append(lambda: os.rename(doomed, path))
        self._gone.append(doomed)

    def mkdir(self, path: Path) -> None:
        """``path`` exists (its missing parents too; the last one is undone)."""
        if path.is_dir():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(path)
        self._undo.append(lambda: os.rmdir(path))
        fsync_dir(path.parent)


def _quietly(step: Callable[[], Any]) -> None:
    try:
        step()
    except OSError:
        pass


class Journal:
    """The durable sink of a registry on disk: writes each event's change into the layout."""

    def __init__(self, registry: "Registry", layout: Layout, blobs: FilesystemBlobs) -> None:
        self.registry = registry
        self.layout = layout
        self.blobs = blobs

    def __call__(self, event: ev.Event) -> None:
        if getattr(event, "registry", None) != self.registry.name:
            return
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            with Transaction(self.layout) as tx:
                handler(tx, event)

    def _store(self, tx: Transaction, content: Any) -> None:
        """The blob's data, once in the global store (its size known to memory on commit)."""
        digest = Digest(content.digest)
        if digest in self.blobs:
            return
        target = self.layout.blob_data(digest)
        if isinstance(content, SpooledBlob):
            tx.adopt(content.path, target, target.parent)
            source = Path(content.path)
            tx.on_commit(lambda: _quietly(source.unlink))  # the store took the file, as a move would
        else:
            tx.write(target, content.data, target.parent)
        tx.on_commit(lambda: self.blobs.remember(digest, content.size))

    def _on_RepositoryCreated(self, tx: Transaction, e: ev.RepositoryCreated) -> None:
        tx.mkdir(self.layout.repository(e.repository) / "_layers")  # an empty repository survives

    def _on_UploadStarted(self, tx: Transaction, e: ev.UploadStarted) -> None:
        if e.resumed is not None:
            return  # a store reopening: the upload is already there
        upload = self.layout.upload_dir(e.repository, e.upload_id)
        tx.write(upload / "startedat", _now(), upload)
        tx.write(upload / "data", b"")

    def _on_UploadCancelled(self, tx: Transaction, e: ev.UploadCancelled) -> None:
        tx.remove(self.layout.upload_dir(e.repository, e.upload_id))

    def _on_BlobUploaded(self, tx: Transaction, e: ev.BlobUploaded) -> None:
        self._store(tx, e.content)
        tx.link(self.layout.layer_link(e.repository, e.digest), e.digest)
        if e.upload_id is not None:
            tx.remove(self.layout.upload_dir(e.repository, e.upload_id))

    def _on_BlobMounted(self, tx: Transaction, e: ev.BlobMounted) -> None:
        tx.link(self.layout.layer_link(e.repository, e.digest), e.digest)

    def _on_BlobDeleted(self, tx: Transaction, e: ev.BlobDeleted) -> None:
        tx.remove(self.layout.layer_link(e.repository, e.digest).parent)

    def _on_ManifestPushed(self, tx: Transaction, e: ev.ManifestPushed) -> None:
        stored = e.manifest
        if stored is not None:
            self._store(tx, _Bytes(stored.digest, stored.data))
        tx.link(self.layout.revision_link(e.repository, e.digest), e.digest)
        # distribution's garbage-collect --delete-untagged lists the tags of every repository with
        # manifests, and fails when the directory is missing (a repository pushed by digest only)
        tx.mkdir(self.layout.repository(e.repository) / "_manifests" / "tags")

    def _on_TagUpdated(self, tx: Transaction, e: ev.TagUpdated) -> None:
        # current first, in a tag directory that appears whole; then the tag's index entry
        tx.link(self.layout.tag_current(e.repository, e.tag), e.digest, self.layout.tag_dir(e.repository, e.tag))
        tx.link(self.layout.tag_index(e.repository, e.tag, e.digest), e.digest)

    def _on_TagDeleted(self, tx: Transaction, e: ev.TagDeleted) -> None:
        tx.remove(self.layout.tag_dir(e.repository, e.tag))

    def _on_ManifestDeleted(self, tx: Transaction, e: ev.ManifestDeleted) -> None:
        for tag in e.tags:
            tx.remove(self.layout.tag_dir(e.repository, tag))
        tx.remove(self.layout.revision_link(e.repository, e.digest).parent)

    def _on_GarbageCollected(self, tx: Transaction, e: ev.GarbageCollected) -> None:
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
                tx.remove(tag_dir)
            tx.remove(layout.revision_link(name, digest).parent)
        swept = set(e.swept)
        keep = self.registry.gc_keep
        for name in repository_names(layout):
            for link, linked in links(layout.repository(name) / "_layers"):
                if linked is not None and (linked in swept or (linked not in keep and not
                                                               layout.blob_data(linked).is_file())):
                    tx.remove(link.parent)
        for digest in e.swept:
            tx.remove(layout.blob_data(digest).parent)

    def _is_index(self, digest: Digest) -> bool:
        try:
            return is_index_bytes(self.layout.blob_data(digest).read_bytes())
        except OSError:
            return False

    def _tags_pointing_at(self, name: str, digest: Digest) -> list[Path]:
        tags = self.layout.repository(name) / "_manifests" / "tags"
        return [d for d in (tags.iterdir() if tags.is_dir() else ()) if read_link(d / "current" / "link") == digest]


class _Bytes:
    """A manifest's bytes as blob content (digest, data, size)."""

    def __init__(self, digest: Digest, data: bytes) -> None:
        self.digest, self.data, self.size = digest, data, len(data)


def _now() -> bytes:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()).encode()
