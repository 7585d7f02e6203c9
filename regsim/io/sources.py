"""Read files of an image layout from a directory or from inside a tar archive (stdlib only).

Sources are untrusted. A symlink is followed only while it stays inside the source: ``docker
save`` (Docker 20.10) writes a layer shared by two images once, and the second copy as the
in-archive symlink ``<id>/layer.tar -> ../<first id>/layer.tar``. A symlink (or ``..``) that
leaves the directory or archive, a symlink loop, or a file that is neither a directory nor a tar
archive is a :class:`LayoutError` naming the path.

What a source may cost is bounded (:class:`LoadLimits`), before the bytes are read:

* **expansion** -- an archive yields at most ``max_ratio`` times its size on disk (or
  ``ratio_floor`` bytes, whichever is more): a 2 MB ``.tar.gz`` holding a 2 GiB layer is refused
  while its headers are scanned, and so is a small layer read again through a thousand hard links;
* **declared sizes** -- a blob whose file size differs from its descriptor's is refused unread;
* **memory** -- blobs read into memory total at most ``max_memory`` bytes; with a ``spool``
  directory (a registry on disk) layers are streamed into files there instead, piece by piece.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import secrets
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Callable, Iterator, TypeVar

from ..errors import DigestInvalid, InvalidArgument, SizeInvalid, expect
from ..oci.blob import Blob
from ..oci.digest import Digest
from ..registry.filesystem import READ_PIECE, SpooledBlob

__all__ = ["Source", "DirectorySource", "TarSource", "open_source", "LayoutError", "LoadLimits", "load_json"]

#: Symlinks followed in a row before a chain counts as a loop (Linux's MAXSYMLINKS).
MAX_SYMLINKS = 40

_T = TypeVar("_T")

MiB = 1 << 20


class LayoutError(InvalidArgument):
    """The files do not form an OCI image layout (the message says which file and why): a bad
    argument, so an :class:`~regsim.errors.InvalidArgument` (a ValueError, as before)."""


@dataclass(frozen=True)
class LoadLimits:
    """What reading one source may cost (see the module docstring).

    ``max_ratio``/``ratio_floor``: an archive yields at most ``max(max_ratio * its size,
    ratio_floor)`` bytes. ``max_memory``: bytes of blobs held in memory (None: no cap).
    ``spool``: a directory to stream layers into (then ``max_memory`` counts only manifests
    and configs); the caller moves or removes the files.
    """

    max_ratio: float = 100.0
    ratio_floor: int = 64 * MiB
    max_memory: int | None = 1 << 30
    spool: Path | None = None

    def expansion_cap(self, archive_size: int) -> int:
        """The most bytes an archive of ``archive_size`` bytes may yield: ``max_ratio`` times its size,
        but never less than ``ratio_floor``.

        >>> LoadLimits(max_ratio=10, ratio_floor=1000).expansion_cap(50), LoadLimits(max_ratio=10, ratio_floor=1000).expansion_cap(500)
        (1000, 5000)
        """
        return max(int(self.max_ratio * archive_size), self.ratio_floor)


class Source:
    """Files addressed by ``/``-separated relative paths, read within :class:`LoadLimits`."""

    description: str
    limits: LoadLimits = LoadLimits()
    _held = 0

    def exists(self, name: str) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def size(self, name: str) -> int:  # pragma: no cover - interface
        """The size the file declares (its directory entry, its tar header), before reading it."""
        raise NotImplementedError

    def open(self, name: str) -> IO[bytes]:  # pragma: no cover - interface
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        """The whole file (counted against ``max_memory``)."""
        self._reserve(name, self.size(name))
        handle = self.open(name)
        with self._reading(name), handle:
            return handle.read()

    @contextlib.contextmanager
    def _reading(self, name: str) -> Iterator[None]:
        try:
            yield
        except (tarfile.TarError, EOFError, zlib.error) as exc:  # a truncated or corrupt compressed stream
            raise LayoutError(f"{self.description}/{name} cannot be read whole: {exc}") from None

    def _reserve(self, name: str, size: int) -> None:
        cap = self.limits.max_memory
        if cap is not None and self._held + size > cap:
            raise LayoutError(f"{self.description}/{name} is {size} bytes: with {self._held} bytes already read, "
                              f"that is more than the {cap} bytes a load may hold in memory "
                              "(a registry on disk, serve --data DIR, streams layers to disk instead)")
        self._held += size

    def blob(self, name: str, *, size: int | None = None, digest: str | None = None, spool: bool = False) -> Blob:
        """File ``name`` as a blob: its declared size must be ``size`` (checked before reading) and
        its bytes must hash to ``digest`` (when given). With ``spool`` and a spool directory in
        the limits, the bytes are streamed into a file there (a :class:`SpooledBlob`)."""
        declared = self.size(name)
        if size is not None and declared != size:
            raise SizeInvalid(f"{self.description}/{name} has {declared} bytes, its descriptor says {size}",
                              detail=str(digest) if digest else name)
        algorithm = Digest(digest).algorithm if digest is not None else "sha256"
        directory = self.limits.spool
        if spool and directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{secrets.token_hex(8)}.load"
            hasher, written = Digest.hasher(algorithm), 0
            handle = self.open(name)
            with self._reading(name), handle, open(path, "wb") as out:
                while piece := handle.read(READ_PIECE):
                    hasher.update(piece)
                    out.write(piece)
                    written += len(piece)
            actual = Digest.from_hasher(hasher, algorithm)
            blob: Blob = SpooledBlob(path, actual, written)
        else:
            data = self.read(name)
            written, blob = len(data), Blob(data, algorithm=algorithm)
        if written != declared:
            raise SizeInvalid(f"{self.description}/{name} declares {declared} bytes but holds {written}",
                              detail=name)
        if digest is not None and blob.digest != digest:
            raise DigestInvalid(f"{self.description}/{name} does not match its name: expected {digest}, "
                                f"content hashes to {blob.digest}", detail=str(digest))
        return blob

    def close(self) -> None:
        return None

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _clean(name: str) -> str:
    if not isinstance(name, str):
        raise LayoutError(f"a path must be a string, got {type(name).__name__} {name!r}")
    path = PurePosixPath(name)  # also drops a leading "./"
    if path.is_absolute() or ".." in path.parts:
        raise LayoutError(f"refusing path {name!r}: it leaves the archive")
    return str(path)


def load_json(source: "Source", name: str) -> Any:
    """Parse the JSON file ``name`` of ``source`` (``LayoutError`` when it is not JSON, or nested
    deeper than Python's recursion limit)."""
    expect("source", source, Source, "a Source (from open_source())")
    expect("name", name, str, "a path in the source")
    try:
        return json.loads(source.read(name))
    except RecursionError:
        raise LayoutError(f"{source.description}/{name} is nested too deeply to be a real file") from None
    except ValueError as exc:
        raise LayoutError(f"{source.description}/{name} is not JSON: {exc}") from None


class DirectorySource(Source):
    """Files under a directory; symlinks are followed only when they resolve inside it."""

    def __init__(self, root: str | os.PathLike[str], limits: LoadLimits | None = None) -> None:
        expect("root", root, (str, os.PathLike), "a path")
        expect("limits", limits, (LoadLimits, type(None)), "a LoadLimits or None")
        self.limits = limits if limits is not None else LoadLimits()
        self.root = Path(root)
        self._real_root = os.path.realpath(self.root)
        self.description = str(self.root)

    def _resolve(self, name: str) -> str:
        path = os.path.join(self._real_root, _clean(name))
        real = os.path.realpath(path)
        if real != self._real_root and not real.startswith(self._real_root + os.sep):
            raise LayoutError(f"{self.description}/{name} is or goes through a symlink that leaves "
                              f"the source (to {real}): refused")
        return real

    def exists(self, name: str) -> bool:
        return os.path.isfile(self._resolve(name))

    def size(self, name: str) -> int:
        return self._call(name, lambda real: os.stat(real).st_size)

    def open(self, name: str) -> IO[bytes]:
        return self._call(name, lambda real: open(real, "rb"))

    def _call(self, name: str, action: Callable[[str], _T]) -> _T:
        real = self._resolve(name)
        try:
            if os.path.isdir(real):
                raise IsADirectoryError(real)
            return action(real)
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.description} has no file {name!r}") from None
        except IsADirectoryError:
            raise LayoutError(f"{self.description}/{name} is a directory, not a file") from None
        except OSError as exc:  # ELOOP: a symlink loop inside the source
            raise LayoutError(f"{self.description}/{name}: {exc.strerror} (a symlink loop?)") from None


