"""A registry kept on disk in the reference registry's layout (distribution's filesystem driver).

``Registry.open(path)`` (and ``regsim serve --data DIR``) keeps everything under ``path``::

    docker/registry/v2/blobs/sha256/<first two hex>/<hex>/data        every blob once (manifests too)
    docker/registry/v2/repositories/<name>/
        _layers/sha256/<hex>/link                                     a blob linked into the repository
        _manifests/revisions/sha256/<hex>/link                        a manifest of the repository
        _manifests/tags/<tag>/current/link                            what the tag points at
        _manifests/tags/<tag>/index/sha256/<hex>/link                 every manifest the tag pointed at
        _uploads/<id>/data, _uploads/<id>/startedat                   an upload in progress
    .regsim-tmp/                                                      files being written (not distribution's)

>>> import tempfile
>>> from regsim import Registry
>>> with tempfile.TemporaryDirectory() as store:
...     registry = Registry.open(store)
...     blob = registry.push_blob("team/app", b"layer bytes")
...     again = Registry.open(store)                      # a restart: everything is read back
...     again.blobs[blob.digest].data, check(store).ok
(b'layer bytes', True)

A link file holds the digest it names (``sha256:<hex>``), as distribution writes it, so
``docker-registry`` 2.8 serves a store regsim wrote, and regsim opens one it wrote.

**Crash safety.** Every file is written to ``.regsim-tmp/``, flushed with ``fsync``, then renamed
into place (``os.replace`` is atomic), and the directory is synced. Order makes every prefix of
an operation consistent: a blob's data before its link, a manifest's blobs before its revision
link, the revision before its tag. A ``kill -9`` at any moment loses at most unfinished uploads
and leaves, at worst, data nothing links to yet (which :func:`garbage_collect` removes);
:func:`check` proves it.

The model stays the one truth: the blob store is a mapping (:class:`FilesystemBlobs`) the
registry writes into, and links, manifests and tags follow the registry's events
(:class:`Journal`). Opening a store replays it through the public API, so the reopened
registry's event log tells what was loaded. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, MutableMapping, TypeVar

from .. import events as ev
from ..errors import InvalidArgument, PlaceholderContent, RegistryError
from ..oci.blob import Blob, Placeholder
from ..oci.digest import Digest
from ..oci.mediatypes import is_index
from ..units import plural

if TYPE_CHECKING:  # pragma: no cover
    from .registry import GCReport, Registry

R = TypeVar("R", bound="Registry")

__all__ = ["Layout", "StoredBlob", "FilesystemBlobs", "FileSpool", "Journal", "open_registry", "check",
           "CheckReport", "garbage_collect"]

READ_PIECE = 4 << 20
_DIGESTS = re.compile(rb"sha256:([0-9a-f]{64})")


class Layout:
    """Paths of distribution's filesystem layout under ``root``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.base = self.root / "docker" / "registry" / "v2"
        self.tmp = self.root / ".regsim-tmp"

    @staticmethod
    def _split(digest: str) -> tuple[str, str]:
        d = Digest(digest)
        return d.algorithm, d.encoded

    def blob_data(self, digest: str) -> Path:
        alg, hexa = self._split(digest)
        return self.base / "blobs" / alg / hexa[:2] / hexa / "data"

    def repositories(self) -> Path:
        return self.base / "repositories"

    def repository(self, name: str) -> Path:
        return self.repositories().joinpath(*name.split("/"))

    def layer_link(self, name: str, digest: str) -> Path:
        alg, hexa = self._split(digest)
        return self.repository(name) / "_layers" / alg / hexa / "link"

    def revision_link(self, name: str, digest: str) -> Path:
        alg, hexa = self._split(digest)
        return self.repository(name) / "_manifests" / "revisions" / alg / hexa / "link"

    def tag_dir(self, name: str, tag: str) -> Path:
        return self.repository(name) / "_manifests" / "tags" / tag

    def tag_current(self, name: str, tag: str) -> Path:
        return self.tag_dir(name, tag) / "current" / "link"

    def tag_index(self, name: str, tag: str, digest: str) -> Path:
        alg, hexa = self._split(digest)
        return self.tag_dir(name, tag) / "index" / alg / hexa / "link"

    def upload_dir(self, name: str, upload_id: str) -> Path:
        return self.repository(name) / "_uploads" / upload_id


