"""Content digests: the name of every blob and manifest.

Grammar (OCI image-spec, "Digests")::

    digest    := algorithm ":" encoded
    algorithm := [a-z0-9]+ ([+._-] [a-z0-9]+)*
    encoded   := [a-zA-Z0-9=_-]+

Registered algorithms and their exact encodings::

    sha256    [a-f0-9]{64}
    sha512    [a-f0-9]{128}

A :class:`Digest` is a ``str`` (it compares equal to its text and serialises to JSON as-is) that is
validated when constructed. Uppercase hex and wrong lengths are rejected, as go-digest does; an
unregistered algorithm that matches the grammar is rejected too, because the model cannot verify
content against it.

>>> d = Digest.of(b"hello")
>>> d
Digest('sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824')
>>> d.algorithm, d.short
('sha256', 'sha256:2cf24dba…')
>>> Digest("sha256:2CF2")
Traceback (most recent call last):
...
regsim.errors.DigestInvalid: invalid digest 'sha256:2CF2': sha256 digests are 64 lowercase hex characters
"""

from __future__ import annotations

import hashlib
import re
from typing import Iterable

from ..errors import DigestInvalid, InvalidArgument

__all__ = ["Digest", "ALGORITHMS", "EMPTY_JSON_DIGEST"]

_GRAMMAR = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+\Z")

#: Registered digest algorithms: name -> (hex length, hashlib constructor name).
ALGORITHMS: dict[str, int] = {"sha256": 64, "sha512": 128}
_CONSTRUCTORS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
_HEX = {name: re.compile(rf"^[a-f0-9]{{{n}}}\Z") for name, n in ALGORITHMS.items()}


class Digest(str):
    """A validated content digest such as ``sha256:2cf24d…``."""

    __slots__ = ()

    def __new__(cls, value: str) -> "Digest":
        if isinstance(value, Digest):
            return value
        if not isinstance(value, str):
            raise DigestInvalid(f"invalid digest {value!r}: expected a string", detail=repr(value))
        if not _GRAMMAR.match(value):
            raise DigestInvalid(
                f"invalid digest {value!r}: expected algorithm:encoded, e.g. sha256:<64 hex>",
                detail=value,
            )
        algorithm, _, encoded = value.partition(":")
        pattern = _HEX.get(algorithm)
        if pattern is None:
            raise DigestInvalid(
                f"invalid digest {value!r}: unsupported algorithm {algorithm!r} "
                f"(supported: {', '.join(ALGORITHMS)})",
                detail=value,
            )
        if not pattern.match(encoded):
            raise DigestInvalid(
                f"invalid digest {value!r}: {algorithm} digests are "
                f"{ALGORITHMS[algorithm]} lowercase hex characters",
                detail=value,
            )
        return super().__new__(cls, value)

    # -- construction ----------------------------------------------------------------------------

    @classmethod
    def of(cls, data: bytes | bytearray | memoryview, algorithm: str = "sha256") -> "Digest":
        """Compute the digest of ``data``."""
        hasher = cls.hasher(algorithm)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidArgument(f"Digest.of needs bytes, bytearray or memoryview, got {type(data).__name__}: "
                            f"{repr(data)[:60]}")
        hasher.update(data)
        return cls.from_hasher(hasher, algorithm)

    @classmethod
    def of_chunks(cls, chunks: Iterable[bytes], algorithm: str = "sha256") -> "Digest":
        """Compute the digest of the concatenation of ``chunks`` without joining them."""
        hasher = cls.hasher(algorithm)
        for chunk in chunks:
            hasher.update(chunk)
        return cls.from_hasher(hasher, algorithm)

    @staticmethod
    def hasher(algorithm: str = "sha256") -> "hashlib._Hash":
        """A fresh ``hashlib`` object for ``algorithm``."""
        try:
            return _CONSTRUCTORS[algorithm]()
        except KeyError:
            raise DigestInvalid(
                f"unsupported digest algorithm {algorithm!r} (supported: {', '.join(ALGORITHMS)})",
                detail=algorithm,
            ) from None

    @classmethod
    def from_hasher(cls, hasher: "hashlib._Hash", algorithm: str = "sha256") -> "Digest":
        """The digest of what a finished :mod:`hashlib` hasher has read.

        >>> import hashlib
        >>> Digest.from_hasher(hashlib.sha256(b"hello")) == Digest.of(b"hello")
        True
        """
        # hexdigest() of a registered algorithm always matches the grammar: skip re-validation.
        return str.__new__(cls, f"{algorithm}:{hasher.hexdigest()}")

    @classmethod
    def is_valid(cls, value: object) -> bool:
        """True when ``value`` parses as a digest."""
        try:
            cls(value)  # type: ignore[arg-type]
        except DigestInvalid:
            return False
        return True

    # -- parts -----------------------------------------------------------------------------------

    @property
    def algorithm(self) -> str:
        """The algorithm part, before the colon: ``"sha256"``."""
        return self.partition(":")[0]

    @property
    def encoded(self) -> str:
        """The hex part after the colon."""
        return self.partition(":")[2]

    hex = encoded

    @property
    def short(self) -> str:
        """A short alias for pictures: ``sha256:3f4a5b6c…`` (8 hex characters)."""
        return f"{self.algorithm}:{self.encoded[:8]}…"

    @property
    def id12(self) -> str:
        """The 12-character id docker prints in push and pull lines."""
        return self.encoded[:12]

    def verify(self, data: bytes) -> bool:
        """True when ``data`` hashes to this digest."""
        return Digest.of(data, self.algorithm) == self

    def __repr__(self) -> str:
        return f"Digest({str(self)!r})"


#: The digest of the two bytes ``{}``, the OCI empty descriptor.
EMPTY_JSON_DIGEST = Digest("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
