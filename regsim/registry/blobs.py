"""The blob store: every blob once, content-addressed by digest (manifests are blobs too).

A :class:`BlobStore` holds content and nothing else; which repository may see a blob is a
*link* the repository keeps (:meth:`Repository.link_blob
<regsim.registry.repository.Repository.link_blob>`), as in distribution's layout, where
``blobs/sha256/<xx>/<hex>/data`` holds the bytes and ``repositories/<name>/_layers/...`` the
links. :class:`MemoryBlobStore` is the in-memory implementation; :class:`MappingBlobStore` adapts
any mutable mapping ``digest -> content`` (such as
:class:`~regsim.registry.filesystem.FilesystemBlobs`, the store on disk).

>>> from regsim.oci.blob import Blob, Placeholder
>>> store = MemoryBlobStore()
>>> store.put(Placeholder("sha256:" + "a" * 64, 10))
True
>>> store.put(Placeholder("sha256:" + "a" * 64, 10))  # already there: nothing new
False
>>> len(store), store.size_of("sha256:" + "a" * 64)
(1, 10)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import MappingProxyType
from typing import Iterator, Mapping, MutableMapping

from ..errors import UnknownKey
from ..oci.blob import Content
from ..oci.digest import Digest

__all__ = ["BlobStore", "MemoryBlobStore", "MappingBlobStore", "as_blob_store"]


class BlobStore(ABC):
    """Where a registry keeps blob content. Subclasses implement the five abstract methods."""

    #: False for a store that keeps real bytes only (on disk): the registry refuses placeholders.
    keeps_placeholders = True

    @abstractmethod
    def get(self, digest: str) -> Content | None:
        """The blob, or None."""

    @abstractmethod
    def put(self, content: Content) -> bool:
        """Store ``content`` under its digest; True when the store did not hold it before.

        Real bytes replace a placeholder of the same digest (and that is not new content).
        """

    @abstractmethod
    def delete(self, digest: str) -> None:
        """Remove a blob (garbage collection); unknown digests are ignored."""

    @abstractmethod
    def __iter__(self) -> Iterator[Digest]:
        """Every stored digest."""

    @abstractmethod
    def __len__(self) -> int: ...

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, str) and self.get(digest) is not None

    def size_of(self, digest: str) -> int:
        """The size in bytes of the blob ``digest``; :class:`~regsim.errors.UnknownKey` if it is not stored."""
        blob = self.get(digest)
        if blob is None:
            raise UnknownKey(f"no blob {digest}")
        return blob.size

    def view(self) -> Mapping[Digest, Content]:
        """A read-only mapping ``digest -> content`` (what :attr:`Registry.blobs` returns)."""
        return _BlobView(self)


class _BlobView(Mapping[Digest, Content]):
    __slots__ = ("_store",)

    def __init__(self, store: BlobStore) -> None:
        self._store = store

    def __getitem__(self, digest: Digest) -> Content:
        blob = self._store.get(digest)
        if blob is None:
            raise UnknownKey(f"no blob {digest}")
        return blob

    def __contains__(self, digest: object) -> bool:
        return digest in self._store

    def __iter__(self) -> Iterator[Digest]:
        return iter(self._store)

    def __len__(self) -> int:
        return len(self._store)


class MappingBlobStore(BlobStore):
    """A blob store over a mutable mapping ``digest -> content`` (a store on disk, for example)."""

    __slots__ = ("_mapping", "keeps_placeholders")

    def __init__(self, mapping: MutableMapping[Digest, Content]) -> None:
        self._mapping = mapping
        self.keeps_placeholders = bool(getattr(mapping, "keeps_placeholders", True))

    def get(self, digest: str) -> Content | None:
        return self._mapping[Digest(digest)] if digest in self._mapping else None

    def put(self, content: Content) -> bool:
        existing = self.get(content.digest)
        if existing is None or (existing.is_placeholder and not content.is_placeholder):
            self._mapping[content.digest] = content
        return existing is None

    def delete(self, digest: str) -> None:
        if digest in self._mapping:
            del self._mapping[Digest(digest)]

    def __contains__(self, digest: object) -> bool:
        return digest in self._mapping

    def __iter__(self) -> Iterator[Digest]:
        return iter(self._mapping)

    def __len__(self) -> int:
        return len(self._mapping)


def as_blob_store(blobs: "BlobStore | MutableMapping[Digest, Content] | None") -> BlobStore:
    """A :class:`BlobStore` for what a registry was given: a store, a mapping, or None (memory)."""
    if blobs is None:
        return MemoryBlobStore()
    if isinstance(blobs, BlobStore):
        return blobs
    return MappingBlobStore(blobs)


class MemoryBlobStore(BlobStore):
    """Blobs in a dict (real bytes, or placeholders that only know their size)."""

    __slots__ = ("_blobs", "_view")

    def __init__(self) -> None:
        self._blobs: dict[Digest, Content] = {}
        self._view = MappingProxyType(self._blobs)

    def get(self, digest: str) -> Content | None:
        blob: Content | None = self._blobs.get(digest)  # type: ignore[call-overload]
        return blob

    def put(self, content: Content) -> bool:
        digest = content.digest
        existing = self._blobs.get(digest)
        if existing is None:
            self._blobs[digest] = content
            return True
        if existing.is_placeholder and not content.is_placeholder:
            self._blobs[digest] = content  # real bytes replace a placeholder of the same digest
        return False

    def delete(self, digest: str) -> None:
        self._blobs.pop(digest, None)  # type: ignore[call-overload]

    def __contains__(self, digest: object) -> bool:
        return digest in self._blobs

    def __iter__(self) -> Iterator[Digest]:
        return iter(self._blobs)

    def __len__(self) -> int:
        return len(self._blobs)

    def view(self) -> Mapping[Digest, Content]:
        return self._view
