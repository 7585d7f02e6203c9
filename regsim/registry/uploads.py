"""Blob uploads in progress: sessions that hash incrementally and spool their bytes.

An :class:`UploadSession` is what ``POST /v2/<name>/blobs/uploads/`` opens and the closing
``PUT ?digest=`` finishes. Every chunk updates a SHA-256 hasher as it arrives (so finishing never
re-reads the bytes) and goes to a :class:`Spool`: :class:`MemorySpool` keeps the chunks in a
list; :class:`~regsim.registry.filesystem.FileSpool` keeps them in distribution's
``_uploads/<id>/data``. :class:`Uploads` owns the open sessions of one registry.

>>> from regsim import Registry
>>> registry = Registry()
>>> session = registry.start_upload("team/app")
>>> registry.upload_chunk(session.id, b"hello "), registry.upload_chunk(session.id, b"world")
(6, 11)
>>> session.digest() == Digest.of(b"hello world"), session.content(Digest.of(b"hello world")).data
(True, b'hello world')

A session is read-only from outside: only the registry's events change it (its ``_append`` and
``_discard`` are called by :mod:`regsim.registry.apply`).

Upload bytes are ``bytes`` or a :class:`Chunk` (a request body a server staged, read piece by piece,
so no request ever makes a whole copy; a spool that can ``adopt`` the staged file takes it as is).
"""

from __future__ import annotations

import hashlib
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol

from ..oci.blob import Blob, Content, as_bytes
from ..oci.digest import Digest

__all__ = ["Spool", "MemorySpool", "Chunk", "UploadSession", "Uploads"]


class Chunk(Protocol):
    """Upload bytes that arrive as pieces (a staged request body): ``size`` and ``pieces()``.

    A chunk may also have ``sha256``: a ``hashlib`` object fed every piece as it arrived (or
    None). When the chunk starts the upload, the session takes that state instead of hashing
    the bytes a second time.
    """

    size: int

    def pieces(self) -> Iterator[bytes]: ...


def pieces_of(data: "bytes | Chunk", what: str) -> tuple[Callable[[], Iterable[bytes]], int]:
    """``(pieces, size)`` of upload bytes: bytes, or a :class:`Chunk` read piece by piece."""
    if hasattr(data, "pieces") and hasattr(data, "size"):
        return data.pieces, data.size
    raw = as_bytes(data, what)
    return (lambda: (raw,) if raw else ()), len(raw)


class Spool(Protocol):
    """Where an upload's bytes wait until the upload finishes (or is cancelled)."""

    def append(self, data: bytes) -> None:
        """Keep ``data`` after the bytes before it."""

    def chunks(self) -> Iterator[bytes]:
        """The bytes kept so far, in order (possibly in other pieces than appended)."""

    def content(self, digest: Digest) -> Content:
        """The whole upload as a blob whose digest the caller has verified."""

    def discard(self) -> None:
        """Drop what the spool still holds (cancelled, expired, or finished: what the blob store
        did not take)."""


class MemorySpool:
    """An upload's chunks in a list (the default)."""

    __slots__ = ("_chunks",)

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def append(self, data: bytes) -> None:
        """Keep ``data`` after the bytes before it."""
        self._chunks.append(data)

    def chunks(self) -> Iterator[bytes]:
        """The chunks kept so far, in the order appended."""
        return iter(self._chunks)

    def content(self, digest: Digest) -> Content:
        """The whole upload as one blob (the caller has verified ``digest``; it is not hashed again)."""
        return Blob._trusted_chunks(self._chunks, digest)

    def discard(self) -> None:
        """Drop the chunks."""
        self._chunks = []


def memory_spool(upload_id: str, repository: str) -> Spool:
    """The default spool factory: every upload in memory."""
    return MemorySpool()


