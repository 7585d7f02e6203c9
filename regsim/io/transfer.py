"""Move images between files and a :class:`~regsim.registry.Registry`.

``import_images`` pushes every image of an OCI layout (directory or ``oci-archive`` tar) or of a
``docker save`` tarball into a registry, as ``skopeo copy`` would; ``export_images`` writes
images from a registry into an OCI layout. Both go through the registry's public API, so every
blob and manifest becomes model events.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import os
import secrets
import shutil
from pathlib import Path
from typing import Iterable

from ..errors import expect
from ..registry.access import Token
from ..oci.digest import Digest
from ..oci.reference import is_tag, parse
from ..registry import Registry
from ..client.remote import read, write
from .docker_archive import is_docker_archive, read_docker_source
from .layout import LayoutEntry, LayoutError, read_source, write_layout
from .sources import LoadLimits, open_source

__all__ = ["read_images", "import_images", "export_images"]


def read_images(path: str | os.PathLike[str], limits: LoadLimits | None = None) -> list[LayoutEntry]:
    """The images in an OCI layout (directory or tar) or a ``docker save`` tarball, read within
    ``limits`` (:class:`~regsim.io.sources.LoadLimits`: expansion, declared sizes, memory)."""
    expect("path", path, (str, os.PathLike), "a path")
    expect("limits", limits, (LoadLimits, type(None)), "a LoadLimits or None")
    with open_source(path, limits) as source:
        if is_docker_archive(source):
            return read_docker_source(source)
        return read_source(source)


class RepositoryNeeded(LayoutError):
    """The layout does not name the repository its images go to (``repository=`` does)."""


def _target(name: str | None, repository: str | None, where: str) -> tuple[str, str | None]:
    if name is None:
        if repository is None:
            raise RepositoryNeeded(f"an image in {where} has no name: pass repository=")
        return repository, None
    if is_tag(name):
        if repository is None:
            raise RepositoryNeeded(f"{where} names an image only by tag {name!r}: pass repository=")
        return repository, name
    ref = parse(name)
    return repository or ref.repository, ref.tag


def import_images(registry: Registry, path: str | os.PathLike[str], repository: str | None = None, *,
                  auth: Token | None = None, limits: LoadLimits | None = None) -> dict[str, Digest]:
    """Push the images at ``path`` into ``registry``; returns ``{"repo:tag" or "repo@digest": digest}``.

    Each entry's name gives its tag (``1.0``) or its whole reference (``nginx:1.25`` ->
    ``library/nginx:1.25``); ``repository`` overrides the repository part.

    Reading is bounded by ``limits`` (default :class:`~regsim.io.sources.LoadLimits`). For a
    registry on disk (``Registry.open``) layers are streamed into its ``.regsim-tmp`` and moved
    into place, never held in memory; in memory, a load over ``max_memory`` is a ``LayoutError``.
    """
    expect("registry", registry, Registry)
    expect("path", path, (str, os.PathLike), "a path")
    expect("repository", repository, (str, type(None)), "a repository name or None")
    expect("limits", limits, (LoadLimits, type(None)), "a LoadLimits or None")
    limits = limits if limits is not None else LoadLimits()
    root = getattr(registry, "storage_root", None)
    spool = Path(root) / ".regsim-tmp" / f"load-{secrets.token_hex(8)}" if root is not None else None
    if spool is not None:
        limits = dataclasses.replace(limits, spool=spool)
    pushed: dict[str, Digest] = {}
    try:
        for entry in read_images(path, limits):
            repo, tag = _target(entry.name, repository, os.fspath(path))
            digest = write(registry, repo, entry.image, tags=[tag] if tag else [], auth=auth)
            pushed[f"{repo}:{tag}" if tag else f"{repo}@{digest}"] = digest
    finally:
        if spool is not None:  # what the blob store did not take (a layer it already had)
            shutil.rmtree(spool, ignore_errors=True)
    return pushed


def export_images(registry: Registry, repository: str, references: Iterable[str], path: str | os.PathLike[str], *,
                  auth: Token | None = None) -> Path:
    """Write ``repository``'s images at ``references`` (tags or digests) into an OCI layout.

    Entries are named by their tag (a digest reference gets no name).
    """
    expect("registry", registry, Registry)
    expect("repository", repository, str, "a repository name")
    expect("references", references, collections.abc.Iterable, "an iterable of tags or digests")
    expect("path", path, (str, os.PathLike), "a path")
    images = [(ref if is_tag(ref) else None, read(registry, repository, ref, auth=auth)) for ref in references]
    return write_layout(path, images)
