"""Fault injection for a store on disk: a disk whose Nth write fails (importable as ``disk_faults``).

``FailingDisk(n, errno)`` patches the calls through which the process writes to a disk -- opening a
file for writing, writing to such a file, ``fsync``, ``mkdir``, ``rename``/``replace``, ``unlink``,
``rmdir`` -- and counts them; the ``n``-th raises ``OSError(errno)``, as a full disk (``ENOSPC``),
a read-only one (``EROFS``) or a failing one (``EIO``) would. With ``crash=True`` every write after
it fails too: the process "died" there, nothing more reaches the disk. ``FailingDisk(None)`` fails
nothing and only counts, so a test first counts an operation's writes, then fails each in turn::

    with FailingDisk(None) as disk:
        operation()
    for n in range(1, disk.writes + 1):
        ...  # fresh store, then: with FailingDisk(n): operation()

``outside=".regsim-tmp"`` leaves out the writes inside that directory (see :class:`FailingDisk`).

``state(registry)`` is what a store on disk keeps of a registry (blobs, links, manifests, tags,
uploads), to compare the registry in memory with ``Registry.open(DIR)``.
"""

from __future__ import annotations

import builtins
import errno as errnos
import os
from typing import Any

from regsim import Registry

__all__ = ["FailingDisk", "DiskFault", "state", "scratch"]


def scratch(fallback: Any) -> Any:
    """A directory for stores a test writes hundreds of times: in ``/dev/shm`` (memory: ``fsync``
    costs nothing there, and these tests are about the order of writes, not the disk's speed)
    when the machine has it, else ``fallback``. Remove it after (``shutil.rmtree``)."""
    import tempfile
    from pathlib import Path

    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="regsim-test-", dir=shm))
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


class DiskFault(OSError):
    """The injected failure (an OSError with the errno asked for)."""


_WRITE_MODES = set("wax+")


class _Handle:
    """A file opened for writing whose ``write`` calls are write points too."""

    def __init__(self, disk: "FailingDisk", handle: Any) -> None:
        self._disk, self._handle = disk, handle

    def write(self, data: Any) -> Any:
        self._disk.hit("write", getattr(self._handle, "name", "?"))
        return self._handle.write(data)

    def __enter__(self) -> "_Handle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._handle.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


class FailingDisk:
    """Count disk writes; fail the ``fail_at``-th (1-based) with ``errno`` (and all later ones with ``crash``)."""

    def __init__(self, fail_at: int | None, errno: int = errnos.ENOSPC, *, crash: bool = False,
                 outside: str | None = None) -> None:
        self.fail_at, self.errno, self.crash = fail_at, errno, crash
        #: With ``outside="<dir name>"``, writes to paths inside such a directory are not write
        #: points (for crash tests: removing what was already renamed into ``.regsim-tmp`` only
        #: leaves what the next open removes, so a crash there is a crash at the next write).
        self.outside = outside
        self.writes = 0
        self.failed: list[str] = []  # "what path" of each write that failed
        self.log: list[str] = []  # "what path" of every write point reached
        self._saved: dict[tuple[Any, str], Any] = {}

    def hit(self, what: str, path: Any) -> None:
        if self.outside is not None and not isinstance(path, int) and f"/{self.outside}/" in os.fspath(path):
            if self.crash and self.fail_at is not None and self.writes >= self.fail_at:
                raise DiskFault(self.errno, f"{os.strerror(self.errno)} (after the injected crash)", str(path))
            return
        self.writes += 1
        self.log.append(f"{what} {path}")
        if self.fail_at is not None and (self.writes == self.fail_at or (self.crash and self.writes > self.fail_at)):
            self.failed.append(f"{what} {path}")
            raise DiskFault(self.errno, f"{os.strerror(self.errno)} (injected at write {self.writes}: {what})",
                            str(path))

    def _patch(self, owner: Any, name: str, wrapper: Any) -> None:
        self._saved[(owner, name)] = getattr(owner, name)
        setattr(owner, name, wrapper)

    def __enter__(self) -> "FailingDisk":
        real_open, real = builtins.open, {n: getattr(os, n) for n in
                                          ("fsync", "mkdir", "rename", "replace", "unlink", "rmdir", "open", "link")}

        def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if _WRITE_MODES & set(mode):
                self.hit("open", file)
                return _Handle(self, real_open(file, mode, *args, **kwargs))
            return real_open(file, mode, *args, **kwargs)

        def simple(name: str) -> Any:
            def wrapper(path: Any, *args: Any, **kwargs: Any) -> Any:
                self.hit(name, path)
                return real[name](path, *args, **kwargs)
            return wrapper

        def mkdir(path: Any, *args: Any, **kwargs: Any) -> Any:
            if not os.path.isdir(path):  # Path.mkdir(exist_ok=True) on an existing one writes nothing
                self.hit("mkdir", path)
            return real["mkdir"](path, *args, **kwargs)

        def fsync(fd: int) -> Any:
            self.hit("fsync", fd)
            return real["fsync"](fd)

        def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND):
                self.hit("open", path)
            return real["open"](path, flags, *args, **kwargs)

        self._patch(builtins, "open", open_)
        self._patch(os, "fsync", fsync)
        self._patch(os, "mkdir", mkdir)
        self._patch(os, "open", os_open)
        for name in ("rename", "replace", "unlink", "rmdir", "link"):
            self._patch(os, name, simple(name))
        return self

    def __exit__(self, *exc: Any) -> None:
        for (owner, name), original in self._saved.items():
            setattr(owner, name, original)
        self._saved.clear()


def state(registry: Registry) -> dict[str, Any]:
    """What a store on disk keeps of ``registry``: stored blobs, per repository its blob links,
    manifests and tags, and the uploads in progress (id, repository, bytes so far)."""
    return {
        "blobs": {str(d): b.size for d, b in sorted(registry.blobs.items())},
        "repositories": {name: {"blobs": sorted(map(str, repo.blobs)),
                                "manifests": sorted(map(str, repo.manifests)),
                                "tags": {t: str(d) for t, d in sorted(repo.tags.items())}}
                         for name, repo in registry.repositories.items()},
        "uploads": {u: (s.repository, s.size) for u, s in sorted(registry.uploads.items())},
    }
