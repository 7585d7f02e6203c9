"""Content: blobs of real bytes, and sized placeholders for large-scale experiments.

Both are content-addressed by a :class:`~regsim.oci.digest.Digest`.

* :class:`Blob` holds real bytes. Its digest is always computed from them (or, when the bytes come
  from a caller who names a digest, verified against them).
* :class:`Placeholder` has a digest and a size but no bytes. Reading its bytes raises
  :class:`~regsim.errors.PlaceholderContent`. Use it to model catalogues of millions of layers, or
  real layers known only by their metadata (the official-images dataset). ``is_placeholder`` tells
  the two apart everywhere.

>>> b = Blob(b"hello")
>>> b.size, b.digest.short, b.is_placeholder
(5, 'sha256:2cf24dba…', False)
>>> p = Placeholder.for_key("python:3.11 layer 1", size=49_000_000)
>>> p.size, p.is_placeholder
(49000000, True)
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Iterator, Union

from .digest import Digest
from ..errors import DigestInvalid, InvalidArgument, PlaceholderContent, SizeInvalid

__all__ = ["Blob", "Placeholder", "Content", "as_content", "as_bytes"]


def as_bytes(value: object, what: str = "content") -> bytes:
    """``value`` as ``bytes`` if it is bytes, bytearray or memoryview; else ``TypeError`` naming it.

    (``bytes(5)`` would silently make five zero bytes, and ``bytes("x")`` fails without saying
    what was passed.)
    """
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:59] + "…"
    raise InvalidArgument(f"{what} must be bytes, bytearray or memoryview, got {type(value).__name__}: {shown}")


class Blob:
    """Real bytes, named by their digest."""

    __slots__ = ("digest", "size", "_data")
    is_placeholder = False
    _data: "bytes | tuple[bytes, ...]"

    def __init__(self, data: bytes | bytearray | memoryview, *, algorithm: str = "sha256") -> None:
        data = as_bytes(data, "blob content")
        self._data = data
        self.size = len(data)
        self.digest = Digest.of(data, algorithm)

    @classmethod
    def verified(cls, data: bytes | bytearray | memoryview, digest: str) -> "Blob":
        """A blob whose bytes must hash to ``digest`` (raises ``DigestInvalid`` otherwise)."""
        expected = Digest(digest)
        blob = cls(data, algorithm=expected.algorithm)
        if blob.digest != expected:
            raise DigestInvalid(
                f"provided digest did not match uploaded content: expected {expected}, "
                f"content hashes to {blob.digest}",
                detail=str(expected),
            )
        return blob

    @classmethod
    def from_pieces(cls, pieces: "Iterable[bytes]", *, algorithm: str = "sha256") -> "Blob":
        """Bytes that arrived in pieces (a request body), kept as they are: hashed piece by piece
        and joined only if ``data`` is read, so the blob is never held twice.

        >>> blob = Blob.from_pieces([b"abc", b"defg"])
        >>> blob.digest == Blob(b"abcdefg").digest, blob.size, blob.data
        (True, 7, b'abcdefg')
        """
        chunks = [as_bytes(piece, "a piece of blob content") for piece in pieces]
        return cls._trusted_chunks(chunks, Digest.of_chunks(chunks, algorithm))

    @classmethod
    def _trusted(cls, data: bytes, digest: Digest) -> "Blob":
        """Internal: wrap bytes whose digest the caller has just computed."""
        blob = cls.__new__(cls)
        blob._data, blob.size, blob.digest = data, len(data), digest
        return blob

    @classmethod
    def _trusted_chunks(cls, chunks: "list[bytes]", digest: Digest) -> "Blob":
        """Internal: bytes that arrived in chunks (an upload), joined only when first read."""
        blob = cls.__new__(cls)
        blob.size, blob.digest = sum(len(c) for c in chunks), digest
        blob._data = chunks[0] if len(chunks) == 1 else (b"" if not chunks else tuple(chunks))
        return blob

    @property
    def data(self) -> bytes:
        """The blob's bytes (for a blob made from pieces, joined once and kept)."""
        data = self._data
        if isinstance(data, tuple):  # chunks of an upload: join once, on the first read
            data = self._data = b"".join(data)
        return data

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        """Bytes ``start`` up to, not including, ``end``."""
        return self.data[start:end]

    def pieces(self, start: int = 0, end: int | None = None, *, piece: int = 64 << 20) -> Iterator[memoryview]:
        """Bytes ``start`` up to ``end`` as views of at most ``piece`` bytes, without copying: an
        upload's chunks are never joined for it (a server sends a blob this way).

        >>> b"".join(Blob._trusted_chunks([b"abc", b"defg"], Digest.of(b"abcdefg")).pieces(2, 6, piece=3))
        b'cdef'
        """
        end = self.size if end is None else min(end, self.size)
        data = self._data
        offset = 0
        for chunk in data if isinstance(data, tuple) else (data,):
            low, high = max(start - offset, 0), min(end - offset, len(chunk))
            view = memoryview(chunk)
            for at in range(low, high, piece):
                yield view[at:min(at + piece, high)]
            offset += len(chunk)
            if offset >= end:
                break

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (Blob, Placeholder)) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"Blob({self.digest.short}, size={self.size})"


class Placeholder:
    """A blob known only by digest and size: its bytes are never materialised."""

    __slots__ = ("digest", "size")
    is_placeholder = True

    def __init__(self, digest: str, size: int) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise SizeInvalid(f"placeholder size must be a non-negative integer, got {size!r}", detail=repr(size))
        self.digest = Digest(digest)
        self.size = size

    @classmethod
    def for_key(cls, key: str, size: int) -> "Placeholder":
        """A placeholder whose digest is derived from ``key`` (same key, same digest).

        The digest is ``sha256("regsim-placeholder\\0" + key)``: stable, unique per key, and
        obviously not the hash of ``size`` real bytes.
        """
        return cls(Digest.of(("regsim-placeholder\0" + key).encode()), size)

    @classmethod
    def _derived(cls, key: str, size: int) -> "Placeholder":
        """Internal fast path of :meth:`for_key` for generators (``size`` already checked): the
        same digest, ``sha256("regsim-placeholder\\0" + key)``, without re-validating it."""
        ph = _new(cls)
        ph.digest = _str_new(Digest, "sha256:" + _sha256(b"regsim-placeholder\0" + key.encode()).hexdigest())
        ph.size = size
        return ph

    @property
    def data(self) -> bytes:
        """Never: a placeholder has a digest and a size but no bytes (raises PlaceholderContent)."""
        raise PlaceholderContent(
            f"blob {self.digest} is a placeholder of {self.size} bytes: it has no content to read",
            detail=str(self.digest),
        )

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        """Never: a placeholder has no bytes to read (raises PlaceholderContent)."""
        return self.data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (Blob, Placeholder)) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"Placeholder({self.digest.short}, size={self.size})"


Content = Union[Blob, Placeholder]
_new, _str_new, _sha256 = object.__new__, str.__new__, hashlib.sha256


def as_content(value: "Content | bytes | bytearray | memoryview") -> Content:
    """Wrap raw bytes as a :class:`Blob`; pass blobs and placeholders through."""
    if isinstance(value, (Blob, Placeholder)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Blob(value)
    raise InvalidArgument(f"expected bytes, Blob or Placeholder, got {type(value).__name__}")
