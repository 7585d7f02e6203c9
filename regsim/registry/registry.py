"""The in-memory registry: repositories, blobs, uploads, manifests, tags, deletes and gc.

The model follows the OCI distribution-spec and the reference registry (distribution):

* one **global blob store**, content-addressed by digest, holds every blob once (manifests are
  blobs too);
* each **repository** holds *links*: a blob is visible in a repository only after it was pushed
  or mounted there, and a manifest only after it was put there;
* **tags** are mutable pointers from a name to a manifest digest;
* **deleting** a tag, manifest or blob removes links only; the bytes stay until **garbage
  collection** (mark and sweep from the manifests, or from tags with ``delete_untagged=True``);
* **access** is checked before anything else (see :mod:`regsim.registry.access`).

Every successful operation appends events to ``registry.events``. Every failure raises a
:class:`~regsim.errors.RegistryError` named after the OCI error code and leaves the registry
exactly as it was (no state change, no event).

>>> reg = Registry("localhost:5000")
>>> layer = reg.push_blob("team/app", b"layer bytes")
>>> config = reg.push_blob("team/app", b"{}")
>>> from regsim.oci.manifest import Manifest
>>> from regsim.oci.descriptor import Descriptor
>>> m = Manifest(config=Descriptor("application/vnd.oci.image.config.v1+json", config.digest, 2),
...              layers=(Descriptor("application/vnd.oci.image.layer.v1.tar", layer.digest, 11),))
>>> reg.put_manifest("team/app", "1.0", m) == m.digest
True
>>> reg.tags("team/app")
['1.0']
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping, MutableMapping, Protocol

from .. import events as ev
from .access import DELETE, PRIVATE, PUBLIC, PULL, PUSH, AccessPolicy, Token
from ..oci.blob import Blob, Content, Placeholder, as_bytes, as_content
from ..oci.descriptor import Descriptor
from ..oci.digest import Digest
from ..errors import (
    BlobUnknown,
    BlobUploadUnknown,
    Denied,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestTooLarge,
    ManifestUnknown,
    NameUnknown,
    PaginationNumberInvalid,
    PlaceholderContent,
    RangeInvalid,
    Unauthorized,
)
from ..oci.manifest import MAX_MANIFEST_SIZE, Index, Manifest, parse_manifest
from ..oci.mediatypes import FOREIGN_LAYER_TYPES, OCI_INDEX
from ..oci.reference import validate_repository, validate_tag
from ..units import plural

__all__ = ["Registry", "Repository", "StoredManifest", "UploadSession", "StorageReport", "GCReport"]


@dataclass(frozen=True, slots=True)
class StoredManifest:
    """A manifest as the registry stores it: the exact bytes pushed, their type and the parse."""

    digest: Digest
    media_type: str
    data: bytes = field(repr=False)
    parsed: Manifest | Index = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def is_index(self) -> bool:
        return self.parsed.is_index

    @property
    def subject(self) -> Digest | None:
        return self.parsed.subject.digest if self.parsed.subject is not None else None

    def references(self) -> Iterator[Descriptor]:
        return self.parsed.references()

    def descriptor(self) -> Descriptor:
        return Descriptor(self.media_type, self.digest, self.size)


class Repository:
    """One repository: blob links, manifests and tags. Read it through the properties."""

    __slots__ = ("name", "visibility", "description", "stars", "pulls", "_blobs", "_manifests", "_tags")

    def __init__(self, name: str, visibility: str = PUBLIC) -> None:
        self.name = name
        self.visibility = visibility
        #: What a registry's web page shows (Docker Hub): a one-line description and stars.
        self.description = ""
        self.stars = 0
        #: Successful manifest pulls by tag (what Docker Hub counts as pulls).
        self.pulls = 0
        self._blobs: set[Digest] = set()
        self._manifests: dict[Digest, StoredManifest] = {}
        self._tags: dict[str, Digest] = {}

    @property
    def blobs(self) -> frozenset[Digest]:
        """Digests of the blobs (layers, configs) linked into this repository."""
        return frozenset(self._blobs)

    @property
    def manifests(self) -> Mapping[Digest, StoredManifest]:
        return MappingProxyType(self._manifests)

    @property
    def tags(self) -> Mapping[str, Digest]:
        """``tag -> manifest digest``, in the spec's order (case-insensitive lexical)."""
        return MappingProxyType(dict(sorted(self._tags.items(), key=lambda kv: _tag_key(kv[0]))))

    def tags_of(self, digest: str) -> list[str]:
        """Tags pointing at ``digest``."""
        return sorted((t for t, d in self._tags.items() if d == digest), key=_tag_key)

    def untagged(self) -> list[Digest]:
        """Manifests no tag points at (what ``gc --delete-untagged`` would consider)."""
        tagged = set(self._tags.values())
        return sorted(d for d in self._manifests if d not in tagged)

    def has_blob(self, digest: str) -> bool:
        return digest in self._blobs

    def __repr__(self) -> str:
        return (f"Repository({self.name!r}, {self.visibility}, tags={len(self._tags)}, "
                f"manifests={len(self._manifests)}, blobs={len(self._blobs)})")

    def _repr_html_(self) -> str:
        from ..display import to_html

        return to_html(self)


class MemorySpool:
    """Where an upload's bytes wait until the closing ``PUT``: in memory (the default).

    The interface every spool has (:class:`~regsim.registry.filesystem.FileSpool` keeps them on
    disk): ``append(data)``, ``chunks()``, ``content(digest)`` -> the finished blob,
    ``discard()``.
    """

    __slots__ = ("_chunks",)

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def append(self, data: bytes) -> None:
        self._chunks.append(data)

    def chunks(self) -> Iterator[bytes]:
        return iter(self._chunks)

    def content(self, digest: Digest) -> Content:
        """The whole upload as a blob whose digest the caller has verified."""
        return Blob._trusted_chunks(self._chunks, digest)

    def discard(self) -> None:
        self._chunks = []


