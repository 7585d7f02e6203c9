"""Events of a host (the docker-like client engine): pulls, builds, tags, pushes, logins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..oci.digest import Digest
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


fast_init_all(HostEvent)