class UploadSession:
    """A blob upload in progress (``POST /blobs/uploads/`` until the closing ``PUT``).

    ``size``, ``sha256`` and ``started_at`` resume a session whose bytes a spool kept (a
    persistent registry reopening).
    """

    __slots__ = ("_id", "_repository", "_size", "_started_at", "_spool", "_sha256")

    def __init__(self, upload_id: str, repository: str, spool: Spool | None = None, *, size: int = 0,
                 sha256: Any = None, started_at: float | None = None) -> None:
        self._id = upload_id
        self._repository = repository
        self._size = size
        self._started_at = started_at
        self._spool: Spool = spool if spool is not None else MemorySpool()
        self._sha256 = sha256 if sha256 is not None else hashlib.sha256()

    @property
    def id(self) -> str:
        """The session id: the ``<uuid>`` of ``/v2/<name>/blobs/uploads/<uuid>``."""
        return self._id

    @property
    def repository(self) -> str:
        """The repository the blob is uploaded to."""
        return self._repository

    @property
    def size(self) -> int:
        """Bytes received so far."""
        return self._size

    @property
    def started_at(self) -> float | None:
        """When the upload began (seconds since the epoch) if a store recorded it, else None."""
        return self._started_at

    @property
    def offset(self) -> int:
        """Bytes received so far (the next chunk must start here)."""
        return self.size

    def _append(self, data: "bytes | Chunk") -> int:
        """Hash and spool one chunk (bytes, or a staged :class:`Chunk`); returns the new offset."""
        pieces, size = pieces_of(data, "upload chunk")
        spool = self._spool
        hashed = getattr(data, "sha256", None) if self.size == 0 else None
        try:  # all or nothing: a spool that fails (a full disk) takes the chunk back
            if hashed is not None:  # the chunk was hashed as it arrived, and it is the whole upload so far
                hasher = hashed.copy()
                adopt, staged = getattr(spool, "adopt", None), getattr(data, "path", None)
                if adopt is not None and staged is not None:
                    adopt(staged)  # a staged file becomes the upload's file: renamed, not copied
                else:
                    for piece in pieces():
                        spool.append(piece)
            else:
                hasher = self._sha256.copy()
                for piece in pieces():
                    spool.append(piece)
                    hasher.update(piece)
            sync = getattr(spool, "sync", None)
            if sync is not None:
                sync()
        except OSError:
            truncate = getattr(spool, "truncate", None)
            if truncate is not None:
                truncate(self.size)
            raise
        self._sha256 = hasher
        self._size += size
        return self._size

    def digest(self, algorithm: str = "sha256", *, tail: Iterable[bytes] = (), tail_sha256: Any = None) -> Digest:
        """The digest of the bytes received so far plus the pieces ``tail`` (nothing changes).

        ``tail_sha256``: the tail's own hash state, fed as it arrived (used when nothing came before).
        """
        if algorithm == "sha256" and tail_sha256 is not None and self.size == 0:
            return Digest.from_hasher(tail_sha256.copy(), "sha256")  # the whole blob, hashed as it arrived
        if algorithm == "sha256":
            hasher = self._sha256.copy()
            for piece in tail:
                hasher.update(piece)
            return Digest.from_hasher(hasher, "sha256")
        return Digest.of_chunks([*self._spool.chunks(), *tail], algorithm)

    def content(self, digest: Digest) -> Content:
        """The finished blob, whose digest the caller verified."""
        return self._spool.content(digest)

    def _discard(self) -> None:
        self._spool.discard()

    def __repr__(self) -> str:
        return f"UploadSession({self.id!r}, repository={self.repository!r}, size={self.size})"


class Uploads:
    """The open upload sessions of one registry, by id."""

    __slots__ = ("_sessions", "_view")

    def __init__(self) -> None:
        self._sessions: dict[str, UploadSession] = {}
        self._view = MappingProxyType(self._sessions)

    def add(self, session: UploadSession) -> UploadSession:
        self._sessions[session.id] = session
        return session

    def get(self, upload_id: object) -> UploadSession | None:
        return self._sessions.get(upload_id) if isinstance(upload_id, str) else None

    def remove(self, upload_id: str) -> UploadSession:
        """Forget a session (finished: its bytes became a blob)."""
        return self._sessions.pop(upload_id)

    def view(self) -> Mapping[str, UploadSession]:
        return self._view

    def __len__(self) -> int:
        return len(self._sessions)
