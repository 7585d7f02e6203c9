"""Image configs, image manifests and image indexes, with canonical JSON bytes.

The three value types serialise to *canonical JSON* (keys sorted, no insignificant whitespace,
UTF-8); the sha256 of those bytes is their digest::

    ImageConfig  -> application/vnd.oci.image.config.v1+json    (what `docker inspect` shows)
    Manifest     -> application/vnd.oci.image.manifest.v1+json  (config + layers of one image)
    Index        -> application/vnd.oci.image.index.v1+json     (one manifest per platform)

Docker's schema-2 media types are accepted alongside the OCI ones. :func:`parse_manifest` turns
bytes from the wire into a :class:`Manifest` or :class:`Index`, checking every field and naming
the first bad one.

>>> from regsim.oci.blob import Blob
>>> layer = Blob(b"layer bytes")
>>> config = ImageConfig(diff_ids=(layer.digest,))
>>> m = Manifest(config=config.descriptor(), layers=(Descriptor(OCI_LAYER_GZIP, layer.digest, layer.size),))
>>> m.digest == Digest.of(m.to_bytes())
True
>>> parse_manifest(m.to_bytes()) == m
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator, Mapping, Self

from ..display import descriptor_rows, table
from .descriptor import EMPTY_ANNOTATIONS, Annotations, Descriptor
from .digest import Digest
from ..errors import DigestInvalid, ManifestInvalid
from .mediatypes import (
    CONFIG_TYPES,
    DOCKER_CONFIG,
    DOCKER_MANIFEST,
    DOCKER_SCHEMA1,
    DOCKER_SCHEMA1_SIGNED,
    IMAGE_MANIFEST_TYPES,
    INDEX_TYPES,
    MANIFEST_TYPES,
    OCI_CONFIG,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_LAYER_GZIP,
    OCI_MANIFEST,
)
from .platform import Platform

__all__ = [
    "canonical_json",
    "StoredManifest",
    "ImageConfig",
    "HistoryEntry",
    "Healthcheck",
    "Manifest",
    "Index",
    "parse_manifest",
    "parse_config",
    "MAX_MANIFEST_SIZE",
    "Descriptor",
    "Digest",
    "OCI_LAYER_GZIP",
]

#: Largest manifest the model accepts (the spec says registries SHOULD accept at least 4 MB).
MAX_MANIFEST_SIZE = 4 * 1024 * 1024


def canonical_json(value: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, compact separators, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


_json_str = json.encoder.encode_basestring


_MEDIA_TYPE_JSON: dict[str, str] = {}  # JSON strings of the media types seen (a few dozen at most)


def _plain_descriptor_json(desc: Descriptor) -> str | None:
    """Canonical JSON of a descriptor with only mediaType, digest and size; None otherwise."""
    if ((desc.annotations is not EMPTY_ANNOTATIONS and desc.annotations) or desc.platform is not None
            or desc.urls or desc.data is not None or desc.artifact_type):
        return None
    media_type = _MEDIA_TYPE_JSON.get(desc.media_type)
    if media_type is None:
        media_type = _json_str(desc.media_type)
        if len(_MEDIA_TYPE_JSON) < 256:
            _MEDIA_TYPE_JSON[desc.media_type] = media_type
    return f'{{"digest":"{desc.digest}","mediaType":{media_type},"size":{desc.size}}}'


class _Content:
    """Shared behaviour of the JSON documents: bytes, digest, size, descriptor.

    A document's bytes are the one truth about it: the exact bytes it was parsed from, or
    canonical JSON when the model made it. ``digest``, ``size`` and ``descriptor()`` all derive
    from ``to_bytes()``, here and nowhere else.
    """

    media_type: str
    _LIST_FIELD: str | None = None  # the descriptor list a subclass normalises to a tuple

    def __post_init__(self) -> None:
        if self._LIST_FIELD:
            object.__setattr__(self, self._LIST_FIELD, tuple(getattr(self, self._LIST_FIELD)))
        if hasattr(self, "annotations") and not isinstance(self.annotations, Annotations):
            object.__setattr__(self, "annotations", Annotations(self.annotations) if self.annotations else EMPTY_ANNOTATIONS)

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def references(self) -> Iterator[Descriptor]:  # pragma: no cover - abstract
        """The descriptors the document points at (:meth:`Manifest.references`,
        :meth:`Index.references`); a config points at nothing by descriptor, so it raises
        ``NotImplementedError``.
        """
        raise NotImplementedError

    @cached_property
    def reference_digests(self) -> tuple[Digest, ...]:
        """Digests of :meth:`references`, computed once (accounting and gc read them often)."""
        return tuple(desc.digest for desc in self.references())

    @cached_property
    def _bytes(self) -> bytes:
        return self._canonical()

    def _parsed_from(self, data: bytes) -> "Self":
        """This document, parsed from ``data``: it keeps those exact bytes (not a re-serialisation)."""
        self.__dict__["_bytes"] = data  # the cached value of _bytes: frozen fields stay untouched
        return self

    def _canonical(self) -> bytes:
        return canonical_json(self.to_dict())

    def _with_optional_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        """Add ``subject``, ``artifactType`` and ``annotations`` when set (manifests and indexes)."""
        if self.subject is not None:  # type: ignore[attr-defined]
            out["subject"] = self.subject.to_dict()  # type: ignore[attr-defined]
        if self.artifact_type:  # type: ignore[attr-defined]
            out["artifactType"] = self.artifact_type  # type: ignore[attr-defined]
        if self.annotations:  # type: ignore[attr-defined]
            out["annotations"] = dict(self.annotations)  # type: ignore[attr-defined]
        return out

    def to_bytes(self) -> bytes:
        """The document's bytes: exactly as parsed, or canonical JSON for one the model made."""
        return self._bytes

    @cached_property
    def digest(self) -> Digest:
        """The document's digest: ``sha256`` of :meth:`to_bytes`, the name a registry stores it by.

        >>> ImageConfig().digest.short, ImageConfig().size
        ('sha256:d5c7debd…', 136)
        """
        return Digest.of(self._bytes)

    @property
    def size(self) -> int:
        """The length of :meth:`to_bytes` in bytes (the ``size`` of a descriptor of this document)."""
        return len(self._bytes)

    def descriptor(
        self,
        platform: Platform | str | None = None,
        annotations: Mapping[str, str] | None = None,
        artifact_type: str | None = None,
    ) -> Descriptor:
        """A descriptor pointing at this document."""
        return Descriptor(
            self.media_type, self.digest, self.size, annotations=annotations,
            platform=platform, artifact_type=artifact_type,
        )


