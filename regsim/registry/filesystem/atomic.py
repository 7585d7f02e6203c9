"""Atomic writes: a file (or a directory that must appear whole) is there completely or not at all.

Every file is written to ``.regsim-tmp/``, flushed with ``fsync``, then renamed into place
(``os.replace`` is atomic), and the directory is synced. A write that fails (``ENOSPC``,
``EROFS``, ``EIO``) raises :class:`OSError` and leaves the path as it was.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from .layout import Layout

__all__ = ["write_atomic", "place", "remove", "fsync_dir"]


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def place(layout: Layout, temp: Path, path: Path, unit: Path | None = None, *, sync: bool = True) -> None:
    """Rename a synced temporary file to ``path`` and sync the directory that now holds it.

    ``unit`` is the directory that must appear whole or not at all (a blob's ``<hex>``
    directory, a link's, a tag's): when it does not exist yet it is built in ``.regsim-tmp``
    and renamed into place in one step, so a crash never leaves it half made.
    """
    unit = unit if unit is not None else path.parent
    if unit.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, path)
        if sync:
            fsync_dir(path.parent)
        return
    staging = layout.tmp / f"{secrets.token_hex(8)}.dir"
    inside = staging / path.relative_to(unit)
    inside.parent.mkdir(parents=True)
    os.replace(temp, inside)
    unit.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staging, unit)  # atomic; refused if another writer made the unit meanwhile
    except OSError:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(inside, path)
        shutil.rmtree(staging, ignore_errors=True)
    if sync:
        fsync_dir(unit.parent)


def write_atomic(layout: Layout, path: Path, data: bytes, unit: Path | None = None, *, sync: bool = True) -> None:
    """``path`` holds exactly ``data`` or what it held before, whatever happens (``sync=False``:
    still atomic, but a crash may lose it -- for what a crash may lose anyway)."""
    layout.tmp.mkdir(parents=True, exist_ok=True)
    temp = layout.tmp / f"{secrets.token_hex(8)}.partial"
    with open(temp, "wb") as handle:
        handle.write(data)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())
    place(layout, temp, path, unit, sync=sync)


def remove(layout: Layout, path: Path) -> None:
    """Remove a file, or a directory (which vanishes whole: renamed away first). Parents stay,
    empty or not, as distribution leaves them (its garbage-collect expects ``_manifests/tags``)."""
    if path.is_dir() and not path.is_symlink():
        layout.tmp.mkdir(parents=True, exist_ok=True)
        doomed = layout.tmp / f"{secrets.token_hex(8)}.gone"
        try:
            os.rename(path, doomed)
        except FileNotFoundError:
            return
        shutil.rmtree(doomed, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
