"""Event logs on disk: JSON Lines, with the bytes they carry stored by digest beside them.

A saved log is two things::

    session.jsonl           one JSON object per line: a header, then one event per line
    session.blobs/sha256/<hex>   every byte string the events carry (blobs, manifests, chunks)

The header (``{"regsim": "event-log", "version": 1, ...}``) says how many events follow and, for
a ring, how many were dropped before the first. Each event is ``{"seq", "kind", <fields>}``: its
plain fields as JSON (digests as strings), and its payload fields (what a replay needs: a blob,
a manifest, a host's change) as tagged values whose bytes are named by their sha256 digest:
``{"$bytes": "sha256:...", "size": 3}``, ``{"$blob": ...}``, ``{"$image": ...}``. Loading checks
every byte string against its digest. The bytes may also be read from a registry directory
(``regsim serve --data DIR``, distribution's layout) or an OCI image layout, which hold blobs by
digest too.

Payload objects of the layers above (a stored manifest, a host's change) are dataclasses: they
are written as ``{"$type": "module:Class", "fields": {...}}`` and read back only as a dataclass
of a ``regsim`` module already loaded (``import regsim`` loads them all); nothing is imported or
run by reading a log.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import types
import typing
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..errors import DigestInvalid, InvalidArgument
from ..oci.blob import Blob, Placeholder
from ..oci.digest import Digest
from ..oci.image import Image, ImageIndex
from ..oci.manifest import parse_manifest
from .base import Event, event_types

__all__ = ["FORMAT", "VERSION", "LogFileError", "write_events", "read_events", "blobs_beside"]

FORMAT = "event-log"
VERSION = 1


class LogFileError(InvalidArgument):
    """A saved log that cannot be read back (the message names the file, the line and why)."""


def blobs_beside(path: str | os.PathLike[str]) -> Path:
    """Where the bytes of the log at ``path`` go by default: ``session.jsonl`` -> ``session.blobs``."""
    path = Path(path)
    return path.with_name(path.stem + ".blobs") if path.suffix else path.with_name(path.name + ".blobs")


# -- bytes by digest ---------------------------------------------------------------------------------


class _BlobWriter:
    """Writes byte strings once each into ``<dir>/sha256/<hex>``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._written: set[str] = set()

    def put(self, pieces: Iterable[bytes | memoryview], size: int, digest: str | None = None) -> str:
        chunks = list(pieces)
        if digest is None or not digest.startswith("sha256:"):
            hasher = hashlib.sha256()
            for chunk in chunks:
                hasher.update(chunk)
            digest = "sha256:" + hasher.hexdigest()
        if digest not in self._written:
            target = self.directory / "sha256" / digest.removeprefix("sha256:")
            if not (target.is_file() and target.stat().st_size == size):
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + ".partial")
                with open(partial, "wb") as out:
                    for chunk in chunks:
                        out.write(chunk)
                os.replace(partial, target)
            self._written.add(digest)
        return digest


class _BlobReader:
    """Reads byte strings by digest from a saved log's directory, a registry directory
    (distribution's ``docker/registry/v2/blobs``) or an OCI image layout (``blobs/``)."""

    def __init__(self, directory: Path) -> None:
        if (directory / "docker" / "registry" / "v2" / "blobs").is_dir():
            base = directory / "docker" / "registry" / "v2" / "blobs"
            self._path: Callable[[str, str], Path] = lambda alg, hex_: base / alg / hex_[:2] / hex_ / "data"
        elif (directory / "blobs").is_dir() and (directory / "oci-layout").is_file():
            self._path = lambda alg, hex_: directory / "blobs" / alg / hex_
        else:
            self._path = lambda alg, hex_: directory / alg / hex_
        self.directory = directory
        self._cache: dict[str, bytes] = {}

    def get(self, digest: str) -> bytes:
        data = self._cache.get(digest)
        if data is None:
            d = Digest(digest)
            path = self._path(d.algorithm, d.encoded)
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                raise LogFileError(f"the bytes of {digest} are not in {self.directory} (looked for {path})") from None
            if Digest.of(data, d.algorithm) != d:
                raise DigestInvalid(f"{path} does not hash to {digest}: the saved bytes were changed",
                                    detail=str(digest))
            self._cache[digest] = data
        return data


