"""The one write path of a registry: a table from event type to the function that applies it.

A registry command (:class:`~regsim.registry.Registry`'s methods) checks access and input, builds
its event(s), and commits each through :meth:`Registry._commit
<regsim.registry.Registry._commit>`:

1. the event goes to the registry's **durable sinks** first (:meth:`Registry.add_sink
   <regsim.registry.Registry.add_sink>`: the journal of a store on disk). A sink that raises
   (``OSError``: disk full, read-only, I/O error) stops the commit: nothing is applied, nothing
   is logged, and the error propagates;
2. :data:`APPLY` ``[type(event)](parts, event, source)`` changes the parts in memory;
3. the event is appended to the log, whose subscribers (widgets, a server's console) see it.

:meth:`Registry.replay <regsim.registry.Registry.replay>` commits the recorded events through the
same table, so a live registry and its replay cannot disagree. Reads (``BlobChecked``,
``BlobFetched``, ``ManifestChecked``, ``UserLoggedIn``) change nothing; a ``ManifestFetched`` by
tag counts a pull. Every registry event type has an entry (a test checks it against
:func:`regsim.events.event_types`).

An apply function trusts its event: the command checked everything before building it. It only
refuses (``InvalidArgument``, before any change) an event whose payload is missing, as in a ring
(``EventLog(maxlen=...)``) that dropped payloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from .. import events as ev
from ..errors import InvalidArgument
from ..oci.blob import Blob
from .access import AccessPolicy
from .blobs import BlobStore
from .repository import Repository, RepositoryStore
from .uploads import Spool, UploadSession, Uploads

__all__ = ["Parts", "APPLY"]


@dataclass(slots=True)
class Parts:
    """What a registry's events change: its blob store, repositories, upload sessions and access
    policy, and the factory of upload spools."""

    blobs: BlobStore
    repos: RepositoryStore
    uploads: Uploads
    access: AccessPolicy
    spools: Callable[[str, str], Spool]

    def repository(self, name: str) -> Repository:
        repo = self.repos.get(name)
        if repo is None:  # a command never builds such an event; a hand-made log might
            raise InvalidArgument(f"event for repository {name!r}, which no RepositoryCreated event made")
        return repo


Apply = Callable[[Parts, Any, Any], None]
#: Event type -> the function that applies it: ``(parts, event, source) -> None``. ``source`` is what
#: a live command hands over that the event does not keep (a request body staged in a file, which
#: an upload takes); replay passes None.
APPLY: dict[type[ev.RegistryEvent], Apply] = {}

E = TypeVar("E", bound=ev.RegistryEvent)


def applies(*kinds: type[E]) -> Callable[[Callable[[Parts, E, Any], None]], Callable[[Parts, E, Any], None]]:
    def register(fn: Callable[[Parts, E, Any], None]) -> Callable[[Parts, E, Any], None]:
        for kind in kinds:
            APPLY[kind] = fn
        return fn
    return register


def _missing(e: ev.Event, what: str) -> InvalidArgument:
    return InvalidArgument(f"event #{e.seq} {e.kind} carries no {what} (taken out of a ring, "
                           "EventLog(maxlen=...)?): it cannot be replayed")


@applies(ev.RegistryCreated, ev.BlobChecked, ev.BlobFetched, ev.ManifestChecked, ev.UserLoggedIn)
def _nothing(parts: Parts, e: ev.RegistryEvent, source: Any) -> None:
    """Reads change nothing (``RegistryCreated``'s settings are the constructor's arguments)."""


@applies(ev.UserAdded)
def _user_added(parts: Parts, e: ev.UserAdded, source: Any) -> None:
    if not e.password_hash:
        raise _missing(e, "password hash")
    parts.access._add_user(e.user, e.password_hash)


@applies(ev.AccessGranted)
def _access_granted(parts: Parts, e: ev.AccessGranted, source: Any) -> None:
    parts.access._grant(e.user, e.pattern, e.action)


@applies(ev.AccessRevoked)
def _access_revoked(parts: Parts, e: ev.AccessRevoked, source: Any) -> None:
    parts.access._revoke(e.user, e.pattern)


@applies(ev.AccessReset)
def _access_reset(parts: Parts, e: ev.AccessReset, source: Any) -> None:
    parts.access = parts.access._reset(e.access, e.default_visibility)


@applies(ev.RepositoryCreated)
def _repository_created(parts: Parts, e: ev.RepositoryCreated, source: Any) -> None:
    parts.repos.create(e.repository, e.visibility)


@applies(ev.RepositoryChanged)
def _repository_changed(parts: Parts, e: ev.RepositoryChanged, source: Any) -> None:
    parts.repository(e.repository)._configure(visibility=e.visibility, description=e.description, stars=e.stars)


@applies(ev.UploadStarted)
def _upload_started(parts: Parts, e: ev.UploadStarted, source: Any) -> None:
    resumed = e.resumed
    if resumed is not None:  # a store reopening: the session its spool kept
        spool, size, sha256, started_at = resumed
        parts.uploads.add(UploadSession(e.upload_id, e.repository, spool, size=size, sha256=sha256,
                                        started_at=started_at))
    else:
        parts.uploads.add(UploadSession(e.upload_id, e.repository, parts.spools(e.upload_id, e.repository)))


@applies(ev.UploadProgressed)
def _upload_progressed(parts: Parts, e: ev.UploadProgressed, source: Any) -> None:
    session = parts.uploads.get(e.upload_id)
    if session is None:
        raise InvalidArgument(f"event #{e.seq} UploadProgressed of upload {e.upload_id}, which no "
                              "UploadStarted event opened")
    if source is not None:  # the live chunk (a staged file is taken, not copied)
        session._append(source)
        return
    if e.data is None:
        raise InvalidArgument(
            f"event #{e.seq} UploadProgressed of upload {e.upload_id}: its chunk was a file on disk, "
            "not kept in the event: a registry on disk is rebuilt from its directory "
            "(Registry.open(DIR)), not replayed")
    if e.size and not e.data:
        raise _missing(e, f"of its {e.size} bytes")
    for piece in (e.data,) if isinstance(e.data, bytes) else e.data:
        if piece:
            session._append(piece)


@applies(ev.UploadCancelled)
def _upload_cancelled(parts: Parts, e: ev.UploadCancelled, source: Any) -> None:
    if parts.uploads.get(e.upload_id) is not None:
        parts.uploads.remove(e.upload_id)._discard()  # the session and its bytes


@applies(ev.BlobUploaded)
def _blob_uploaded(parts: Parts, e: ev.BlobUploaded, source: Any) -> None:
    if e.content is None:
        raise _missing(e, "blob")
    session = parts.uploads.remove(e.upload_id) if e.upload_id is not None and e.upload_id in parts.uploads.view() else None
    parts.blobs.put(e.content)
    if session is not None:
        session._discard()  # what the blob store did not take (its bytes were already there)
    parts.repository(e.repository)._link_blob(e.digest, e.size)


@applies(ev.BlobMounted)
def _blob_mounted(parts: Parts, e: ev.BlobMounted, source: Any) -> None:
    parts.repository(e.repository)._link_blob(e.digest, e.size)


@applies(ev.BlobDeleted)
def _blob_deleted(parts: Parts, e: ev.BlobDeleted, source: Any) -> None:
    parts.repository(e.repository)._unlink_blobs((e.digest,))


@applies(ev.ManifestPushed)
def _manifest_pushed(parts: Parts, e: ev.ManifestPushed, source: Any) -> None:
    stored = e.manifest
    if stored is None:
        raise _missing(e, "manifest")
    repo = parts.repository(e.repository)
    if stored.digest not in parts.blobs:
        parts.blobs.put(Blob._trusted(stored.data, stored.digest))
    repo._add_manifest(stored)


@applies(ev.TagUpdated)
def _tag_updated(parts: Parts, e: ev.TagUpdated, source: Any) -> None:
    parts.repository(e.repository)._set_tag(e.tag, e.digest)


@applies(ev.TagDeleted)
def _tag_deleted(parts: Parts, e: ev.TagDeleted, source: Any) -> None:
    parts.repository(e.repository)._remove_tag(e.tag)


@applies(ev.ManifestDeleted)
def _manifest_deleted(parts: Parts, e: ev.ManifestDeleted, source: Any) -> None:
    parts.repository(e.repository)._remove_manifest(e.digest)


@applies(ev.ManifestFetched)
def _manifest_fetched(parts: Parts, e: ev.ManifestFetched, source: Any) -> None:
    """A pull count is what the fetch events say: one per manifest read by tag."""
    if ":" not in e.reference:
        parts.repository(e.repository)._count_pull()


@applies(ev.GarbageCollected)
def _garbage_collected(parts: Parts, e: ev.GarbageCollected, source: Any) -> None:
    if e.dry_run:
        return
    for name, digest in e.deleted_manifests:
        parts.repository(name)._remove_manifest(digest)
    for digest in e.swept:
        parts.blobs.delete(digest)
    gone = set(e.swept)
    for repo in parts.repos.values():
        repo._unlink_blobs(gone)
