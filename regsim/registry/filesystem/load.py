"""Opening a store: the registry is rebuilt from the files through its public API, so the
reopened registry's event log tells what was loaded."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ...errors import InvalidArgument, RegistryError
from ...oci.digest import Digest
from .journal import Journal
from .layout import Layout, is_index_bytes, links, read_link, repository_names
from .store import READ_PIECE, FilesystemBlobs, FileSpool

if TYPE_CHECKING:  # pragma: no cover
    from ..registry import Registry

R = TypeVar("R", bound="Registry")

__all__ = ["LoadReport", "open_registry"]

DIGESTS = re.compile(rb"sha256:([0-9a-f]{64})")


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
    report = LoadReport()
    for repo in repository_names(layout):  # the files are already there: loading does not rewrite
        _load_repository(registry, layout, repo, report)
    registry.add_sink(Journal(registry, layout, blobs))  # from now on: on disk first, then memory
    registry.load_problems = report.problems
    return registry


def _load_repository(registry: "Registry", layout: Layout, repo: str, report: LoadReport) -> None:
    base = layout.repository(repo)
    if (base / "_layers").is_dir() or (base / "_manifests").is_dir():
        registry.create_repository(repo)  # an empty one too (not one that only has uploads)
    for link, linked in links(base / "_layers"):
        if linked is None:
            report.problems.append(f"{repo}: layer link {link} names no blob")
            continue
        if linked not in registry.blobs:
            continue  # left by a gc (distribution's leaves them): the next gc removes it
        registry.push_blob(repo, registry.blobs[linked])
    pending: dict[Digest, tuple[bytes, str | None]] = {}
    for link, revision in links(base / "_manifests" / "revisions"):
        if revision is None or revision not in registry.blobs:
            report.problems.append(f"{repo}: revision link {link} names no stored manifest")
            continue
        pending[revision] = (registry.blobs[revision].data, None)
    revisions = {d: data for d, (data, _) in pending.items()}
    # manifests before the indexes that list them
    while pending:
        progressed = False
        for digest, (data, _) in sorted(pending.items(), key=lambda kv: is_index_bytes(kv[1][0])):
            try:
                registry.put_manifest(repo, digest, data)
            except RegistryError as exc:
                if not is_index_bytes(data) or "MANIFEST_BLOB_UNKNOWN" != exc.code:
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
            registry.gc_keep.update(Digest(f"sha256:{hexa.decode()}") for hexa in DIGESTS.findall(data))
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
        spool = FileSpool(layout, repo, upload.name)
        marker = upload / "startedat"
        started = (marker if marker.is_file() else upload).stat().st_mtime
        registry.resume_upload(upload.name, repo, spool, size, hasher, started_at=started)