# -- atomic files ---------------------------------------------------------------------------------


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _place(layout: Layout, temp: Path, path: Path, unit: Path | None = None, *, sync: bool = True) -> None:
    """Rename a synced temporary file to ``path`` and sync the directory that now holds it.

    ``unit`` is the directory that must appear whole or not at all (a blob's ``<hex>``
    directory, a link's, a tag's): when it does not exist yet it is built in ``.regsim-tmp``
    and renamed into place in one step, so a crash never leaves it half made.
    """
    unit = unit if unit is not None else path.parent
    if unit.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, path)
        if sync:
            _fsync_dir(path.parent)
        return
    staging = layout.tmp / f"{secrets.token_hex(8)}.dir"
    inside = staging / path.relative_to(unit)
    inside.parent.mkdir(parents=True)
    os.replace(temp, inside)
    unit.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staging, unit)  # atomic; refused if another writer made the unit meanwhile
    except OSError:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(inside, path)
        shutil.rmtree(staging, ignore_errors=True)
    if sync:
        _fsync_dir(unit.parent)


def write_atomic(layout: Layout, path: Path, data: bytes, unit: Path | None = None, *, sync: bool = True) -> None:
    """``path`` holds exactly ``data`` or what it held before, whatever happens (``sync=False``:
    still atomic, but a crash may lose it -- for what a crash may lose anyway)."""
    layout.tmp.mkdir(parents=True, exist_ok=True)
    temp = layout.tmp / f"{secrets.token_hex(8)}.partial"
    with open(temp, "wb") as handle:
        handle.write(data)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())
    _place(layout, temp, path, unit, sync=sync)


