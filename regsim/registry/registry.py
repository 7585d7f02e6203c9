"""The registry: one facade over parts with one job each.

:class:`Registry` checks access and input, builds the event(s) that say what changes, and commits
them (:meth:`Registry._commit`): durable sinks first, then the one function per event type of
:mod:`regsim.registry.apply` changes the parts, then the log. :meth:`Registry.replay` commits a
log's events through the same table. The parts are read-only from outside:

* a :class:`~regsim.registry.blobs.BlobStore` (content by digest);
* :class:`~regsim.registry.uploads.Uploads` (sessions that hash incrementally and spool);
* a :class:`~regsim.registry.repository.RepositoryStore` (links, manifests, tags, referrers);
* an :class:`~regsim.registry.access.AccessPolicy` (users, grants, decisions);
* :mod:`regsim.registry.gc` (accounting, the mark phase).

The model follows the OCI distribution-spec and the reference registry (distribution):

* one **global blob store**, content-addressed by digest, holds every blob once (manifests are
  blobs too);
* each **repository** holds *links*: a blob is visible in a repository only after it was pushed
  or mounted there, and a manifest only after it was put there;
* **tags** are mutable pointers from a name to a manifest digest;
* **deleting** a tag, manifest or blob removes links only; the bytes stay until **garbage
  collection** (mark and sweep from the manifests, or from tags with ``delete_untagged=True``);
* **access** is checked before anything else (see :mod:`regsim.registry.access`).

Every successful operation appends events to ``registry.events``, and
``Registry.replay(registry.events)`` rebuilds an equal registry. Every failure raises a
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
>>> list(reg.tags("team/app"))
['1.0']
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, MutableMapping, Sequence, TypeVar

from .. import events as ev
from ..display import some, table
from ..units import human_size, plural
from .access import DELETE, PRIVATE, PUBLIC, PULL, PUSH, AccessPolicy, Token
from .apply import APPLY, Parts
from ..oci.blob import Blob, Content, Placeholder, as_bytes, as_content
from ..oci.descriptor import Descriptor
from ..oci.digest import Digest
from ..errors import (
    InvalidArgument,
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
from .blobs import BlobStore, as_blob_store
from .gc import GCReport, StorageReport, mark, storage_report
from .repository import MemoryRepositoryStore, Repository, RepositoryStore, StoredManifest, tag_key
from .uploads import Chunk, Spool, UploadSession, Uploads, memory_spool, pieces_of

#: A durable sink: called with each event before it is applied (see :meth:`Registry.add_sink`).
Sink = Callable[[ev.RegistryEvent], None]
_E = TypeVar("_E", bound=ev.RegistryEvent)

#: How :meth:`Registry.open` reaches a store on disk. :mod:`regsim.registry.filesystem` imports this
#: module (it builds registries), so this module does not import it: the package registers it
#: (:func:`register_disk_store`, in ``regsim/registry/__init__.py``), and there is no import cycle.
_DISK_STORES: list[Callable[..., Any]] = []


def register_disk_store(opener: Callable[..., Any]) -> None:
    """Make ``opener(cls, path, name, **kwargs)`` what :meth:`Registry.open` calls."""
    _DISK_STORES.append(opener)

__all__ = ["Registry", "Repository", "StoredManifest", "UploadSession", "StorageReport", "GCReport"]


def _paginate(items: Sequence[str], n: int | None, last: str | None,
              key: Callable[[str], Any] = lambda s: s) -> list[str]:
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise PaginationNumberInvalid(f"invalid number of results requested: n={n!r} (must be an integer >= 0)",
                                      detail=repr(n))
    items = list(items)
    if last is not None:
        k = key(last)
        items = [i for i in items if key(i) > k]
    return items if n is None else items[:n]


class Registry:
    """An OCI registry (in memory unless given other stores).

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
    blobs, repositories, spools:
        The storage seam (in memory by default): the global blob store (a
        :class:`~regsim.registry.blobs.BlobStore`, or any mutable mapping ``digest -> content``),
        a :class:`~regsim.registry.repository.RepositoryStore`, and a factory
        ``spools(upload_id, repository)`` giving the :class:`~regsim.registry.uploads.Spool`
        where an upload's bytes wait. :meth:`open` passes the persistent ones.
    sparse:
        Accept manifests that name blobs the repository does not have (see ``sparse`` below);
        ``Registry.open(path, sparse=True)`` loads such manifests back.
    """

    def __init__(
        self,
        name: str = "localhost:5000",
        *,
        access: "str | AccessPolicy" = "open",
        events: ev.EventLog | None = None,
        max_manifest_size: int = MAX_MANIFEST_SIZE,
        title: str | None = None,
        blobs: "BlobStore | MutableMapping[Digest, Content] | None" = None,
        repositories: RepositoryStore | None = None,
        spools: Callable[[str, str], Spool] | None = None,
        sparse: bool = False,
    ) -> None:
        self._name = name
        self._title = title or name
        given = access if isinstance(access, AccessPolicy) else AccessPolicy(access)
        self.events = events if events is not None else ev.EventLog()
        self._max_manifest_size = max_manifest_size
        self._blobs = as_blob_store(blobs)
        self._repos = repositories if repositories is not None else MemoryRepositoryStore()
        self._uploads = Uploads()
        self._spools = spools if spools is not None else memory_spool
        #: What events change (the apply table's argument); the policy is the registry's own
        #: copy, read-only from outside: its users and grants enter it as events
        self._parts = Parts(self._blobs, self._repos, self._uploads, given.copy_for(name), self._spools)
        self._sinks: list[Sink] = []
        #: The on-disk store of a registry made by :meth:`open` (None: in memory only), and what
        #: opening it could not take back (one line each).
        self.storage_root: Any = None
        self.load_problems: list[str] = []
        #: Digests garbage collection never sweeps: what the manifests of a store that could not
        #: be loaded reference (a damaged layer must not cost the rest of the image).
        self.gc_keep: set[Digest] = set()
        #: Accept manifests naming blobs (and indexes naming manifests) this repository does not
        #: have (off by default): a pull-through cache stores a manifest before its layers, and the
        #: distribution-spec conformance suite pushes "sparse" manifests. A blob that is present
        #: must still have the size its descriptor says.
        self.sparse = bool(sparse)
        self._emit(ev.RegistryCreated, title=self.title, access=self.access.mode,
                   default_visibility=self.access.default_visibility, max_manifest_size=max_manifest_size)
        self._take_users(given)

    def _take_users(self, policy: AccessPolicy) -> None:
        """A policy may come with users and grants already in it: they enter as events (replay)."""
        for user in policy.users:
            self._emit(ev.UserAdded, user=user, password_hash=policy.password_hash(user))
        for pattern, granted in policy.grants().items():
            for user, actions in granted.items():
                for action in actions:
                    self._emit(ev.AccessGranted, user=user, pattern=pattern, action=action)

    @property
    def name(self) -> str:
        """The registry's domain as it appears in image references (``docker.io``, ``localhost:5000``)."""
        return self._name

    @property
    def title(self) -> str:
        """A human name for the registry (``"Docker Hub"``); its :attr:`name` unless one was given."""
        return self._title

    @property
    def max_manifest_size(self) -> int:
        """Largest manifest accepted, in bytes."""
        return self._max_manifest_size

    @property
    def access(self) -> AccessPolicy:
        """The registry's :class:`~regsim.registry.access.AccessPolicy`: read it (``mode``,
        ``users``, ``grants()``, ``allowed``); change it with :meth:`add_user`, :meth:`grant`,
        :meth:`revoke` or :meth:`reset_access`, which record events."""
        return self._parts.access

    def reset_access(self, policy: "str | AccessPolicy") -> None:
        """Serve with another access policy from now on: its mode, users and grants replace the
        current ones (``AccessReset``, then ``UserAdded``/``AccessGranted``); tokens stay valid
        (the signing key is the registry's)."""
        given = policy if isinstance(policy, AccessPolicy) else AccessPolicy(policy)
        self._emit(ev.AccessReset, access=given.mode, default_visibility=given.default_visibility)
        self._take_users(given)

    # -- constructors for the two registries of the course -------------------------------------

    @classmethod
    def open(cls, path: Any, name: str = "localhost:5000", **kwargs: Any) -> "Registry":
        """A registry kept in directory ``path``, in the reference registry's on-disk layout
        (``docker/registry/v2/...``, as distribution's filesystem driver writes it).

        Blobs, links, manifests, tags and upload sessions are written as they change (atomic
        writes), and read back by the next ``open``; a store written by ``docker-registry``
        opens too. See :mod:`regsim.registry.filesystem`.
        """
        if not _DISK_STORES:
            raise InvalidArgument("no store on disk is registered: import regsim.registry (which registers "
                                  "regsim.registry.filesystem) rather than regsim.registry.registry alone")
        opened: Registry = _DISK_STORES[-1](cls, path, name, **kwargs)
        return opened

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
        registry = cls(name, access=AccessPolicy("htpasswd" if users else "open"), **kwargs)
        for user, password in (users or {}).items():
            registry.add_user(user, password)
        return registry

    # -- users and access -----------------------------------------------------------------------

    def add_user(self, user: str, password: str) -> None:
        """Create an account (on a ``namespaces`` registry the user owns namespace ``user/``)."""
        self._emit(ev.UserAdded, user=user, password_hash=self.access.new_user_hash(user, password))

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
        self.access.check_grant(user, pattern, action)
        self._emit(ev.AccessGranted, user=user, pattern=pattern, action=action)

    def revoke(self, user: str, pattern: str) -> None:
        """Take back every right :meth:`grant` gave ``user`` on ``pattern``."""
        self._emit(ev.AccessRevoked, user=user, pattern=pattern)

    def create_repository(self, name: str, *, private: bool | None = None,
                          auth: Token | None = None) -> Repository:
        """Create an empty repository (Docker Hub's "Create repository"); needs push rights."""
        validate_repository(name)
        repo = self._repos.get(name)
        user = self.access.user_of(self.name, auth)
        self.access.check(self.name, user, name, PUSH, repo.visibility if repo else None)
        wanted = None if private is None else (PRIVATE if private else PUBLIC)
        if repo is not None:
            if wanted is not None and wanted != repo.visibility:
                raise InvalidArgument(f"repository {name!r} already exists and is {repo.visibility}; "
                                 f"use set_visibility({name!r}, {wanted!r}) to change it")
            return repo
        return self._writable(name, wanted)

    def set_visibility(self, name: str, visibility: str, *, auth: Token | None = None) -> None:
        """Make a repository ``public`` or ``private``."""
        if visibility not in (PUBLIC, PRIVATE):
            raise InvalidArgument(f"visibility must be 'public' or 'private', got {visibility!r}")
        repo = self._existing(name, auth, DELETE)
        self._emit(ev.RepositoryChanged, repository=name, visibility=visibility,
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
            raise InvalidArgument(f"stars must be a non-negative integer, got {stars!r}")
        repo = self._existing(name, auth, PUSH)
        self._emit(ev.RepositoryChanged, repository=name, visibility=repo.visibility,
                   description=str(description), stars=repo.stars if stars is None else stars)

    def can(self, repository: str, action: str = PULL, *, auth: Token | None = None) -> bool:
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
        """All repositories by name (read-only), iterated in name order; ``in`` is a dict lookup."""
        return self._repos.view()

    def repository(self, name: str) -> Repository:
        """The repository ``name`` (no access check, no event); :class:`~regsim.errors.NameUnknown` if
        the registry has none of that name.

        >>> reg = Registry("localhost:5000")
        >>> _ = reg.push_blob("team/app", b"hello")
        >>> reg.repository("team/app")
        Repository('team/app', public, tags=0, manifests=0, blobs=1)
        """
        repo = self._repos.get(name)
        if repo is None:
            raise NameUnknown(f"repository name not known to registry: {name!r}", detail=name)
        return repo

    @property
    def blobs(self) -> Mapping[Digest, Content]:
        """The global blob store (read-only): every stored blob once, manifests included."""
        return self._blobs.view()

    @property
    def uploads(self) -> Mapping[str, UploadSession]:
        """The unfinished blob uploads by session id (read-only): what a ``POST /v2/<name>/blobs/uploads/``
        started and no ``PUT`` has finished or ``DELETE`` cancelled yet.
        """
        return self._uploads.view()

    def resolve(self, repository: str, reference: str) -> StoredManifest:
        """The manifest a tag or digest names (no access check, no event)."""
        return self._find_manifest(self.repository(repository), repository, reference)

    # -- blobs ----------------------------------------------------------------------------------

    def stat_blob(self, repository: str, digest: str, *, auth: Token | None = None) -> Content | None:
        """``HEAD /v2/<name>/blobs/<digest>``: the blob if linked here, else None."""
        digest = Digest(digest)
        validate_repository(repository)
        self._check(auth, repository, PULL)
        repo = self._repos.get(repository)
        found = self._blobs.get(digest) if repo is not None and repo.has_blob(digest) else None
        self._emit(ev.BlobChecked, repository=repository, digest=digest, exists=found is not None)
        return found

    def get_blob(self, repository: str, digest: str, *, auth: Token | None = None) -> Content:
        """``GET /v2/<name>/blobs/<digest>``: the blob, or ``BLOB_UNKNOWN``."""
        digest = Digest(digest)
        validate_repository(repository)
        self._check(auth, repository, PULL)
        repo = self._repos.get(repository)
        blob = self._blobs.get(digest) if repo is not None and repo.has_blob(digest) else None
        if blob is None:
            raise BlobUnknown(f"blob unknown to registry: {digest} in {repository}", detail=str(digest))
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
        self._link_blob(self._writable(repository), blob)
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
        blob = self._blobs.get(digest) if source is not None and source.has_blob(digest) else None
        if blob is None:
            raise BlobUnknown(f"blob unknown to registry: {digest} is not in {from_repository}",
                              detail=str(digest))
        self._writable(repository)
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
        if not repo.has_blob(digest):
            raise BlobUnknown(f"blob unknown to registry: {digest} in {repository}", detail=str(digest))
        user = repo.referencing(digest)
        if user is not None:
            raise Denied(f"blob {digest} is still referenced by manifest {user.digest} in "
                         f"{repository}: delete the manifest first", detail=str(digest))
        self._emit(ev.BlobDeleted, repository=repository, digest=digest)

    # -- chunked uploads --------------------------------------------------------------------------

    def start_upload(self, repository: str, *, auth: Token | None = None) -> UploadSession:
        """``POST /v2/<name>/blobs/uploads/``: open an upload session."""
        validate_repository(repository)
        self._check(auth, repository, PUSH)
        # 128 bits from secrets, shaped as a UUID (the spec's Location carries one): unguessable,
        # and never repeated by a restarted server.
        upload_id = str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
        self._emit(ev.UploadStarted, repository=repository, upload_id=upload_id)
        return self._open_session(upload_id)

    def upload_chunk(self, upload_id: str, data: "bytes | Chunk", *, start: int | None = None,
                     auth: Token | None = None) -> int:
        """``PATCH``: append a chunk; ``start`` must equal the bytes received so far (else 416).

        ``data`` is bytes, or a :class:`~regsim.registry.uploads.Chunk` (``size`` and
        ``pieces()``: a request body a server staged, read back piece by piece so no whole copy
        is ever made). Returns the new offset.
        """
        session = self._session(upload_id, auth)
        if start is not None and start != session.size:
            raise RangeInvalid(
                f"chunk starts at byte {start} but upload {upload_id} has {session.size} bytes: "
                f"the next chunk must start at {session.size}",
                detail={"start": start, "offset": session.size},
            )
        self._append_chunk(session, data, "upload chunk")
        return session.size

    def _append_chunk(self, session: UploadSession, data: "bytes | Chunk", what: str) -> None:
        """Commit an ``UploadProgressed`` event for one chunk of ``session`` (the chunk is handed
        to the apply function as its source: a staged file is taken, not copied)."""
        kept: bytes | tuple[bytes, ...] | None
        if not (hasattr(data, "pieces") and hasattr(data, "size")):
            data = kept = as_bytes(data, what)
            size = len(data)
        elif getattr(data, "path", None) is not None:
            kept = None  # a file on disk: the upload takes it (renamed) or it is discarded after
            size = data.size
        else:
            # the staged body's pieces are bytes (immutable): keep the references, not the body,
            # which the server discards once the request is done
            kept = tuple(bytes(piece) if not isinstance(piece, bytes) else piece for piece in data.pieces())
            size = sum(map(len, kept))
        self._commit(self._event(ev.UploadProgressed, repository=session.repository, upload_id=session.id,
                                 offset=session.size, size=size, data=kept), source=data)

    def upload_status(self, upload_id: str, *, auth: Token | None = None) -> int:
        """``GET`` on an upload: the number of bytes received (``Range: 0-<offset-1>``)."""
        return self._session(upload_id, auth).size

    def finish_upload(self, upload_id: str, digest: str, data: "bytes | Chunk" = b"", *,
                      start: int | None = None, auth: Token | None = None) -> Content:
        """``PUT ?digest=``: optionally append a last chunk, verify the whole blob, store it."""
        expected = Digest(digest)
        pieces, size = pieces_of(data, "last upload chunk")
        session = self._session(upload_id, auth)
        if start is not None and size and start != session.size:
            raise RangeInvalid(
                f"last chunk starts at byte {start} but upload {upload_id} has {session.size} bytes",
                detail={"start": start, "offset": session.size},
            )
        actual = session.digest(expected.algorithm, tail=pieces(), tail_sha256=getattr(data, "sha256", None))
        if actual != expected:
            raise DigestInvalid(
                f"provided digest did not match uploaded content: expected {expected}, "
                f"received {session.size + size} bytes hashing to {actual}",
                detail=str(expected),
            )
        if size:  # the last chunk arrived with the PUT: an event like any chunk
            self._append_chunk(session, data, "last upload chunk")
        blob = session.content(expected)
        self._link_blob(self._writable(session.repository), blob, upload_id)
        return blob

    def resume_upload(self, upload_id: str, repository: str, spool: Spool, size: int, sha256: Any,
                      started_at: float | None = None) -> UploadSession:
        """Take back an upload session whose bytes a spool kept (a persistent registry reopening).

        Its ``UploadStarted`` event carries no bytes: replaying the log of a reopened registry
        starts such a session empty.
        """
        validate_repository(repository)
        self._emit(ev.UploadStarted, repository=repository, upload_id=upload_id,
                   resumed=(spool, size, sha256, started_at))
        return self._open_session(upload_id)

    def expire_upload(self, upload_id: str) -> None:
        """Drop an abandoned upload session and its bytes (a server's upload purging; no access check)."""
        session = self._uploads.get(upload_id)
        if session is None:
            raise BlobUploadUnknown(f"blob upload unknown to registry: {upload_id!r}", detail=str(upload_id))
        self._emit(ev.UploadCancelled, repository=session.repository, upload_id=upload_id)

    def cancel_upload(self, upload_id: str, *, auth: Token | None = None) -> None:
        """``DELETE`` on an upload: drop the session and its bytes."""
        session = self._session(upload_id, auth)
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
        stored = self._prepare_manifest(manifest, media_type, by_digest)
        self._verify_references(repository, self._repos.get(repository), stored.parsed)
        repo = self._writable(repository)
        self._commit_manifest(repo, stored, [tag] if tag is not None else [], tag)
        return stored.digest

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
        stored = self._prepare_manifest(manifest, media_type, None)
        repo = self._repos.get(repository)
        new: dict[Digest, Content] = {}
        for blob in blobs:
            if not isinstance(blob, (Blob, Placeholder)):
                raise InvalidArgument(f"push_image needs Blob or Placeholder objects, got {type(blob).__name__}")
            if repo is None or not repo.has_blob(blob.digest):
                new[blob.digest] = blob
        self._verify_references(repository, repo, stored.parsed, extra=new)
        if not self._blobs.keeps_placeholders:
            for blob in new.values():
                self._storable(blob)
        repo = self._writable(repository)
        self._link_blobs(repo, new.values())
        self._commit_manifest(repo, stored, tag_list, None)
        return stored.digest

    def get_manifest(self, repository: str, reference: str, *, auth: Token | None = None) -> StoredManifest:
        """``GET /v2/<name>/manifests/<tag|digest>``: the stored manifest (exact bytes)."""
        repo, stored = self._lookup_manifest(repository, reference, auth)
        self._emit(ev.ManifestFetched, repository=repository, reference=reference, digest=stored.digest,
                   media_type=stored.media_type, size=stored.size)
        return stored

    def stat_manifest(self, repository: str, reference: str, *,
                      auth: Token | None = None) -> StoredManifest | None:
        """``HEAD /v2/<name>/manifests/<tag|digest>``: the manifest, or None when unknown."""
        try:
            stored: StoredManifest | None = self._lookup_manifest(repository, reference, auth)[1]
        except (ManifestUnknown, NameUnknown):
            stored = None
        self._emit(ev.ManifestChecked, repository=repository, reference=reference,
                   digest=stored.digest if stored else None)
        return stored

    def tag(self, repository: str, tag: str, digest: str, *, auth: Token | None = None) -> None:
        """Point ``tag`` at a manifest already in the repository (like ``PUT`` of the same bytes,
        but keeping the manifest's digest: one pushed as ``sha512:…`` stays ``sha512:…``)."""
        stored = self._lookup_manifest(repository, str(Digest(digest)), auth, action=PUSH)[1]
        name = validate_tag(tag)
        self._commit_manifest(self._writable(repository), stored, [name], name)

    def delete_tag(self, repository: str, tag: str, *, auth: Token | None = None) -> Digest:
        """``DELETE /v2/<name>/manifests/<tag>``: remove the tag; the manifest stays."""
        validate_tag(tag)
        repo = self._existing(repository, auth, DELETE)
        digest = repo.target(tag)
        if digest is None:
            raise ManifestUnknown(f"manifest unknown: tag {tag!r} not in {repository}", detail=tag)
        self._emit(ev.TagDeleted, repository=repository, tag=tag, digest=digest)
        return digest

    def delete_manifest(self, repository: str, digest: str, *, auth: Token | None = None) -> tuple[str, ...]:
        """``DELETE /v2/<name>/manifests/<digest>``: remove the manifest and every tag on it.

        Refused (``DENIED``) while an index in the repository lists it. Returns the removed tags.
        """
        digest = Digest(digest)
        repo = self._existing(repository, auth, DELETE)
        if digest not in repo.manifests:
            raise ManifestUnknown(f"manifest unknown: {digest} not in {repository}", detail=str(digest))
        index = repo.referencing(digest, indexes_only=True)
        if index is not None:
            raise Denied(f"manifest {digest} is listed by index {index.digest} in {repository}: "
                         "delete the index first", detail=str(digest))
        tags = tuple(repo.tags_of(digest))
        self._emit(ev.ManifestDeleted, repository=repository, digest=digest, tags=tags)
        return tags

    def tags(self, repository: str, *, n: int | None = None, last: str | None = None,
             auth: Token | None = None) -> Mapping[str, Digest]:
        """``GET /v2/<name>/tags/list?n=&last=``: ``tag -> manifest digest`` (read-only), in the
        listing's case-insensitive lexical order, as :attr:`Repository.tags
        <regsim.registry.Repository.tags>` and :attr:`Host.tags <regsim.client.host.Host.tags>` map them.

        Paged like the endpoint: ``last`` is exclusive, ``n`` the most tags; ``n=0`` gives an empty
        mapping. Iterating, ``len`` and ``in`` see the tags (``list(registry.tags(repo))`` is the
        endpoint's list).
        """
        repo = self._existing(repository, auth, PULL)
        tags = repo.tags
        return MappingProxyType({tag: tags[tag] for tag in _paginate(tuple(tags), n, last, key=tag_key)})

    def catalog(self, *, n: int | None = None, last: str | None = None,
                auth: Token | None = None) -> list[str]:
        """``GET /v2/_catalog``: repositories this caller may pull, sorted."""
        user = self.access.user_of(self.name, auth)
        names = [repo.name for repo in self._repos.values()
                 if self.access.allowed(user, repo.name, PULL, repo.visibility)]
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
        for stored in repo.referrers(digest) if repo else ():
            kind = stored.parsed.effective_artifact_type
            if artifact_type is not None and kind != artifact_type:
                continue
            found.append(Descriptor(stored.media_type, stored.digest, stored.size,
                                    annotations=stored.parsed.annotations, artifact_type=kind))
        return Index(manifests=tuple(found), media_type=OCI_INDEX)

    # -- storage and garbage collection -----------------------------------------------------------

    def storage(self) -> StorageReport:
        """Logical vs physical bytes: the deduplication the content-addressed store achieves."""
        return storage_report(self._blobs, self._repos)

    def reachable(self, *, delete_untagged: bool = False,
                  keep: Iterable[Any] = ()) -> tuple[set[Digest], list[tuple[str, Digest]]]:
        """The mark phase (see :func:`regsim.registry.gc.mark`): digests gc keeps, and the
        manifests it would delete (manifests in ``keep`` are roots too)."""
        return mark(self._repos, delete_untagged=delete_untagged, keep=map(Digest, keep))

    def garbage_collect(self, *, delete_untagged: bool = False, dry_run: bool = False,
                        keep: Iterable[Any] = ()) -> GCReport:
        """Mark and sweep, like ``registry garbage-collect [--delete-untagged] [--dry-run]``.

        Deletes unreachable manifests (with ``delete_untagged``), then every blob nothing
        reachable references, and the repository links to those blobs. Digests in ``keep``
        (and in :attr:`gc_keep`) are kept too, reachable or not (a manifest in ``keep`` with
        what it references).
        """
        keep = {*self.gc_keep, *map(Digest, keep)}
        marked, doomed = self.reachable(delete_untagged=delete_untagged, keep=keep)
        content = self._blobs.view()
        marked |= {d for d in keep if d in content}
        swept = tuple(sorted(self._blobs.view().keys() - marked))
        freed = sum(self._blobs.size_of(d) for d in swept)
        report = GCReport(marked=len(marked), swept=swept, deleted_manifests=tuple(doomed),
                          bytes_freed=freed, dry_run=dry_run, delete_untagged=delete_untagged)
        self._emit(ev.GarbageCollected, swept=swept, deleted_manifests=tuple(doomed), bytes_freed=freed,
                   marked=len(marked), dry_run=dry_run, delete_untagged=delete_untagged)
        return report

    # -- the whole state ----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """A plain, comparable picture of the whole state (for before/after checks)."""
        return {
            "name": self.name,
            "title": self.title,
            "max_manifest_size": self.max_manifest_size,
            "blobs": {d: (b.size, b.is_placeholder) for d, b in sorted(self._blobs.view().items())},
            "repositories": {repo.name: repo.snapshot() for repo in self._repos.values()},
            "uploads": {u: (s.repository, s.size, str(s.digest())) for u, s in sorted(self._uploads.view().items())},
            "access": self.access.snapshot(),
        }

    @classmethod
    def replay(cls, events: Iterable[ev.Event], *, name: str | None = None, **stores: Any) -> "Registry":
        """Rebuild a registry from its events: ``Registry.replay(reg.events).snapshot() == reg.snapshot()``.

        ``events`` may hold other registries' and hosts' events (a world's log); only those of
        ``name`` count (by default the registry of the first :class:`~regsim.events.RegistryCreated`).
        ``stores`` are passed to the constructor (``blobs=``, ``repositories=``, ``spools=``).
        The rebuilt registry records the same events again into a new log. A log written with
        ``recording=False`` lacks the events, so nothing can be rebuilt from it.
        """
        if getattr(events, "maxlen", None) is not None:
            raise InvalidArgument("a ring (EventLog(maxlen=...)) keeps events without their payloads (blob bytes, "
                                  "manifests) and forgets the oldest: nothing can be rebuilt from it")
        registry: Registry | None = None
        for event in events:
            if not isinstance(event, ev.RegistryEvent):
                continue
            if registry is None:
                if isinstance(event, ev.RegistryCreated) and (name is None or event.registry == name):
                    registry = cls(event.registry, access=AccessPolicy(event.access,
                                                                      default_visibility=event.default_visibility),
                                   title=event.title, max_manifest_size=event.max_manifest_size, **stores)
                continue
            if event.registry == registry.name:
                registry.redo(event)
        if registry is None:
            raise InvalidArgument(f"no RegistryCreated event{f' for {name!r}' if name else ''} in the events: "
                             "nothing to replay (was the log recording?)")
        return registry

    def __repr__(self) -> str:
        return (f"Registry({self.name!r}, repositories={len(self._repos)}, blobs={len(self._blobs)}, "
                f"access={self.access.mode!r})")

    def _repr_html_(self) -> str:
        blobs = self._blobs.view()
        rows = []
        for name, repo in self.repositories.items():
            size = sum(blobs[d].size for d in repo.blobs if d in blobs)
            rows.append([name, repo.visibility, some(list(repo.tags)), len(repo.manifests), len(repo.blobs),
                         human_size(size)])
        report = self.storage()
        caption = (f"Registry {self.name} ({self.title}, access: {self.access.mode}) — "
                   f"{plural(report.repositories, 'repository')}, {plural(report.blobs, 'blob')}, "
                   f"{human_size(report.physical_bytes)} stored, dedup {report.dedup_ratio:.2f}x")
        return table(rows, header=["repository", "visibility", "tags", "manifests", "blobs", "blob bytes"], caption=caption)

    # -- checks -------------------------------------------------------------------------------------

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
        return self.repository(repository)

    def _session(self, upload_id: str, auth: Token | None) -> UploadSession:
        session = self._uploads.get(upload_id)
        if session is None:
            raise BlobUploadUnknown(f"blob upload unknown to registry: {upload_id!r}", detail=str(upload_id))
        self._check(auth, session.repository, PUSH)
        return session

    @staticmethod
    def _split_reference(reference: str) -> tuple[str | None, Digest | None]:
        if isinstance(reference, str) and ":" in reference:
            return None, Digest(reference)
        return validate_tag(reference), None

    def _find_manifest(self, repo: Repository, repository: str, reference: str) -> StoredManifest:
        tag, digest = self._split_reference(reference)
        if tag is not None:
            digest = repo.target(tag)
        stored = repo.manifests.get(digest) if digest is not None else None
        if stored is None:
            raise ManifestUnknown(f"manifest unknown: {repository}:{reference}" if tag else
                                  f"manifest unknown: {repository}@{reference}", detail=reference)
        return stored

    def _lookup_manifest(self, repository: str, reference: str, auth: Token | None,
                         action: str = PULL) -> tuple[Repository, StoredManifest]:
        validate_repository(repository)
        self._split_reference(reference)  # a bad reference is refused before the access check
        self._check(auth, repository, action)
        repo = self.repository(repository)
        return repo, self._find_manifest(repo, repository, reference)

    def _prepare_manifest(self, manifest: "Manifest | Index | bytes", media_type: str | None,
                          by_digest: Digest | None) -> StoredManifest:
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
        if by_digest is None or by_digest.algorithm == "sha256":
            digest = parsed.digest  # of parsed.to_bytes(), which is ``data``: one digest per manifest
        else:
            digest = Digest.of(data, by_digest.algorithm)
        if by_digest is not None and digest != by_digest:
            raise DigestInvalid(f"manifest digest {digest} does not match reference {by_digest}",
                                detail=str(by_digest))
        return StoredManifest(digest, parsed.media_type, data, parsed)

    def _verify_references(self, repository: str, repo: Repository | None, parsed: Manifest | Index,
                           extra: Mapping[Digest, Content] | None = None) -> None:
        extra = extra or {}
        if isinstance(parsed, Manifest):
            for desc in parsed.references():
                if desc.urls and desc.media_type in FOREIGN_LAYER_TYPES:
                    continue  # foreign layers live at their URLs
                stored = extra.get(desc.digest)
                if stored is None and repo is not None and repo.has_blob(desc.digest):
                    stored = self._blobs.get(desc.digest)
                if stored is None and self.sparse:
                    continue
                if stored is None:
                    raise ManifestBlobUnknown(
                        f"manifest references blob {desc.digest} ({desc.media_type}) that is not in "
                        f"{repository}: push it first", detail=str(desc.digest))
                if stored.size != desc.size:
                    raise ManifestInvalid(
                        f"descriptor of {desc.digest} says {desc.size} bytes but the blob has {stored.size}",
                        detail=str(desc.digest))
        else:
            manifests = repo.manifests if repo is not None else {}
            for desc in parsed.references():
                if desc.digest not in manifests and self.sparse:
                    continue
                if desc.digest not in manifests:
                    raise ManifestBlobUnknown(
                        f"index references manifest {desc.digest} that is not in {repository}: "
                        "push it first", detail=str(desc.digest))
                if manifests[desc.digest].size != desc.size:
                    raise ManifestInvalid(
                        f"index entry {desc.digest} says {desc.size} bytes but the manifest has "
                        f"{manifests[desc.digest].size}", detail=str(desc.digest))

    # -- the one write path: commands and replay both commit events through the apply table ------------

    def add_sink(self, sink: Sink) -> Callable[[], None]:
        """Add a **durable sink**: ``sink(event)`` is called with every event of this registry
        *before* it is applied to memory (a store's on-disk journal plugs in here).

        If a sink raises (``OSError``: disk full, read-only, I/O error), the change is not applied,
        not logged, and the error propagates to the command: memory stays as the disk is. Sinks run
        in the order they were added. Returns a function that removes the sink.
        """
        self._sinks.append(sink)

        def remove() -> None:
            if sink in self._sinks:
                self._sinks.remove(sink)

        return remove

    def _commit(self, event: ev.RegistryEvent, source: Any = None) -> None:
        """Make ``event`` true: (a) hand it to the durable sinks (:meth:`add_sink`; one that raises
        stops everything), (b) apply it to memory through :data:`regsim.registry.apply.APPLY`,
        (c) append it to the log (when recording), whose subscribers see it.

        ``source`` is what a live command hands over that the event does not keep (a chunk staged
        in a file); replay passes None.
        """
        if self._sinks:
            for sink in self._sinks:
                sink(event)
        APPLY[type(event)](self._parts, event, source)
        events = self.events
        if events.recording:
            events.append(event)

    def _event(self, kind: type[_E], **fields: Any) -> _E:
        return kind(registry=self.name, seq=self.events.mark(), **fields)

    def _emit(self, kind: type[ev.RegistryEvent], **fields: Any) -> None:
        self._commit(kind(registry=self.name, seq=self.events.mark(), **fields))

    def _open_session(self, upload_id: str) -> UploadSession:
        session = self._uploads.get(upload_id)
        assert session is not None  # the UploadStarted just applied added it
        return session

    def _writable(self, name: str, visibility: str | None = None) -> Repository:
        """The repository, created (with its event) on first write."""
        repo = self._repos.get(name)
        if repo is None:
            self._emit(ev.RepositoryCreated, repository=name,
                       visibility=visibility or self.access.default_visibility)
            repo = self._repos.get(name)
            assert repo is not None
        return repo

    def _storable(self, blob: Content) -> None:
        """Refuse, before any change, a placeholder a persistent blob store cannot keep."""
        if blob.is_placeholder and not self._blobs.keeps_placeholders and blob.digest not in self._blobs:
            raise PlaceholderContent(f"blob {blob.digest} is a placeholder: a registry on disk stores real bytes only",
                                     detail=str(blob.digest))

    def _link_blob(self, repo: Repository, blob: Content, upload_id: str | None = None) -> None:
        self._emit(ev.BlobUploaded, repository=repo.name, digest=blob.digest, size=blob.size,
                   deduplicated=blob.digest in self._blobs, placeholder=blob.is_placeholder, content=blob,
                   upload_id=upload_id)

    def _link_blobs(self, repo: Repository, blobs: Iterable[Content]) -> None:
        """:meth:`_link_blob` for the blobs of a whole image, lookups hoisted out of the loop
        (a Docker-Hub-scale catalogue links millions)."""
        commit, mark, stored = self._commit, self.events.mark, self._blobs.__contains__
        uploaded, registry, repository = ev.BlobUploaded, self.name, repo.name
        for blob in blobs:
            digest = blob.digest
            commit(uploaded(registry=registry, seq=mark(), repository=repository, digest=digest, size=blob.size,
                            deduplicated=stored(digest), placeholder=blob.is_placeholder, content=blob,
                            upload_id=None))

    def _commit_manifest(self, repo: Repository, stored: StoredManifest, tags: list[str],
                         pushed_as: str | None) -> None:
        digest = stored.digest
        self._emit(ev.ManifestPushed, repository=repo.name, digest=digest, media_type=stored.media_type,
                   size=stored.size, tag=pushed_as, manifest=stored)
        for tag in tags:
            previous = repo.target(tag)
            self._emit(ev.TagUpdated, repository=repo.name, tag=tag, digest=digest, previous=previous)

    def redo(self, e: ev.RegistryEvent) -> None:
        """Commit one recorded event of this registry again, without checks (what :meth:`replay`
        does per event): the same apply function the command used, the same event recorded.

        A session a store resumed (``UploadStarted`` with ``resumed``) starts empty, with this
        registry's own spool: its bytes belong to the store it was resumed from.
        """
        if isinstance(e, ev.UploadStarted) and e.resumed is not None:
            e = dataclasses.replace(e, resumed=None)
        mark = self.events.mark()
        self._commit(e if e.seq == mark else dataclasses.replace(e, seq=mark))
