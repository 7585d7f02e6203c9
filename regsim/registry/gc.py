"""Accounting and garbage collection: what a registry stores, and what mark-and-sweep would free.

Both read the parts (a :class:`~regsim.registry.blobs.BlobStore` and a
:class:`~regsim.registry.repository.RepositoryStore`) through their public methods; the sweep
itself is applied by the registry, so that it is one event like every other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ..display import bytes_cell, some, table
from ..oci.blob import Content
from ..oci.digest import Digest
from ..oci.manifest import Index
from ..units import plural
from .blobs import BlobStore
from .repository import Repository, RepositoryStore

__all__ = ["StorageReport", "GCReport", "storage_report", "account", "mark"]


@dataclass(frozen=True)
class StorageReport:
    """How much a store holds, and how much it would hold without deduplication.

    The one report for every store: a registry (:meth:`Registry.storage`), a host's local image
    store (:meth:`Host.storage`) and a simulated catalogue (``Catalog.storage``), with one
    meaning of the two counts:

    * ``physical_bytes``: every distinct blob the store holds, once -- what the disk holds;
    * ``logical_bytes``: for every image (manifest), the bytes of every blob the store holds for
      it, counted again for each image -- what the disk would hold if every image kept its own
      copy. A registry stores manifests, configs and layers (an index counts its own bytes; its
      images count as images); a host stores configs and layers (no manifests);
    * ``manifests``: the images counted (per repository in a registry, per image id on a host);
      ``blobs``: the distinct blobs stored; ``unreferenced_bytes``: stored blobs no image uses;
    * ``dedup_ratio`` = logical / physical; ``saved_bytes`` = logical - physical.
    """

    repositories: int
    manifests: int
    blobs: int
    physical_bytes: int
    logical_bytes: int
    placeholder_bytes: int
    unreferenced_bytes: int

    @property
    def dedup_ratio(self) -> float:
        """``logical_bytes / physical_bytes``: how many times over the images would fill the disk
        without deduplication (1.0 for an empty store).
        """
        return self.logical_bytes / self.physical_bytes if self.physical_bytes else 1.0

    @property
    def saved_bytes(self) -> int:
        """``logical_bytes - physical_bytes``: what deduplication saves."""
        return self.logical_bytes - self.physical_bytes

    def to_dict(self) -> dict[str, Any]:
        """The counts as a dict, with ``dedup_ratio`` and ``saved_bytes`` (one row of a DataFrame)."""
        return {**self.__dict__, "dedup_ratio": self.dedup_ratio, "saved_bytes": self.saved_bytes}

    def __str__(self) -> str:
        ratio = (f"dedup ratio {self.dedup_ratio:.2f}x" if self.logical_bytes
                 else "no manifests, so no dedup ratio")
        return (f"{plural(self.repositories, 'repository')}, {plural(self.manifests, 'manifest')}, "
                f"{plural(self.blobs, 'blob')}; logical {_human(self.logical_bytes)}, physical {_human(self.physical_bytes)}, {ratio}")

    def _repr_html_(self) -> str:
        rows: list[list[Any]] = [["repositories", self.repositories], ["manifests", self.manifests], ["blobs", self.blobs],
                ["physical (each blob once)", bytes_cell(self.physical_bytes)],
                ["logical (every image whole)", bytes_cell(self.logical_bytes)],
                ["saved by deduplication", bytes_cell(self.saved_bytes)], ["dedup ratio", f"{self.dedup_ratio:.2f}x"],
                ["placeholder bytes", bytes_cell(self.placeholder_bytes)],
                ["unreferenced (gc would free)", bytes_cell(self.unreferenced_bytes)]]
        return table(rows, header=["", "value"], caption="Storage")


@dataclass(frozen=True)
class GCReport:
    """What a garbage collection marked, swept (or would sweep, for a dry run) and freed."""

    marked: int
    swept: tuple[Digest, ...]
    deleted_manifests: tuple[tuple[str, Digest], ...]
    bytes_freed: int
    dry_run: bool
    delete_untagged: bool

    def __str__(self) -> str:
        sweep, delete = ("would sweep", "would delete") if self.dry_run else ("swept", "deleted")
        return (f"marked {plural(self.marked, 'blob')}, {sweep} {plural(len(self.swept), 'blob')} "
                f"({_human(self.bytes_freed)}), {delete} "
                f"{plural(len(self.deleted_manifests), 'untagged manifest')}")

    def _repr_html_(self) -> str:
        rows: list[list[Any]] = [["marked (kept)", self.marked], ["swept blobs", some([d.short for d in self.swept])],
                ["bytes freed", bytes_cell(self.bytes_freed)],
                ["untagged manifests deleted", some([f"{r}@{d.short}" for r, d in self.deleted_manifests])],
                ["dry run", self.dry_run]]
        return table(rows, header=["", ""], caption="Garbage collection" + (" (dry run: nothing removed)" if self.dry_run else ""))


def _human(n: int) -> str:
    from ..units import human_size

    return human_size(n)


def storage_report(blobs: BlobStore, repositories: RepositoryStore) -> StorageReport:
    """Logical vs physical bytes: the deduplication the content-addressed store achieves."""
    logical = 0
    referenced: set[Digest] = set()
    manifests = 0  # per repository, like logical: the same image in two repositories counts twice
    for repo in repositories.values():
        stored_manifests = repo.manifests
        manifests += len(stored_manifests)
        referenced.update(stored_manifests)
        for stored in stored_manifests.values():
            parsed = stored.parsed
            referenced.update(parsed.reference_digests)  # computed once per manifest
            logical += stored.size if isinstance(parsed, Index) else stored.size + parsed.total_size
    content = blobs.view()
    physical = placeholder = unreferenced = 0
    for blob in content.values():
        size = blob.size
        physical += size
        if blob.is_placeholder:
            placeholder += size
    loose = content.keys() - referenced  # a set difference, in C: usually few
    for digest in loose:
        unreferenced += content[digest].size
    if len(referenced) > len(content) - len(loose):  # some reference is not stored (foreign layers)
        missing = {d for d in referenced if d not in content}
        # logical counts stored blobs only: take back what total_size counted of the missing ones
        for repo in repositories.values():
            for stored in repo.manifests.values():
                parsed = stored.parsed
                if not isinstance(parsed, Index) and not missing.isdisjoint(parsed.reference_digests):
                    logical -= sum(desc.size for desc in parsed.references() if desc.digest in missing)
    return StorageReport(
        repositories=len(repositories), manifests=manifests, blobs=len(blobs),
        physical_bytes=physical, logical_bytes=logical, placeholder_bytes=placeholder,
        unreferenced_bytes=unreferenced,
    )


def account(images: Iterable[Iterable[Content]], stored: Iterable[Content], *, repositories: int) -> StorageReport:
    """The report for any store: ``images`` are, per image, the stored blobs it is made of;
    ``stored`` every blob the store holds. Same counts as :func:`storage_report` (the registry's
    fast path): logical sums each image's blobs, physical each distinct stored blob once."""
    logical = manifests = 0
    referenced: set[Digest] = set()
    for blobs in images:
        manifests += 1
        for blob in blobs:
            logical += blob.size
            referenced.add(blob.digest)
    distinct = {blob.digest: blob for blob in stored}
    physical = sum(blob.size for blob in distinct.values())
    placeholder = sum(blob.size for blob in distinct.values() if blob.is_placeholder)
    unreferenced = sum(distinct[d].size for d in distinct.keys() - referenced)
    return StorageReport(
        repositories=repositories, manifests=manifests, blobs=len(distinct), physical_bytes=physical,
        logical_bytes=logical, placeholder_bytes=placeholder, unreferenced_bytes=unreferenced,
    )