def _remove(layout: Layout, path: Path) -> None:
    """Remove a file, or a directory (which vanishes whole: renamed away first). Parents stay,
    empty or not, as distribution leaves them (its garbage-collect expects ``_manifests/tags``)."""
    if path.is_dir() and not path.is_symlink():
        layout.tmp.mkdir(parents=True, exist_ok=True)
        doomed = layout.tmp / f"{secrets.token_hex(8)}.gone"
        try:
            os.rename(path, doomed)
        except FileNotFoundError:
            return
        shutil.rmtree(doomed, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _link_text(digest: str) -> bytes:
    return str(digest).encode()


def read_link(path: Path) -> Digest | None:
    """The digest a link file names; None when it is missing or not a digest."""
    try:
        return Digest(path.read_text().strip())
    except (OSError, UnicodeDecodeError, RegistryError):
        return None


# -- blobs ------------------------------------------------------------------------------------------


class StoredBlob(Blob):
    """A blob whose bytes stay on disk: ``path``; ``data`` reads the file when asked."""

    __slots__ = ("path",)

    def __init__(self, path: Path, digest: Digest, size: int) -> None:  # noqa: D107 - no super(): no bytes
        self.path, self.digest, self.size = path, digest, size
        self._data = b""  # never read: the bytes are in the file

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        end = self.size if end is None else min(end, self.size)
        with open(self.path, "rb") as handle:
            handle.seek(start)
            return handle.read(max(end - start, 0))

    def pieces(self, start: int = 0, end: int | None = None, piece: int = READ_PIECE) -> Iterator[memoryview]:
        """The bytes ``start`` to ``end`` (exclusive) in pieces, for streaming: views of the file
        mapped into memory (read-only), so sending them copies nothing in Python. The mapping is
        released when the last view is (a view a socket still queues stays valid)."""
        end = self.size if end is None else min(end, self.size)
        if end <= start:
            return
        with open(self.path, "rb") as handle:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(mapped)
        for first in range(start, end, piece):
            yield view[first:min(first + piece, end)]

    def __repr__(self) -> str:
        return f"StoredBlob({self.digest.short}, size={self.size})"


class SpooledBlob(StoredBlob):
    """A finished upload still in its spool file; the blob store moves it into place."""

    __slots__ = ()


class FilesystemBlobs(MutableMapping[Digest, Any]):
    """The global blob store as a mapping over ``blobs/<alg>/<xx>/<hex>/data`` (sizes cached)."""

    #: Placeholders have no bytes to write: the registry refuses them before changing anything.
    keeps_placeholders = False

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._sizes: dict[Digest, int] = {}
        blobs = layout.base / "blobs"
        for alg_dir in sorted(blobs.iterdir()) if blobs.is_dir() else ():
            for data in sorted(alg_dir.glob("*/*/data")):
                try:
                    digest = Digest(f"{alg_dir.name}:{data.parent.name}")
                except RegistryError:
                    continue  # not a blob directory: check() reports it
                self._sizes[digest] = data.stat().st_size

    def __getitem__(self, digest: Digest) -> StoredBlob:
        size = self._sizes[digest]
        return StoredBlob(self.layout.blob_data(digest), Digest(digest), size)

    def __contains__(self, digest: object) -> bool:
        return digest in self._sizes

    def __setitem__(self, digest: Digest, content: Any) -> None:
        if digest in self._sizes:
            return
        if isinstance(content, Placeholder):
            raise PlaceholderContent(f"blob {digest} is a placeholder: a registry on disk stores real bytes only",
                                     detail=str(digest))
        target = self.layout.blob_data(digest)
        if isinstance(content, SpooledBlob):
            with open(content.path, "rb+") as handle:
                os.fsync(handle.fileno())
            _place(self.layout, content.path, target, target.parent)
        else:
            write_atomic(self.layout, target, content.data, target.parent)
        self._sizes[Digest(digest)] = content.size

    def __delitem__(self, digest: Digest) -> None:
        del self._sizes[digest]
        _remove(self.layout, self.layout.blob_data(digest).parent)

    def __iter__(self) -> Iterator[Digest]:
        return iter(list(self._sizes))

    def __len__(self) -> int:
        return len(self._sizes)


class FileSpool:
    """An upload's bytes in ``_uploads/<id>/data`` (with ``startedat``, as distribution)."""

    def __init__(self, layout: Layout, repository: str, upload_id: str, *, resume: bool = False) -> None:
        self.layout = layout
        self.dir = layout.upload_dir(repository, upload_id)
        self.path = self.dir / "data"
        if not resume:
            self.dir.mkdir(parents=True, exist_ok=True)
            write_atomic(layout, self.dir / "startedat",  # an unfinished upload: a crash may lose it
                         time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()).encode(), sync=False)
        self._handle = open(self.path, "ab", buffering=0)  # every chunk reaches the file at once

    def append(self, data: bytes) -> None:
        self._handle.write(data)

    def chunks(self) -> Iterator[bytes]:
        with open(self.path, "rb") as handle:
            while piece := handle.read(READ_PIECE):
                yield piece

    def adopt(self, path: Path) -> None:
        """Take a whole staged file as the upload's bytes so far (the upload must be empty)."""
        self._handle.close()
        os.replace(path, self.path)
        self._handle = open(self.path, "ab", buffering=0)

    def content(self, digest: Digest) -> SpooledBlob:
        size = self._handle.tell()
        self._handle.close()
        return SpooledBlob(self.path, digest, size)

    def discard(self) -> None:
        self._handle.close()
        _remove(self.layout, self.dir)


