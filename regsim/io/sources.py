"""Read files of an image layout from a directory or from inside a tar archive (stdlib only).

Sources are untrusted. A symlink is followed only while it stays inside the source: ``docker
save`` (Docker 20.10) writes a layer shared by two images once, and the second copy as the
in-archive symlink ``<id>/layer.tar -> ../<first id>/layer.tar``. A symlink (or ``..``) that
leaves the directory or archive, a symlink loop, or a file that is neither a directory nor a tar
archive is a :class:`LayoutError` naming the path.
"""

from __future__ import annotations

import json
import os
import posixpath
import tarfile
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = ["Source", "DirectorySource", "TarSource", "open_source", "LayoutError", "load_json"]

#: Symlinks followed in a row before a chain counts as a loop (Linux's MAXSYMLINKS).
MAX_SYMLINKS = 40


class LayoutError(ValueError):
    """The files do not form an OCI image layout (the message says which file and why)."""


class Source:
    """Files addressed by ``/``-separated relative paths."""

    description: str

    def exists(self, name: str) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def read(self, name: str) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        return None

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc_info) -> None:
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
    try:
        return json.loads(source.read(name))
    except RecursionError:
        raise LayoutError(f"{source.description}/{name} is nested too deeply to be a real file") from None
    except ValueError as exc:
        raise LayoutError(f"{source.description}/{name} is not JSON: {exc}") from None


class DirectorySource(Source):
    """Files under a directory; symlinks are followed only when they resolve inside it."""

    def __init__(self, root: str | os.PathLike) -> None:
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

    def read(self, name: str) -> bytes:
        real = self._resolve(name)
        try:
            with open(real, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.description} has no file {name!r}") from None
        except IsADirectoryError:
            raise LayoutError(f"{self.description}/{name} is a directory, not a file") from None
        except OSError as exc:  # ELOOP: a symlink loop inside the source
            raise LayoutError(f"{self.description}/{name}: {exc.strerror} (a symlink loop?)") from None


class TarSource(Source):
    """Members of a (possibly compressed) tar archive, by name (a leading ``./`` is ignored)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.description = str(path)
        try:
            self._tar = tarfile.open(path, mode="r:*")
        except tarfile.TarError as exc:
            raise LayoutError(f"{path} is not a directory or a tar archive: {exc}") from None
        self._members: dict[str, tarfile.TarInfo] = {}
        try:
            for member in self._tar.getmembers():
                if member.isfile() or member.issym() or member.islnk():
                    self._members[_clean(member.name)] = member
        except tarfile.TarError as exc:
            self._tar.close()
            raise LayoutError(f"{path} is a damaged tar archive: {exc}") from None

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

    def read(self, name: str) -> bytes:
        member = self._member(name)
        if member is None:
            raise FileNotFoundError(f"{self.description} has no member {name!r}")
        handle = self._tar.extractfile(member)
        assert handle is not None  # regular files always have content
        return handle.read()

    def close(self) -> None:
        self._tar.close()


def open_source(path: str | os.PathLike) -> Source:
    """A directory, or a tar archive (``docker save``, ``oci-archive``)."""
    if Path(path).is_dir():
        return DirectorySource(path)
    if Path(path).is_file():
        return TarSource(path)
    if Path(path).exists():
        raise LayoutError(f"{os.fspath(path)} is not a directory or a tar archive")
    raise FileNotFoundError(f"no such layout directory or archive: {os.fspath(path)!r}")