@dataclass(frozen=True)
class HistoryEntry:
    """One line of ``docker history``: the instruction and whether it made a layer."""

    created_by: str
    empty_layer: bool = False
    comment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The entry as the config's ``history`` JSON object (with a fixed creation time, so digests are stable)."""
        out: dict[str, Any] = {"created": "1970-01-01T00:00:00Z", "created_by": self.created_by}
        if self.empty_layer:
            out["empty_layer"] = True
        if self.comment:
            out["comment"] = self.comment
        return out


@dataclass(frozen=True)
class Healthcheck:
    """``HEALTHCHECK``: the test (``["CMD", ...]``, ``["CMD-SHELL", cmd]`` or ``["NONE"]``) and its timing.

    Durations are in nanoseconds, as in the config JSON; 0 means docker's default.
    """

    test: tuple[str, ...]
    interval: int = 0
    timeout: int = 0
    start_period: int = 0
    start_interval: int = 0
    retries: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The health check as the config's ``Healthcheck`` JSON object."""
        out: dict[str, Any] = {"Test": list(self.test)}
        for key, value in (("Interval", self.interval), ("Timeout", self.timeout),
                           ("StartPeriod", self.start_period), ("StartInterval", self.start_interval),
                           ("Retries", self.retries)):
            if value:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: Any) -> "Healthcheck | None":
        """A health check from the config's JSON, or None where there is none."""
        if not isinstance(data, dict) or not data.get("Test"):
            return None
        return cls(tuple(str(t) for t in data["Test"]), int(data.get("Interval") or 0), int(data.get("Timeout") or 0),
                   int(data.get("StartPeriod") or 0), int(data.get("StartInterval") or 0),
                   int(data.get("Retries") or 0))


