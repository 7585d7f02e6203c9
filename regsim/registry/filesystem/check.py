"""``regsim check``: an fsck of a store."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from ...errors import RegistryError
from ...oci.digest import Digest
from ...units import plural
from .atomic import remove
from .layout import Layout, links, read_link, repository_names
from .lock import hold
from .store import FilesystemBlobs

__all__ = ["CheckReport", "check", "repair"]


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
        """True when ``check`` found no problem (notes, harmless leftovers, may remain)."""
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
    from ...oci.manifest import parse_manifest

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
    dangling = 0
    for repo in repository_names(layout):
        report.repositories += 1
        base = layout.repository(repo)
        layers: set[Digest] = set()
        for link, linked in links(base / "_layers"):
            if linked is None or f"{linked.algorithm}/{linked.encoded}" != link.parent.relative_to(link.parents[2]).as_posix():
                report.problems.append(f"{repo}: layer link {link} does not name its own digest")
            elif linked not in blobs:
                dangling += 1  # harmless alone; a manifest that needs the blob is reported below
            else:
                layers.add(linked)
        revisions: set[Digest] = set()
        for link, revision in links(base / "_manifests" / "revisions"):
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
    if dangling:
        report.notes.append(f"{plural(dangling, 'layer link')} naming a blob that is not "
                            "stored (distribution's garbage-collect leaves these by design; regsim gc or "
                            "regsim check --repair removes them)")
    return report


def repair(path: str | os.PathLike[str]) -> list[str]:
    """``regsim check --repair``: remove the links that name nothing -- layer links to a blob that
    is not stored, revision links to a manifest that is not stored, tags that point at no
    revision of their repository. Returns what was removed, one line each. Each removal is
    atomic (see :func:`~regsim.registry.filesystem.atomic.remove`), so an interrupted repair
    is finished by the next one. Refused (:class:`~.lock.StoreLocked`) while a server serves the store."""
    layout = Layout(path)
    if not layout.base.is_dir():
        raise FileNotFoundError(f"{os.fspath(path)!r} is not a registry store (no {layout.base.relative_to(path)} "
                                "folder in it)")
    with hold(path, "repair"):  # refused while a server serves the store
        return _repair(layout)


def _repair(layout: Layout) -> list[str]:
    removed: list[str] = []

    def stored(digest: Digest | None) -> bool:
        return digest is not None and layout.blob_data(digest).is_file()

    for repo in repository_names(layout):
        base = layout.repository(repo)
        for link, linked in links(base / "_layers"):
            if linked is not None and not stored(linked):
                remove(layout, link.parent)
                removed.append(f"removed layer link {repo}@{linked} (the blob is not stored)")
        revisions = set()
        for link, revision in links(base / "_manifests" / "revisions"):
            if revision is not None and not stored(revision):
                remove(layout, link.parent)
                removed.append(f"removed revision link {repo}@{revision} (the manifest is not stored)")
            elif revision is not None:
                revisions.add(revision)
        tags = base / "_manifests" / "tags"
        for tag_dir in sorted(tags.iterdir()) if tags.is_dir() else ():
            current = read_link(tag_dir / "current" / "link")
            if current not in revisions:
                remove(layout, tag_dir)
                removed.append(f"removed tag {repo}:{tag_dir.name} (it points at no manifest of the repository)")
    return removed
