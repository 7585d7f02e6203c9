"""The deterministic bytes of built layers: tar and gzip, the files a RUN step installs, COPY's files.

(Dockerfiles are parsed by :mod:`regsim.client.dockerfile` and run by :mod:`regsim.client.builder`.)

Layers are real gzip-compressed tar files, made deterministically:

* a ``RUN`` layer holds the files of the packages the command installs (``apt-get install``,
  ``apk add``, ``pip install``, ``npm install`` ...) -- the same package gives the same files on
  every image, as in real life -- plus a small state file that depends on the parent layers and
  the command, so **the same instruction on the same parent gives the same layer digest**, and on
  another parent a different one;
* a ``COPY`` layer holds the context files it names.

Tar headers carry no times, and files are owned by root with mode 0644 unless ``COPY --chown`` or
``--chmod`` say otherwise; gzip uses stored (uncompressed) deflate blocks, so a layer's bytes -- and
digest -- are identical on every machine and Python version.
"""

from __future__ import annotations

import fnmatch
import hashlib
import math
import posixpath
import random
import re
from typing import Mapping, Sequence

from ..errors import BuildError
from ..oci.tar import ROOT, LayerFiles, Owner, deterministic_gzip, make_tar, read_tar

__all__ = [
    "make_tar",
    "Owner",
    "ROOT",
    "deterministic_gzip",
    "read_tar",
    "LayerFiles",
    "run_files",
    "copy_files",
    "package_files",
    "synthetic_files",
]

# -- bytes of a layer: in regsim.oci.tar (re-exported here) ------------------------------------------

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


def package_files(manager: str, package: str, *, arch: str = "amd64", scale: float = 1.0) -> LayerFiles:
    """The files a package installs: the same for every image that installs it on ``arch``."""
    rng = _rng("package", manager, package, arch)
    base = _MANAGER_PATHS.get(manager, "/opt/{pkg}").format(pkg=package)
    files: LayerFiles = []
    for i in range(rng.randint(1, 4)):
        size = max(16, int(math.exp(rng.uniform(6.2, 10.1)) * scale))  # ~500 B .. ~24 KiB
        files.append((f"{base}/file{i}.bin", rng.randbytes(size)))
    return files


def synthetic_files(key: str, size: int, root: str = "/usr/share/regsim", *, files: int = 4) -> LayerFiles:
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


def run_files(command: str, parent_chain: str, *, arch: str = "amd64", scale: float = 1.0) -> LayerFiles:
    """The files a ``RUN command`` adds on top of the layers identified by ``parent_chain``."""
    files: LayerFiles = []
    pkgs = packages_of(command)
    for manager, package in pkgs:
        files.extend(package_files(manager, package, arch=arch, scale=scale))
    if not pkgs:
        files.extend(synthetic_files(f"run\0{command}\0{arch}", int(4096 * scale), root="/var/lib/regsim/run", files=2))
    state = hashlib.sha256(f"{parent_chain}\0{command}".encode()).hexdigest()
    files.append((f"/var/lib/regsim/state/{state[:16]}", f"{command}\nparent {parent_chain}\n".encode()))
    return files


def _glob(name: str, pattern: str) -> bool:
    """Shell-style match where ``*`` stays within one path component (Go's ``filepath.Match``)."""
    return name.count("/") == pattern.count("/") and fnmatch.fnmatchcase(name, pattern)


def copy_files(sources: Sequence[str], dest: str, context: Mapping[str, bytes | str],
               workdir: str = "/") -> LayerFiles:
    """Resolve ``COPY src... dest`` against a build context ``{path: bytes}``.

    A source is a file, a directory (its contents are copied), ``.`` (everything) or a glob whose
    ``*`` stays within one path component. Several sources, or a ``dest`` ending in ``/``, copy
    into the directory ``dest``; a relative ``dest`` is relative to ``workdir``.
    """
    if isinstance(sources, str):
        raise BuildError(f"copy_files takes a list of sources, got the text {sources!r}", detail=sources)
    if not sources:
        raise BuildError("COPY needs a source and a destination", detail=dest)
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
