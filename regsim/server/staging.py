"""Request bodies received piece by piece, never joined: in memory, or in a file of the store.

A blob upload's body is staged here while it streams in, and handed to the model only when it
is complete (a client that disconnects half-way changes nothing). The model then reads it back
piece by piece (:class:`~regsim.registry.registry.Chunk`), so no request ever makes a whole
copy of a blob: a persistent registry (``serve --data``) stages into its own ``.regsim-tmp``
directory and renames a finished blob into place, so a 1 GiB push needs little memory.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Iterator

from ..errors import InvalidArgument, expect
from ..oci.blob import Blob
from ..oci.digest import Digest
from ..registry.filesystem import READ_PIECE, SpooledBlob

__all__ = ["Staged"]


class Staged:
    """A body being received: ``append`` pieces, then read them back with ``pieces()``.

    ``directory`` None keeps the pieces in memory; otherwise they go to a new file there.
    With ``sha256=True`` the digest is computed as the pieces arrive (``digest``).
    """

    def __init__(self, directory: Path | None = None, *, sha256: bool = False) -> None:
        expect("directory", directory, (str, os.PathLike, type(None)), "a directory or None")
        self.size = 0
        #: the sha256 of every piece so far (None unless asked for): the model takes it as the
        #: upload's hash state when this body starts an upload (see registry.Chunk)
        self.sha256 = hashlib.sha256() if sha256 else None
        self._pieces: list[bytes] = []
        self.path: Path | None = None
        self._handle = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / f"{secrets.token_hex(8)}.upload"
            self._handle = open(self.path, "wb", buffering=0)

    def append(self, piece: bytes) -> None:
        if self._handle is not None:
            self._handle.write(piece)
        else:
            self._pieces.append(piece)
        if self.sha256 is not None:
            self.sha256.update(piece)
        self.size += len(piece)

    @property
    def digest(self) -> Digest:
        if self.sha256 is None:
            raise InvalidArgument("digest: this body was staged without hashing (Staged(sha256=True) hashes it)")
        return Digest.from_hasher(self.sha256.copy())

    def pieces(self) -> Iterator[bytes]:
        if self.path is None:
            yield from self._pieces
            return
        with open(self.path, "rb") as handle:
            while piece := handle.read(READ_PIECE):
                yield piece

    def content(self, algorithm: str = "sha256") -> Blob:
        """The body for ``push_blob`` (the model compares its digest with the one announced): a
        file blob (on disk), or the pieces as they arrived (in memory: never joined here, so a
        single-request push holds the blob once)."""
        if self.path is None:
            return Blob.from_pieces(self._pieces, algorithm=algorithm)
        digest = self.digest if algorithm == "sha256" and self.sha256 is not None else \
            Digest.of_chunks(self.pieces(), algorithm)
        return SpooledBlob(self.path, digest, self.size)

    def discard(self) -> None:
        """Drop what is left (a file the blob store took is already gone)."""
        if self._handle is not None:
            self._handle.close()
        if self.path is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
        self._pieces = []