# -- values ------------------------------------------------------------------------------------------


def _encode(value: Any, blobs: _BlobWriter) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Digest):
        return {"$digest": str(value)}
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": blobs.put([bytes(value) if isinstance(value, bytearray) else value], len(value)),
                "size": len(value)}
    if isinstance(value, Placeholder):
        return {"$placeholder": str(value.digest), "size": value.size}
    if isinstance(value, Blob):
        return {"$blob": blobs.put(value.pieces(), value.size, value.digest), "size": value.size}
    if isinstance(value, Image):
        return {"$image": {"manifest": _encode(value.manifest_bytes, blobs), "media_type": value.media_type,
                           "config": _encode(value.config_blob, blobs),
                           "layers": [_encode(layer.blob, blobs) for layer in value.layers]}}
    if isinstance(value, ImageIndex):
        return {"$index": {"index": _encode(value.index_bytes, blobs), "media_type": value.media_type,
                           "images": [_encode(image, blobs) for image in value.images]}}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v, blobs) for v in value]}
    if isinstance(value, list):
        return [_encode(v, blobs) for v in value]
    if isinstance(value, (set, frozenset)):
        items = sorted((_encode(v, blobs) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        return {"$frozenset" if isinstance(value, frozenset) else "$set": items}
    if isinstance(value, dict):
        return {"$dict": [[_encode(k, blobs), _encode(v, blobs)] for k, v in value.items()]}
    kind = type(value)
    if dataclasses.is_dataclass(value) and kind.__module__.startswith("regsim."):
        fields = {f.name: _encode(getattr(value, f.name), blobs) for f in dataclasses.fields(value)
                  if f.init and f.name not in _DERIVED.get(_name(kind), {})}
        return {"$type": _name(kind), "fields": fields}
    raise InvalidArgument(f"cannot save a {kind.__module__}.{kind.__qualname__} in an event log: {value!r:.80}")


def _name(kind: type) -> str:
    return f"{kind.__module__}:{kind.__qualname__}"


#: Fields of payload dataclasses that are derived from others, so not saved: re-derived on load.
_DERIVED: dict[str, dict[str, Callable[[dict[str, Any]], Any]]] = {
    "regsim.oci.manifest:StoredManifest": {
        "parsed": lambda f: parse_manifest(f["data"], f["media_type"])},
}
#: Payload types that moved, by the name a log saved before the move uses.
_MOVED = {"regsim.registry.repository:StoredManifest": "regsim.oci.manifest:StoredManifest"}


def _loaded_dataclass(name: str) -> type:
    module_name, _, qualname = name.partition(":")
    module = sys.modules.get(module_name) if module_name.startswith("regsim.") else None
    kind: Any = module
    for part in qualname.split(".") if module is not None else ():
        kind = getattr(kind, part, None)
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        raise LogFileError(f"unknown payload type {name!r}: not a dataclass of a loaded regsim module "
                           "(import regsim first)")
    return kind


def _decode(value: Any, blobs: _BlobReader) -> Any:
    if isinstance(value, list):
        return [_decode(v, blobs) for v in value]
    if not isinstance(value, dict):
        return value
    if "$digest" in value:
        return Digest(value["$digest"])
    if "$bytes" in value:
        return blobs.get(value["$bytes"])
    if "$blob" in value:
        return Blob.verified(blobs.get(value["$blob"]), value["$blob"])
    if "$placeholder" in value:
        return Placeholder(value["$placeholder"], value["size"])
    if "$image" in value:
        v = value["$image"]
        return Image.from_parts(_decode(v["manifest"], blobs), _decode(v["config"], blobs),
                                [_decode(layer, blobs) for layer in v["layers"]], v["media_type"])
    if "$index" in value:
        v = value["$index"]
        return ImageIndex.from_parts(_decode(v["index"], blobs), [_decode(i, blobs) for i in v["images"]],
                                     v["media_type"])
    if "$tuple" in value:
        return tuple(_decode(v, blobs) for v in value["$tuple"])
    if "$set" in value:
        return {_decode(v, blobs) for v in value["$set"]}
    if "$frozenset" in value:
        return frozenset(_decode(v, blobs) for v in value["$frozenset"])
    if "$dict" in value:
        return {_decode(k, blobs): _decode(v, blobs) for k, v in value["$dict"]}
    if "$type" in value:
        type_name: str = str(value["$type"])
        type_name = _MOVED.get(type_name, type_name)
        kind = _loaded_dataclass(type_name)
        fields = {k: _decode(v, blobs) for k, v in value["fields"].items()}
        for name, derive in _DERIVED.get(type_name, {}).items():
            fields[name] = derive(fields)
        return kind(**fields)
    raise LogFileError(f"unknown tagged value {sorted(value)[:3]}")


def _typed(hint: Any, value: Any) -> Any:
    """A plain JSON field back in its declared type (digests, tuples)."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _typed(options[0], value) if len(options) == 1 else value
    if origin is tuple and isinstance(value, list):
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_typed(args[0], v) for v in value)
        return tuple(_typed(a, v) for a, v in zip(args, value))
    if hint is Digest:
        return Digest(value)
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(kind: type[Event]) -> dict[str, Any]:
    hints = _HINTS.get(kind)
    if hints is None:
        hints = _HINTS[kind] = typing.get_type_hints(kind)
    return hints


# -- events ------------------------------------------------------------------------------------------


def _event_record(event: Event, blobs: _BlobWriter) -> dict[str, Any]:
    out: dict[str, Any] = {"seq": event.seq, "kind": event.kind}
    for f in dataclasses.fields(event):
        if f.name == "seq":
            continue
        value = getattr(event, f.name)
        if f.metadata.get("payload"):
            if value is not f.default:
                out[f.name] = _encode(value, blobs)
        elif isinstance(value, tuple):
            out[f.name] = json.loads(json.dumps(value))  # nested tuples -> lists (digests stay strings)
        else:
            out[f.name] = value
    return out


def write_events(path: str | os.PathLike[str], events: Iterable[Event], *, blobs: str | os.PathLike[str] | None = None,
                 header: dict[str, Any] | None = None) -> Path:
    """Write ``events`` as JSON Lines to ``path`` and their bytes under ``blobs`` (see the module)."""
    path = Path(path)
    writer = _BlobWriter(Path(blobs) if blobs is not None else blobs_beside(path))
    lines = [json.dumps(_event_record(e, writer), separators=(",", ":")) for e in events]
    head = {"regsim": FORMAT, "version": VERSION, "events": len(lines), **(header or {})}
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8") as out:
        out.write(json.dumps(head, separators=(",", ":")) + "\n")
        for line in lines:
            out.write(line + "\n")
    os.replace(partial, path)
    return path


def read_events(path: str | os.PathLike[str], *, blobs: str | os.PathLike[str] | None = None
                ) -> tuple[dict[str, Any], Iterator[Event]]:
    """The header of the log at ``path`` and its events (bytes from ``blobs``, default beside it)."""
    path = Path(path)
    reader = _BlobReader(Path(blobs) if blobs is not None else blobs_beside(path))
    handle = open(path, encoding="utf-8")
    try:
        first = handle.readline()
        head = json.loads(first) if first.strip() else None
    except ValueError:
        head = None
    if not isinstance(head, dict) or head.get("regsim") != FORMAT:
        handle.close()
        raise LogFileError(f"{path} is not a saved regsim event log (no header line)")
    if head.get("version") != VERSION:
        handle.close()
        raise LogFileError(f"{path} is an event log of version {head.get('version')!r}; this regsim reads {VERSION}")
    kinds = event_types()

    def events() -> Iterator[Event]:
        with handle:
            for number, line in enumerate(handle, start=2):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    kind = kinds[record.pop("kind")]
                    hints = _hints(kind)
                    payloads = {f.name for f in dataclasses.fields(kind) if f.metadata.get("payload")}
                    fields = {name: _decode(value, reader) if name in payloads else _typed(hints.get(name), value)
                              for name, value in record.items()}
                    yield kind(**fields)
                except LogFileError as exc:
                    raise LogFileError(f"{path}:{number}: {exc}") from None
                except DigestInvalid as exc:
                    raise DigestInvalid(f"{path}:{number}: {exc.message}", detail=exc.detail) from None
                except (ValueError, KeyError, TypeError) as exc:
                    raise LogFileError(f"{path}:{number}: not an event: {exc!s:.200}") from None

    return head, events()