# -- links, manifests, tags: the registry's events, written as they happen ---------------------------


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
            write_atomic(self.layout, path, _link_text(digest), unit)

    def _on_BlobUploaded(self, e: ev.BlobUploaded) -> None:
        self._link(self.layout.layer_link(e.repository, e.digest), e.digest)

    def _on_BlobMounted(self, e: ev.BlobMounted) -> None:
        self._link(self.layout.layer_link(e.repository, e.digest), e.digest)

    def _on_BlobDeleted(self, e: ev.BlobDeleted) -> None:
        _remove(self.layout, self.layout.layer_link(e.repository, e.digest).parent)

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
        _remove(self.layout, self.layout.tag_dir(e.repository, e.tag))

    def _on_ManifestDeleted(self, e: ev.ManifestDeleted) -> None:
        for tag in e.tags:
            _remove(self.layout, self.layout.tag_dir(e.repository, tag))
        _remove(self.layout, self.layout.revision_link(e.repository, e.digest).parent)

    def _on_GarbageCollected(self, e: ev.GarbageCollected) -> None:
        if e.dry_run:
            return
        for name, digest in e.deleted_manifests:
            for tag_dir in self._tags_pointing_at(name, digest):
                _remove(self.layout, tag_dir)
            _remove(self.layout, self.layout.revision_link(name, digest).parent)
        swept = set(e.swept)
        for name in self.registry.repositories:
            layers = self.layout.repository(name) / "_layers"
            for link in list(layers.glob("*/*/link")) if layers.is_dir() else ():
                if read_link(link) in swept:
                    _remove(self.layout, link.parent)

    def _tags_pointing_at(self, name: str, digest: Digest) -> list[Path]:
        tags = self.layout.repository(name) / "_manifests" / "tags"
        return [d for d in (tags.iterdir() if tags.is_dir() else ()) if read_link(d / "current" / "link") == digest]


# -- opening a store -----------------------------------------------------------------------------------


def _repository_names(layout: Layout) -> list[str]:
    """Repositories: directories holding ``_layers``, ``_manifests`` or ``_uploads``."""
    root = layout.repositories()
    names = []
    for dirpath, dirnames, _ in os.walk(root) if root.is_dir() else ():
        if any(d in dirnames for d in ("_layers", "_manifests", "_uploads")):
            names.append(Path(dirpath).relative_to(root).as_posix())
        dirnames[:] = [d for d in dirnames if not d.startswith("_")]
    return sorted(names)


def _links(directory: Path) -> list[tuple[Path, Digest | None]]:
    return [(link, read_link(link)) for link in sorted(directory.glob("*/*/link"))] if directory.is_dir() else []


@dataclass
class LoadReport:
    """What :func:`open_registry` could not take back (also what :func:`check` reports)."""

    problems: list[str] = field(default_factory=list)


def open_registry(cls: type[R], path: str | os.PathLike[str], name: str, **kwargs: Any) -> R:
    """``Registry.open``: build the registry from the store at ``path`` (created when missing)."""
    layout = Layout(path)
    layout.base.mkdir(parents=True, exist_ok=True)
    if layout.tmp.is_dir():  # writes a crash interrupted: never renamed into place, so never seen
        shutil.rmtree(layout.tmp, ignore_errors=True)
    blobs = FilesystemBlobs(layout)
    registry = cls(name, blobs=blobs, spools=lambda upload_id, repo: FileSpool(layout, repo, upload_id), **kwargs)
    if not registry.events.recording:
        raise InvalidArgument("a registry on disk writes its links as its events happen: "
                         "open it with an event log that records (EventLog(maxlen=...) keeps it small)")
    registry.storage_root = layout.root
    journal = Journal(registry, layout)
    report = LoadReport()
    journal.enabled = False  # the files are already there: loading replays, it does not rewrite
    try:
        for repo in _repository_names(layout):
            _load_repository(registry, layout, repo, report)
    finally:
        journal.enabled = True
    registry.events.subscribe(journal)
    registry.load_problems = report.problems
    return registry


