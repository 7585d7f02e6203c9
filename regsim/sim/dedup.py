"""Deduplication strategies: what a registry would store at layer, file or chunk granularity.

Each strategy splits the content of a set of images into **units** and stores every distinct
unit once:

=================  ==================================================================
``none``           every image keeps its own copy of every layer
``layer``          one copy per layer digest (what registries do today)
``file``           one copy per distinct file content inside the layers' tars
``fixed``          one copy per distinct fixed-size chunk of every file
``cdc``            one copy per distinct content-defined chunk of every file
=================  ==================================================================

With ``compressed=True`` every unit is stored zlib-compressed (level 6, gzip's default); for
``none`` and ``layer`` that is the compressed layer, as registries store it.

For every strategy the report gives:

* ``logical_bytes`` -- the bytes with this split and compression but **no** dedup (every use of a
  unit counted);
* ``stored_bytes`` -- each distinct unit once; ``dedup_ratio = logical / stored`` (>= 1, and
  exactly 1 when nothing repeats);
* ``metadata_bytes`` -- the cost of finding units again: an index entry per stored unit (digest
  and size, 40 B) and a recipe entry per use (40 B, plus the path for files);
* ``saving`` -- ``1 - (stored + metadata) / baseline`` where the baseline is ``none`` without
  compression: what the strategy saves over keeping everything.

Layers known only by digest and size (placeholders) cannot be opened: every strategy treats
them as one opaque unit, and ``opaque_bytes`` says how many bytes were treated so.

>>> from regsim.oci.image import Image, Layer
>>> a = Layer.from_files([("/lib/libc.so", b"c" * 5000), ("/app/a.py", b"print(1)")])
>>> b = Layer.from_files([("/lib/libc.so", b"c" * 5000), ("/app/b.py", b"print(2)")])
>>> report = dedup_report([Image.create([a]), Image.create([b])], strategies=("layer", "file"))
>>> report[["strategy", "dedup_ratio"]].round(2).values.tolist()
[['layer', 1.0], ['file', 2.0]]
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from ..deprecation import moved_names
from ..oci.image import Image, ImageIndex, Layer
from ._util import ITERABLE, check_int, expect
from .chunking import cdc_chunks, fixed_chunks

if TYPE_CHECKING:
    import pandas as pd
from .errors import InvalidParameter

if TYPE_CHECKING:
    import pandas as pd


__all__ = ["STRATEGIES", "dedup_report", "DedupReport", "INDEX_ENTRY_BYTES", "RECIPE_ENTRY_BYTES"]

STRATEGIES = ("none", "layer", "file", "fixed", "cdc")
INDEX_ENTRY_BYTES = 40   # sha256 digest (32 B) + size (8 B)
RECIPE_ENTRY_BYTES = 40


@dataclass(frozen=True)
class DedupReport:
    """One strategy's figures (see the module docstring)."""

    strategy: str
    compressed: bool
    units: int
    references: int
    logical_bytes: int
    stored_bytes: int
    metadata_bytes: int
    opaque_bytes: int

    @property
    def dedup_ratio(self) -> float:
        return self.logical_bytes / self.stored_bytes if self.stored_bytes else 1.0

    def to_dict(self, baseline: int) -> dict[str, Any]:
        total = self.stored_bytes + self.metadata_bytes
        return {"strategy": self.strategy, "compressed": self.compressed, "units": self.units,
                "references": self.references, "logical_bytes": self.logical_bytes,
                "stored_bytes": self.stored_bytes, "metadata_bytes": self.metadata_bytes,
                "dedup_ratio": self.dedup_ratio,
                "saving": 1.0 - total / baseline if baseline else 0.0, "opaque_bytes": self.opaque_bytes}


def _images(source: Any) -> list[Image]:
    """Images from a Catalog, Images, ImageIndexes, or ``(repo, tags, index)`` tuples."""
    items = getattr(source, "versions", source)
    out: list[Image] = []
    for item in items:
        if isinstance(item, tuple):
            item = item[-1]
        item = getattr(item, "image", item)
        if isinstance(item, ImageIndex):
            out.extend(item.images)
        elif isinstance(item, Image):
            out.append(item)
        else:
            raise InvalidParameter(f"expected images (Image, ImageIndex, Catalog), got {type(item).__name__}")
    return out


class _Units:
    """Distinct units (content key -> size) and counts of their uses."""

    __slots__ = ("sizes", "refs", "references", "logical", "path_bytes")

    def __init__(self) -> None:
        self.sizes: dict[bytes, int] = {}
        self.refs = 0
        self.references = 0
        self.logical = 0
        self.path_bytes = 0

    def add(self, key: bytes, size: int, uses: int = 1, path_bytes: int = 0) -> None:
        self.sizes.setdefault(key, size)
        self.references += uses
        self.logical += size * uses
        self.path_bytes += path_bytes * uses


def _size(data: bytes, compressed: bool) -> int:
    return len(zlib.compress(data, 6)) if compressed else len(data)


