"""``regsim gc``: garbage collection of a store that no server is serving."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable

from ...errors import InvalidArgument
from .layout import Layout, links, repository_names
from .lock import hold

if TYPE_CHECKING:  # pragma: no cover
    from ..gc import GCReport

__all__ = ["garbage_collect", "StoreDamaged"]


class StoreDamaged(InvalidArgument):
    """A store gc cannot sweep safely (``regsim check`` names the damage)."""


def garbage_collect(path: str | os.PathLike[str], *, dry_run: bool = False, delete_untagged: bool = False,
                    problems: "Callable[[list[str]], None] | None" = None) -> "GCReport":
    """``regsim gc``: open the store, mark and sweep as distribution's ``garbage-collect``.
    Refuses a path that holds no store (a typo must not create one), naming it. A revision
    that could not be loaded (a layer missing or corrupt) still keeps every blob its bytes name;
    a revision link to a manifest that is not stored at all makes gc refuse (:class:`StoreDamaged`).
    ``problems`` is called with what opening the store found, when it found anything.
    Refused (:class:`~.lock.StoreLocked`) while a server holds the store: use ``POST /admin/gc``."""

    base = Layout(path).base
    if not base.is_dir():
        raise FileNotFoundError(f"{os.fspath(path)!r} is not a registry store (no {base.relative_to(path)} folder in it)")
    with hold(path, "gc"):  # refused while a server serves the store (it names its PID)
        return _collect(path, dry_run=dry_run, delete_untagged=delete_untagged, problems=problems)


def _collect(path: str | os.PathLike[str], *, dry_run: bool, delete_untagged: bool,
             problems: "Callable[[list[str]], None] | None") -> "GCReport":
    from ..registry import Registry

    registry = Registry.open(path)
    layout = Layout(path)
    if any(revision is None or revision not in registry.blobs
           for repo in repository_names(layout)
           for _, revision in links(layout.repository(repo) / "_manifests" / "revisions")):
        raise StoreDamaged(f"{os.fspath(path)!r} has a revision link to a manifest that is not stored, so what "
                           f"it references is unknown: gc refuses to sweep (see regsim check --data {os.fspath(path)}; "
                           "regsim check --repair removes the links that name nothing)")
    if registry.load_problems and problems is not None:
        problems(registry.load_problems)
    return registry.garbage_collect(dry_run=dry_run, delete_untagged=delete_untagged)
