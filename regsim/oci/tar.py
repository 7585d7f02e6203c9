"""The deterministic bytes of a layer: reproducible tar and gzip, and reading a layer's files back.

Tar headers carry no times, and files are owned by root with mode 0644 unless told otherwise
(``COPY --chown``/``--chmod``); gzip uses stored (uncompressed) deflate blocks, so a layer's bytes
-- and digest -- are identical on every machine and Python version. Standard library only;
:mod:`regsim.oci.image` builds layers with these, and the client's builder
(:mod:`regsim.client.build`) uses them for the files a step makes.
"""

from __future__ import annotations

import io
import struct
import tarfile
import zlib
from typing import Iterable, NamedTuple

__all__ = ["make_tar", "read_tar", "deterministic_gzip", "Owner", "ROOT", "LayerFiles"]

LayerFiles = list[tuple[str, bytes]]


class Owner(NamedTuple):
    """Who owns the files of a layer (``COPY --chown``): ids, and names when given as names."""

    uid: int = 0
    gid: int = 0
    user: str = "root"
    group: str = "root"


ROOT = Owner()


def make_tar(files: Iterable[tuple[str, bytes]], *, mode: int = 0o644, owner: Owner = ROOT) -> bytes:
    """A reproducible tar: sorted paths, mode 0644 and owner root (unless given), mtime 0, ustar.

    Like Go's ``archive/tar`` (what docker writes), the archive ends after the two zero blocks,
    without Python's padding to a 10 KiB record.
    """
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, data in sorted(dict(files).items()):
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mtime, info.mode = len(data), 0, mode
            info.uid, info.gid = owner.uid, owner.gid
            info.uname, info.gname = owner.user, owner.group
            tar.addfile(info, io.BytesIO(data))
        end = tar.offset + 2 * tarfile.BLOCKSIZE
    return buf.getvalue()[:end]


def read_tar(data: bytes) -> LayerFiles:
    """The regular files of a tar (or gzip-compressed tar): ``[(path, bytes), ...]``."""
    if data[:2] == b"\x1f\x8b":
        import gzip

        data = gzip.decompress(data)
    out: LayerFiles = []
    try:
        # streaming mode: some writers (umoci) end the archive right after the last file's data,
        # without padding or the two end blocks; everything before that point is still valid
        with tarfile.open(fileobj=io.BytesIO(data), mode="r|") as tar:
            for member in tar:
                if member.isfile():
                    f = tar.extractfile(member)
                    try:
                        content = f.read() if f else b""
                    except tarfile.ReadError:
                        content = b""
                    if len(content) != member.size:
                        raise _Truncated(f"tar member {member.name} is truncated: "
                                         f"{len(content)} of {member.size} bytes")
                    out.append(("/" + member.name.lstrip("/"), content))
    except _Truncated as exc:
        raise tarfile.ReadError(str(exc)) from None
    except tarfile.ReadError:
        if not out:
            raise
    return out


class _Truncated(Exception):
    pass


def deterministic_gzip(data: bytes) -> bytes:
    """gzip ``data`` with stored deflate blocks: valid gzip, byte-identical everywhere."""
    out = bytearray(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")  # magic, deflate, no flags, mtime 0
    view = memoryview(data)
    n = len(data)
    if n == 0:
        out += b"\x01\x00\x00\xff\xff"
    for i in range(0, n, 65535):
        chunk = view[i : i + 65535]
        final = 1 if i + 65535 >= n else 0
        out += bytes([final]) + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF)
        out += chunk
    out += struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, n & 0xFFFFFFFF)
    return bytes(out)
