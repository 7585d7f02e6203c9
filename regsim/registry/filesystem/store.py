"""Bytes on disk: the global blob store (``blobs/<alg>/<xx>/<hex>/data``) and upload spools."""

from __future__ import annotations

import mmap
import os
from pathlib import Path
from typing import Any, Iterator, MutableMapping

from ...errors import PlaceholderContent, RegistryError
from ...oci.blob import Blob, Placeholder
from ...oci.digest import Digest
from .atomic import place, write_atomic
from .layout import Layout

__all__ = ["READ_PIECE", "StoredBlob", "SpooledBlob", "FilesystemBlobs", "FileSpool"]

READ_PIECE = 4 << 20


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

    def pieces(self, start: int = 0, end: int | None = None, *, piece: int = READ_PIECE) -> Iterator[memoryview]:
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
            place(self.layout, content.path, target, target.parent)
        else:
            write_atomic(self.layout, target, content.data, target.parent)
        self._sizes[Digest(digest)] = content.size

    def __delitem__(self, digest: Digest) -> None:
        """Forget a swept blob (the journal removed its data before: gc's order)."""
        del self._sizes[digest]

    def remember(self, digest: Digest, size: int) -> None:
        """A blob the journal has just stored (before the registry applies its event)."""
        self._sizes[Digest(digest)] = size

    def __iter__(self) -> Iterator[Digest]:
        return iter(list(self._sizes))

    def __len__(self) -> int:
        return len(self._sizes)


class FileSpool:
    """An upload's bytes in ``_uploads/<id>/data`` (with ``startedat``, as distribution). The
    journal creates and removes the directory (:class:`~.journal.Journal`); the spool only appends
    to its data file, and takes a failed append back (the file keeps what memory counts)."""

    def __init__(self, layout: Layout, repository: str, upload_id: str) -> None:
        self.layout = layout
        self.dir = layout.upload_dir(repository, upload_id)
        self.path = self.dir / "data"
        self._handle: Any = None

    def _file(self) -> Any:
        if self._handle is None:
            self._handle = open(self.path, "ab", buffering=0)  # every chunk reaches the file at once
        return self._handle

    def append(self, data: bytes) -> None:
        """Append ``data`` to the upload's data file (not yet synced: :meth:`sync` makes it durable)."""
        self._file().write(data)

    def truncate(self, size: int) -> None:
        """Take back what was appended after the first ``size`` bytes (a chunk that failed)."""
        os.truncate(self.path, size)

    def sync(self) -> None:
        """Make what was appended durable (a chunk is acknowledged only after this)."""
        os.fsync(self._file().fileno())

    def chunks(self) -> Iterator[bytes]:
        """The upload's bytes so far, read from its data file in pieces."""
        with open(self.path, "rb") as handle:
            while piece := handle.read(READ_PIECE):
                yield piece

    def adopt(self, path: Path) -> None:
        """Take a whole staged file as the upload's bytes so far (the upload must be empty)."""
        self._close()
        os.replace(path, self.path)

    def content(self, digest: Digest) -> SpooledBlob:
        """The finished upload as a blob read from its data file (the caller has verified ``digest``)."""
        self._close()
        return SpooledBlob(self.path, digest, self.path.stat().st_size)

    def discard(self) -> None:
        """Let go of the file (the journal removes the upload's directory)."""
        self._close()

    def _close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
