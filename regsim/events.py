"""Typed events and the append-only event log.

Everything a user does to a registry or a host appends events here: what moved where, how many
bytes, what was skipped. Pictures, animations, metrics and tests all read the same log; nothing
reads the model's insides.

Events are frozen dataclasses with keyword-only fields. The log gives each a sequence number
(``seq``) as it is appended; ties are impossible, so the order is deterministic. A registry's
events carry what is needed to redo them (:meth:`Registry.replay <regsim.registry.Registry.replay>`):
the bytes of a blob or manifest travel *by reference* in a payload field, which ``repr`` and
:meth:`Event.to_dict` leave out.

>>> log = EventLog()
>>> e = log.append(TagUpdated(registry="docker.io", repository="library/alpine",
...                           tag="latest", digest="sha256:" + "a" * 64, previous=None))
>>> e.seq, e.kind
(0, 'TagUpdated')
>>> e.describe()
'docker.io: tag library/alpine:latest -> sha256:aaaaaaaa…'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable, Iterator, Sequence, TypeVar, overload

from .oci.digest import Digest
from .units import plural
from .errors import InvalidArgument

__all__ = [
    "Event",
    "EventLog",
    "RegistryEvent",
    "HostEvent",
    "HostCreated",
    "HostLoggedIn",
    "HostLoggedOut",
    "RegistryCreated",
    "UserAdded",
    "AccessGranted",
    "AccessRevoked",
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
    "BuildStep",
    "ImageBuilt",
    "ImageTagged",
    "ImageUntagged",
    "ImageDeleted",
    "LayerDeleted",
    "PushStarted",
    "LayerPushed",
    "PushFinished",
    "PullStarted",
    "LayerPulled",
    "PullFinished",
    "EVENT_TYPES",
]

E = TypeVar("E", bound="Event")

#: Field metadata of payloads: what replay needs (bytes, parsed manifests), kept out of repr and records.
PAYLOAD = {"payload": True}


def _payload(default: Any = None) -> Any:
    return field(default=default, repr=False, compare=False, metadata=PAYLOAD)


def _short(d: str | None) -> str:
    if d is None:
        return "-"
    return Digest(d).short if ":" in d else d


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """Base of all events. ``seq`` is set by :class:`EventLog` when appended."""

    seq: int = field(default=-1, compare=False)

    @property
    def kind(self) -> str:
        return type(self).__name__

    @property
    def actor(self) -> str:
        """The registry or host that did this."""
        return str(getattr(self, "host", None) or getattr(self, "registry", ""))

    def to_dict(self) -> dict[str, Any]:
        """Flat, JSON-friendly fields plus ``kind`` (handy for a pandas DataFrame)."""
        out: dict[str, Any] = {"seq": self.seq, "kind": self.kind}
        for f in dataclasses.fields(self):
            if f.name == "seq" or f.metadata.get("payload"):
                continue
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def describe(self) -> str:
        """One human sentence (overridden per kind)."""
        return self.kind

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.name != "seq" and f.repr
        )
        return f"#{self.seq} {self.kind}({fields})"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class RegistryEvent(Event):
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
    user: str
    password_hash: str = _payload("")

    def describe(self) -> str:
        return f"{self.registry}: account {self.user} created"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class AccessGranted(RegistryEvent):
    user: str
    pattern: str
    action: str

    def describe(self) -> str:
        return f"{self.registry}: {self.user} may {self.action} {self.pattern}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class AccessRevoked(RegistryEvent):
    user: str
    pattern: str

    def describe(self) -> str:
        return f"{self.registry}: {self.user} may no longer use {self.pattern}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class RepositoryCreated(RegistryEvent):
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
    repository: str
    upload_id: str

    def describe(self) -> str:
        return f"{self.registry}: upload {self.upload_id[:8]} started in {self.repository}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class UploadProgressed(RegistryEvent):
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
    content: Any = _payload()
    upload_id: str | None = _payload()

    def describe(self) -> str:
        note = " (already stored: deduplicated)" if self.deduplicated else ""
        return f"{self.registry}: blob {_short(self.digest)} ({self.size} B) uploaded to {self.repository}{note}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class BlobMounted(RegistryEvent):
    repository: str
    digest: Digest
    size: int
    from_repository: str

    def describe(self) -> str:
        return f"{self.registry}: blob {_short(self.digest)} mounted into {self.repository} from {self.from_repository}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class BlobChecked(RegistryEvent):
    repository: str
    digest: Digest
    exists: bool

    def describe(self) -> str:
        return f"{self.registry}: HEAD blob {_short(self.digest)} in {self.repository}: {'found' if self.exists else 'unknown'}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class BlobFetched(RegistryEvent):
    repository: str
    digest: Digest
    size: int

    def describe(self) -> str:
        return f"{self.registry}: blob {_short(self.digest)} ({self.size} B) downloaded from {self.repository}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class BlobDeleted(RegistryEvent):
    repository: str
    digest: Digest

    def describe(self) -> str:
        return f"{self.registry}: blob {_short(self.digest)} unlinked from {self.repository} (bytes stay until gc)"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ManifestPushed(RegistryEvent):
    repository: str
    digest: Digest
    media_type: str
    size: int
    tag: str | None = None
    #: the :class:`~regsim.registry.repository.StoredManifest` (exact bytes and parse, by reference)
    manifest: Any = _payload()

    def describe(self) -> str:
        at = f":{self.tag}" if self.tag else f"@{_short(self.digest)}"
        return f"{self.registry}: manifest {_short(self.digest)} stored as {self.repository}{at}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ManifestFetched(RegistryEvent):
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
    user: str

    def describe(self) -> str:
        return f"{self.registry}: {self.user} logged in"


# -- hosts (the docker-like client engine) --------------------------------------------------------


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class HostEvent(Event):
    """A host's event. The event that ends an operation (built, pulled, pushed, tagged, the last
    one of an rmi, a login) carries in ``delta`` (a payload, by reference) what the operation changed
    in the host's state, so that :meth:`regsim.Host.redo` can apply it again."""

    host: str
    delta: Any = _payload()


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class HostCreated(HostEvent):
    """A host joined a world (the first event of a host that replay needs)."""

    platform: str
    quiet: bool = False

    def describe(self) -> str:
        return f"{self.host}: host started ({self.platform})"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class HostLoggedIn(HostEvent):
    registry: str
    user: str

    def describe(self) -> str:
        return f"{self.host}: logged in to {self.registry} as {self.user}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class HostLoggedOut(HostEvent):
    registry: str

    def describe(self) -> str:
        return f"{self.host}: logged out of {self.registry}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class BuildStep(HostEvent):
    step: int
    total: int
    instruction: str
    image_id: Digest
    layer: Digest | None = None
    size: int = 0
    cached: bool = False

    def describe(self) -> str:
        made = f" -> layer {_short(self.layer)} ({self.size} B)" if self.layer else ""
        cache = " (cache)" if self.cached else ""
        return f"{self.host}: step {self.step}/{self.total} {self.instruction}{made}{cache}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ImageBuilt(HostEvent):
    image_id: Digest
    reference: str | None
    layers: tuple[Digest, ...]

    def describe(self) -> str:
        return f"{self.host}: built {self.reference or _short(self.image_id)} ({plural(len(self.layers), 'layer')})"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ImageTagged(HostEvent):
    image_id: Digest
    reference: str

    def describe(self) -> str:
        return f"{self.host}: tagged {_short(self.image_id)} as {self.reference}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ImageUntagged(HostEvent):
    image_id: Digest
    reference: str

    def describe(self) -> str:
        return f"{self.host}: untagged {self.reference}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ImageDeleted(HostEvent):
    image_id: Digest

    def describe(self) -> str:
        return f"{self.host}: deleted image {_short(self.image_id)}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class LayerDeleted(HostEvent):
    digest: Digest
    size: int

    def describe(self) -> str:
        return f"{self.host}: deleted layer {_short(self.digest)} ({self.size} B)"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class PushStarted(HostEvent):
    registry: str
    repository: str
    tag: str | None

    def describe(self) -> str:
        return f"{self.host}: push {self.registry}/{self.repository}:{self.tag}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class LayerPushed(HostEvent):
    """One blob of a push: ``status`` is ``pushed``, ``exists`` or ``mounted``."""

    registry: str
    repository: str
    digest: Digest
    size: int
    status: str
    from_repository: str | None = None

    STATUSES: ClassVar[tuple[str, ...]] = ("pushed", "exists", "mounted")

    @property
    def bytes_sent(self) -> int:
        return self.size if self.status == "pushed" else 0

    def describe(self) -> str:
        text = {"pushed": "Pushed", "exists": "Layer already exists",
                "mounted": f"Mounted from {self.from_repository}"}[self.status]
        return f"{self.host}: {self.digest.id12 if self.digest else ''}: {text}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class PushFinished(HostEvent):
    registry: str
    repository: str
    tag: str | None
    digest: Digest
    size: int
    bytes_sent: int

    def describe(self) -> str:
        return f"{self.host}: pushed {self.registry}/{self.repository}:{self.tag} ({self.bytes_sent} B sent)"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class PullStarted(HostEvent):
    registry: str
    repository: str
    reference: str

    def describe(self) -> str:
        return f"{self.host}: pull {self.registry}/{self.repository}:{self.reference}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class LayerPulled(HostEvent):
    """One layer of a pull: ``status`` is ``downloaded`` or ``exists`` (already local)."""

    registry: str
    repository: str
    digest: Digest
    size: int
    status: str

    STATUSES: ClassVar[tuple[str, ...]] = ("downloaded", "exists")

    @property
    def bytes_received(self) -> int:
        return self.size if self.status == "downloaded" else 0

    def describe(self) -> str:
        text = "Pull complete" if self.status == "downloaded" else "Already exists"
        return f"{self.host}: {self.digest.id12}: {text}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class PullFinished(HostEvent):
    registry: str
    repository: str
    reference: str
    digest: Digest
    image_id: Digest
    up_to_date: bool
    bytes_received: int

    def describe(self) -> str:
        state = "up to date" if self.up_to_date else f"{self.bytes_received} B received"
        return f"{self.host}: pulled {self.registry}/{self.repository}:{self.reference} ({state})"


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        RegistryCreated, UserAdded, AccessGranted, AccessRevoked, RepositoryCreated, RepositoryChanged, UploadStarted, UploadProgressed, UploadCancelled, BlobUploaded,
        BlobMounted, BlobChecked, BlobFetched, BlobDeleted, ManifestPushed, ManifestFetched, ManifestChecked,
        ManifestDeleted, TagUpdated, TagDeleted, GarbageCollected, UserLoggedIn, HostCreated, HostLoggedIn,
        HostLoggedOut, BuildStep,
        ImageBuilt, ImageTagged, ImageUntagged, ImageDeleted, LayerDeleted, PushStarted,
        LayerPushed, PushFinished, PullStarted, LayerPulled, PullFinished,
    )
}


