"""Descriptors: the typed pointers (media type, digest, size) that manifests are made of."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from ..display import table
from .digest import Digest
from ..errors import DigestInvalid, ManifestInvalid
from .platform import Platform

__all__ = ["Descriptor", "Annotations"]


class Annotations(Mapping[str, str]):
    """A read-only, hashable ``str -> str`` mapping (annotations, labels).

    >>> a = Annotations({"org.opencontainers.image.title": "demo"})
    >>> a["org.opencontainers.image.title"], hash(a) == hash(Annotations(a))
    ('demo', True)
    """

    __slots__ = ("_items",)

    def __init__(self, value: "Mapping[str, str] | None" = None) -> None:
        items = dict(value or {})
        for k, v in items.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise ManifestInvalid(f"annotations must map strings to strings, got {k!r}: {v!r}")
        self._items = dict(sorted(items.items()))

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Annotations({self._items!r})"


EMPTY_ANNOTATIONS = Annotations()


@dataclass(frozen=True, slots=True, init=False)
class Descriptor:
    """An OCI content descriptor.

    ``annotations`` is a read-only :class:`Annotations` mapping, so descriptors are hashable and
    compare by value.

    >>> d = Descriptor("application/vnd.oci.empty.v1+json",
    ...                "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", 2)
    >>> d.to_dict()["size"]
    2
    """

    media_type: str
    digest: Digest
    size: int
    annotations: Annotations = field(default=EMPTY_ANNOTATIONS, repr=False)
    platform: Platform | None = None
    urls: tuple[str, ...] = ()
    artifact_type: str | None = None
    data: bytes | None = field(default=None, repr=False)

    def __init__(
        self,
        media_type: str,
        digest: str,
        size: int,
        annotations: Mapping[str, str] | None = None,
        platform: Platform | str | None = None,
        urls: tuple[str, ...] | list[str] = (),
        artifact_type: str | None = None,
        data: bytes | None = None,
    ) -> None:
        if not isinstance(media_type, str) or not media_type:
            raise ManifestInvalid(f"descriptor mediaType must be a non-empty string, got {media_type!r}")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ManifestInvalid(f"descriptor size must be a non-negative integer, got {size!r}")
        set_ = object.__setattr__
        set_(self, "media_type", media_type)
        set_(self, "digest", Digest(digest))
        set_(self, "size", size)
        if not annotations:
            annotations = EMPTY_ANNOTATIONS
        elif not isinstance(annotations, Annotations):
            annotations = Annotations(annotations)
        set_(self, "annotations", annotations)
        set_(self, "platform", Platform.parse(platform) if isinstance(platform, str) else platform)
        set_(self, "urls", tuple(urls) if urls else ())
        set_(self, "artifact_type", artifact_type)
        set_(self, "data", data)

    @classmethod
    def _trusted(cls, media_type: str, digest: Digest, size: int) -> "Descriptor":
        """Internal fast path: a plain descriptor of values the caller has already validated
        (a non-empty media type, a :class:`Digest`, a size >= 0), for catalogues of millions."""
        desc = _new(cls)
        _set_media_type(desc, media_type)
        _set_digest(desc, digest)
        _set_size(desc, size)
        _set_annotations(desc, EMPTY_ANNOTATIONS)
        _set_platform(desc, None)
        _set_urls(desc, ())
        _set_artifact_type(desc, None)
        _set_data(desc, None)
        return desc

    def to_dict(self) -> dict[str, Any]:
        """The descriptor as the image spec's JSON object (only the fields that are set)."""
        out: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": str(self.digest),
            "size": self.size,
        }
        if self.urls:
            out["urls"] = list(self.urls)
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.data is not None:
            out["data"] = base64.b64encode(self.data).decode("ascii")
        if self.artifact_type:
            out["artifactType"] = self.artifact_type
        if self.platform is not None:
            out["platform"] = self.platform.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "descriptor") -> "Descriptor":
        """Parse a descriptor object; errors name the field path (``layers[2].size``)."""
        if not isinstance(data, dict):
            raise ManifestInvalid(f"{where} must be an object, got {data!r}", detail=where)
        media_type = data.get("mediaType")
        if not isinstance(media_type, str) or not media_type:
            raise ManifestInvalid(f"{where}.mediaType must be a non-empty string, got {media_type!r}", detail=where)
        size = data.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ManifestInvalid(f"{where}.size must be a non-negative integer, got {size!r}", detail=where)
        try:
            digest = Digest(data.get("digest"))  # type: ignore[arg-type]
        except DigestInvalid as exc:
            raise ManifestInvalid(f"{where}.digest: {exc.message}", detail=where) from None
        annotations = data.get("annotations")
        if annotations is not None and not (
            isinstance(annotations, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in annotations.items())
        ):
            raise ManifestInvalid(f"{where}.annotations must map strings to strings", detail=where)
        urls = data.get("urls") or ()
        if not isinstance(urls, (list, tuple)) or not all(isinstance(u, str) for u in urls):
            raise ManifestInvalid(f"{where}.urls must be a list of strings", detail=where)
        raw = data.get("data")
        blob: bytes | None = None
        if raw is not None:
            try:
                blob = base64.b64decode(raw, validate=True)
            except (binascii.Error, TypeError, ValueError):
                raise ManifestInvalid(f"{where}.data must be base64, got {raw!r}", detail=where) from None
            if len(blob) != size or not digest.verify(blob):
                raise ManifestInvalid(f"{where}.data does not match its digest and size", detail=where)
        platform = data.get("platform")
        artifact_type = data.get("artifactType")
        if artifact_type is not None and not isinstance(artifact_type, str):
            raise ManifestInvalid(f"{where}.artifactType must be a string", detail=where)
        return cls(
            media_type,
            digest,
            size,
            annotations=annotations,
            platform=Platform.from_dict(platform, f"{where}.platform") if platform is not None else None,
            urls=tuple(urls),
            artifact_type=artifact_type,
            data=blob,
        )

    def __hash__(self) -> int:
        return hash((self.media_type, self.digest, self.size))

    def _repr_html_(self) -> str:
        return table([[self.media_type, str(self.digest), self.size, str(self.platform or "")]],
                     header=["mediaType", "digest", "size", "platform"], caption="Descriptor")


# Slot setters of the frozen Descriptor (object.__setattr__ would look the slot up on every call).
_new = object.__new__
(_set_media_type, _set_digest, _set_size, _set_annotations, _set_platform, _set_urls, _set_artifact_type,
 _set_data) = (Descriptor.__dict__[name].__set__ for name in (
    "media_type", "digest", "size", "annotations", "platform", "urls", "artifact_type", "data"))
