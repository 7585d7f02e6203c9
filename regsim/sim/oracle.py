"""libCacheSim's ``oracleGeneral`` binary trace format: read, write and stream, plain or zstd.

The format the cache community publishes its traces in (Twitter, Meta, CloudPhysics, Wikimedia
...): a headerless sequence of packed little-endian 24-byte records,

=====================  ===========  ================================================================
field                  type         meaning
=====================  ===========  ================================================================
``time``               ``uint32``   the request's time in seconds
``obj_id``             ``uint64``   the object
``obj_size``           ``uint32``   its size in bytes
``next_access_vtime``  ``int64``    the number (counting from 1) of the next request for the
                                    object, -1 if there is none (what Belady-style oracles read)
=====================  ===========  ================================================================

as ``libCacheSim/traceReader/customizedReader/oracle/oracleGeneralBin.h`` reads it and
``traceConv`` writes it. A file whose name ends in ``.zst`` (or that starts with zstd's magic
number) is zstd-compressed, as libCacheSim's reader accepts.

:func:`write_oracle_general` writes a :class:`~regsim.sim.traces.Trace` (integer keys) and
computes ``next_access_vtime``; :func:`read_oracle_general` reads a whole file into a Trace;
:func:`iter_oracle_general` yields it in chunks of numpy records, so files larger than memory
can be replayed (:mod:`regsim.sim.streaming`). A truncated or corrupt file is a
:class:`~regsim.sim.errors.TraceFormatError` naming the file and what is wrong.

>>> import tempfile, os
>>> from regsim.sim.traces import Trace
>>> path = os.path.join(tempfile.mkdtemp(), "t.oracleGeneral.zst")
>>> _ = write_oracle_general(Trace.from_columns(key=[7, 9, 7], size=[100, 20, 100]), path)
>>> [r.tolist() for r in next(iter_oracle_general(path))]
[(0, 7, 100, 3), (1, 9, 20, -1), (2, 7, 100, -1)]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator

from ..deprecation import keyword_only
from ._util import ITERABLE, PATH, expect
from .errors import InvalidParameter, TraceFormatError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike, NDArray

    from .traces import Trace

__all__ = ["RECORD", "RECORD_SIZE", "ZSTD_MAGIC", "next_access_vtime", "write_oracle_general",
           "read_oracle_general", "iter_oracle_general", "OracleWriter"]

RECORD_SIZE = 24
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_U32 = 2**32


def _record() -> np.dtype[np.void]:
    import numpy as np

    return np.dtype([("time", "<u4"), ("obj_id", "<u8"), ("obj_size", "<u4"), ("next_access_vtime", "<i8")])


def __getattr__(name: str) -> Any:
    if name == "RECORD":  # the numpy dtype, made when first asked for (numpy loads lazily)
        return _record()
    raise AttributeError(name)


def next_access_vtime(ids: ArrayLike) -> NDArray[np.int64]:
    """For each request, the number (from 1) of the next request for the same object, or -1.

    >>> next_access_vtime([5, 6, 5, 5]).tolist()
    [3, -1, 4, -1]
    """
    expect("ids", ids, ITERABLE, "a sequence or array of object ids")
    import numpy as np
    import pandas as pd

    array = np.asarray(ids)
    codes = pd.factorize(array)[0] if array.size else np.zeros(0, np.int64)
    out = np.full(array.size, -1, dtype=np.int64)
    order = np.argsort(codes, kind="stable")  # each object's requests together, in time order
    same = codes[order][1:] == codes[order][:-1]
    out[order[:-1][same]] = order[1:][same] + 1
    return out


def _is_zstd(path: Path, compress: bool | None) -> bool:
    if compress is not None:
        return compress
    return path.name.endswith(".zst")


class OracleWriter:
    """Write oracleGeneral records chunk by chunk (a context manager).

    ``write(obj_ids, sizes, times=None, *, next_access=None)`` appends one chunk; ``times`` default
    to 0 and ``next_access`` to -1 (a streaming writer cannot see the future; use
    :func:`write_oracle_general` for a whole trace). ``compress``: zstd (default: when the path
    ends in ``.zst``), at ``level``.
    """

    def __init__(self, path: "str | os.PathLike[str]", *, compress: bool | None = None, level: int = 3) -> None:
        expect("path", path, PATH, "a path")
        self.path = Path(path)
        self.requests = 0
        self._raw: BinaryIO = open(self.path, "wb")
        self._out: BinaryIO = self._raw
        if _is_zstd(self.path, compress):
            import zstandard

            self._out = zstandard.ZstdCompressor(level=level).stream_writer(self._raw, closefd=False)

    @keyword_only("next_access")
    def write(self, obj_ids: ArrayLike, sizes: ArrayLike, times: ArrayLike | None = None, *,
              next_access: ArrayLike | None = None) -> None:
        import numpy as np

        ids = np.asarray(obj_ids)
        lengths = np.asarray(sizes)
        n = ids.size
        if lengths.size != n:
            raise InvalidParameter(f"obj_ids and sizes differ in length: {n} vs {lengths.size}")
        if n and (ids.dtype.kind not in "iu" or (ids.dtype.kind == "i" and ids.min() < 0)):
            raise InvalidParameter(f"oracleGeneral object ids are unsigned 64-bit integers, got "
                                   f"{ids[:1].tolist()[0]!r} ({ids.dtype})")
        if n and (lengths.min() < 0 or lengths.max() >= _U32):
            bad = int(lengths.min()) if lengths.min() < 0 else int(lengths.max())
            raise InvalidParameter(f"oracleGeneral object sizes are uint32 (0 .. {_U32 - 1}), got {bad}")
        rec = np.zeros(n, dtype=_record())
        rec["obj_id"] = ids
        rec["obj_size"] = lengths
        if times is not None:
            seconds = np.asarray(times)
            if n and (seconds.min() < 0 or seconds.max() >= _U32):
                raise InvalidParameter(f"oracleGeneral times are uint32 seconds, got {seconds.min()!r}..{seconds.max()!r}")
            rec["time"] = seconds
        rec["next_access_vtime"] = -1 if next_access is None else next_access
        self._out.write(rec.tobytes())
        self.requests += n

    def close(self) -> None:
        if self._out is not self._raw:
            self._out.close()
        self._raw.close()

    def __enter__(self) -> "OracleWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_oracle_general(trace: Any, path: "str | os.PathLike[str]", *, compress: bool | None = None,
                         level: int = 3) -> Path:
    """Write ``trace`` (a Trace whose keys are integer object ids >= 0) as oracleGeneral.

    ``time`` is the request's time in whole seconds; ``next_access_vtime`` is computed.
    Compressed with zstd when the path ends in ``.zst`` (or ``compress=True``).
    """
    if not hasattr(trace, "frame") and not hasattr(trace, "columns"):
        raise InvalidParameter(f"trace must be a Trace or a DataFrame, got {type(trace).__name__} {trace!r:.80}")
    expect("path", path, PATH, "a path")
    import numpy as np

    frame = trace.frame if hasattr(trace, "frame") else trace
    keys = frame["key"].to_numpy()
    if keys.dtype.kind not in "iu":
        raise InvalidParameter(f"oracleGeneral needs integer object ids; this trace's keys are "
                               f"{keys.dtype} (such as {keys[:1].tolist()}): map them to ints first")
    times = np.floor(frame["time"].to_numpy(dtype=float)).astype(np.int64)
    with OracleWriter(path, compress=compress, level=level) as out:
        out.write(keys, frame["size"].to_numpy(), times, next_access=next_access_vtime(keys))
    return Path(path)


def _blocks(path: Path, block: int = 1 << 22) -> Iterator[bytes]:
    """The file's bytes, decompressed when it starts with zstd's magic number (all its frames).

    A zstd stream that ends inside a frame, or does not decode, is a :class:`TraceFormatError`.
    """
    with open(path, "rb") as raw:
        head = raw.read(4)
        raw.seek(0)
        if head != ZSTD_MAGIC:
            while data := raw.read(block):
                yield data
            return
        import zstandard

        decoder = zstandard.ZstdDecompressor()
        obj = decoder.decompressobj()
        fed = False
        while data := raw.read(block):
            while data:
                try:
                    out = obj.decompress(data)
                except zstandard.ZstdError as exc:
                    raise TraceFormatError(f"{path}: corrupt zstd stream ({exc})") from None
                fed = True
                if out:
                    yield out
                data = obj.unused_data if obj.eof else b""
                if obj.eof:  # the next frame, if any, starts in what this one did not use
                    obj, fed = decoder.decompressobj(), False
        if fed and not obj.eof:
            raise TraceFormatError(f"{path}: truncated zstd stream: it ends inside a compressed frame")


def iter_oracle_general(path: "str | os.PathLike[str]", chunk_requests: int = 1_000_000) -> Iterator[NDArray[np.void]]:
    """Yield the records of an oracleGeneral file (plain or zstd) as numpy arrays of
    :data:`RECORD`, ``chunk_requests`` at a time. Memory stays at one chunk.

    Raises :class:`TraceFormatError` for a file that ends inside a record (truncated), a zstd
    stream that is corrupt or cut short, or times that go backwards (a misaligned or corrupt file).
    """
    expect("path", path, PATH, "a path")
    if isinstance(chunk_requests, bool) or not isinstance(chunk_requests, int) or chunk_requests < 1:
        raise InvalidParameter(f"chunk_requests must be an int >= 1, got {chunk_requests!r}")
    path = Path(path)
    if not path.is_file():
        raise TraceFormatError(f"{path}: no such trace file")
    return _iter_oracle_general(path, chunk_requests)


def _iter_oracle_general(path: Path, chunk_requests: int) -> Iterator[NDArray[np.void]]:
    import numpy as np

    dtype = _record()
    want = chunk_requests * RECORD_SIZE
    done = 0
    last_time = 0
    pending = bytearray()

    def records(data: NDArray[np.void] | bytes) -> NDArray[np.void]:
        nonlocal done, last_time
        rec = data if isinstance(data, np.ndarray) else np.frombuffer(data, dtype=dtype)
        times = rec["time"].astype(np.int64)
        steps = np.diff(times, prepend=last_time)
        if (steps < 0).any():
            i = int(np.argmax(steps < 0))
            before = last_time if i == 0 else int(times[i - 1])
            raise TraceFormatError(f"{path}: record {done + i} has time {int(times[i])} s, before the previous "
                                   f"record's {before} s: not an oracleGeneral trace, or a corrupt one")
        last_time = int(times[-1])
        done += rec.size
        return rec

    with open(path, "rb") as raw:
        plain = raw.read(4) != ZSTD_MAGIC
    if plain:  # read straight into the records' array: no copy of the bytes
        size = path.stat().st_size
        with open(path, "rb") as raw:
            while done * RECORD_SIZE + RECORD_SIZE <= size:
                rec = np.empty(min(chunk_requests, (size - done * RECORD_SIZE) // RECORD_SIZE), dtype=dtype)
                got = raw.readinto(rec.data.cast("B"))  # rec.data: memoryview(rec)
                if got != rec.nbytes:
                    raise TraceFormatError(f"{path}: the file changed while it was read")
                yield records(rec)
        extra = size - done * RECORD_SIZE
        if extra:
            raise TraceFormatError(f"{path}: truncated oracleGeneral file: it ends {extra} bytes into record "
                                   f"{done} (records are {RECORD_SIZE} bytes)")
        return
    for block in _blocks(path):
        pending += block
        while len(pending) >= want:
            yield records(bytes(pending[:want]))
            del pending[:want]
    whole, extra = divmod(len(pending), RECORD_SIZE)
    if extra:
        raise TraceFormatError(f"{path}: truncated oracleGeneral file: it ends {extra} bytes into record "
                               f"{done + whole} (records are {RECORD_SIZE} bytes)")
    if pending:
        yield records(bytes(pending))


def read_oracle_general(path: "str | os.PathLike[str]") -> Trace:
    """A whole oracleGeneral file (plain or zstd) as a :class:`~regsim.sim.traces.Trace`:
    keys are the object ids, ``time`` the seconds, every request a ``GET`` of a ``blob``."""
    expect("path", path, PATH, "a path")
    import numpy as np
    import pandas as pd

    from .traces import Trace

    parts = list(iter_oracle_general(path))
    rec = np.concatenate(parts) if parts else np.zeros(0, dtype=_record())
    n = rec.size
    frame = pd.DataFrame({"time": rec["time"].astype(float), "client": "", "method": "GET", "kind": "blob",
                          "repository": "", "key": rec["obj_id"], "size": rec["obj_size"].astype(np.int64),
                          "duration": 0.0}, index=pd.RangeIndex(n))
    return Trace(frame)