@dataclass(frozen=True)
class ImageConfig(_Content):
    """The image configuration: platform, run settings, the layers' diff ids and the history.

    Times are fixed at the epoch (as with ``SOURCE_DATE_EPOCH=0``) so builds are reproducible.
    """

    architecture: str = "amd64"
    os: str = "linux"
    variant: str | None = None
    env: tuple[str, ...] = ()
    cmd: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    working_dir: str = ""
    user: str = ""
    exposed_ports: tuple[str, ...] = ()
    labels: Annotations = EMPTY_ANNOTATIONS
    diff_ids: tuple[Digest, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    media_type: str = field(default=OCI_CONFIG)
    volumes: tuple[str, ...] = ()
    stop_signal: str = ""
    healthcheck: Healthcheck | None = None
    #: ``SHELL`` (docker's config extension); None: the default ``/bin/sh -c``
    shell: tuple[str, ...] | None = None
    #: ``ONBUILD`` triggers, run by builds that start ``FROM`` this image
    on_build: tuple[str, ...] = ()
    author: str = ""

    @property
    def platform(self) -> Platform:
        """The platform the config names (os, architecture, variant)."""
        return Platform(self.os, self.architecture, self.variant)

    def to_dict(self) -> dict[str, Any]:
        """The config as the image spec's JSON object (what :meth:`to_bytes` writes canonically)."""
        run: dict[str, Any] = {}
        if self.env:
            run["Env"] = list(self.env)
        if self.cmd is not None:
            run["Cmd"] = list(self.cmd)
        if self.entrypoint is not None:
            run["Entrypoint"] = list(self.entrypoint)
        if self.working_dir:
            run["WorkingDir"] = self.working_dir
        if self.user:
            run["User"] = self.user
        if self.exposed_ports:
            run["ExposedPorts"] = {p: {} for p in self.exposed_ports}
        if self.labels:
            run["Labels"] = dict(self.labels)
        if self.volumes:
            run["Volumes"] = {v: {} for v in self.volumes}
        if self.stop_signal:
            run["StopSignal"] = self.stop_signal
        if self.healthcheck is not None:
            run["Healthcheck"] = self.healthcheck.to_dict()
        if self.shell is not None:
            run["Shell"] = list(self.shell)
        if self.on_build:
            run["OnBuild"] = list(self.on_build)
        out: dict[str, Any] = {
            "architecture": self.architecture,
            "os": self.os,
            "created": "1970-01-01T00:00:00Z",
            "config": run,
            "rootfs": {"type": "layers", "diff_ids": [str(d) for d in self.diff_ids]},
            "history": [h.to_dict() for h in self.history],
        }
        if self.variant:
            out["variant"] = self.variant
        if self.author:
            out["author"] = self.author
        return out

    @classmethod
    def from_dict(cls, data: Any, media_type: str = OCI_CONFIG) -> "ImageConfig":
        """A config from its JSON object; a field of the wrong kind raises ManifestInvalid naming it."""
        if not isinstance(data, dict):
            raise ManifestInvalid(f"image config must be a JSON object, got {type(data).__name__}")
        run = data.get("config") or {}
        rootfs = data.get("rootfs") or {}
        try:
            diff_ids = tuple(Digest(d) for d in rootfs.get("diff_ids") or ())
        except DigestInvalid as exc:
            raise ManifestInvalid(f"image config rootfs.diff_ids: {exc.message}") from None
        history = tuple(
            HistoryEntry(h.get("created_by", ""), bool(h.get("empty_layer")), h.get("comment"))
            for h in data.get("history") or ()
            if isinstance(h, dict)
        )
        def tup(v: Any) -> tuple[str, ...] | None:
            return None if v is None else tuple(str(x) for x in v)
        return cls(
            architecture=str(data.get("architecture", "")),
            os=str(data.get("os", "")),
            variant=data.get("variant"),
            env=tuple(run.get("Env") or ()),
            cmd=tup(run.get("Cmd")),
            entrypoint=tup(run.get("Entrypoint")),
            working_dir=run.get("WorkingDir") or "",
            user=run.get("User") or "",
            exposed_ports=tuple(sorted(run.get("ExposedPorts") or {})),
            labels=Annotations({str(k): str(v) for k, v in (run.get("Labels") or {}).items()}),
            diff_ids=diff_ids,
            history=history,
            media_type=media_type,
            volumes=tuple(sorted(run.get("Volumes") or {})),
            stop_signal=str(run.get("StopSignal") or ""),
            healthcheck=Healthcheck.from_dict(run.get("Healthcheck")),
            shell=tup(run.get("Shell")),
            on_build=tuple(str(t) for t in run.get("OnBuild") or ()),
            author=str(data.get("author") or ""),
        )


@dataclass(frozen=True)
class Manifest(_Content):
    """An image manifest: one config and an ordered list of layers (base first)."""

    config: Descriptor
    layers: tuple[Descriptor, ...] = ()
    media_type: str = OCI_MANIFEST
    subject: Descriptor | None = None
    artifact_type: str | None = None
    annotations: Annotations = field(default=EMPTY_ANNOTATIONS, repr=False)

    _LIST_FIELD = "layers"

    @property
    def is_index(self) -> bool:
        """False: a manifest describes one image (see :attr:`Index.is_index`)."""
        return False

    def references(self) -> Iterator[Descriptor]:
        """Every descriptor the registry must hold for this manifest: config, then layers."""
        yield self.config
        yield from self.layers

    @cached_property
    def total_size(self) -> int:
        """Bytes of config plus layers (what a full pull downloads, manifest excluded)."""
        return self.config.size + sum(layer.size for layer in self.layers)

    @property
    def effective_artifact_type(self) -> str:
        """``artifactType``, or else the config's media type (what the referrers API reports)."""
        return self.artifact_type or self.config.media_type

    def _canonical(self) -> bytes:
        # The common case (plain descriptors, no subject/annotations) written directly: the same
        # bytes as canonical_json(self.to_dict()), several times faster for big catalogues.
        if self.subject is not None or self.artifact_type or self.annotations:
            return canonical_json(self.to_dict())
        config = _plain_descriptor_json(self.config)
        layers = [_plain_descriptor_json(layer) for layer in self.layers]
        if config is None or None in layers:
            return canonical_json(self.to_dict())
        return (f'{{"config":{config},"layers":[{",".join(layers)}],'  # type: ignore[arg-type]
                f'"mediaType":{_json_str(self.media_type)},"schemaVersion":2}}').encode("utf-8")

    def to_dict(self) -> dict[str, Any]:
        """The manifest as its JSON object (what :meth:`to_bytes` writes canonically)."""
        out: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": self.media_type,
            "config": self.config.to_dict(),
            "layers": [layer.to_dict() for layer in self.layers],
        }
        return self._with_optional_fields(out)

    def _repr_html_(self) -> str:
        return table(descriptor_rows(self.references()), header=["type", "digest", "size", ""],
                     caption=f"Manifest {self.digest.short} ({self.media_type})")