class _Counted:
    """A member being read: every byte it yields counts against the archive's expansion cap."""

    def __init__(self, handle: IO[bytes], count: Callable[[int], None]) -> None:
        self._handle, self._count = handle, count

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._count(len(data))
        return data

    def __enter__(self) -> "_Counted":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._handle.close()


class TarSource(Source):
    """Members of a (possibly compressed) tar archive, by name (a leading ``./`` is ignored).

    The archive's headers are scanned once (stopping at the expansion cap); every byte read
    from a member counts against the cap too (links let a member be read many times).
    """

    def __init__(self, path: str | os.PathLike[str], limits: LoadLimits | None = None) -> None:
        expect("path", path, (str, os.PathLike), "a path")
        expect("limits", limits, (LoadLimits, type(None)), "a LoadLimits or None")
        self.limits = limits if limits is not None else LoadLimits()
        self.description = str(path)
        self._cap = self.limits.expansion_cap(os.path.getsize(path))
        self._delivered = 0
        try:
            self._tar = tarfile.open(path, mode="r:*")
        except tarfile.TarError as exc:
            raise LayoutError(f"{path} is not a directory or a tar archive: {exc}") from None
        self._members: dict[str, tarfile.TarInfo] = {}
        try:
            for member in self._tar:  # one header at a time: a bomb is refused before it expands
                if member.offset_data + member.size > self._cap:
                    raise LayoutError(self._too_big(member.offset_data + member.size))
                if member.isfile() or member.issym() or member.islnk():
                    self._members[_clean(member.name)] = member
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:  # EOFError: a cut compressed stream
            self._tar.close()
            raise LayoutError(f"{path} is a damaged tar archive: {exc}") from None
        except LayoutError:
            self._tar.close()
            raise

    def _too_big(self, size: int) -> str:
        return (f"{self.description} expands to more than {self._cap} bytes ({size} at least), over "
                f"{self.limits.max_ratio:g} times its size on disk: refused (a decompression bomb?)")

    def _count(self, n: int) -> None:
        self._delivered += n
        if self._delivered > self._cap:
            raise LayoutError(self._too_big(self._delivered))

    def _member(self, name: str) -> tarfile.TarInfo | None:
        """The regular file ``name`` names, following in-archive symlinks and hard links."""
        current = _clean(name)
        for _ in range(MAX_SYMLINKS):
            member = self._members.get(current)
            if member is None or member.isfile():
                return member
            if member.issym():
                target = posixpath.normpath(posixpath.join(posixpath.dirname(current), member.linkname))
            else:  # a hard link names its target from the archive's root
                target = posixpath.normpath(member.linkname)
            if member.linkname.startswith("/") or target == ".." or target.startswith("../"):
                raise LayoutError(f"{self.description}: {name!r} is a link to {member.linkname!r}, "
                                  "which leaves the archive: refused")
            current = _clean(target)
        raise LayoutError(f"{self.description}: {name!r} is a symlink loop (more than {MAX_SYMLINKS} links)")

    def exists(self, name: str) -> bool:
        return self._member(name) is not None

    def _file(self, name: str) -> tarfile.TarInfo:
        member = self._member(name)
        if member is None:
            raise FileNotFoundError(f"{self.description} has no member {name!r}")
        return member

    def size(self, name: str) -> int:
        return self._file(name).size

    def open(self, name: str) -> IO[bytes]:
        handle = self._tar.extractfile(self._file(name))
        assert handle is not None  # regular files always have content
        return _Counted(handle, self._count)  # type: ignore[return-value]  # read/close/with only: all a Source's readers use

    def close(self) -> None:
        self._tar.close()


def open_source(path: str | os.PathLike[str], limits: LoadLimits | None = None) -> Source:
    """A directory, or a tar archive (``docker save``, ``oci-archive``)."""
    expect("path", path, (str, os.PathLike), "a path")
    expect("limits", limits, (LoadLimits, type(None)), "a LoadLimits or None")
    if Path(path).is_dir():
        return DirectorySource(path, limits)
    if Path(path).is_file():
        return TarSource(path, limits)
    if Path(path).exists():
        raise LayoutError(f"{os.fspath(path)} is not a directory or a tar archive")
    raise FileNotFoundError(f"no such layout directory or archive: {os.fspath(path)!r}")
