"""Events of a host (the docker-like client engine): pulls, builds, tags, pushes, logins.

Each says what happened (pulled, built, tagged, removed), and :meth:`regsim.Host.redo` applies it
to the host's store through one method per event type, the same ones the commands use. The event
that ends a pull, build, push or login carries what the host keeps by reference in payload
fields (the image, the blobs downloaded or built, the token), left out of ``repr`` and records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..oci.blob import Content
from ..oci.digest import Digest
from ..oci.image import Image, ImageIndex
from ..units import plural
from .base import Event, _payload, _short, fast_init_all

__all__ = [
    "HostEvent",
    "HostCreated",
    "HostLoggedIn",
    "HostLoggedOut",
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
]

@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class HostEvent(Event):
    """A host's event."""

    host: str

    @property
    def seen_at(self) -> tuple[tuple[Digest, str, str], ...]:
        """Blobs this operation saw in a registry's repository, in order: ``(digest, registry,
        repository)`` (the host's mount hints, docker's "v2 metadata")."""
        return ()


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class HostCreated(HostEvent):
    """A host joined a world (the first event of a host that replay needs)."""

    platform: str
    quiet: bool = False

    def describe(self) -> str:
        return f"{self.host}: host started ({self.platform})"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class HostLoggedIn(HostEvent):
    """``docker login``: the host keeps the token ``registry`` issued to ``user``."""

    registry: str
    user: str
    #: the :class:`~regsim.registry.access.Token` the registry issued
    token: Any = _payload()

    def describe(self) -> str:
        return f"{self.host}: logged in to {self.registry} as {self.user}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class HostLoggedOut(HostEvent):
    """``docker logout``: the host forgot its token for ``registry``."""

    registry: str

    def describe(self) -> str:
        return f"{self.host}: logged out of {self.registry}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class BuildStep(HostEvent):
    """One instruction of a build (step ``step`` of ``total``): the image it gave, and the ``layer``
    it made (None for an instruction that only changes the config), or that it came from the
    build cache (``cached``).
    """

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
    """A build ended: the host keeps its images (one per platform, and an index over them), the
    blobs it made or fetched, and the build-cache entries, and tags ``reference``."""

    image_id: Digest
    reference: str | None
    layers: tuple[Digest, ...]
    images: tuple[Image, ...] = _payload(())
    index: ImageIndex | None = _payload()
    blobs: tuple[Content, ...] = _payload(())
    cache: tuple[tuple[tuple[str, str], Image], ...] = _payload(())
    seen: tuple[tuple[Digest, str, str], ...] = _payload(())

    @property
    def seen_at(self) -> tuple[tuple[Digest, str, str], ...]:
        return self.seen

    def describe(self) -> str:
        return f"{self.host}: built {self.reference or _short(self.image_id)} ({plural(len(self.layers), 'layer')})"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ImageTagged(HostEvent):
    """``docker tag``: ``reference`` now names the local image ``image_id``."""

    image_id: Digest
    reference: str

    def describe(self) -> str:
        return f"{self.host}: tagged {_short(self.image_id)} as {self.reference}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ImageUntagged(HostEvent):
    """``docker rmi``: the tag or repo digest ``reference`` no longer names ``image_id`` (the image
    stays while another tag names it)."""

    image_id: Digest
    reference: str

    def describe(self) -> str:
        return f"{self.host}: untagged {self.reference}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class ImageDeleted(HostEvent):
    """The local image (or multi-platform index) ``image_id`` was removed by ``docker rmi``."""

    image_id: Digest

    def describe(self) -> str:
        return f"{self.host}: deleted image {_short(self.image_id)}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class LayerDeleted(HostEvent):
    """A blob (a layer or a config) left the host's store: no local image uses it any more."""

    digest: Digest
    size: int

    def describe(self) -> str:
        return f"{self.host}: deleted layer {_short(self.digest)} ({self.size} B)"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class PushStarted(HostEvent):
    """``docker push`` of ``repository:tag`` to ``registry`` began (:class:`LayerPushed` and
    :class:`PushFinished` follow).
    """

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
        """The bytes this blob put on the wire: its size if it was pushed, 0 if the registry had it
        (``exists``) or mounted it from another repository.
        """
        return self.size if self.status == "pushed" else 0

    def describe(self) -> str:
        text = {"pushed": "Pushed", "exists": "Layer already exists",
                "mounted": f"Mounted from {self.from_repository}"}[self.status]
        return f"{self.host}: {self.digest.id12 if self.digest else ''}: {text}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class PushFinished(HostEvent):
    """A push ended: the registry holds ``digest``; the host notes the repo digest of the image
    it pushed and where it saw each blob (``seen``: its mount hints)."""

    registry: str
    repository: str
    tag: str | None
    digest: Digest
    size: int
    bytes_sent: int
    image_id: Digest | None = None
    repo_digest: str = ""
    seen: tuple[tuple[Digest, str, str], ...] = _payload(())

    @property
    def seen_at(self) -> tuple[tuple[Digest, str, str], ...]:
        return self.seen

    def describe(self) -> str:
        return f"{self.host}: pushed {self.registry}/{self.repository}:{self.tag} ({self.bytes_sent} B sent)"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class PullStarted(HostEvent):
    """``docker pull`` of ``repository`` by tag or digest (``reference``) from ``registry`` began
    (:class:`LayerPulled` and :class:`PullFinished` follow).
    """

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
        """The bytes this layer took to fetch: its size if it was downloaded, 0 if it was already local."""
        return self.size if self.status == "downloaded" else 0

    def describe(self) -> str:
        text = "Pull complete" if self.status == "downloaded" else "Already exists"
        return f"{self.host}: {self.digest.id12}: {text}"


@dataclass(frozen=True, kw_only=True, repr=False, slots=True)
class PullFinished(HostEvent):
    """A pull ended: the host keeps the image (``image``) and the blobs it downloaded, tags it
    ``tagged`` (None for a pull by digest) and notes its repo digest."""

    registry: str
    repository: str
    reference: str
    digest: Digest
    image_id: Digest
    up_to_date: bool
    bytes_received: int
    tagged: str | None = None
    repo_digest: str = ""
    image: Image | None = _payload()
    blobs: tuple[Content, ...] = _payload(())
    seen: tuple[tuple[Digest, str, str], ...] = _payload(())

    @property
    def seen_at(self) -> tuple[tuple[Digest, str, str], ...]:
        return self.seen

    def describe(self) -> str:
        state = "up to date" if self.up_to_date else f"{self.bytes_received} B received"
        return f"{self.host}: pulled {self.registry}/{self.repository}:{self.reference} ({state})"


fast_init_all(HostEvent)