def dedup_report(images: Any, *, strategies: Iterable[str] = STRATEGIES, compression: Iterable[bool] = (False,),
                 chunk_size: int = 4096, average_chunk: int = 4096) -> pd.DataFrame:
    """Storage under each strategy (rows) for the images of ``images``, as a DataFrame.

    ``images`` is a :class:`~regsim.sim.workloads.Catalog`, or any iterable of
    :class:`~regsim.Image` / :class:`~regsim.ImageIndex`. ``compression`` lists the settings
    to report (``(False, True)`` for both). Rows come in the order of ``strategies``.
    """
    expect("images", images, ITERABLE, "an iterable of images")
    import pandas as pd

    strategies = tuple(strategies)
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise InvalidParameter(f"unknown dedup strategy {unknown[0]!r} (known: {', '.join(STRATEGIES)})")
    check_int("chunk_size", chunk_size, minimum=1)
    check_int("average_chunk", average_chunk, minimum=64)
    content = _Content(_images(images), chunk_size, average_chunk)
    baseline = sum(content.layer_size(d, False) * n for d, n in content.uses.items())
    rows = [_measure(strategy, bool(compressed), content)
            for compressed in compression for strategy in strategies]
    return pd.DataFrame([r.to_dict(baseline) for r in rows])


class _Content:
    """Everything the strategies need, computed once: layer tars, file hashes, chunks, sizes."""

    def __init__(self, images: list[Image], chunk_size: int, average_chunk: int) -> None:
        self.uses: dict[str, int] = {}
        self.layers: dict[str, Layer] = {}
        for img in images:
            for layer in img.layers:
                d = str(layer.digest)
                self.uses[d] = self.uses.get(d, 0) + 1
                self.layers.setdefault(d, layer)
        self.chunk_size, self.average_chunk = chunk_size, average_chunk
        self.files: dict[str, list[tuple[str, bytes]] | None] = {}   # digest -> [(path, file hash)]
        self.data: dict[bytes, bytes] = {}                           # hash -> bytes (files and chunks)
        self._tars: dict[str, bytes] = {}
        self._chunks: dict[tuple[str, bytes], list[bytes]] = {}
        self._sizes: dict[tuple[bytes, bool], int] = {}
        for d, layer in self.layers.items():
            if layer.is_placeholder:
                self.files[d] = None
                continue
            listed = []
            for path, data in layer.files():
                key = hashlib.sha256(data).digest()
                self.data.setdefault(key, data)
                listed.append((path, key))
            self.files[d] = listed

    def layer_size(self, digest: str, compressed: bool) -> int:
        """A layer's uncompressed tar bytes (or their zlib size); a placeholder's size."""
        layer = self.layers[digest]
        if layer.is_placeholder:
            return layer.size
        key = (digest.encode(), compressed)
        if key not in self._sizes:
            tar = self._tars.get(digest)
            if tar is None:
                raw = layer.blob.data
                tar = self._tars[digest] = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            self._sizes[key] = _size(tar, compressed)
        return self._sizes[key]

    def size(self, key: bytes, compressed: bool) -> int:
        found = self._sizes.get((key, compressed))
        if found is None:
            found = self._sizes[(key, compressed)] = _size(self.data[key], compressed)
        return found

    def chunks(self, strategy: str, file_key: bytes) -> list[bytes]:
        """Hashes of the chunks of a file (computed once per distinct file and strategy)."""
        found = self._chunks.get((strategy, file_key))
        if found is None:
            data = self.data[file_key]
            pieces = fixed_chunks(data, self.chunk_size) if strategy == "fixed" else cdc_chunks(data, self.average_chunk)
            found = []
            for piece in pieces:
                key = hashlib.sha256(piece).digest()
                self.data.setdefault(key, piece)
                found.append(key)
            self._chunks[(strategy, file_key)] = found
        return found


def _measure(strategy: str, compressed: bool, content: _Content) -> DedupReport:
    units = _Units()
    opaque = 0
    for d, n in content.uses.items():
        files = content.files[d]
        if strategy in ("none", "layer") or files is None:
            size = content.layer_size(d, compressed)
            if files is None:
                opaque += size * n
            if strategy == "none":
                for _ in range(n):
                    units.add(f"{d}#{units.references}".encode(), size)
            else:
                units.add(d.encode(), size, uses=n)
            continue
        for path, file_key in files:
            if strategy == "file":
                units.add(file_key, content.size(file_key, compressed), uses=n, path_bytes=len(path))
                continue
            for key in content.chunks(strategy, file_key):
                units.add(key, content.size(key, compressed), uses=n)
            units.path_bytes += len(path) * n
    stored = sum(units.sizes.values())
    metadata = 0 if strategy == "none" else (
        len(units.sizes) * INDEX_ENTRY_BYTES + units.references * RECIPE_ENTRY_BYTES + units.path_bytes)
    return DedupReport(strategy, compressed, len(units.sizes), units.references, units.logical, stored,
                       metadata, opaque)


# Old names, for one release (CONTRIBUTING.md, "Renaming").
__getattr__ = moved_names("regsim.sim.dedup", {"DedupResult": "DedupReport"}, globals())
