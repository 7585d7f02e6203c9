"""Read files of an image layout from a directory or from inside a tar archive (stdlib only)."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path, PurePosixPath

__all__ = ["Source", "DirectorySource", "TarSource", "open_source"]


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
    path = PurePosixPath(name)  # also drops a leading "./"
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"refusing path {name!r}: it leaves the archive")
    return str(path)


class DirectorySource(Source):
    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.description = str(self.root)

    def exists(self, name: str) -> bool:
        return (self.root / _clean(name)).is_file()

    def read(self, name: str) -> bytes:
        path = self.root / _clean(name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.description} has no file {name!r}") from None


class TarSource(Source):
    """Members of a (possibly compressed) tar archive, by name (a leading ``./`` is ignored)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.description = str(path)
        self._tar = tarfile.open(path, mode="r:*")
        self._members = {}
        for member in self._tar.getmembers():
            if member.isfile():
                self._members[_clean(member.name)] = member

    def exists(self, name: str) -> bool:
        return _clean(name) in self._members

    def read(self, name: str) -> bytes:
        member = self._members.get(_clean(name))
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
    raise FileNotFoundError(f"no such layout directory or archive: {os.fspath(path)!r}")
