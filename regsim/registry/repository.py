"""Repositories: blob links, manifests, tags and the referrers they imply.

A :class:`Repository` owns its state and changes it only through its own methods
(:meth:`~Repository.link_blob`, :meth:`~Repository.add_manifest`, :meth:`~Repository.set_tag`, ...);
the :class:`~regsim.registry.Registry` checks access and input first, then calls them. Reads are
views, never sorted copies per access: ``tags`` keeps its spec order (case-insensitive lexical)
and re-sorts only after a change.

A :class:`RepositoryStore` holds the repositories of one registry by name;
:class:`MemoryRepositoryStore` is the in-memory implementation (a store on disk maps to
distribution's ``repositories/<name>/{_layers,_manifests/revisions,_manifests/tags}``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping

from ..display import some, table
from ..errors import UnknownKey
from ..oci.digest import Digest
from ..oci.manifest import Index, StoredManifest
from .access import PUBLIC
from ..units import human_size, plural

__all__ = ["StoredManifest", "Repository", "RepositoryStore", "MemoryRepositoryStore", "tag_key"]


def tag_key(tag: str) -> tuple[str, str]:
    """The distribution-spec's tag order: case-insensitive lexical, then exact."""
    return (tag.lower(), tag)


class Repository:
    """One repository: blob links, manifests and tags. Read-only from outside: read it through the
    properties; only the registry changes it, by applying an event (the ``_``-methods below are
    called from :mod:`regsim.registry.apply` and nowhere else)."""

    __slots__ = ("_name", "_visibility", "_description", "_stars", "_pulls", "_blobs", "_blob_view",
                 "_manifests", "_manifest_view", "_tags", "_tag_view")

    def __init__(self, name: str, visibility: str = PUBLIC) -> None:
        self._name = name
        self._visibility = visibility
        self._description = ""
        self._stars = 0
        self._pulls = 0
        self._blobs: dict[Digest, int] = {}  # linked digest -> size, in the order they were linked
        self._blob_view = MappingProxyType(self._blobs)
        self._manifests: dict[Digest, StoredManifest] = {}
        self._manifest_view = MappingProxyType(self._manifests)
        self._tags: dict[str, Digest] = {}
        self._tag_view: Mapping[str, Digest] | None = None

    @property
    def name(self) -> str:
        """The repository's name within its registry (``library/alpine``, ``team/app``)."""
        return self._name

    @property
    def visibility(self) -> str:
        """``public`` or ``private`` (change it with :meth:`Registry.set_visibility`)."""
        return self._visibility

    @property
    def description(self) -> str:
        """What a registry's web page shows (Docker Hub): a one-line description."""
        return self._description

    @property
    def stars(self) -> int:
        """Stars, as a registry's web page shows them (set with :meth:`Registry.describe`)."""
        return self._stars

    @property
    def pulls(self) -> int:
        """Successful manifest pulls by tag (what Docker Hub counts): the ``ManifestFetched``
        events by tag, counted as they are applied."""
        return self._pulls

    # -- reading ----------------------------------------------------------------------------------

    @property
    def blobs(self) -> Mapping[Digest, int]:
        """The blobs (layers, configs) linked into this repository (distribution's ``_layers`` links),
        read-only: ``digest -> size`` in the order they were linked. The bytes are the registry's
        (:attr:`Registry.blobs <regsim.registry.Registry.blobs>`), stored once for all its repositories.

        >>> from regsim import Registry
        >>> registry = Registry("localhost:5000")
        >>> blob = registry.push_blob("team/app", b"layer bytes")
        >>> dict(registry.repository("team/app").blobs) == {blob.digest: 11}
        True
        """
        return self._blob_view

    @property
    def manifests(self) -> Mapping[Digest, StoredManifest]:
        """Every stored manifest and index by digest (read-only), tagged or not."""
        return self._manifest_view

    @property
    def tags(self) -> Mapping[str, Digest]:
        """``tag -> manifest digest``, in the spec's order (case-insensitive lexical)."""
        if self._tag_view is None:
            self._tag_view = MappingProxyType(dict(sorted(self._tags.items(), key=lambda kv: tag_key(kv[0]))))
        return self._tag_view

    def has_blob(self, digest: str) -> bool:
        """Whether the blob ``digest`` is linked into this repository (a blob stored only for another
        repository is not, until it is mounted or pushed here).
        """
        return digest in self._blobs

    def target(self, tag: str) -> Digest | None:
        """The manifest digest ``tag`` points at, or None."""
        return self._tags.get(tag)

    def tagged(self) -> set[Digest]:
        """Digests some tag points at (unordered: what gc's mark starts from)."""
        return set(self._tags.values())

    def tags_of(self, digest: str) -> list[str]:
        """Tags pointing at ``digest``."""
        return sorted((t for t, d in self._tags.items() if d == digest), key=tag_key)

    def untagged(self) -> list[Digest]:
        """Manifests no tag points at (what ``gc --delete-untagged`` would consider)."""
        tagged = set(self._tags.values())
        return sorted(d for d in self._manifests if d not in tagged)

    def referencing(self, digest: str, *, indexes_only: bool = False) -> StoredManifest | None:
        """A manifest here that lists ``digest`` (a blob, or a manifest of an index), or None."""
        for stored in self._manifests.values():
            if indexes_only and not stored.is_index:
                continue
            if any(d.digest == digest for d in stored.references()):
                return stored
        return None

    def referrers(self, subject: str) -> list[StoredManifest]:
        """Manifests whose ``subject`` is ``subject``, by digest."""
        return sorted((s for s in self._manifests.values() if s.subject == subject), key=lambda s: s.digest)

    # -- changing: only applying an event does (regsim.registry.apply) -----------------------------

    def _link_blob(self, digest: Digest, size: int) -> None:
        self._blobs.setdefault(digest, size)

    def _unlink_blobs(self, digests: Iterable[Digest]) -> None:
        """Unlink ``digests`` (those not linked here are ignored). Given a set larger than this
        repository's links (gc's swept blobs, for every repository), walk the links instead: gc
        stays linear in the links, not repositories x swept blobs."""
        if isinstance(digests, (set, frozenset)) and len(digests) > len(self._blobs):
            for digest in [d for d in self._blobs if d in digests]:
                del self._blobs[digest]
            return
        for digest in digests:
            self._blobs.pop(digest, None)

    def _add_manifest(self, stored: StoredManifest) -> None:
        self._manifests[stored.digest] = stored

    def _remove_manifest(self, digest: Digest) -> tuple[str, ...]:
        """Remove a manifest and every tag on it; returns those tags."""
        tags = tuple(self.tags_of(digest))
        for tag in tags:
            del self._tags[tag]
        if tags:
            self._tag_view = None
        del self._manifests[digest]
        return tags

    def _set_tag(self, tag: str, digest: Digest) -> Digest | None:
        """Point ``tag`` at ``digest``; returns the previous target."""
        previous = self._tags.get(tag)
        self._tags[tag] = digest
        if previous is None:
            self._tag_view = None  # a new key changes the order
        elif previous != digest and self._tag_view is not None:
            self._tag_view = None
        return previous

    def _remove_tag(self, tag: str) -> Digest:
        digest = self._tags.pop(tag)
        self._tag_view = None
        return digest

    def _configure(self, *, visibility: str | None = None, description: str | None = None,
                  stars: int | None = None) -> None:
        if visibility is not None:
            self._visibility = visibility
        if description is not None:
            self._description = description
        if stars is not None:
            self._stars = stars

    def _count_pull(self) -> None:
        self._pulls += 1

    def snapshot(self) -> dict[str, object]:
        """The repository as plain data (visibility, description, counts, blobs, manifests, tags), sorted:
        two repositories in the same state give equal snapshots (what a replay test compares).
        """
        return {
            "visibility": self.visibility,
            "description": self.description,
            "stars": self.stars,
            "pulls": self.pulls,
            "blobs": sorted(self._blobs),
            "manifests": {d: (s.media_type, s.size) for d, s in sorted(self._manifests.items())},
            "tags": dict(sorted(self._tags.items())),
        }

    def __repr__(self) -> str:
        return (f"Repository({self.name!r}, {self.visibility}, tags={len(self._tags)}, "
                f"manifests={len(self._manifests)}, blobs={len(self._blobs)})")

    def _repr_html_(self) -> str:
        listed = {d.digest: (s.digest, d.platform) for s in self._manifests.values() if isinstance(s.parsed, Index)
                  for d in s.parsed.manifests}
        rows = []  # one per manifest: what it is, its platforms, its size, the tags on it
        for digest in sorted(self._manifests, key=lambda d: (not self.tags_of(d), d in listed, d)):
            stored = self._manifests[digest]
            if isinstance(stored.parsed, Index):
                kind, size = "index", ""
                platforms = ", ".join(str(d.platform) for d in stored.parsed.manifests if d.platform) or "—"
            else:
                kind = "manifest"
                platforms = str(listed[digest][1] or "") if digest in listed else ""
                size = human_size(sum(d.size for d in stored.references()))
            tags = self.tags_of(digest)
            named = (some(tags) if tags else f"(listed by index {listed[digest][0].short})" if digest in listed
                     else "(untagged)")
            rows.append([digest.short, kind, platforms, size, named])
        untagged = len([d for d in self.untagged() if d not in listed])
        return table(rows, header=["manifest", "kind", "platforms", "size", "tags"],
                     caption=f"Repository {self.name} ({self.visibility}): {plural(len(self._tags), 'tag')}, "
                     f"{plural(len(self._manifests), 'manifest')} ({untagged} untagged), {plural(len(self._blobs), 'blob')}")


