"""Dockerfile-like build descriptions, and the deterministic layers they produce.

Supported instructions::

    FROM <image>|scratch [AS <name>]   start from a base image (pulled if missing)
    RUN <command>                      a layer of files the command "installs"
    COPY <src>... <dest>               a layer of files from the build context
    ADD <src>... <dest>                same as COPY (no URLs, no archive extraction)
    ENV <key>=<value> ... | ENV <key> <value>
    WORKDIR <dir>   USER <user>   EXPOSE <port>...   LABEL <key>=<value>...
    CMD ["exe", "arg"] | CMD exe arg   ENTRYPOINT ...   ARG <name>[=<value>]

Only ``RUN``, ``COPY`` and ``ADD`` make layers; the rest change the config.

Layers are real gzip-compressed tar files, made deterministically:

* a ``RUN`` layer holds the files of the packages the command installs (``apt-get install``,
  ``apk add``, ``pip install``, ``npm install`` ...) -- the same package gives the same files on
  every image, as in real life -- plus a small state file that depends on the parent layers and
  the command, so **the same instruction on the same parent gives the same layer digest**, and on
  another parent a different one;
* a ``COPY`` layer holds the context files it names.

Tar headers carry no times or owners, and gzip uses stored (uncompressed) deflate blocks, so a
layer's bytes -- and digest -- are identical on every machine and Python version.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import json
import math
import posixpath
import random
import re
import shlex
import struct
import tarfile
import zlib
from dataclasses import dataclass
from typing import Iterable, Mapping

from ..errors import BuildError

__all__ = [
    "Instruction",
    "parse_dockerfile",
    "make_tar",
    "deterministic_gzip",
    "read_tar",
    "LayerFiles",
    "run_files",
    "copy_files",
    "package_files",
    "synthetic_files",
]

INSTRUCTIONS = ("FROM", "RUN", "COPY", "ADD", "ENV", "WORKDIR", "USER", "EXPOSE", "LABEL", "CMD",
                "ENTRYPOINT", "ARG")
LAYER_INSTRUCTIONS = ("RUN", "COPY", "ADD")


@dataclass(frozen=True)
class Instruction:
    """One parsed line: ``keyword`` (upper case), ``args`` (the rest, as written) and line number."""

    keyword: str
    args: str
    line: int

    @property
    def makes_layer(self) -> bool:
        return self.keyword in LAYER_INSTRUCTIONS

    def __str__(self) -> str:
        return f"{self.keyword} {self.args}"


def parse_dockerfile(text: str) -> list[Instruction]:
    """Parse a Dockerfile-like text into instructions (continuations and comments handled)."""
    if not isinstance(text, str):
        raise BuildError(f"a Dockerfile must be text, got {type(text).__name__}")
    out: list[Instruction] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        keyword = keyword.upper()
        if keyword not in INSTRUCTIONS:
            raise BuildError(f"Dockerfile line {start}: unknown instruction {keyword!r} "
                             f"(supported: {', '.join(INSTRUCTIONS)})", detail=keyword)
        if not args.strip():
            raise BuildError(f"Dockerfile line {start}: {keyword} needs arguments", detail=keyword)
        out.append(Instruction(keyword, args.strip(), start))
    if pending:
        raise BuildError("Dockerfile ends with a line continuation '\\'")
    firsts = [i for i in out if i.keyword != "ARG"]
    if not firsts or firsts[0].keyword != "FROM":
        raise BuildError("a Dockerfile must start with FROM (only ARG may come before it)")
    if sum(1 for i in out if i.keyword == "FROM") > 1:
        raise BuildError("multi-stage builds (several FROM) are not supported in regsim")
    return out


def parse_exec_form(args: str) -> tuple[str, ...]:
    """``["a", "b"]`` -> ``("a", "b")``; shell form ``a b`` -> ``("/bin/sh", "-c", "a b")``."""
    if args.startswith("["):
        try:
            value = json.loads(args)
        except ValueError:
            raise BuildError(f"invalid JSON array: {args}", detail=args) from None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BuildError(f"expected a JSON array of strings: {args}", detail=args)
        return tuple(value)
    return ("/bin/sh", "-c", args)


def parse_pairs(args: str, keyword: str) -> list[tuple[str, str]]:
    """``k=v k2="v 2"`` or the legacy ``k v`` form of ENV and LABEL."""
    try:
        words = shlex.split(args)
    except ValueError as exc:
        raise BuildError(f"{keyword}: {exc}: {args}", detail=args) from None
    if words and "=" not in words[0]:
        if len(words) < 2:
            raise BuildError(f"{keyword} needs key=value: {args}", detail=args)
        return [(words[0], " ".join(words[1:]))]
    pairs = []
    for w in words:
        key, eq, value = w.partition("=")
        if not eq or not key:
            raise BuildError(f"{keyword}: expected key=value, got {w!r}", detail=w)
        pairs.append((key, value))
    return pairs


# -- bytes of a layer ------------------------------------------------------------------------------

LayerFiles = list[tuple[str, bytes]]


def make_tar(files: Iterable[tuple[str, bytes]]) -> bytes:
    """A reproducible tar: sorted paths, mode 0644, owner root, mtime 0, ustar format.

    Like Go's ``archive/tar`` (what docker writes), the archive ends after the two zero blocks,
    without Python's padding to a 10 KiB record.
    """
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, data in sorted(dict(files).items()):
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
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


def _rng(*parts: str) -> random.Random:
    seed = hashlib.sha256("\0".join(parts).encode()).digest()
    return random.Random(int.from_bytes(seed[:16], "big"))


_INSTALL = re.compile(
    r"(?:apt-get|apt)\s+(?:-\S+\s+)*install|apk\s+add|pip3?\s+install|npm\s+(?:install|i|ci)|"
    r"yarn\s+add|gem\s+install|dnf\s+install|yum\s+install"
)
_MANAGER_PATHS = {
    "apt": "/usr/lib/x86_64-linux-gnu/{pkg}", "apk": "/usr/lib/{pkg}",
    "pip": "/usr/local/lib/python3/site-packages/{pkg}", "npm": "/usr/src/app/node_modules/{pkg}",
    "yarn": "/usr/src/app/node_modules/{pkg}", "gem": "/usr/local/bundle/gems/{pkg}",
    "dnf": "/usr/lib64/{pkg}", "yum": "/usr/lib64/{pkg}",
}


def packages_of(command: str) -> list[tuple[str, str]]:
    """``(manager, package)`` pairs a shell command installs; ``[]`` when it installs nothing known."""
    found: list[tuple[str, str]] = []
    for part in re.split(r"&&|;|\|\|", command):
        match = _INSTALL.search(part)
        if not match:
            continue
        manager = match.group(0).split()[0].replace("-get", "").replace("pip3", "pip")
        for word in part[match.end():].split():
            if word.startswith("-") or word in ("\\",):
                continue
            name = re.split(r"[=<>@~^]", word.strip("'\""), maxsplit=1)[0] or word
            if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*", name):
                found.append((manager, name.lower()))
    return found


def package_files(manager: str, package: str, arch: str = "amd64", scale: float = 1.0) -> LayerFiles:
    """The files a package installs: the same for every image that installs it on ``arch``."""
    rng = _rng("package", manager, package, arch)
    base = _MANAGER_PATHS.get(manager, "/opt/{pkg}").format(pkg=package)
    files: LayerFiles = []
    for i in range(rng.randint(1, 4)):
        size = max(16, int(math.exp(rng.uniform(6.2, 10.1)) * scale))  # ~500 B .. ~24 KiB
        files.append((f"{base}/file{i}.bin", rng.randbytes(size)))
    return files


def synthetic_files(key: str, size: int, root: str = "/usr/share/regsim", files: int = 4) -> LayerFiles:
    """``files`` files with pseudo-random content totalling about ``size`` bytes, seeded by ``key``."""
    rng = _rng("synthetic", key)
    files = max(1, min(files, size // 64 or 1))
    weights = [rng.uniform(0.2, 1.0) for _ in range(files)]
    total = sum(weights)
    out: LayerFiles = []
    for i, w in enumerate(weights):
        n = max(1, int(size * w / total))
        out.append((f"{root}/{hashlib.sha256(f'{key}/{i}'.encode()).hexdigest()[:12]}.bin", rng.randbytes(n)))
    return out


def run_files(command: str, parent_chain: str, arch: str = "amd64", scale: float = 1.0) -> LayerFiles:
    """The files a ``RUN command`` adds on top of the layers identified by ``parent_chain``."""
    files: LayerFiles = []
    pkgs = packages_of(command)
    for manager, package in pkgs:
        files.extend(package_files(manager, package, arch, scale))
    if not pkgs:
        files.extend(synthetic_files(f"run\0{command}\0{arch}", int(4096 * scale), root="/var/lib/regsim/run", files=2))
    state = hashlib.sha256(f"{parent_chain}\0{command}".encode()).hexdigest()
    files.append((f"/var/lib/regsim/state/{state[:16]}", f"{command}\nparent {parent_chain}\n".encode()))
    return files


def _glob(name: str, pattern: str) -> bool:
    """Shell-style match where ``*`` stays within one path component (Go's ``filepath.Match``)."""
    return name.count("/") == pattern.count("/") and fnmatch.fnmatchcase(name, pattern)


def copy_files(args: str, context: Mapping[str, bytes | str], workdir: str = "/") -> LayerFiles:
    """Resolve ``COPY src... dest`` against a build context ``{path: bytes}``."""
    words = shlex.split(args)
    if any(w.startswith("--") for w in words):
        raise BuildError(f"COPY/ADD options are not supported: {args}", detail=args)
    if len(words) < 2:
        raise BuildError(f"COPY needs a source and a destination: {args}", detail=args)
    *sources, dest = words
    if not dest.startswith("/"):
        dest = posixpath.join(workdir or "/", dest)
    to_dir = dest.endswith("/") or len(sources) > 1
    names = sorted(context)
    out: LayerFiles = []
    for src in sources:
        src_norm = posixpath.normpath(src).lstrip("./") if src not in (".", "./") else ""
        matched = [n for n in names
                   if src_norm == "" or n == src_norm or n.startswith(src_norm.rstrip("/") + "/")
                   or _glob(n, src_norm)]
        if not matched:
            raise BuildError(f"COPY failed: file not found in build context: {src!r} "
                             f"(context has: {', '.join(names) or 'nothing'})", detail=src)
        for name in matched:
            data = context[name]
            if not isinstance(data, (bytes, str)):
                raise BuildError(f"build context file {name!r} must be bytes or str")
            data = data.encode() if isinstance(data, str) else data
            if src_norm == "" or (name != src_norm and not _glob(name, src_norm)):
                rel = name[len(src_norm.rstrip("/")) + 1:] if src_norm else name
                target = posixpath.join(dest, rel)
            elif to_dir:
                target = posixpath.join(dest, posixpath.basename(name))
            else:
                target = dest
            out.append((target, data))
    return out