@dataclass(frozen=True)
class Index(_Content):
    """An image index (Docker: manifest list): one manifest per platform, or any set of manifests."""

    manifests: tuple[Descriptor, ...] = ()
    media_type: str = OCI_INDEX
    subject: Descriptor | None = None
    artifact_type: str | None = None
    annotations: Annotations = field(default=EMPTY_ANNOTATIONS, repr=False)

    _LIST_FIELD = "manifests"

    @property
    def is_index(self) -> bool:
        """True: an index lists manifests, one per platform (see :attr:`Manifest.is_index`)."""
        return True

    def references(self) -> Iterator[Descriptor]:
        """The descriptors the index points at: its manifests, in order."""
        yield from self.manifests

    @property
    def effective_artifact_type(self) -> str | None:
        """The index's ``artifactType``, as the referrers API reports it (None when unset)."""
        return self.artifact_type

    def for_platform(self, platform: Platform | str) -> Descriptor | None:
        """The first entry whose platform runs on ``platform`` (as ``docker pull`` picks)."""
        wanted = Platform.parse(platform)
        for desc in self.manifests:
            if desc.platform is not None and wanted.matches(desc.platform):
                return desc
        return None

    @property
    def platforms(self) -> list[Platform]:
        """The platforms of the manifests the index lists, in its order."""
        return [d.platform for d in self.manifests if d.platform is not None]

    def to_dict(self) -> dict[str, Any]:
        """The index as its JSON object (what :meth:`to_bytes` writes canonically)."""
        out: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": self.media_type,
            "manifests": [m.to_dict() for m in self.manifests],
        }
        return self._with_optional_fields(out)

    def _repr_html_(self) -> str:
        return table(descriptor_rows(self.manifests), header=["type", "digest", "size", "platform"],
                     caption=f"Index {self.digest.short} ({self.media_type})")


