"""Search a registry's catalogue the way Docker Hub's search box (and ``docker search``) does.

Results are ordered: exact name first, then official images (``library/``), then by stars, by
pulls, and by name. Only repositories the caller may pull are listed.

>>> from regsim import World
>>> hub = World.standard(quiet=True).registries["docker.io"]
>>> print(search(hub, "python", limit=1))
NAME     DESCRIPTION                       STARS   OFFICIAL   TAGS   SIZE
python   The Python programming language   8600    [OK]       24     356MB
"""

from __future__ import annotations

from ..registry.access import Token
from ..oci.manifest import Index, Manifest
from ..client.output import Table
from ..oci.platform import DEFAULT_PLATFORM, Platform
from ..registry import Registry
from ..units import human_size
from ..errors import InvalidArgument

__all__ = ["search", "image_size"]


def image_size(registry: Registry, repository: str, tag: str, platform: Platform | str = DEFAULT_PLATFORM) -> int:
    """Bytes of the layers of ``repository:tag`` for ``platform`` (what Docker Hub shows as size)."""
    repo = registry.repository(repository)
    stored = repo.manifests[repo.tags[tag]]
    if isinstance(stored.parsed, Index):
        desc = stored.parsed.for_platform(platform)
        if desc is None or desc.digest not in repo.manifests:
            return 0
        stored = repo.manifests[desc.digest]
    manifest = stored.parsed
    return sum(layer.size for layer in manifest.layers) if isinstance(manifest, Manifest) else 0


def search(registry: Registry, term: str, *, limit: int = 25, auth: Token | None = None) -> Table:
    """Repositories whose name or description contains ``term`` (case-insensitive).

    Columns: NAME (as ``docker search`` shows it: ``python``, ``alice/app``), DESCRIPTION, STARS,
    OFFICIAL, TAGS (how many), SIZE (of ``latest``, or the first tag, for linux/amd64).
    """
    if not isinstance(term, str):
        raise InvalidArgument(f"search term must be a string, got {term!r}")
    needle = term.lower().strip()
    found = []
    for name in registry.catalog(auth=auth):
        repo = registry.repository(name)
        short = name[len("library/"):] if name.startswith("library/") and name.count("/") == 1 else name
        if needle not in short.lower() and needle not in repo.description.lower():
            continue
        official = name.startswith("library/")
        exact = short == needle or short.split("/")[-1] == needle
        found.append((not exact, not official, -repo.stars, -repo.pulls, short, repo))
    found.sort(key=lambda row: row[:5])
    rows = []
    for *_, short, repo in found[:limit]:
        tags = list(repo.tags)
        tag = "latest" if "latest" in repo.tags else (tags[0] if tags else None)
        size = human_size(image_size(registry, repo.name, tag)) if tag else "-"
        rows.append((short, repo.description, str(repo.stars), "[OK]" if repo.name.startswith("library/") else "",
                     str(len(tags)), size))
    return Table(("NAME", "DESCRIPTION", "STARS", "OFFICIAL", "TAGS", "SIZE"), rows)


