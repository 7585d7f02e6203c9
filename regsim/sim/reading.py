"""Reading traces in chunks, with dense ids built while streaming: the input side of a replay.

A *source* is a :class:`~regsim.sim.traces.Trace`, or the path of a trace file: libCacheSim's
``oracleGeneral`` (plain or ``.zst``, :mod:`regsim.sim.oracle`), Parquet with the columns
``key`` and ``size`` (and ``kind``, if present), the project's CSV, or an IBM registry trace.
:func:`iter_chunks` yields ``(keys, sizes)`` numpy arrays; :class:`DenseIds` turns keys into
dense ids ``0..n-1`` across chunks; :func:`load_dense` reads a source once into a
:class:`DenseTrace` (dense ids, sizes and totals); :func:`working_set` measures one in a pass.
:mod:`regsim.sim.streaming` replays them. This module imports no policy code.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ._util import PATH
from .errors import InvalidParameter, TraceFormatError
from .traces import Trace

__all__ = ["iter_chunks", "DenseIds", "DenseTrace", "load_dense", "working_set", "PARQUET_MAGIC"]


def numba_available() -> bool:
    return importlib.util.find_spec("numba") is not None


PARQUET_MAGIC = b"PAR1"


def _is_parquet(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == PARQUET_MAGIC


def _is_ibm(path: Path) -> bool:
    """An IBM registry trace: gzip, or JSON (an array or lines of objects)."""
    with open(path, "rb") as f:
        head = f.read(64).lstrip()
    return head[:2] == b"\x1f\x8b" or head[:1] in (b"[", b"{")


def iter_chunks(source: "Trace | str | os.PathLike[str]", *, chunk_requests: int = 1_000_000,
                kind: str | None = "blob", ignore_size_zero_req: bool = False) -> Iterator[tuple[Any, Any]]:
    """``(keys, sizes)`` numpy arrays of at most ``chunk_requests`` requests, in trace order.

    ``kind`` keeps one kind of request when the source has a ``kind`` column (a Trace, Parquet);
    oracleGeneral traces have none (every request is an object GET). ``ignore_size_zero_req``
    drops the requests of size 0 (libCacheSim's reader default).
    """
    if not isinstance(ignore_size_zero_req, bool):
        raise InvalidParameter(f"ignore_size_zero_req must be True or False, got {ignore_size_zero_req!r}")
    if not isinstance(source, (Trace, *PATH)):
        raise InvalidParameter(f"source: a source is a Trace or a trace file's path, got {type(source).__name__} "
                               f"{source!r:.80}")
    chunks = _chunks(source, chunk_requests, kind)
    return _nonzero(chunks) if ignore_size_zero_req else chunks


def _nonzero(chunks: Iterator[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
    for keys, sizes in chunks:
        keep = sizes != 0
        yield (keys, sizes) if keep.all() else (keys[keep], sizes[keep])


def _chunks(source: "Trace | str | os.PathLike[str]", chunk_requests: int, kind: str | None) -> Iterator[tuple[Any, Any]]:
    import numpy as np

    if isinstance(chunk_requests, bool) or not isinstance(chunk_requests, int) or chunk_requests < 1:
        raise InvalidParameter(f"chunk_requests must be an int >= 1, got {chunk_requests!r}")
    if isinstance(source, Trace):
        trace = source.only(kind) if kind is not None else source
        frame = trace.frame
        for start in range(0, len(frame), chunk_requests):
            part = frame.iloc[start:start + chunk_requests]
            yield part["key"].to_numpy(), part["size"].to_numpy(dtype=np.int64)
        return
    if not isinstance(source, (str, os.PathLike)):
        raise InvalidParameter(f"a source is a Trace or a trace file's path, got {type(source).__name__}")
    path = Path(source)
    if not path.is_file():
        raise TraceFormatError(f"{path}: no such trace file")
    if path.suffix.lower() == ".csv":  # the project's CSV (write_csv); never read as binary records
        yield from _csv_chunks(path, chunk_requests, kind)
        return
    if _is_parquet(path):
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
        missing = [c for c in ("key", "size") if c not in names]
        if missing:
            raise TraceFormatError(f"{path}: a Parquet trace needs the columns key and size, missing {missing} "
                                   f"(has {names})")
        columns = ["key", "size"] + (["kind"] if kind is not None and "kind" in names else [])
        for batch in pf.iter_batches(batch_size=chunk_requests, columns=columns):
            keys = batch.column("key").to_numpy(zero_copy_only=False)
            sizes = batch.column("size").to_numpy(zero_copy_only=False).astype(np.int64)
            if "kind" in columns:
                keep = np.asarray(batch.column("kind").to_numpy(zero_copy_only=False) == kind)
                keys, sizes = keys[keep], sizes[keep]
            if sizes.size and sizes.min() < 0:
                raise TraceFormatError(f"{path}: object sizes must be >= 0, got {int(sizes.min())}")
            yield keys, sizes
        return
    if _is_ibm(path):
        from .traces import iter_ibm

        for part in iter_ibm(path, chunk_requests=chunk_requests):
            part = part.only(kind) if kind is not None else part
            yield np.asarray(part.keys, dtype=object), np.asarray(part.sizes, dtype=np.int64)
        return
    from .oracle import iter_oracle_general

    for rec in iter_oracle_general(path, chunk_requests):
        yield rec["obj_id"], rec["obj_size"].astype(np.int64)


def _csv_chunks(path: Path, chunk_requests: int, kind: str | None) -> Iterator[tuple[Any, Any]]:
    """A CSV trace as :func:`~regsim.sim.traces.write_csv` writes it (a header row naming at least
    ``key`` and ``size``), ``chunk_requests`` rows at a time. Keys stay text: replaying needs only
    their equality, which is the same as for the ints :func:`~regsim.sim.traces.read_csv` makes."""
    import numpy as np
    import pandas as pd

    with open(path, encoding="utf-8", newline="") as handle:
        header = [c.strip() for c in handle.readline().strip().split(",")]
    missing = [c for c in ("key", "size") if c not in header]
    if missing:
        raise TraceFormatError(f"{path}: a CSV trace needs the columns key and size (a header row, as write_csv "
                               f"writes), missing {missing} (first line: {header})")
    columns = ["key", "size"] + (["kind"] if kind is not None and "kind" in header else [])
    try:
        for part in pd.read_csv(path, usecols=columns, dtype={"key": str, "kind": str}, keep_default_na=False,
                                chunksize=chunk_requests):
            if "kind" in columns:
                part = part[part["kind"] == kind]
            sizes = pd.to_numeric(part["size"], errors="raise").to_numpy(dtype=np.int64)
            if sizes.size and sizes.min() < 0:
                raise TraceFormatError(f"{path}: object sizes must be >= 0, got {int(sizes.min())}")
            yield part["key"].to_numpy(dtype=object), sizes
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, TraceFormatError):
            raise
        raise TraceFormatError(f"{path}: not a trace CSV ({exc})") from None


class DenseIds:
    """Dense ids ``0..n-1``, in order of first appearance, for keys arriving in chunks.

    Integer keys go through a compiled open-addressing hash table (:func:`regsim.sim.kernels.dense_ids`)
    when numba is installed; other keys (digests) through a dict.

    >>> d = DenseIds()
    >>> d.map([10, 20, 10]).tolist(), d.map([30, 20]).tolist(), len(d)
    ([0, 1, 0], [2, 1], 3)
    """

    def __init__(self) -> None:
        import numpy as np

        self._np = np
        self.count = 0
        self._table_keys = np.zeros(0, np.uint64)
        self._table_ids = np.zeros(0, np.int64)
        self._by_id = np.zeros(0, np.uint64)
        self._dict: dict[Any, int] | None = None

    def __len__(self) -> int:
        return self.count

    def map(self, keys: Any) -> Any:
        """Dense ids (int64 array) for one chunk of keys."""
        np = self._np
        keys = np.asarray(keys)
        if keys.dtype.kind in "iu" and self._dict is None and numba_available():
            return self._map_ints(keys.astype(np.int64, copy=False).view(np.uint64)
                                  if keys.dtype.kind == "i" else keys.astype(np.uint64, copy=False))
        return self._map_any(keys)

    def object_ids(self) -> Any:
        """Each dense id's key as an integer array (libCacheSim's object ids, which WTinyLFU
        hashes), or None when the keys are not all integers."""
        np = self._np
        if self._dict is None:
            return self._by_id[: self.count]
        keys = list(self._dict)
        if all(isinstance(k, int) for k in keys):
            return np.array(keys, dtype=np.uint64 if keys and max(keys) >= 2**63 else np.int64)
        return None

    def _map_ints(self, keys: Any) -> Any:
        np = self._np
        from .kernels import dense_ids

        need = 2 * (self.count + keys.size)
        if self._table_keys.size < need:
            size = 1 << max(10, (need - 1).bit_length())
            self._table_keys = np.zeros(size, np.uint64)
            self._table_ids = np.full(size, -1, np.int64)
            scratch = np.empty(self.count, np.int64)
            dense_ids(np.ascontiguousarray(self._by_id[: self.count]), self._table_keys, self._table_ids, 0, scratch)
            by_id = np.zeros(max(size // 2, 1), np.uint64)
            by_id[: self.count] = self._by_id[: self.count]
            self._by_id = by_id
        out = np.empty(keys.size, np.int64)
        old = self.count
        self.count = int(dense_ids(np.ascontiguousarray(keys), self._table_keys, self._table_ids, old, out))
        new = out >= old
        self._by_id[out[new]] = keys[new]
        return out

    def _map_any(self, keys: Any) -> Any:
        np = self._np
        import pandas as pd

        if self._dict is None:  # switching from the table (mixed chunks): carry its keys over
            self._dict = {int(k): i for i, k in enumerate(self._by_id[: self.count].tolist())}
        codes, uniques = pd.factorize(pd.Series(keys, dtype=object if keys.dtype.kind not in "iu" else None))
        table = self._dict
        mapped = np.fromiter((table.setdefault(k, len(table)) for k in uniques.tolist()), np.int64,
                             count=len(uniques))
        self.count = len(table)
        return mapped[codes]


def working_set(source: "Trace | str | os.PathLike[str]", *, kind: str | None = "blob",
                chunk_requests: int = 1_000_000, ignore_size_zero_req: bool = False) -> tuple[int, int, int, int]:
    """``(objects, working-set bytes, requests, bytes requested)`` in one streaming pass.

    An object counts with the size of its first request, as :meth:`Trace.working_set`.
    """
    tally = _Tally()
    for keys, sizes in iter_chunks(source, chunk_requests=chunk_requests, kind=kind,
                                   ignore_size_zero_req=ignore_size_zero_req):
        tally.add(keys, sizes)
    return tally.dense.count, tally.wss, tally.requests, tally.total


class _Tally:
    """Dense ids and the totals (working set, requests, bytes), chunk by chunk."""

    def __init__(self) -> None:
        self.dense = DenseIds()
        self.wss = self.requests = self.total = 0

    def add(self, keys: Any, sizes: Any) -> Any:
        import numpy as np

        old = self.dense.count
        ids = self.dense.map(keys)
        if self.dense.count > old:  # new objects: each one's size at its first request (no sort)
            new = ids >= old
            first = np.zeros(self.dense.count - old, np.int64)
            first[ids[new][::-1] - old] = sizes[new][::-1]  # the earliest request is written last
            self.wss += int(first.sum())
        self.requests += int(sizes.size)
        self.total += int(sizes.sum())
        return ids


@dataclass(frozen=True)
class DenseTrace:
    """A trace as the compiled engine replays it: dense ids ``0..objects-1`` and sizes (int64
    arrays), with its totals. :func:`load_dense` reads a file into one in a single pass; a dask
    sweep scatters one (a tenth of the bytes of the whole Trace) instead of the Trace."""

    ids: Any
    sizes: Any
    objects: int
    working_set_bytes: int
    requests: int
    total_bytes: int
    #: each dense id's integer key (None when the keys are not integers): what WTinyLFU hashes
    object_ids: Any = None

    @classmethod
    def of(cls, trace: Trace) -> "DenseTrace":
        ids, sizes, objects = trace.dense()
        return cls(ids, sizes, objects, trace.working_set()[1], len(trace), trace.total_bytes, trace.object_ids())


def load_dense(source: "Trace | str | os.PathLike[str]", *, kind: str | None = "blob",
               chunk_requests: int = 1_000_000, ignore_size_zero_req: bool = False) -> DenseTrace:
    """Read ``source`` once into a :class:`DenseTrace` (dense ids built while streaming).

    >>> from regsim.sim.workloads import object_trace
    >>> d = load_dense(object_trace(1000, objects=50, seed=1))
    >>> d.requests, d.objects, int(d.ids.max()) + 1 == d.objects
    (1000, 50, True)
    """
    import numpy as np

    if isinstance(source, Trace) and not ignore_size_zero_req:
        return DenseTrace.of(source.only(kind) if kind is not None else source)
    tally = _Tally()
    ids_parts, size_parts = [], []
    for keys, sizes in iter_chunks(source, chunk_requests=chunk_requests, kind=kind,
                                   ignore_size_zero_req=ignore_size_zero_req):
        ids_parts.append(tally.add(keys, sizes))
        size_parts.append(np.asarray(sizes, dtype=np.int64))
    ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, np.int64)
    sizes = np.concatenate(size_parts) if size_parts else np.zeros(0, np.int64)
    del ids_parts, size_parts
    return DenseTrace(ids, sizes, tally.dense.count, tally.wss, tally.requests, tally.total, tally.dense.object_ids())
