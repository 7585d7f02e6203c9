"""Request traces: one row per registry request, saved as CSV or read from the IBM trace format.

A :class:`Trace` is a thin, validated wrapper around a pandas DataFrame with these columns:

=============  =================================================================================
``time``       seconds since the start of the trace (float, non-decreasing)
``client``     who sent the request (a host name or an anonymised address)
``method``     ``GET``, ``HEAD``, ``PUT`` ...
``kind``       ``manifest`` or ``blob``
``repository`` the repository in the URI (``library/python``)
``key``        what a cache stores the response under: the blob digest, or
               ``repository:reference`` for a manifest (a tag or a digest)
``size``       bytes of the response body (``http.response.written``)
``duration``   seconds the registry took to answer (0 when unknown)
=============  =================================================================================

The IBM Cloud container registry traces (Anwar et al., *Improving Docker Registry Design based on
Production Workload Analysis*, FAST'18) are JSON arrays of request records with the fields
``timestamp``, ``http.request.method``, ``http.request.uri``, ``http.response.written``,
``http.request.duration`` and ``http.request.remoteaddr`` (plus ``host``, ``id`` and others that
are ignored). :func:`read_ibm` reads them (JSON array or one object per line, optionally
gzip-compressed); :func:`write_ibm` writes that format.

>>> t = Trace.from_columns(time=[0.0, 0.1], client=["h1", "h1"], kind=["manifest", "blob"],
...                        repository=["library/alpine"] * 2, key=["library/alpine:latest", "sha256:aa"],
...                        size=[528, 3_370_628])
>>> len(t), t.total_bytes
(2, 3371156)
"""

from __future__ import annotations

import gzip
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Hashable, Iterable, Iterator, Sequence

from ..deprecation import moved_names
from ._util import ITERABLE, PATH, expect
from .errors import InvalidParameter, TraceFormatError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Trace", "COLUMNS", "write_csv", "read_csv", "write_parquet", "read_parquet", "read_ibm", "iter_ibm",
           "write_ibm", "parse_uri"]

COLUMNS = ("time", "client", "method", "kind", "repository", "key", "size", "duration")
KINDS = ("manifest", "blob")


def _pandas() -> Any:  # the pandas module (untyped here: see pyproject.toml [tool.mypy])
    import pandas as pd

    return pd