class UploadSession:
    """A blob upload in progress (``POST /blobs/uploads/`` until the closing ``PUT``).

    The bytes wait in a spool (memory by default, or a file of a persistent registry); the
    sha256 is computed as chunks arrive, so closing costs no second pass.
    """

    __slots__ = ("id", "repository", "_spool", "size", "_sha256", "started_at")

    def __init__(self, upload_id: str, repository: str, spool: Any = None, *, size: int = 0,
                 sha256: Any = None, started_at: float | None = None) -> None:
        self.id = upload_id
        self.repository = repository
        #: When the upload began (seconds since the epoch) if a store recorded it, else None.
        self.started_at = started_at
        self._spool = spool if spool is not None else MemorySpool()
        self.size = size
        self._sha256 = sha256 if sha256 is not None else hashlib.sha256()

    @property
    def offset(self) -> int:
        """Bytes received so far (the next chunk must start here)."""
        return self.size

    def _digest(self, algorithm: str) -> Digest:
        if algorithm == "sha256":
            return Digest.from_hasher(self._sha256.copy(), "sha256")
        return Digest.of_chunks(self._spool.chunks(), algorithm)

    def __repr__(self) -> str:
        return f"UploadSession({self.id!r}, repository={self.repository!r}, size={self.size})"


@dataclass(frozen=True)
class StorageReport:
    """How much the registry stores, and how much it would store without deduplication.

    * ``physical_bytes``: bytes of the distinct blobs in the global store (manifests included) --
      what the disk holds;
    * ``logical_bytes``: for every manifest in every repository, its own bytes plus the bytes of
      everything it references (config and layers) -- what the disk would hold if every image
      kept its own copy of everything;
    * ``dedup_ratio`` = logical / physical; ``saved_bytes`` = logical - physical.
    """

    repositories: int
    manifests: int
    blobs: int
    physical_bytes: int
    logical_bytes: int
    placeholder_bytes: int
    unreferenced_bytes: int

    @property
    def dedup_ratio(self) -> float:
        return self.logical_bytes / self.physical_bytes if self.physical_bytes else 1.0

    @property
    def saved_bytes(self) -> int:
        return self.logical_bytes - self.physical_bytes

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "dedup_ratio": self.dedup_ratio, "saved_bytes": self.saved_bytes}

    def __str__(self) -> str:
        ratio = (f"dedup ratio {self.dedup_ratio:.2f}x" if self.logical_bytes
                 else "no manifests, so no dedup ratio")
        return (f"{plural(self.repositories, 'repository')}, {plural(self.manifests, 'manifest')}, "
                f"{plural(self.blobs, 'blob')}; logical {_human(self.logical_bytes)}, physical {_human(self.physical_bytes)}, {ratio}")

    def _repr_html_(self) -> str:
        from ..display import to_html

        return to_html(self)


@dataclass(frozen=True)
class GCReport:
    """What a garbage collection marked, swept (or would sweep, for a dry run) and freed."""

    marked: int
    swept: tuple[Digest, ...]
    deleted_manifests: tuple[tuple[str, Digest], ...]
    bytes_freed: int
    dry_run: bool
    delete_untagged: bool

    def __str__(self) -> str:
        sweep, delete = ("would sweep", "would delete") if self.dry_run else ("swept", "deleted")
        return (f"marked {plural(self.marked, 'blob')}, {sweep} {plural(len(self.swept), 'blob')} "
                f"({_human(self.bytes_freed)}), {delete} "
                f"{plural(len(self.deleted_manifests), 'untagged manifest')}")

    def _repr_html_(self) -> str:
        from ..display import to_html

        return to_html(self)


class Chunk(Protocol):
    """Upload bytes that arrive as pieces (a staged request body): ``size`` and ``pieces()``.

    A chunk may also have ``sha256``: a ``hashlib`` object fed every piece as it arrived (or
    None). When the chunk starts the upload, the registry takes that state instead of hashing
    the bytes a second time.
    """

    size: int

    def pieces(self) -> Iterator[bytes]: ...


def _chunk(data: "bytes | Chunk", what: str) -> tuple[Callable[[], Iterable[bytes]], int]:
    """``(pieces, size)`` of upload bytes: bytes, or a :class:`Chunk` read piece by piece."""
    if hasattr(data, "pieces") and hasattr(data, "size"):
        return data.pieces, data.size
    raw = as_bytes(data, what)
    return (lambda: (raw,) if raw else ()), len(raw)


def _memory_spool(upload_id: str, repository: str) -> MemorySpool:
    return MemorySpool()


def _human(n: int) -> str:
    from ..units import human_size

    return human_size(n)


def _tag_key(tag: str) -> tuple[str, str]:
    return (tag.lower(), tag)


def _paginate(items: list[str], n: int | None, last: str | None,
              key: Callable[[str], Any] = lambda s: s) -> list[str]:
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise PaginationNumberInvalid(f"invalid number of results requested: n={n!r} (must be an integer >= 0)",
                                      detail=repr(n))
    if last is not None:
        k = key(last)
        items = [i for i in items if key(i) > k]
    return items if n is None else items[:n]