def _load_json(data: bytes, what: str) -> Any:
    def integer(text: str) -> int:  # Python refuses huge ones with advice about its own internals
        digits = len(text.lstrip("-"))
        if digits > 4000:
            raise ManifestInvalid(f"{what} holds a {digits}-digit number: far too large for any manifest field",
                                  detail=f"{digits} digits")
        return int(text)

    try:
        return json.loads(data, parse_int=integer)
    except RecursionError:
        raise ManifestInvalid(f"{what} is nested too deeply to be a manifest", detail="nesting") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ManifestInvalid(f"{what} is not valid JSON: {exc}", detail=str(exc)) from None


def _guess_media_type(doc: dict[str, Any]) -> str:
    if "manifests" in doc:
        return OCI_INDEX
    if "config" in doc:
        return OCI_MANIFEST
    raise ManifestInvalid(
        "manifest has no mediaType and neither 'config' nor 'manifests': cannot tell its type"
    )


def parse_manifest(data: bytes, media_type: str | None = None) -> "Manifest | Index":
    """Parse and validate manifest bytes.

    ``media_type`` is the ``Content-Type`` the client sent (without parameters), if any. The type
    in the document wins when present and must agree with ``media_type``. Raises
    :class:`~regsim.errors.ManifestInvalid` naming the first bad field.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ManifestInvalid(f"manifest must be bytes, got {type(data).__name__}")
    doc = _load_json(bytes(data), "manifest")
    if not isinstance(doc, dict):
        raise ManifestInvalid(f"manifest must be a JSON object, got {type(doc).__name__}")
    version = doc.get("schemaVersion")
    if (version == 1 and not isinstance(version, bool)) or media_type in (DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED):
        raise ManifestInvalid(
            "schema 1 manifests are not supported (deprecated): push a schema 2 or OCI manifest",
            detail=media_type or DOCKER_SCHEMA1,
        )
    if isinstance(version, bool) or version != 2:
        raise ManifestInvalid(f"manifest schemaVersion must be 2, got {version!r}")
    declared = doc.get("mediaType")
    if declared is not None and not isinstance(declared, str):
        raise ManifestInvalid(f"manifest mediaType must be a string, got {declared!r}")
    if declared and media_type and declared != media_type:
        raise ManifestInvalid(
            f"manifest mediaType {declared!r} does not match Content-Type {media_type!r}",
            detail=declared,
        )
    kind = declared or media_type or _guess_media_type(doc)
    if kind not in MANIFEST_TYPES:
        raise ManifestInvalid(
            f"unsupported manifest media type {kind!r} (expected one of {sorted(MANIFEST_TYPES)})",
            detail=kind,
        )
    subject = doc.get("subject")
    subject_desc = Descriptor.from_dict(subject, "subject") if subject is not None else None
    artifact_type = doc.get("artifactType")
    if artifact_type is not None and not isinstance(artifact_type, str):
        raise ManifestInvalid(f"artifactType must be a string, got {artifact_type!r}")
    annotations = doc.get("annotations")
    if annotations is not None and not (
        isinstance(annotations, dict) and all(isinstance(v, str) for v in annotations.values())
    ):
        bad = next((f"{k!r}: {v!r}" for k, v in annotations.items() if not isinstance(v, str)), repr(annotations)) \
            if isinstance(annotations, dict) else repr(annotations)
        raise ManifestInvalid(f"annotations must map strings to strings, got {bad[:80]}", detail="annotations")
    if kind in IMAGE_MANIFEST_TYPES:
        if "config" not in doc:
            raise ManifestInvalid("image manifest has no 'config' descriptor")
        config = Descriptor.from_dict(doc["config"], "config")
        layers_doc = doc.get("layers", [])
        if not isinstance(layers_doc, list):
            raise ManifestInvalid(f"manifest 'layers' must be a list, got {type(layers_doc).__name__}")
        layers = tuple(Descriptor.from_dict(d, f"layers[{i}]") for i, d in enumerate(layers_doc))
        if kind == OCI_MANIFEST and config.media_type == OCI_EMPTY and not artifact_type:
            raise ManifestInvalid(
                "artifactType must be set when config.mediaType is application/vnd.oci.empty.v1+json"
            )
        if kind == DOCKER_MANIFEST and config.media_type != DOCKER_CONFIG:
            raise ManifestInvalid(
                f"Docker schema 2 manifest config must be {DOCKER_CONFIG}, got {config.media_type!r}"
            )
        return Manifest(
            config=config, layers=layers, media_type=kind, subject=subject_desc,
            artifact_type=artifact_type, annotations=Annotations(annotations),
        )._parsed_from(bytes(data))
    manifests_doc = doc.get("manifests")
    if not isinstance(manifests_doc, list):
        raise ManifestInvalid("image index must have a 'manifests' list")
    manifests = tuple(Descriptor.from_dict(d, f"manifests[{i}]") for i, d in enumerate(manifests_doc))
    assert kind in INDEX_TYPES
    return Index(
        manifests=manifests, media_type=kind, subject=subject_desc,
        artifact_type=artifact_type, annotations=Annotations(annotations),
    )._parsed_from(bytes(data))


def parse_config(data: bytes, media_type: str = OCI_CONFIG) -> ImageConfig:
    """Parse image config bytes (lenient: unknown fields are ignored)."""
    if media_type not in CONFIG_TYPES:
        raise ManifestInvalid(f"not an image config media type: {media_type!r}", detail=media_type)
    return ImageConfig.from_dict(_load_json(bytes(data), "image config"), media_type)._parsed_from(bytes(data))


@dataclass(frozen=True, slots=True)
class StoredManifest:
    """A manifest as a registry stores it: the exact bytes pushed, their type and the parse (also
    what a ``ManifestPushed`` event carries). Re-exported by :mod:`regsim.registry`."""

    digest: Digest
    media_type: str
    data: bytes = field(repr=False)
    parsed: Manifest | Index = field(repr=False)

    @property
    def size(self) -> int:
        """The length of the stored bytes (the ``size`` of a descriptor of this manifest)."""
        return len(self.data)

    @property
    def is_index(self) -> bool:
        """Whether it is an index (or Docker manifest list) rather than one image's manifest."""
        return self.parsed.is_index

    @property
    def subject(self) -> Digest | None:
        """The digest of the manifest this one refers to (a signature's or SBOM's ``subject``), or None;
        what the referrers API lists it under.
        """
        return self.parsed.subject.digest if self.parsed.subject is not None else None

    def references(self) -> Iterator[Descriptor]:
        """The descriptors the manifest points at: config and layers, or an index's manifests."""
        return self.parsed.references()

    def descriptor(self) -> Descriptor:
        """A descriptor of this manifest (media type, digest, size), as an index or a referrers list shows it."""
        return Descriptor(self.media_type, self.digest, self.size)