class RepositoryStore(ABC):
    """The repositories of one registry, by name."""

    @abstractmethod
    def get(self, name: str) -> Repository | None:
        """The repository ``name``, or None if there is none."""

    @abstractmethod
    def create(self, name: str, visibility: str) -> Repository:
        """A new empty repository (the name is not taken: the registry checked)."""

    @abstractmethod
    def names(self) -> tuple[str, ...]:
        """Every name, sorted (kept, not re-sorted per call)."""

    @abstractmethod
    def __len__(self) -> int: ...

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def values(self) -> Iterator[Repository]:
        """Every repository, by name."""
        for name in self.names():
            repo = self.get(name)
            assert repo is not None
            yield repo

    def view(self) -> Mapping[str, Repository]:
        """A read-only mapping ``name -> Repository`` iterating in name order."""
        return _RepositoryView(self)


class _RepositoryView(Mapping[str, Repository]):
    __slots__ = ("_store",)

    def __init__(self, store: RepositoryStore) -> None:
        self._store = store

    def __getitem__(self, name: str) -> Repository:
        repo = self._store.get(name)
        if repo is None:
            raise UnknownKey(f"no repository {name!r}")
        return repo

    def __contains__(self, name: object) -> bool:
        return name in self._store

    def __iter__(self) -> Iterator[str]:
        return iter(self._store.names())

    def __len__(self) -> int:
        return len(self._store)

    def __repr__(self) -> str:
        return f"{{{', '.join(f'{n!r}: {r!r}' for n, r in self.items())}}}"


class MemoryRepositoryStore(RepositoryStore):
    """The repositories of one registry in a dict: the default store of a
    :class:`~regsim.registry.Registry` (a registry on disk keeps them in files).
    """

    __slots__ = ("_repos", "_names")

    def __init__(self) -> None:
        self._repos: dict[str, Repository] = {}
        self._names: tuple[str, ...] | None = ()

    def get(self, name: str) -> Repository | None:
        return self._repos.get(name)

    def create(self, name: str, visibility: str) -> Repository:
        repo = Repository(name, visibility)
        self._repos[name] = repo
        self._names = None
        return repo

    def names(self) -> tuple[str, ...]:
        if self._names is None:
            self._names = tuple(sorted(self._repos))
        return self._names

    def __contains__(self, name: object) -> bool:
        return name in self._repos

    def __len__(self) -> int:
        return len(self._repos)