class Trace:
    """A request trace (see the module docstring for the columns)."""

    def __init__(self, frame: Any) -> None:
        pd = _pandas()
        if not isinstance(frame, pd.DataFrame):
            raise InvalidParameter(f"frame: Trace needs a pandas DataFrame, got {type(frame).__name__} {frame!r:.80}")
        missing = [c for c in COLUMNS if c not in frame.columns and c != "duration"]
        if missing:
            raise TraceFormatError(f"trace is missing columns {missing} (has {list(frame.columns)})")
        frame = frame.copy()
        if "duration" not in frame.columns:
            frame["duration"] = 0.0
        frame = frame[list(COLUMNS)].reset_index(drop=True)
        frame["time"] = frame["time"].astype(float)
        frame["size"] = frame["size"].astype("int64")
        frame["duration"] = frame["duration"].astype(float)
        for col in ("client", "method", "kind", "repository"):
            frame[col] = frame[col].astype(str)
        if len(frame):
            bad_kind = sorted(set(frame["kind"]) - set(KINDS))
            if bad_kind:
                raise TraceFormatError(f"trace kind must be 'manifest' or 'blob', got {bad_kind[0]!r}")
            if (frame["size"] < 0).any():
                raise TraceFormatError(f"trace sizes must be >= 0, got {int(frame['size'].min())}")
            backwards = (frame["time"].diff() < 0).to_numpy()
            if backwards.any():
                i = int(backwards.argmax())
                before, after = float(frame.at[i - 1, "time"]), float(frame.at[i, "time"])
                raise TraceFormatError(f"trace times must be non-decreasing (sort the requests by time): "
                                       f"request {i} at time {after!r} s comes after request {i - 1} at "
                                       f"time {before!r} s")
        self._frame = frame
        self._dense: tuple[Any, Any, int] | None = None
        self._uniques: Any = None
        self._working_set: tuple[int, int] | None = None
        self._kinds: dict[str, Trace] = {}

    @classmethod
    def from_columns(cls, **columns: Sequence[Any]) -> "Trace":
        """A trace from equal-length columns (``time=[...], key=[...], size=[...]``...).

        ``client``, ``method``, ``kind`` and ``repository`` default to ``""``, ``GET``, ``blob``
        and ``""``.
        """
        pd = _pandas()
        n = len(columns["key"])
        defaults = {"client": "", "method": "GET", "kind": "blob", "repository": "", "duration": 0.0}
        data = {c: columns.get(c, [defaults[c]] * n if c in defaults else None) for c in COLUMNS}
        if data["time"] is None:
            data["time"] = [float(i) for i in range(n)]
        if data["size"] is None:
            raise InvalidParameter("from_columns needs a size column")
        return cls(pd.DataFrame(data))

    # -- reading -------------------------------------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        """The requests as a DataFrame (a copy: a Trace does not change)."""
        return self._frame.copy()

    @property
    def keys(self) -> list[Hashable]:
        """Cache keys, in request order (a plain list, ready for :func:`regsim.sim.cache.simulate`)."""
        keys: list[Hashable] = self._frame["key"].tolist()
        return keys

    @property
    def sizes(self) -> list[int]:
        """Object sizes in bytes, in request order (a plain list, beside :attr:`keys`).

        >>> t = Trace.from_columns(key=["a", "b", "a"], size=[10, 30, 10])
        >>> t.keys, t.sizes, t.total_bytes
        (['a', 'b', 'a'], [10, 30, 10], 50)
        """
        sizes: list[int] = self._frame["size"].tolist()
        return sizes

    @property
    def total_bytes(self) -> int:
        """The bytes of every request together (a repeated object counted each time)."""
        return int(self._frame["size"].sum())

    def working_set(self) -> tuple[int, int]:
        """``(distinct objects, their bytes)`` -- what a cache of unlimited size ends up holding.

        An object counts with the size of its first request. Computed once and kept.
        """
        if self._working_set is None:
            first = self._frame.drop_duplicates("key")
            self._working_set = (len(first), int(first["size"].sum()))
        return self._working_set

    def describe(self, top: float = 0.05) -> dict[str, Any]:
        """How the sizes of the distinct objects (the working set) are spread.

        ``objects`` and ``bytes`` (as :meth:`working_set`), ``median_size``, ``mean_size`` and
        ``largest_size`` in bytes, and ``top_bytes_share``: the share of the bytes held by the
        largest ``top`` of the objects (5% by default, rounded to a whole number of objects, at
        least one). Registry blobs are very skewed: a few layers hold most of the bytes.

        >>> Trace.from_columns(key=["a", "b", "c", "a"], size=[10, 30, 60, 10]).describe(top=0.3)
        {'objects': 3, 'bytes': 100, 'median_size': 30.0, 'mean_size': 33.333333333333336, \
'largest_size': 60, 'top': 0.3, 'top_bytes_share': 0.6}
        """
        if isinstance(top, bool) or not isinstance(top, (int, float)) or not 0 < top <= 1:
            raise InvalidParameter(f"top must be a fraction in (0, 1], got {top!r}")
        sizes = self._frame.drop_duplicates("key")["size"].sort_values(ascending=False, kind="stable")
        objects, total = len(sizes), int(sizes.sum())
        if not objects:
            return {"objects": 0, "bytes": 0, "median_size": 0.0, "mean_size": 0.0, "largest_size": 0,
                    "top": top, "top_bytes_share": 0.0}
        largest = sizes.iloc[: max(1, round(objects * top))]
        return {"objects": objects, "bytes": total, "median_size": float(sizes.median()),
                "mean_size": total / objects, "largest_size": int(sizes.iloc[0]), "top": top,
                "top_bytes_share": int(largest.sum()) / total if total else 0.0}

    def only(self, kind: str) -> "Trace":
        """The requests of one kind (``"blob"`` or ``"manifest"``); made once, then kept."""
        if kind not in KINDS:
            raise InvalidParameter(f"kind must be 'manifest' or 'blob', got {kind!r}")
        part = self._kinds.get(kind)
        if part is None:
            part = self._kinds[kind] = Trace(self._frame[self._frame["kind"] == kind])
        return part

    def dense(self) -> tuple[Any, Any, int]:
        """``(ids, sizes, objects)``: each request's object as a dense id ``0..objects-1`` (in order
        of first request) and its size, as int64 numpy arrays -- what the compiled engine replays.

        Computed once and kept (a Trace does not change), so a sweep pays for it once per trace.

        >>> ids, sizes, objects = Trace.from_columns(key=["b", "a", "b"], size=[5, 7, 5]).dense()
        >>> ids.tolist(), sizes.tolist(), objects
        ([0, 1, 0], [5, 7, 5], 2)
        """
        if self._dense is None:
            pd = _pandas()
            codes, uniques = pd.factorize(self._frame["key"])
            ids = codes.astype("int64")
            sizes = self._frame["size"].to_numpy(dtype="int64")
            self._dense = (ids, sizes, len(uniques))
            self._uniques = uniques
        return self._dense

    def object_ids(self) -> Any:
        """Each dense id's key (of :meth:`dense`) as an integer array, when the keys are integers
        (libCacheSim's object ids; WTinyLFU hashes them); None otherwise.

        >>> Trace.from_columns(key=[9, 4, 9], size=[5, 7, 5]).object_ids().tolist()
        [9, 4]
        """
        self.dense()
        uniques = _pandas().Index(self._uniques)
        return uniques.to_numpy() if uniques.dtype.kind in "iu" else None

    def head(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` requests as a DataFrame (as ``DataFrame.head``), for a look in a notebook."""
        return self._frame.head(n)

    def __len__(self) -> int:
        return len(self._frame)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Trace) and self._frame.equals(other.frame)

    def __repr__(self) -> str:
        objects, wss = self.working_set()
        return f"Trace({len(self)} requests, {objects} objects, {wss} B working set)"

    def _repr_html_(self) -> str:
        html: str = self._frame.head(10).to_html(index=False, escape=True)
        return html


# -- CSV ----------------------------------------------------------------------------------------


def write_csv(trace: Trace, path: str | Path) -> Path:
    """Write ``trace`` as CSV with the columns of :data:`COLUMNS` (a header row first)."""
    expect("trace", trace, Trace, "a Trace")
    expect("path", path, PATH, "a path")
    path = Path(path)
    frame = trace.frame
    frame["key"] = frame["key"].astype(str)
    frame.to_csv(path, index=False, float_format="%.6f")
    return path


def read_csv(path: str | Path) -> Trace:
    """Read a trace written by :func:`write_csv` (or any CSV with those columns).

    Keys that are all integers come back as ints (object ids), others as strings.
    """
    expect("path", path, PATH, "a path")
    pd = _pandas()
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype={"key": str, "client": str, "repository": str},
                            keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TraceFormatError(f"{path}: not a trace CSV ({exc})") from None
    keys = frame["key"] if "key" in frame.columns else None
    if keys is not None and len(keys) and keys.str.fullmatch(r"-?\d+").all():
        frame["key"] = keys.astype("int64")
    return Trace(frame)


# -- Parquet ------------------------------------------------------------------------------------


def write_parquet(trace: Trace, path: str | Path, *, row_group_requests: int = 1_000_000) -> Path:
    """Write ``trace`` as Parquet (the columns of :data:`COLUMNS`), in row groups of
    ``row_group_requests`` so that :func:`regsim.sim.streaming.iter_chunks` can stream it back."""
    expect("trace", trace, Trace, "a Trace")
    expect("path", path, PATH, "a path")
    path = Path(path)
    trace.frame.to_parquet(path, index=False, row_group_size=row_group_requests)
    return path


def read_parquet(path: str | Path) -> Trace:
    """Read a whole Parquet trace (as :func:`write_parquet` writes it) into a Trace."""
    expect("path", path, PATH, "a path")
    pd = _pandas()
    path = Path(path)
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise TraceFormatError(f"{path}: not a Parquet trace ({exc})") from None
    return Trace(frame)


# -- the IBM registry trace format --------------------------------------------------------------

_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ")


def parse_uri(uri: str) -> tuple[str, str, str] | None:
    """``/v2/<name>/manifests/<ref>`` or ``/v2/<name>/blobs/<digest>`` -> (kind, name, ref).

    The leading slash is optional (the IBM traces omit it). Other URIs (``/v2/``, uploads, tag
    lists) give None.
    """
    expect("uri", uri, str)
    path = uri.split("?", 1)[0].lstrip("/")
    if not path.startswith("v2/"):
        return None
    rest = path[3:]
    for marker, kind in (("/manifests/", "manifest"), ("/blobs/", "blob")):
        name, sep, ref = rest.rpartition(marker)
        if sep and name and ref and "/" not in ref:
            if kind == "blob" and ref == "uploads":
                return None
            return kind, name, ref
    return None


def _parse_time(value: Any, where: str) -> datetime:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(str(value), fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise TraceFormatError(f"{where}: timestamp {value!r} is not like 2017-06-20T00:00:00.123Z")


def _skip_space(buf: str, pos: int) -> int:
    while pos < len(buf) and buf[pos] in " \t\r\n":
        pos += 1
    return pos


def _json_objects(stream: IO[str], where: str, block: int = 1 << 16) -> Iterator[Any]:
    """The values of a JSON array, or of JSON lines, read ``block`` characters at a time."""
    decoder = json.JSONDecoder()
    buf, pos, done = "", 0, False

    def more() -> bool:
        nonlocal buf, pos, done
        chunk = "" if done else stream.read(block)
        done = done or not chunk
        buf, pos = buf[pos:] + chunk, 0
        return bool(chunk)

    def bad(exc: json.JSONDecodeError) -> TraceFormatError:
        return TraceFormatError(f"{where}: not JSON ({exc.msg} at character {exc.pos} of the part being read)")

    more()
    pos = _skip_space(buf, pos)
    while pos == len(buf) and more():
        pos = _skip_space(buf, pos)
    if pos == len(buf):
        return
    array = buf[pos] == "["
    if array:
        pos += 1
    while True:
        pos = _skip_space(buf, pos)
        while pos == len(buf) and more():
            pos = _skip_space(buf, pos)
        if pos == len(buf):
            if array:
                raise TraceFormatError(f"{where}: not JSON (the array is not closed: the file ends early)")
            return
        if array and buf[pos] == "]":
            return
        try:
            value, end = decoder.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            if more():
                continue
            raise bad(exc) from None
        if end == len(buf) and not done:  # the value may go on in the next block: read on, decode again
            more()
            continue
        yield value
        pos = _skip_space(buf, end)
        while pos == len(buf) and more():
            pos = _skip_space(buf, pos)
        if array and pos < len(buf) and buf[pos] == ",":
            pos += 1


#: one kept request of an IBM trace: (datetime, client, method, kind, repository, key, size, duration)
_IbmRow = tuple[datetime, str, str, str, str, str, int, float]

_IBM_REQUIRED = ("timestamp", "http.request.method", "http.request.uri", "http.response.written",
                 "http.request.duration", "http.request.remoteaddr")


def _ibm_rows(paths: "str | Path | Iterable[str | Path]", methods: Sequence[str]) -> Iterator[_IbmRow]:
    """``(datetime, client, method, kind, repository, key, size, duration)`` per kept request."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    wanted = {m.upper() for m in methods}
    for p in paths:
        p = Path(p)
        with open(p, "rb") as probe:
            gz = probe.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        with opener(p, "rt", encoding="utf-8") as stream:
            for i, rec in enumerate(_json_objects(stream, str(p))):
                where = f"{p.name} record {i}"
                if not isinstance(rec, dict):
                    raise TraceFormatError(f"{p}: expected a JSON array of request objects")
                absent = [f for f in _IBM_REQUIRED if f not in rec]
                if absent:
                    raise TraceFormatError(f"{where}: missing field {absent[0]!r}")
                method = str(rec["http.request.method"]).upper()
                if method not in wanted:
                    continue
                parsed = parse_uri(str(rec["http.request.uri"]))
                if parsed is None:
                    continue
                kind, name, ref = parsed
                try:
                    size = int(rec["http.response.written"])
                    duration = float(rec["http.request.duration"])
                except (TypeError, ValueError):
                    raise TraceFormatError(f"{where}: http.response.written and http.request.duration must be "
                                           f"numbers, got {rec['http.response.written']!r}, "
                                           f"{rec['http.request.duration']!r}") from None
                key = ref if kind == "blob" else f"{name}:{ref}"
                yield (_parse_time(rec["timestamp"], where), str(rec["http.request.remoteaddr"]), method, kind,
                       name, key, size, duration)


def _ibm_trace(rows: list[_IbmRow], start: datetime) -> Trace:
    pd = _pandas()
    frame = pd.DataFrame([((r[0] - start).total_seconds(), *r[1:]) for r in rows], columns=list(COLUMNS))
    return Trace(frame)


def read_ibm(paths: "str | Path | Iterable[str | Path]", *, methods: Sequence[str] = ("GET",)) -> Trace:
    """Read IBM registry trace files (JSON array or JSON lines, ``.gz`` allowed) into a Trace.

    Only manifest and blob requests with a method in ``methods`` are kept; a manifest's key is
    ``repository:reference``, a blob's is its digest. Times are seconds after the first request.
    The files are parsed as a stream (see :func:`iter_ibm` for traces larger than memory).
    """
    expect("paths", paths, (*PATH, ITERABLE), "a path or an iterable of paths")
    rows = sorted(_ibm_rows(paths, methods), key=lambda r: r[0])
    start = rows[0][0] if rows else datetime(1970, 1, 1, tzinfo=timezone.utc)
    return _ibm_trace(rows, start)


def iter_ibm(paths: "str | Path | Iterable[str | Path]", *, methods: Sequence[str] = ("GET",),
             chunk_requests: int = 100_000) -> Iterator[Trace]:
    """Stream IBM registry trace files as Traces of at most ``chunk_requests`` kept requests.

    Memory stays at one chunk, so traces larger than memory can be replayed chunk by chunk
    (:func:`regsim.sim.streaming.replay` takes the chunks' keys and sizes). Give the files in time
    order (the IBM traces are one file per hour); times are seconds after the first request, and
    each chunk is sorted by time.
    """
    expect("paths", paths, (*PATH, ITERABLE), "a path or an iterable of paths")
    if isinstance(chunk_requests, bool) or not isinstance(chunk_requests, int) or chunk_requests < 1:
        raise InvalidParameter(f"chunk_requests must be an int >= 1, got {chunk_requests!r}")
    return _iter_ibm(paths, methods, chunk_requests)


def _iter_ibm(paths: "str | Path | Iterable[str | Path]", methods: Sequence[str], chunk_requests: int) -> Iterator[Trace]:
    start: datetime | None = None
    rows: list[_IbmRow] = []
    for row in _ibm_rows(paths, methods):
        if start is None:
            start = row[0]
        rows.append(row)
        if len(rows) == chunk_requests:
            yield _ibm_trace(sorted(rows, key=lambda r: r[0]), start)
            rows = []
    if rows and start is not None:
        yield _ibm_trace(sorted(rows, key=lambda r: r[0]), start)


def write_ibm(trace: Trace, path: str | Path, *, start: datetime | None = None) -> Path:
    """Write ``trace`` in the IBM trace format: a JSON array, one request object per line."""
    expect("trace", trace, Trace, "a Trace")
    expect("path", path, PATH, "a path")
    start = start or datetime(2017, 6, 20, tzinfo=timezone.utc)
    path = Path(path)
    out = io.StringIO()
    out.write("[\n")
    frame = trace.frame
    for i, row in enumerate(frame.itertuples(index=False)):
        when = start + timedelta(seconds=float(row.time))
        ref = str(row.key)
        if row.kind == "manifest":
            ref = ref.rsplit(":", 1)[1] if ref.startswith(f"{row.repository}:") else ref
        rec = {
            "host": "regsim",
            "http.request.duration": round(float(row.duration), 6),
            "http.request.method": row.method,
            "http.request.remoteaddr": row.client,
            "http.request.uri": f"v2/{row.repository}/{'manifests' if row.kind == 'manifest' else 'blobs'}/{ref}",
            "http.response.written": int(row.size),
            "id": f"{i:08d}",
            "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        }
        out.write(("," if i else " ") + json.dumps(rec, sort_keys=True) + "\n")
    out.write("]\n")
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


# Old names, for one release (CONTRIBUTING.md, "Renaming": files are read_X / write_X).
__getattr__ = moved_names("regsim.sim.traces", {"load_csv": "read_csv", "save_csv": "write_csv",
                                                "load_parquet": "read_parquet", "save_parquet": "write_parquet"},
                          globals())