def _load_repository(registry: "Registry", layout: Layout, repo: str, report: LoadReport) -> None:
    base = layout.repository(repo)
    for link, linked in _links(base / "_layers"):
        if linked is None or linked not in registry.blobs:
            report.problems.append(f"{repo}: layer link {link} names no stored blob")
            continue
        registry.push_blob(repo, registry.blobs[linked])
    pending: dict[Digest, tuple[bytes, str | None]] = {}
    for link, revision in _links(base / "_manifests" / "revisions"):
        if revision is None or revision not in registry.blobs:
            report.problems.append(f"{repo}: revision link {link} names no stored manifest")
            continue
        pending[revision] = (registry.blobs[revision].data, None)
    revisions = {d: data for d, (data, _) in pending.items()}
    # manifests before the indexes that list them
    while pending:
        progressed = False
        for digest, (data, _) in sorted(pending.items(), key=lambda kv: _is_index_bytes(kv[1][0])):
            try:
                registry.put_manifest(repo, digest, data)
            except RegistryError as exc:
                if not _is_index_bytes(data) or "MANIFEST_BLOB_UNKNOWN" != exc.code:
                    report.problems.append(f"{repo}: manifest {digest} not loaded: {exc.message}")
                    del pending[digest]
                    progressed = True
                continue
            del pending[digest]
            progressed = True
        if not progressed:
            for digest in pending:
                report.problems.append(f"{repo}: index {digest} lists manifests that are not in the repository")
            break
    # a revision that could not be loaded (a blob it references is missing or corrupt) still
    # pins its bytes and every digest they name: gc must never sweep the rest of the image
    stored = registry.repositories.get(repo)
    for digest, data in revisions.items():
        if stored is None or digest not in stored.manifests:
            registry.gc_keep.add(digest)
            registry.gc_keep.update(Digest(f"sha256:{hexa.decode()}") for hexa in _DIGESTS.findall(data))
    tags = base / "_manifests" / "tags"
    for tag_dir in sorted(tags.iterdir()) if tags.is_dir() else ():
        current = read_link(tag_dir / "current" / "link")
        stored = registry.repositories.get(repo)
        if current is None or stored is None or current not in stored.manifests:
            report.problems.append(f"{repo}: tag {tag_dir.name} points at no manifest of the repository")
            continue
        registry.put_manifest(repo, tag_dir.name, stored.manifests[current].data,
                              media_type=stored.manifests[current].media_type)
    uploads = base / "_uploads"
    for upload in sorted(uploads.iterdir()) if uploads.is_dir() else ():
        spooled = upload / "data"
        hasher = hashlib.sha256()
        size = 0
        if spooled.is_file():
            with open(spooled, "rb") as handle:
                while piece := handle.read(READ_PIECE):
                    hasher.update(piece)
                    size += len(piece)
        spool = FileSpool(layout, repo, upload.name, resume=True)
        marker = upload / "startedat"
        started = (marker if marker.is_file() else upload).stat().st_mtime
        registry.resume_upload(upload.name, repo, spool, size, hasher, started_at=started)


def _is_index_bytes(data: bytes) -> bool:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and ("manifests" in doc or is_index(str(doc.get("mediaType", ""))))


# -- check and garbage collection -----------------------------------------------------------------------


@dataclass
class CheckReport:
    """What ``regsim check`` found: ``problems`` (corruption) and ``notes`` (harmless leftovers)."""

    blobs: int = 0
    repositories: int = 0
    manifests: int = 0
    tags: int = 0
    uploads: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        head = (f"{plural(self.blobs, 'blob')}, {plural(self.repositories, 'repository')}, "
                f"{plural(self.manifests, 'manifest')}, {plural(self.tags, 'tag')}, "
                f"{plural(self.uploads, 'upload')} in progress: "
                + ("consistent" if self.ok else plural(len(self.problems), "problem")))
        return "\n".join([head, *(f"  problem: {p}" for p in self.problems), *(f"  note: {n}" for n in self.notes)])