class Registry:
    """An in-memory OCI registry.

    Parameters
    ----------
    name:
        The registry's domain as it appears in image references: ``docker.io``,
        ``localhost:5000``, ``registry.example.com``.
    access:
        ``"open"`` (default, like a plain ``registry:2``), ``"htpasswd"``, ``"namespaces"``
        (like Docker Hub), or an :class:`~regsim.registry.access.AccessPolicy`.
    events:
        The :class:`~regsim.events.EventLog` to append to (share one between registries and
        hosts to see a whole scenario in order). A new log by default.
    max_manifest_size:
        Largest manifest accepted, in bytes (default 4 MiB).
    blobs, spools:
        The storage seam: the global blob store (a mapping, a dict by default) and a factory
        ``spools(upload_id, repository)`` for where upload bytes wait (memory by default).
        :meth:`open` passes the persistent ones.
    """

    def __init__(
        self,
        name: str = "localhost:5000",
        *,
        access: "str | AccessPolicy" = "open",
        events: ev.EventLog | None = None,
        max_manifest_size: int = MAX_MANIFEST_SIZE,
        title: str | None = None,
        blobs: "MutableMapping[Digest, Content] | None" = None,
        spools: "Callable[[str, str], Any] | None" = None,
    ) -> None:
        self.name = name
        self.title = title or name
        self.access = access if isinstance(access, AccessPolicy) else AccessPolicy(access)
        self.events = events if events is not None else ev.EventLog()
        self.max_manifest_size = max_manifest_size
        #: The global blob store: a dict, or a persistent mapping (see :meth:`open`).
        self._blobs: MutableMapping[Digest, Content] = blobs if blobs is not None else {}
        self._spools: Callable[[str, str], Any] = spools if spools is not None else _memory_spool
        #: The on-disk store of a registry made by :meth:`open` (None: in memory only), and what
        #: opening it could not take back (one line each).
        self.storage_root: Any = None
        self.load_problems: list[str] = []
        self._repos: dict[str, Repository] = {}
        self._uploads: dict[str, UploadSession] = {}

    # -- constructors for the two registries of the course -------------------------------------

    @classmethod
    def open(cls, path: Any, name: str = "localhost:5000", **kwargs: Any) -> "Registry":
        """A registry kept in directory ``path``, in the reference registry's on-disk layout
        (``docker/registry/v2/...``, as distribution's filesystem driver writes it).

        Blobs, links, manifests, tags and upload sessions are written as they change (atomic
        writes), and read back by the next ``open``; a store written by ``docker-registry``
        opens too. See :mod:`regsim.registry.filesystem`.
        """
        from .filesystem import open_registry

        return open_registry(cls, path, name, **kwargs)

    @classmethod
    def hub(cls, name: str = "docker.io", **kwargs: Any) -> "Registry":
        """A Docker-Hub-like public registry: namespaces, public by default, logins for push."""
        kwargs.setdefault("title", "Docker Hub")
        return cls(name, access=AccessPolicy("namespaces"), **kwargs)

    @classmethod
    def private(cls, name: str = "localhost:5000", *, users: Mapping[str, str] | None = None,
                **kwargs: Any) -> "Registry":
        """A private ``registry:2``: open, or with ``users`` every request needs a login."""
        kwargs.setdefault("title", f"registry:2 at {name}")
        policy = AccessPolicy("htpasswd" if users else "open")
        for user, password in (users or {}).items():
            policy.add_user(user, password)
        return cls(name, access=policy, **kwargs)

    # -- users and access -----------------------------------------------------------------------

    def add_user(self, user: str, password: str) -> None:
        """Create an account (on a ``namespaces`` registry the user owns namespace ``user/``)."""
        self.access.add_user(user, password)

    def login(self, user: str, password: str) -> Token:
        """Check a password and return a :class:`~regsim.registry.access.Token` to pass as ``auth=``."""
        if not self.access.check_password(user, password):
            raise Unauthorized(f"login to {self.name} failed for {user!r}: incorrect username or password",
                               detail=user)
        token = self.access.issue(self.name, user)
        self._emit(ev.UserLoggedIn, user=user)
        return token

    def grant(self, user: str, pattern: str, action: str = PULL) -> None:
        """Let ``user`` ``pull``/``push``/``delete`` a repository (``team/app``) or namespace (``team/*``)."""
        self.access.grant(user, pattern, action)

    def create_repository(self, name: str, *, private: bool | None = None,
                          auth: Token | None = None) -> Repository:
        """Create an empty repository (Docker Hub's "Create repository"); needs push rights."""
        validate_repository(name)
        repo = self._repos.get(name)
        user = self.access.user_of(self.name, auth)
        self.access.check(self.name, user, name, PUSH, repo.visibility if repo else None)
        if repo is not None:
            wanted = None if private is None else (PRIVATE if private else PUBLIC)
            if wanted is not None and wanted != repo.visibility:
                raise ValueError(f"repository {name!r} already exists and is {repo.visibility}; "
                                 f"use set_visibility({name!r}, {wanted!r}) to change it")
            return repo
        visibility = self.access.default_visibility if private is None else (PRIVATE if private else PUBLIC)
        return self._create(name, visibility)

    def set_visibility(self, name: str, visibility: str, *, auth: Token | None = None) -> None:
        """Make a repository ``public`` or ``private``."""
        if visibility not in (PUBLIC, PRIVATE):
            raise ValueError(f"visibility must be 'public' or 'private', got {visibility!r}")
        repo = self._existing(name, auth, DELETE)
        repo.visibility = visibility
        self._emit(ev.RepositoryChanged, repository=name, visibility=repo.visibility,
                   description=repo.description, stars=repo.stars)

    def authorize(self, repository: str, action: str = PULL, *, auth: Token | None = None) -> str | None:
        """Raise ``UNAUTHORIZED``/``DENIED`` unless ``auth`` may ``action`` the repository.

        Returns the user name (None for anonymous). This is the token request a docker client
        makes before a push or pull.
        """
        validate_repository(repository)
        return self._check(auth, repository, action)

    def describe(self, name: str, description: str, *, stars: int | None = None,
                 auth: Token | None = None) -> None:
        """Set the description (and star count) a registry's web page shows for a repository."""
        if stars is not None and (isinstance(stars, bool) or not isinstance(stars, int) or stars < 0):
            raise ValueError(f"stars must be a non-negative integer, got {stars!r}")
        repo = self._existing(name, auth, PUSH)
        repo.description = str(description)
        if stars is not None:
            repo.stars = stars
        self._emit(ev.RepositoryChanged, repository=name, visibility=repo.visibility,
                   description=repo.description, stars=repo.stars)

    def can(self, auth: Token | None, repository: str, action: str = PULL) -> bool:
        """True when ``auth`` may ``action`` the repository (no exception, no event)."""
        try:
            user = self.access.user_of(self.name, auth)
        except Unauthorized:
            return False
        repo = self._repos.get(repository)
        return self.access.allowed(user, repository, action, repo.visibility if repo else None)

    # -- reading the model (no access checks, no events: for pictures and metrics) ----------------

    @property
    def repositories(self) -> Mapping[str, Repository]:
        """All repositories by name (read-only), sorted."""
        return MappingProxyType(dict(sorted(self._repos.items())))

    def repository(self, name: str) -> Repository:
        try:
            return self._repos[name]
        except KeyError:
            raise NameUnknown(f"repository name not known to registry: {name!r}", detail=name) from None

    @property
    def blobs(self) -> Mapping[Digest, Content]:
        """The global blob store (read-only): every stored blob once, manifests included."""
        return MappingProxyType(self._blobs)

    @property
    def uploads(self) -> Mapping[str, UploadSession]:
        return MappingProxyType(self._uploads)

    def resolve(self, repository: str, reference: str) -> StoredManifest:
        """The manifest a tag or digest names (no access check, no event)."""
        repo = self.repository(repository)
        tag, digest = self._split_reference(reference)
        if tag is not None:
            digest = repo._tags.get(tag)
        stored = repo._manifests.get(digest) if digest is not None else None
        if stored is None:
            raise ManifestUnknown(f"manifest unknown: {repository}:{reference}", detail=reference)
        return stored

    # -- blobs ----------------------------------------------------------------------------------

    def stat_blob(self, repository: str, digest: str, *, auth: Token | None = None) -> Content | None:
        """``HEAD /v2/<name>/blobs/<digest>``: the blob if linked here, else None."""
        digest = Digest(digest)
        validate_repository(repository)
        self._check(auth, repository, PULL)
        repo = self._repos.get(repository)
        found = self._blobs.get(digest) if repo is not None and digest in repo._blobs else None
        self._emit(ev.BlobChecked, repository=repository, digest=digest, exists=found is not None)
        return found

    def get_blob(self, repository: str, digest: str, *, auth: Token | None = None) -> Content:
        """``GET /v2/<name>/blobs/<digest>``: the blob, or ``BLOB_UNKNOWN``."""
        digest = Digest(digest)
        validate_repository(repository)
        self._check(auth, repository, PULL)
        repo = self._repos.get(repository)
        if repo is None or digest not in repo._blobs:
            raise BlobUnknown(f"blob unknown to registry: {digest} in {repository}", detail=str(digest))
        blob = self._blobs[digest]
        self._emit(ev.BlobFetched, repository=repository, digest=digest, size=blob.size)
        return blob

    def push_blob(self, repository: str, content: "Content | bytes", digest: str | None = None, *,
                  auth: Token | None = None) -> Content:
        """Monolithic upload (``POST`` + ``PUT ?digest=``): store ``content`` and link it here.

        With ``digest``, bytes are verified against it (``DIGEST_INVALID`` on mismatch).
        Placeholders are accepted as they are: they have no bytes to verify.
        """
        expected = Digest(digest) if digest is not None else None
        validate_repository(repository)
        self._check(auth, repository, PUSH)
        if isinstance(content, (bytes, bytearray, memoryview)):
            blob: Content = Blob.verified(content, expected) if expected else Blob(content)
        else:
            blob = as_content(content)
            if expected is not None and blob.digest != expected:
                raise DigestInvalid(f"provided digest {expected} does not match content {blob.digest}",
                                    detail=str(expected))
        self._storable(blob)
        self._store_blob(repository, blob)
        return blob

    def mount_blob(self, repository: str, digest: str, from_repository: str, *,
                   auth: Token | None = None) -> Content:
        """Cross-repository mount: link a blob of ``from_repository`` here without sending bytes.

        Needs push on the target and pull on the source. ``BLOB_UNKNOWN`` when the source does
        not have it (a client then uploads instead).
        """
        digest = Digest(digest)
        validate_repository(repository)
        validate_repository(from_repository)
        self._check(auth, repository, PUSH)
        self._check(auth, from_repository, PULL)
        source = self._repos.get(from_repository)
        if source is None or digest not in source._blobs:
            raise BlobUnknown(f"blob unknown to registry: {digest} is not in {from_repository}",
                              detail=str(digest))
        blob = self._blobs[digest]
        repo = self._writable(repository)
        repo._blobs.add(digest)
        self._emit(ev.BlobMounted, repository=repository, digest=digest, size=blob.size,
                   from_repository=from_repository)
        return blob

    def delete_blob(self, repository: str, digest: str, *, auth: Token | None = None) -> None:
        """Unlink a blob from a repository; its bytes stay until garbage collection.

        Refused (``DENIED``) while a manifest in the repository still references the blob: delete
        the manifest first (as registries that set ``OCI_DELETE_MANIFEST_BEFORE_BLOBS`` do).
        """
        digest = Digest(digest)
        repo = self._existing(repository, auth, DELETE)
        if digest not in repo._blobs:
            raise BlobUnknown(f"blob unknown to registry: {digest} in {repository}", detail=str(digest))
        for stored in repo._manifests.values():
            if any(d.digest == digest for d in stored.references()):
                raise Denied(f"blob {digest} is still referenced by manifest {stored.digest} in "
                             f"{repository}: delete the manifest first", detail=str(digest))
        repo._blobs.discard(digest)
        self._emit(ev.BlobDeleted, repository=repository, digest=digest)

    # -- chunked uploads --------------------------------------------------------------------------

    def start_upload(self, repository: str, *, auth: Token | None = None) -> UploadSession:
        """``POST /v2/<name>/blobs/uploads/``: open an upload session."""
        validate_repository(repository)
        self._check(auth, repository, PUSH)
        # 128 bits from secrets, shaped as a UUID (the spec's Location carries one): unguessable,
        # and never repeated by a restarted server.
        upload_id = str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
        session = UploadSession(upload_id, repository, self._spools(upload_id, repository))
        self._uploads[upload_id] = session
        self._emit(ev.UploadStarted, repository=repository, upload_id=upload_id)
        return session

    def upload_chunk(self, upload_id: str, data: "bytes | Chunk", *, start: int | None = None,
                     auth: Token | None = None) -> int:
        """``PATCH``: append a chunk; ``start`` must equal the bytes received so far (else 416).

        ``data`` is bytes, or a :class:`Chunk` (``size`` and ``pieces()``: a request body a
        server staged, read back piece by piece so no whole copy is ever made).

        Returns the new offset.
        """
        session = self._session(upload_id, auth)
        if start is not None and start != session.size:
            raise RangeInvalid(
                f"chunk starts at byte {start} but upload {upload_id} has {session.size} bytes: "
                f"the next chunk must start at {session.size}",
                detail={"start": start, "offset": session.size},
            )
        pieces, size = _chunk(data, "upload chunk")
        offset = session.size
        spool = session._spool
        hashed = getattr(data, "sha256", None) if offset == 0 else None
        if hashed is not None:  # the chunk was hashed as it arrived, and it is the whole upload so far
            session._sha256 = hashed.copy()
            adopt, staged = getattr(spool, "adopt", None), getattr(data, "path", None)
            if adopt is not None and staged is not None:
                adopt(staged)  # a staged file becomes the upload's file: renamed, not copied
            else:
                for piece in pieces():
                    spool.append(piece)
        else:
            hasher = session._sha256
            for piece in pieces():
                spool.append(piece)
                hasher.update(piece)
        session.size += size
        self._emit(ev.UploadProgressed, repository=session.repository, upload_id=upload_id,
                   offset=offset, size=size)
        return session.size

    def upload_status(self, upload_id: str, *, auth: Token | None = None) -> int:
        """``GET`` on an upload: the number of bytes received (``Range: 0-<offset-1>``)."""
        return self._session(upload_id, auth).size

    def finish_upload(self, upload_id: str, digest: str, data: "bytes | Chunk" = b"", *,
                      start: int | None = None, auth: Token | None = None) -> Content:
        """``PUT ?digest=``: optionally append a last chunk, verify the whole blob, store it."""
        expected = Digest(digest)
        pieces, size = _chunk(data, "last upload chunk")
        session = self._session(upload_id, auth)
        if start is not None and size and start != session.size:
            raise RangeInvalid(
                f"last chunk starts at byte {start} but upload {upload_id} has {session.size} bytes",
                detail={"start": start, "offset": session.size},
            )
        hashed = getattr(data, "sha256", None) if session.size == 0 else None
        if expected.algorithm == "sha256" and hashed is not None:
            actual = Digest.from_hasher(hashed.copy())  # the whole blob, hashed as it arrived
        elif expected.algorithm == "sha256":
            hasher = session._sha256.copy()
            for piece in pieces():
                hasher.update(piece)
            actual = Digest.from_hasher(hasher)
        else:
            actual = Digest.of_chunks([*session._spool.chunks(), *pieces()], expected.algorithm)
        if actual != expected:
            raise DigestInvalid(
                f"provided digest did not match uploaded content: expected {expected}, "
                f"received {session.size + size} bytes hashing to {actual}",
                detail=str(expected),
            )
        for piece in pieces():
            session._spool.append(piece)
        blob = session._spool.content(expected)
        del self._uploads[upload_id]
        self._store_blob(session.repository, blob)
        session._spool.discard()  # what the blob store did not take (its bytes were already there)
        return blob

    def resume_upload(self, upload_id: str, repository: str, spool: Any, size: int, sha256: Any,
                      started_at: float | None = None) -> UploadSession:
        """Take back an upload session whose bytes a spool kept (a persistent registry reopening)."""
        validate_repository(repository)
        session = UploadSession(upload_id, repository, spool, size=size, sha256=sha256, started_at=started_at)
        self._uploads[upload_id] = session
        self._emit(ev.UploadStarted, repository=repository, upload_id=upload_id)
        return session

    def expire_upload(self, upload_id: str) -> None:
        """Drop an abandoned upload session and its bytes (a server's upload purging; no access check)."""
        session = self._uploads.pop(upload_id, None)
        if session is None:
            raise BlobUploadUnknown(f"blob upload unknown to registry: {upload_id!r}", detail=str(upload_id))
        session._spool.discard()
        self._emit(ev.UploadCancelled, repository=session.repository, upload_id=upload_id)

    def cancel_upload(self, upload_id: str, *, auth: Token | None = None) -> None:
        """``DELETE`` on an upload: drop the session and its bytes."""
        session = self._session(upload_id, auth)
        del self._uploads[upload_id]
        session._spool.discard()
        self._emit(ev.UploadCancelled, repository=session.repository, upload_id=upload_id)

    # -- manifests and tags -----------------------------------------------------------------------

    def put_manifest(self, repository: str, reference: str, manifest: "Manifest | Index | bytes", *,
                     media_type: str | None = None, auth: Token | None = None) -> Digest:
        """``PUT /v2/<name>/manifests/<tag|digest>``: store a manifest and, for a tag, point it here.

        ``manifest`` is a :class:`~regsim.oci.manifest.Manifest`/:class:`~regsim.oci.manifest.Index` or raw
        bytes (stored exactly). Every blob a manifest references must be in this repository, and
        every manifest an index lists (``MANIFEST_BLOB_UNKNOWN`` otherwise). A ``subject`` may
        point at a manifest that does not exist.
        """
        validate_repository(repository)
        tag, by_digest = self._split_reference(reference)
        self._check(auth, repository, PUSH)
        data, parsed, digest = self._prepare_manifest(manifest, media_type, by_digest)
        self._verify_references(repository, self._repos.get(repository), parsed)
        repo = self._writable(repository)
        self._commit_manifest(repo, digest, data, parsed, [tag] if tag is not None else [], tag)
        return digest

    def push_image(self, repository: str, manifest: "Manifest | Index | bytes", blobs: Iterable[Content] = (), *,
                   tags: Iterable[str] = (), media_type: str | None = None, auth: Token | None = None) -> Digest:
        """Push a whole image in one call: its blobs, then its manifest, then its tags.

        What a client does with ``HEAD`` + upload per blob and ``PUT`` per tag, as one atomic
        operation: blobs already linked here are skipped, the rest are stored and linked
        (``BlobUploaded`` events), then the manifest is stored (``ManifestPushed``) and each tag
        set (``TagUpdated``). Every check of :meth:`push_blob` and :meth:`put_manifest` applies,
        before anything changes. Blobs must be :class:`~regsim.oci.blob.Blob` (digest computed from
        its bytes) or :class:`~regsim.oci.blob.Placeholder` objects.
        """
        validate_repository(repository)
        tag_list = [validate_tag(t) for t in tags]
        self._check(auth, repository, PUSH)
        data, parsed, digest = self._prepare_manifest(manifest, media_type, None)
        repo = self._repos.get(repository)
        linked = repo._blobs if repo is not None else set()
        new: dict[Digest, Content] = {}
        for blob in blobs:
            if not isinstance(blob, (Blob, Placeholder)):
                raise TypeError(f"push_image needs Blob or Placeholder objects, got {type(blob).__name__}")
            if blob.digest not in linked:
                new[blob.digest] = blob
        self._verify_references(repository, repo, parsed, extra=new)
        for blob in new.values():
            self._storable(blob)
        repo = self._writable(repository)
        for blob in new.values():
            self._link_blob(repo, blob)
        self._commit_manifest(repo, digest, data, parsed, tag_list, None)
        return digest

    def _prepare_manifest(self, manifest: "Manifest | Index | bytes", media_type: str | None,
                          by_digest: Digest | None) -> tuple[bytes, Manifest | Index, Digest]:
        if isinstance(manifest, (Manifest, Index)):
            data, parsed = manifest.to_bytes(), manifest
            if media_type is not None and media_type != manifest.media_type:
                raise ManifestInvalid(f"manifest mediaType {manifest.media_type!r} does not match "
                                      f"Content-Type {media_type!r}", detail=manifest.media_type)
        elif isinstance(manifest, (bytes, bytearray, memoryview)):
            data = bytes(manifest)
            if len(data) > self.max_manifest_size:
                raise ManifestTooLarge(f"manifest of {len(data)} bytes is larger than the "
                                       f"{self.max_manifest_size} bytes this registry accepts",
                                       detail=len(data))
            parsed = parse_manifest(data, media_type)
        else:
            raise ManifestInvalid(f"expected manifest bytes, Manifest or Index, got {type(manifest).__name__}")
        if len(data) > self.max_manifest_size:
            raise ManifestTooLarge(f"manifest of {len(data)} bytes is larger than {self.max_manifest_size}",
                                   detail=len(data))
        if parsed is manifest and (by_digest is None or by_digest.algorithm == "sha256"):
            digest = manifest.digest  # computed once per Manifest/Index object
        else:
            digest = Digest.of(data, by_digest.algorithm if by_digest else "sha256")
        if by_digest is not None and digest != by_digest:
            raise DigestInvalid(f"manifest digest {digest} does not match reference {by_digest}",
                                detail=str(by_digest))
        return data, parsed, digest

    def _commit_manifest(self, repo: Repository, digest: Digest, data: bytes, parsed: Manifest | Index,
                         tags: list[str], pushed_as: str | None) -> None:
        if digest not in self._blobs:
            self._blobs[digest] = Blob._trusted(data, digest)
        repo._manifests[digest] = StoredManifest(digest, parsed.media_type, data, parsed)
        recording = self.events.recording
        if recording:
            self._emit(ev.ManifestPushed, repository=repo.name, digest=digest, media_type=parsed.media_type,
                       size=len(data), tag=pushed_as)
        for tag in tags:
            previous = repo._tags.get(tag)
            repo._tags[tag] = digest
            if recording:
                self._emit(ev.TagUpdated, repository=repo.name, tag=tag, digest=digest, previous=previous)

    def get_manifest(self, repository: str, reference: str, *, auth: Token | None = None) -> StoredManifest:
        """``GET /v2/<name>/manifests/<tag|digest>``: the stored manifest (exact bytes)."""
        stored = self._lookup_manifest(repository, reference, auth)
        if ":" not in reference:
            self._repos[repository].pulls += 1
        self._emit(ev.ManifestFetched, repository=repository, reference=reference, digest=stored.digest,
                   media_type=stored.media_type, size=stored.size)
        return stored

    def stat_manifest(self, repository: str, reference: str, *,
                      auth: Token | None = None) -> StoredManifest | None:
        """``HEAD /v2/<name>/manifests/<tag|digest>``: the manifest, or None when unknown."""
        try:
            stored = self._lookup_manifest(repository, reference, auth)
        except (ManifestUnknown, NameUnknown):
            stored = None
        self._emit(ev.ManifestChecked, repository=repository, reference=reference,
                   digest=stored.digest if stored else None)
        return stored

    def tag(self, repository: str, tag: str, digest: str, *, auth: Token | None = None) -> None:
        """Point ``tag`` at a manifest already in the repository (like ``PUT`` of the same bytes)."""
        stored = self._lookup_manifest(repository, str(Digest(digest)), auth, action=PUSH)
        self.put_manifest(repository, validate_tag(tag), stored.data, media_type=stored.media_type, auth=auth)

    def delete_tag(self, repository: str, tag: str, *, auth: Token | None = None) -> Digest:
        """``DELETE /v2/<name>/manifests/<tag>``: remove the tag; the manifest stays."""
        validate_tag(tag)
        repo = self._existing(repository, auth, DELETE)
        digest = repo._tags.get(tag)
        if digest is None:
            raise ManifestUnknown(f"manifest unknown: tag {tag!r} not in {repository}", detail=tag)
        del repo._tags[tag]
        self._emit(ev.TagDeleted, repository=repository, tag=tag, digest=digest)
        return digest

    def delete_manifest(self, repository: str, digest: str, *, auth: Token | None = None) -> tuple[str, ...]:
        """``DELETE /v2/<name>/manifests/<digest>``: remove the manifest and every tag on it.

        Refused (``DENIED``) while an index in the repository lists it. Returns the removed tags.
        """
        digest = Digest(digest)
        repo = self._existing(repository, auth, DELETE)
        if digest not in repo._manifests:
            raise ManifestUnknown(f"manifest unknown: {digest} not in {repository}", detail=str(digest))
        for other in repo._manifests.values():
            if other.is_index and any(d.digest == digest for d in other.references()):
                raise Denied(f"manifest {digest} is listed by index {other.digest} in {repository}: "
                             "delete the index first", detail=str(digest))
        tags = tuple(repo.tags_of(digest))
        for t in tags:
            del repo._tags[t]
        del repo._manifests[digest]
        self._emit(ev.ManifestDeleted, repository=repository, digest=digest, tags=tags)
        return tags

    def tags(self, repository: str, *, n: int | None = None, last: str | None = None,
             auth: Token | None = None) -> list[str]:
        """``GET /v2/<name>/tags/list?n=&last=``: tags in case-insensitive lexical order.

        ``last`` is exclusive; ``n=0`` gives an empty list.
        """
        repo = self._existing(repository, auth, PULL)
        ordered = sorted(repo._tags, key=_tag_key)
        return _paginate(ordered, n, last, key=_tag_key)

    def catalog(self, *, n: int | None = None, last: str | None = None,
                auth: Token | None = None) -> list[str]:
        """``GET /v2/_catalog``: repositories this caller may pull, sorted."""
        user = self.access.user_of(self.name, auth)
        names = [name for name, repo in sorted(self._repos.items())
                 if self.access.allowed(user, name, PULL, repo.visibility)]
        return _paginate(names, n, last)

    def referrers(self, repository: str, digest: str, *, artifact_type: str | None = None,
                  auth: Token | None = None) -> Index:
        """``GET /v2/<name>/referrers/<digest>``: an index of the manifests whose subject is ``digest``.

        Never ``MANIFEST_UNKNOWN``: an unknown subject gives an empty index.
        """
        digest = Digest(digest)
        validate_repository(repository)
        self._check(auth, repository, PULL)
        repo = self._repos.get(repository)
        found: list[Descriptor] = []
        for stored in sorted(repo._manifests.values(), key=lambda s: s.digest) if repo else ():
            if stored.subject != digest:
                continue
            kind = stored.parsed.effective_artifact_type
            if artifact_type is not None and kind != artifact_type:
                continue
            found.append(Descriptor(stored.media_type, stored.digest, stored.size,
                                    annotations=stored.parsed.annotations, artifact_type=kind))
        return Index(manifests=tuple(found), media_type=OCI_INDEX)

    # -- storage and garbage collection -----------------------------------------------------------

    def storage(self) -> StorageReport:
        """Logical vs physical bytes: the deduplication the content-addressed store achieves."""
        logical = 0
        referenced: set[Digest] = set()
        manifests: set[Digest] = set()
        for repo in self._repos.values():
            for digest, stored in repo._manifests.items():
                manifests.add(digest)
                referenced.add(digest)
                logical += stored.size
                for desc in stored.references():
                    referenced.add(desc.digest)
                    if not stored.is_index:
                        logical += desc.size
        physical = sum(b.size for b in self._blobs.values())
        placeholder = sum(b.size for b in self._blobs.values() if b.is_placeholder)
        unreferenced = sum(b.size for d, b in self._blobs.items() if d not in referenced)
        return StorageReport(
            repositories=len(self._repos), manifests=len(manifests), blobs=len(self._blobs),
            physical_bytes=physical, logical_bytes=logical, placeholder_bytes=placeholder,
            unreferenced_bytes=unreferenced,
        )

    def reachable(self, *, delete_untagged: bool = False) -> tuple[set[Digest], list[tuple[str, Digest]]]:
        """The mark phase: digests gc keeps, and the manifests it would delete.

        Roots are every manifest of every repository, or only tagged ones with
        ``delete_untagged``. From each root, gc follows an index to its manifests and a manifest
        to its config and layers, and keeps artifacts whose ``subject`` is kept (signatures,
        SBOMs) -- as registries with the referrers API do.
        """
        marked: set[Digest] = set()
        doomed: list[tuple[str, Digest]] = []
        for name, repo in sorted(self._repos.items()):
            roots = set(repo._tags.values()) if delete_untagged else set(repo._manifests)
            kept = self._closure(repo, roots)
            while True:  # keep referrers of kept manifests, to a fixpoint
                extra = {d for d, s in repo._manifests.items() if d not in kept and s.subject in kept}
                if not extra:
                    break
                kept |= self._closure(repo, extra)
            for digest in kept:
                marked.add(digest)
                marked.update(desc.digest for desc in repo._manifests[digest].references())
            doomed.extend((name, d) for d in sorted(repo._manifests) if d not in kept)
        return marked, doomed

    def garbage_collect(self, *, delete_untagged: bool = False, dry_run: bool = False) -> GCReport:
        """Mark and sweep, like ``registry garbage-collect [--delete-untagged] [--dry-run]``.

        Deletes unreachable manifests (with ``delete_untagged``), then every blob nothing
        reachable references, and the repository links to those blobs.
        """
        marked, doomed = self.reachable(delete_untagged=delete_untagged)
        swept = tuple(sorted(d for d in self._blobs if d not in marked))
        freed = sum(self._blobs[d].size for d in swept)
        if not dry_run:
            for name, digest in doomed:
                repo = self._repos[name]
                for t in repo.tags_of(digest):
                    del repo._tags[t]
                del repo._manifests[digest]
            gone = set(swept)
            for digest in swept:
                del self._blobs[digest]
            for repo in self._repos.values():
                repo._blobs -= gone
        report = GCReport(marked=len(marked), swept=swept, deleted_manifests=tuple(doomed),
                          bytes_freed=freed, dry_run=dry_run, delete_untagged=delete_untagged)
        self._emit(ev.GarbageCollected, swept=swept, deleted_manifests=tuple(doomed), bytes_freed=freed,
                   marked=len(marked), dry_run=dry_run, delete_untagged=delete_untagged)
        return report

    def snapshot(self) -> dict[str, Any]:
        """A plain, comparable picture of the whole state (for before/after checks)."""
        return {
            "name": self.name,
            "blobs": {d: (b.size, b.is_placeholder) for d, b in sorted(self._blobs.items())},
            "repositories": {
                name: {
                    "visibility": r.visibility,
                    "description": r.description,
                    "stars": r.stars,
                    "pulls": r.pulls,
                    "blobs": sorted(r._blobs),
                    "manifests": {d: (s.media_type, s.size) for d, s in sorted(r._manifests.items())},
                    "tags": dict(sorted(r._tags.items())),
                }
                for name, r in sorted(self._repos.items())
            },
            "uploads": {u: (s.repository, s.size, str(s._digest("sha256"))) for u, s in sorted(self._uploads.items())},
            "access": self.access.snapshot(),
        }

    def __repr__(self) -> str:
        return (f"Registry({self.name!r}, repositories={len(self._repos)}, blobs={len(self._blobs)}, "
                f"access={self.access.mode!r})")

    # -- internals ----------------------------------------------------------------------------------

    def _emit(self, kind: type[ev.RegistryEvent], **fields: Any) -> None:
        if self.events.recording:
            self.events.append(kind(registry=self.name, **fields))

    def _check(self, auth: Token | None, repository: str, action: str) -> str | None:
        if auth is None and self.access.mode == "open":
            return None
        user = self.access.user_of(self.name, auth)
        repo = self._repos.get(repository)
        self.access.check(self.name, user, repository, action, repo.visibility if repo else None)
        return user

    def _existing(self, repository: str, auth: Token | None, action: str) -> Repository:
        validate_repository(repository)
        self._check(auth, repository, action)
        repo = self._repos.get(repository)
        if repo is None:
            raise NameUnknown(f"repository name not known to registry: {repository!r}", detail=repository)
        return repo

    def _create(self, name: str, visibility: str) -> Repository:
        repo = Repository(name, visibility)
        self._repos[name] = repo
        self._emit(ev.RepositoryCreated, repository=name, visibility=visibility)
        return repo

    def _writable(self, name: str) -> Repository:
        """The repository, created (with its event) on first write."""
        repo = self._repos.get(name)
        if repo is None:
            repo = Repository(name, self.access.default_visibility)
            self._repos[name] = repo
            self._emit(ev.RepositoryCreated, repository=name, visibility=repo.visibility)
        return repo

    def _storable(self, blob: Content) -> None:
        """Refuse, before any change, a placeholder a persistent blob store cannot keep."""
        if blob.is_placeholder and not getattr(self._blobs, "keeps_placeholders", True) and blob.digest not in self._blobs:
            raise PlaceholderContent(f"blob {blob.digest} is a placeholder: a registry on disk stores real bytes only",
                                     detail=str(blob.digest))

    def _store_blob(self, repository: str, blob: Content) -> None:
        self._link_blob(self._writable(repository), blob)

    def _link_blob(self, repo: Repository, blob: Content) -> None:
        digest = blob.digest
        existing = self._blobs.get(digest)
        if existing is None:
            self._blobs[digest] = blob
        elif existing.is_placeholder and not blob.is_placeholder:
            self._blobs[digest] = blob  # real bytes replace a placeholder of the same digest
        repo._blobs.add(digest)
        if self.events.recording:
            self.events.append(ev.BlobUploaded(registry=self.name, repository=repo.name, digest=digest,
                                               size=blob.size, deduplicated=existing is not None,
                                               placeholder=blob.is_placeholder))

    def _session(self, upload_id: str, auth: Token | None) -> UploadSession:
        session = self._uploads.get(upload_id) if isinstance(upload_id, str) else None
        if session is None:
            raise BlobUploadUnknown(f"blob upload unknown to registry: {upload_id!r}", detail=str(upload_id))
        self._check(auth, session.repository, PUSH)
        return session

    @staticmethod
    def _split_reference(reference: str) -> tuple[str | None, Digest | None]:
        if isinstance(reference, str) and ":" in reference:
            return None, Digest(reference)
        return validate_tag(reference), None

    def _lookup_manifest(self, repository: str, reference: str, auth: Token | None,
                         action: str = PULL) -> StoredManifest:
        validate_repository(repository)
        tag, digest = self._split_reference(reference)
        self._check(auth, repository, action)
        repo = self._repos.get(repository)
        if repo is None:
            raise NameUnknown(f"repository name not known to registry: {repository!r}", detail=repository)
        if tag is not None:
            digest = repo._tags.get(tag)
        stored = repo._manifests.get(digest) if digest is not None else None
        if stored is None:
            raise ManifestUnknown(f"manifest unknown: {repository}:{reference}" if tag else
                                  f"manifest unknown: {repository}@{reference}", detail=reference)
        return stored

    def _verify_references(self, repository: str, repo: Repository | None, parsed: Manifest | Index,
                           extra: Mapping[Digest, Content] | None = None) -> None:
        linked = repo._blobs if repo is not None else set()
        manifests = repo._manifests if repo is not None else {}
        extra = extra or {}
        if isinstance(parsed, Manifest):
            for desc in parsed.references():
                if desc.urls and desc.media_type in FOREIGN_LAYER_TYPES:
                    continue  # foreign layers live at their URLs
                if desc.digest in extra:
                    stored = extra[desc.digest]
                elif desc.digest in linked:
                    stored = self._blobs[desc.digest]
                else:
                    raise ManifestBlobUnknown(
                        f"manifest references blob {desc.digest} ({desc.media_type}) that is not in "
                        f"{repository}: push it first", detail=str(desc.digest))
                if stored.size != desc.size:
                    raise ManifestInvalid(
                        f"descriptor of {desc.digest} says {desc.size} bytes but the blob has {stored.size}",
                        detail=str(desc.digest))
        else:
            for desc in parsed.references():
                if desc.digest in manifests:
                    if manifests[desc.digest].size != desc.size:
                        raise ManifestInvalid(
                            f"index entry {desc.digest} says {desc.size} bytes but the manifest has "
                            f"{manifests[desc.digest].size}", detail=str(desc.digest))
                else:
                    raise ManifestBlobUnknown(
                        f"index references manifest {desc.digest} that is not in {repository}: "
                        "push it first", detail=str(desc.digest))

    def _closure(self, repo: Repository, roots: Iterable[Digest]) -> set[Digest]:
        kept: set[Digest] = set()
        stack = [d for d in roots if d in repo._manifests]
        while stack:
            digest = stack.pop()
            if digest in kept:
                continue
            kept.add(digest)
            stored = repo._manifests[digest]
            if stored.is_index:
                stack.extend(d.digest for d in stored.references() if d.digest in repo._manifests)
        return kept

    def _repr_html_(self) -> str:
        from ..display import to_html

        return to_html(self)