def _fast_init(cls: type[Event]) -> None:
    """Give a frozen event class an ``__init__`` that sets its slots directly.

    Same keyword-only signature and defaults as the dataclass ``__init__``, about twice as fast: a
    frozen dataclass pays ``object.__setattr__`` per field, and a catalogue of millions of blob
    links builds millions of events. Classes with a ``default_factory`` keep the dataclass one.
    """
    namespace: dict[str, Any] = {}
    params, body = [], []
    for i, f in enumerate(dataclasses.fields(cls)):
        if f.default_factory is not dataclasses.MISSING:
            return
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            namespace[f"_d{i}"] = f.default
            params.append(f"{f.name}=_d{i}")
        namespace[f"_s{i}"] = getattr(cls, f.name).__set__  # the slot's member descriptor
        body.append(f"_s{i}(self, {f.name})")
    exec(f"def __init__(self, *, {', '.join(params)}):\n    " + "\n    ".join(body), namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    setattr(cls, "__init__", init)


for _cls in [v for v in list(globals().values()) if isinstance(v, type) and issubclass(v, Event)]:
    _fast_init(_cls)


_PAYLOAD_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _light(event: E) -> E:
    """``event`` without its payload fields (their defaults instead); itself when it has none."""
    kind = type(event)
    fields_ = _PAYLOAD_FIELDS.get(kind)
    if fields_ is None:
        fields_ = _PAYLOAD_FIELDS[kind] = tuple((f.name, f.default) for f in dataclasses.fields(event)
                                                if f.metadata.get("payload"))
    heavy = {name: default for name, default in fields_ if getattr(event, name) is not default}
    return dataclasses.replace(event, **heavy) if heavy else event


class EventLog(Sequence[Event]):
    """An append-only, ordered list of events shared by registries and hosts.

    * ``log.append(event)`` stamps ``seq`` and returns the stamped event;
    * ``log.since(mark)`` / ``log.mark()`` slice out what one operation did;
    * ``log.of(BlobUploaded, BlobMounted)`` filters by type;
    * ``log.subscribe(callback)`` calls ``callback(event)`` on every append (widgets, servers).
    """

    def __init__(self, events: Iterable[Event] = (), *, recording: bool = True, maxlen: int | None = None) -> None:
        if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 1):
            raise InvalidArgument(f"maxlen must be a positive integer or None, got {maxlen!r}")
        self._events: list[Event] = []
        #: With ``maxlen``, a ring: only the newest ``maxlen`` events are kept (a long-running
        #: server's log); ``seq`` keeps counting and ``dropped`` says how many were forgotten.
        #: A ring stores events without their payloads (blob bytes, manifests, password hashes:
        #: what only a replay needs), so gc frees memory; subscribers still get them whole.
        self.maxlen = maxlen
        self.dropped = 0
        self._subscribers: list[Callable[[Event], None]] = []
        #: When False, registries and hosts skip building events at all (for benchmarks of
        #: millions of blobs). On by default. Off, the log is no longer the whole history:
        #: ``Registry.replay`` and ``World.replay`` cannot rebuild the state from it.
        self.recording = recording
        for event in events:
            self.append(event)

    def append(self, event: E) -> E:
        """Append ``event`` and return it stamped with its ``seq``.

        Events are frozen: one built with ``seq=log.mark()`` is stored as it is (what registries
        and hosts do); any other gets a stamped copy, and the event passed in never changes.
        """
        seq = self.dropped + len(self._events)
        if event.seq == seq:
            stamped = event
        else:
            stamped = dataclasses.replace(event, seq=seq)
        # a ring cannot rebuild a state anyway (its oldest events are gone): it keeps events
        # without their payloads (blob bytes, manifests), so a swept blob's bytes are freed;
        # subscribers (a store's journal) still get the whole event
        self._events.append(_light(stamped) if self.maxlen is not None else stamped)
        if self.maxlen is not None and len(self._events) > self.maxlen:  # a memmove of maxlen pointers
            del self._events[0]
            self.dropped += 1
        if self._subscribers:
            for callback in list(self._subscribers):
                callback(stamped)
        return stamped

    def extend(self, events: Iterable[Event]) -> list[Event]:
        return [self.append(e) for e in events]

    def mark(self) -> int:
        """The sequence number the next event will get."""
        return self.dropped + len(self._events)

    def since(self, mark: int) -> list[Event]:
        """Events with ``seq >= mark`` (in a ring, those still kept)."""
        return self._events[max(mark - self.dropped, 0):]

    def of(self, *types: type[E]) -> list[E]:
        return [e for e in self._events if isinstance(e, types)]

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback`` for every new event; returns a function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def move_subscribers(self, other: "EventLog") -> None:
        """Subscribe every callback of this log to ``other`` instead (a registry joining a world's
        log takes its listeners along: a store's journal, a widget)."""
        for callback in list(self._subscribers):
            other.subscribe(callback)
        self._subscribers.clear()

    def to_records(self) -> list[dict[str, Any]]:
        """Events as dicts (``pandas.DataFrame(log.to_records())``)."""
        return [e.to_dict() for e in self._events]

    @overload
    def __getitem__(self, i: int) -> Event: ...
    @overload
    def __getitem__(self, i: slice) -> list[Event]: ...
    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        return self._events[i]

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __repr__(self) -> str:
        if self.maxlen is not None:
            return f"EventLog({len(self._events)} events, ring of {self.maxlen}, {self.dropped} dropped)"
        return f"EventLog({len(self._events)} events)"

    def __str__(self) -> str:
        return "\n".join(f"#{e.seq:<4} {e.describe()}" for e in self._events)

    def _repr_html_(self) -> str:
        from .display import to_html

        return to_html(self)
