"""Events of a registry: what its API did (uploads, mounts, manifests, tags, gc, accounts).

A registry's events carry what is needed to redo them (:meth:`Registry.replay
<regsim.registry.Registry.replay>`): the bytes of a blob or manifest travel by reference in a
payload field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..oci.blob import Content
from ..oci.digest import Digest
from ..oci.manifest import StoredManifest
from ..units import plural
from .base import Event, _payload, _short, fast_init_all

__all__ = [
    "RegistryEvent",
    "RegistryCreated",
    "UserAdded",
    "AccessGranted",
    "AccessRevoked",
    "AccessReset",
    "RepositoryCreated",
    "RepositoryChanged",
    "UploadStarted",
    "UploadProgressed",
    "UploadCancelled",
    "BlobUploaded",
    "BlobMounted",
    "BlobChecked",
    "BlobFetched",
    "BlobDeleted",
    "ManifestPushed",
    "ManifestFetched",
    "ManifestChecked",
    "ManifestDeleted",
    "TagUpdated",
    "TagDeleted",
    "GarbageCollected",
    "UserLoggedIn",
]

@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class RegistryEvent(Event):
    """Base of a registry's events: ``registry`` is the registry's name (its domain)."""

    registry: str


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class RegistryCreated(RegistryEvent):
    """A registry came into being with these settings (the first event replay needs)."""

    title: str
    access: str
    default_visibility: str
    max_manifest_size: int

    def describe(self) -> str:
        return f"{self.registry}: registry started ({self.access} access)"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class UserAdded(RegistryEvent):
    """An account was created (:meth:`Registry.add_user <regsim.registry.Registry.add_user>`); the
    password's hash travels as a payload, for replay.
    """

    user: str
    password_hash: str = _payload("")

    def describe(self) -> str:
        return f"{self.registry}: account {self.user} created"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class AccessGranted(RegistryEvent):
    """``user`` may now do ``action`` (``pull``, ``push``, ``delete``) on ``pattern`` (a repository
    or ``namespace/*``).
    """

    user: str
    pattern: str
    action: str

    def describe(self) -> str:
        return f"{self.registry}: {self.user} may {self.action} {self.pattern}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class AccessRevoked(RegistryEvent):
    """``user``'s grants on ``pattern`` were taken back."""

    user: str
    pattern: str

    def describe(self) -> str:
        return f"{self.registry}: {self.user} may no longer use {self.pattern}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class AccessReset(RegistryEvent):
    """The registry's access policy was replaced by an empty one of this mode (its users and
    grants follow as ``UserAdded`` and ``AccessGranted``): a server seeds its store openly, then
    serves with the policy it was given."""

    access: str
    default_visibility: str

    def describe(self) -> str:
        return f"{self.registry}: access is now {self.access}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class RepositoryCreated(RegistryEvent):
    """A repository came into being, ``public`` or ``private``: the first write to a name creates it."""

    repository: str
    visibility: str

    def describe(self) -> str:
        return f"{self.registry}: created {self.visibility} repository {self.repository}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class RepositoryChanged(RegistryEvent):
    """A repository's settings changed: its visibility, description or stars."""

    repository: str
    visibility: str
    description: str = ""
    stars: int = 0

    def describe(self) -> str:
        return f"{self.registry}: repository {self.repository} is now {self.visibility}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class UploadStarted(RegistryEvent):
    """A blob upload session began (``POST /v2/<name>/blobs/uploads/``)."""

    repository: str
    upload_id: str
    #: a session a store kept, taken back on reopening: ``(spool, size, sha256, started_at)``
    #: (None: a new, empty session). Replay starts such a session empty, with its own spool.
    resumed: Any = _payload()

    def describe(self) -> str:
        return f"{self.registry}: upload {self.upload_id[:8]} started in {self.repository}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class UploadProgressed(RegistryEvent):
    """A chunk of an upload arrived: ``size`` bytes at ``offset`` (``PATCH``, or the body of the
    closing ``PUT``).
    """

    repository: str
    upload_id: str
    offset: int
    size: int
    #: the chunk's bytes: bytes, or a tuple of the staged body's bytes pieces (by reference: bytes
    #: never change); None when the chunk was a file on disk, which the upload took (not kept here)
    data: bytes | tuple[bytes, ...] | None = _payload(b"")

    def describe(self) -> str:
        return f"{self.registry}: upload {self.upload_id[:8]} received bytes {self.offset}-{self.offset + self.size - 1}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class UploadCancelled(RegistryEvent):
    """An unfinished upload was dropped with its bytes (``DELETE`` of the session, or a server purging
    an abandoned one)."""

    repository: str
    upload_id: str

    def describe(self) -> str:
        return f"{self.registry}: upload {self.upload_id[:8]} cancelled"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class BlobUploaded(RegistryEvent):
    """Bytes of a blob arrived and were linked into ``repository``.

    ``deduplicated`` is True when the registry already stored the same content (for another
    repository): the bytes crossed the network but no new storage was used.
    """

    repository: str
    digest: Digest
    size: int
    deduplicated: bool = False
    placeholder: bool = False
    #: the blob (bytes or placeholder), and the upload it finished (None: a monolithic push)
    content: Content | None = _payload()
    upload_id: str | None = _payload()

    def describe(self) -> str:
        note = " (already stored: deduplicated)" if self.deduplicated else ""
        return f"{self.registry}: blob {_short(self.digest)} ({self.size} B) uploaded to {self.repository}{note}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class BlobMounted(RegistryEvent):
    """A blob the registry stores for ``from_repository`` was linked into ``repository`` with no bytes
    sent (a cross-repository mount).
    """

    repository: str
    digest: Digest
    size: int
    from_repository: str

    def describe(self) -> str:
        return f"{self.registry}: blob {_short(self.digest)} mounted into {self.repository} from {self.from_repository}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class BlobChecked(RegistryEvent):
    """``HEAD`` on a blob: whether ``repository`` has it (``exists``), which a push asks before sending it."""

    repository: str
    digest: Digest
    exists: bool

    def describe(self) -> str:
        return f"{self.registry}: HEAD blob {_short(self.digest)} in {self.repository}: {'found' if self.exists else 'unknown'}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class BlobFetched(RegistryEvent):
    """A blob's bytes were read from ``repository`` (``GET`` of a layer or config)."""

    repository: str
    digest: Digest
    size: int

    def describe(self) -> str:
        return f"{self.registry}: blob {_short(self.digest)} ({self.size} B) downloaded from {self.repository}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class BlobDeleted(RegistryEvent):
    """A blob was unlinked from ``repository``; its bytes stay in the store until garbage collection."""

    repository: str
    digest: Digest

    def describe(self) -> str:
        return f"{self.registry}: blob {_short(self.digest)} unlinked from {self.repository} (bytes stay until gc)"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ManifestPushed(RegistryEvent):
    """A manifest or index was stored in ``repository``, by ``tag`` or (``tag`` None) by digest."""

    repository: str
    digest: Digest
    media_type: str
    size: int
    tag: str | None = None
    #: the manifest as stored (exact bytes and parse, by reference)
    manifest: StoredManifest | None = _payload()

    def describe(self) -> str:
        at = f":{self.tag}" if self.tag else f"@{_short(self.digest)}"
        return f"{self.registry}: manifest {_short(self.digest)} stored as {self.repository}{at}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ManifestFetched(RegistryEvent):
    """A manifest was read by tag or digest (``reference``): what a pull starts with, and what
    :attr:`Repository.pulls <regsim.registry.Repository.pulls>` counts when by tag.
    """

    repository: str
    reference: str
    digest: Digest
    media_type: str
    size: int

    def describe(self) -> str:
        at = f"@{_short(self.reference)}" if ":" in self.reference else f":{self.reference}"
        return f"{self.registry}: manifest {self.repository}{at} -> {_short(self.digest)} read"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ManifestChecked(RegistryEvent):
    """``HEAD`` on a manifest: ``digest`` is None when the tag or digest is unknown."""

    repository: str
    reference: str
    digest: Digest | None = None

    def describe(self) -> str:
        found = f"found {_short(self.digest)}" if self.digest else "unknown"
        return f"{self.registry}: HEAD manifest {self.repository} {self.reference}: {found}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ManifestDeleted(RegistryEvent):
    """A manifest was deleted from ``repository`` by digest, with the ``tags`` that pointed at it."""

    repository: str
    digest: Digest
    tags: tuple[str, ...] = ()

    def describe(self) -> str:
        gone = f" (and tags {', '.join(self.tags)})" if self.tags else ""
        return f"{self.registry}: manifest {_short(self.digest)} deleted from {self.repository}{gone}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class TagUpdated(RegistryEvent):
    """A tag was created (``previous`` is None) or moved to another manifest."""

    repository: str
    tag: str
    digest: Digest
    previous: Digest | None = None

    def describe(self) -> str:
        move = f" (was {_short(self.previous)})" if self.previous and self.previous != self.digest else ""
        return f"{self.registry}: tag {self.repository}:{self.tag} -> {_short(self.digest)}{move}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class TagDeleted(RegistryEvent):
    """A tag was removed; the manifest it pointed at (``digest``) stays."""

    repository: str
    tag: str
    digest: Digest

    def describe(self) -> str:
        return f"{self.registry}: tag {self.repository}:{self.tag} deleted (manifest {_short(self.digest)} stays)"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class GarbageCollected(RegistryEvent):
    """Mark-and-sweep ran. ``swept`` lists removed blobs (manifests are blobs too)."""

    swept: tuple[Digest, ...]
    deleted_manifests: tuple[tuple[str, Digest], ...]
    bytes_freed: int
    marked: int
    dry_run: bool = False
    delete_untagged: bool = False

    def describe(self) -> str:
        verb = "would free" if self.dry_run else "freed"
        return f"{self.registry}: garbage collection {verb} {plural(len(self.swept), 'blob')}, {self.bytes_freed} B"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class UserLoggedIn(RegistryEvent):
    """``user`` logged in and got a token."""

    user: str

    def describe(self) -> str:
        return f"{self.registry}: {self.user} logged in"


fast_init_all(RegistryEvent)