def mark(repositories: RepositoryStore, *, delete_untagged: bool = False,
         keep: Iterable[Digest] = ()) -> tuple[set[Digest], list[tuple[str, Digest]]]:
    """The mark phase: digests gc keeps, and the manifests it would delete.

    Roots are every manifest of every repository, or only tagged ones with ``delete_untagged``
    -- and the manifests in ``keep`` (online gc's grace: manifests pushed by digest a moment ago,
    the children of an index whose push is in flight).
    From each root, gc follows an index to its manifests and a manifest to its config and layers,
    and keeps artifacts whose ``subject`` is kept (signatures, SBOMs) -- as registries with the
    referrers API do.
    """
    marked: set[Digest] = set()
    doomed: list[tuple[str, Digest]] = []
    keep = set(keep)
    for repo in repositories.values():
        manifests = repo.manifests
        if not delete_untagged:
            roots = set(manifests)
        elif keep:
            roots = repo.tagged() | {d for d in keep if d in manifests}
        else:
            roots = repo.tagged()
        kept = _closure(repo, roots)
        while True:  # keep referrers of kept manifests, to a fixpoint
            extra = {d for d, s in manifests.items() if d not in kept and s.subject in kept}
            if not extra:
                break
            kept |= _closure(repo, extra)
        marked.update(kept)
        for digest in kept:
            marked.update(manifests[digest].parsed.reference_digests)
        if len(kept) < len(manifests):
            doomed.extend((repo.name, d) for d in sorted(manifests) if d not in kept)
    return marked, doomed


def _closure(repo: Repository, roots: Iterable[Digest]) -> set[Digest]:
    manifests = repo.manifests
    kept: set[Digest] = set()
    stack = [d for d in roots if d in manifests]
    while stack:
        digest = stack.pop()
        if digest in kept:
            continue
        kept.add(digest)
        stored = manifests[digest]
        if stored.is_index:
            stack.extend(d.digest for d in stored.references() if d.digest in manifests)
    return kept