def check(path: str | os.PathLike[str], *, verify_digests: bool = True) -> CheckReport:
    """An fsck of the store at ``path``: every link names a stored blob; every blob hashes to its
    name (with ``verify_digests``); every manifest parses and its blobs are linked in its
    repository; every tag points at a revision of its repository."""
    from ..oci.manifest import parse_manifest

    layout = Layout(path)
    report = CheckReport()
    if not layout.base.is_dir():
        report.problems.append(f"{layout.base} does not exist: not a registry store")
        return report
    blobs = FilesystemBlobs(layout)
    report.blobs = len(blobs)
    blob_root = layout.base / "blobs"
    for entry in sorted(blob_root.glob("*/*/*")) if blob_root.is_dir() else ():
        if not (entry / "data").is_file():
            report.problems.append(f"blob directory {entry} has no data file")
    if verify_digests:
        for digest in blobs:
            stored = blobs[digest]
            hasher = hashlib.new(digest.algorithm)
            for piece in stored.pieces():
                hasher.update(piece)
            if hasher.hexdigest() != digest.encoded:
                report.problems.append(f"blob {digest} does not hash to its name (corrupt data)")
    if layout.tmp.is_dir() and any(layout.tmp.iterdir()):
        report.notes.append(f"{sum(1 for _ in layout.tmp.iterdir())} unfinished writes in {layout.tmp} "
                            "(never renamed into place; removed on the next open)")
    for repo in _repository_names(layout):
        report.repositories += 1
        base = layout.repository(repo)
        layers: set[Digest] = set()
        for link, linked in _links(base / "_layers"):
            if linked is None or f"{linked.algorithm}/{linked.encoded}" != link.parent.relative_to(link.parents[2]).as_posix():
                report.problems.append(f"{repo}: layer link {link} does not name its own digest")
            elif linked not in blobs:
                report.problems.append(f"{repo}: layer link to {linked.short} but the blob is not stored")
            else:
                layers.add(linked)
        revisions: set[Digest] = set()
        for link, revision in _links(base / "_manifests" / "revisions"):
            if revision is None or revision not in blobs:
                report.problems.append(f"{repo}: revision link {link} names no stored manifest")
                continue
            revisions.add(revision)
            report.manifests += 1
            try:
                parsed = parse_manifest(blobs[revision].data)
            except RegistryError as exc:
                report.problems.append(f"{repo}: manifest {revision.short} does not parse: {exc.message}")
                continue
            for desc in parsed.references():
                if parsed.is_index:
                    continue  # children are checked as revisions of their own
                if desc.urls:
                    continue  # foreign layers live at their URLs
                if desc.digest not in layers:
                    report.problems.append(f"{repo}: manifest {revision.short} references {desc.digest.short}, "
                                           "which is not linked in the repository")
        tags = base / "_manifests" / "tags"
        for tag_dir in sorted(tags.iterdir()) if tags.is_dir() else ():
            report.tags += 1
            current = read_link(tag_dir / "current" / "link")
            if current is None:
                report.problems.append(f"{repo}: tag {tag_dir.name} has no readable current/link")
            elif current not in revisions:
                report.problems.append(f"{repo}: tag {tag_dir.name} points at {current.short}, not a manifest "
                                       "of the repository")
        uploads = base / "_uploads"
        report.uploads += sum(1 for _ in uploads.iterdir()) if uploads.is_dir() else 0
    return report


def garbage_collect(path: str | os.PathLike[str], *, dry_run: bool = False, delete_untagged: bool = False,
                    problems: "Callable[[list[str]], None] | None" = None) -> "GCReport":
    """``regsim gc``: open the store, mark and sweep as distribution's ``garbage-collect``.
    Refuses a path that holds no store (a typo must not create one), naming it. A revision
    that could not be loaded (a layer missing or corrupt) still keeps every blob its bytes name;
    a revision link to a manifest that is not stored at all makes gc refuse (:class:`StoreDamaged`).
    ``problems`` is called with what opening the store found, when it found anything."""
    from .registry import Registry

    base = Layout(path).base
    if not base.is_dir():
        raise FileNotFoundError(f"{os.fspath(path)!r} is not a registry store (no {base.relative_to(path)} folder in it)")
    registry = Registry.open(path)
    layout = Layout(path)
    if any(revision is None or revision not in registry.blobs
           for repo in _repository_names(layout)
           for _, revision in _links(layout.repository(repo) / "_manifests" / "revisions")):
        raise StoreDamaged(f"{os.fspath(path)!r} has a revision link to a manifest that is not stored, so what "
                           f"it references is unknown: gc refuses to sweep (see regsim check --data {os.fspath(path)})")
    if registry.load_problems and problems is not None:
        problems(registry.load_problems)
    return registry.garbage_collect(dry_run=dry_run, delete_untagged=delete_untagged)


class StoreDamaged(InvalidArgument):
    """A store gc cannot sweep safely (``regsim check`` names the damage)."""
