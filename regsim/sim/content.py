"""File content for the official images: a documented model, since the dataset has none.

The bundled official-images dataset gives each layer's real digest and size, but no files. To
look *inside* layers (file- and chunk-level dedup) regsim fills every distinct layer with files
from this model, built from the engine's own parts:

* a layer is mostly **packages** -- the files that :func:`regsim.client.build.package_files` gives for
  a package (the same package gives the same files in every layer, as ``apt``/``apk`` do);
  which packages a layer holds is drawn with Zipf popularity (``alpha``) from a universe of
  ``packages`` per package manager (``apk`` for Alpine-based images, ``apt`` otherwise), so
  common libraries (libc, ca-certificates, tzdata...) recur across unrelated layers;
* the rest (``1 - shared`` of the bytes) is **unique** to the layer: the software it exists
  to add, from :func:`regsim.client.build.synthetic_files` seeded by the layer's real digest;
* a package comes in a few **versions** that differ by a small edit in each file, so
  file-level dedup misses what chunk-level dedup can still find;
* bytes are made text-like (16 symbols) so compression has something to do;
* every layer is ``size / scale`` bytes, and layer *sharing* is exactly the dataset's: an image
  that really shares a layer with another shares the same generated layer.

So the layer-level numbers come from real data, while the file- and chunk-level numbers are
this model's. Its defaults put the share of unique files in the range Zhao et al. (2019)
measured on Docker Hub (about 3% of files unique); change ``shared`` and ``alpha`` to see how
the conclusions depend on it.
"""

from __future__ import annotations

import hashlib
import random
from typing import Iterable

from ..client.build import package_files, synthetic_files
from ..oci.image import DOCKER, Image, Layer
from ..oci.descriptor import Annotations
from ..oci.manifest import ImageConfig
from ..oci.mediatypes import DOCKER_LAYER
from ._util import as_random, check_fraction, check_int, derive_seed
from .errors import InvalidParameter
from .workloads import Catalog, ImageVersion, zipf_weights

__all__ = ["official_content", "TEXTISH"]

#: byte -> one of 16 letters: content with 4 bits of entropy per byte, like text or code
TEXTISH = bytes(b"etaoinshrdlucmfw"[i % 16] for i in range(256))


def _textish(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    return [(path, data.translate(TEXTISH)) for path, data in files]


def _versioned(files: list[tuple[str, bytes]], package: str, version: int) -> list[tuple[str, bytes]]:
    """Version ``version`` of a package's files: version 0 as given, later ones with a small edit
    (a few bytes inserted at a position fixed per file and version), like a patch release."""
    if version == 0:
        return files
    out = []
    for path, data in files:
        h = int(hashlib.sha256(f"{package}/{version}/{path}".encode()).hexdigest()[:8], 16)
        at = h % (len(data) + 1)
        out.append((path, data[:at] + f"patch {version}\n".encode() + data[at:]))
    return out


class _Packages:
    """The files of every (package, version), made once and shared by all layers."""

    def __init__(self, manager: str, names: list[str], scale: float) -> None:
        self.manager, self.scale = manager, scale
        self._made: dict[tuple[str, int], tuple[list[tuple[str, bytes]], int]] = {}
        self.smallest = min(self.get(name, 0)[1] for name in names)

    def get(self, name: str, version: int) -> tuple[list[tuple[str, bytes]], int]:
        found = self._made.get((name, version))
        if found is None:
            files = _textish(_versioned(package_files(self.manager, name, scale=self.scale), name, version))
            found = self._made[(name, version)] = (files, sum(len(d) for _, d in files))
        return found


def _layer_files(digest: str, target: int, packages: _Packages, universe: list[str], cumulative: list[float],
                 shared: float, versions: int, rng: random.Random) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    chosen: set[str] = set()
    filled = 0
    budget = int(target * shared)
    attempts = 0
    while budget - filled >= packages.smallest and attempts < 4 * len(universe):
        attempts += 1
        pkg = rng.choices(universe, cum_weights=cumulative)[0]
        if pkg in chosen:
            continue
        chosen.add(pkg)
        version = min(int(rng.expovariate(1.0)), versions - 1)  # most layers have the newest
        pkg_files, size = packages.get(pkg, version)
        if filled + size > budget:
            continue  # does not fit: try a smaller one
        files.extend(pkg_files)
        filled += size
    own = max(16, target - filled)
    files.extend(_textish(synthetic_files(f"official\0{digest}", own, root=f"/opt/{digest[7:19]}",
                                          files=max(1, own // 4096))))
    return files


def official_content(*, scale: int = 1000, shared: float = 0.95, alpha: float = 1.3, packages: int = 200,
                     package_scale: float = 0.5, versions: int = 4,
                     repos: Iterable[str] | None = None, seed: "int | random.Random | None" = 0) -> Catalog:
    """The official-images catalogue with real tar layers whose files follow the model above.

    ``scale`` divides every layer's real size (1000: the 1.65 GB of distinct layers become about
    1.65 MB); ``shared`` is the fraction of a layer's bytes that comes from packages;
    ``package_scale`` scales package file sizes (0.5: about 250 B to 12 kB per file); a layer
    holds one of ``versions`` versions of each package (mostly the newest; later versions are
    the first with a few bytes inserted into every file, like a patch release).
    """
    from ..data.datasets import load_official_images
    from .workloads import official_catalog

    scale = check_int("scale", scale, minimum=1)
    check_fraction("shared", shared, inclusive_zero=True)
    packages = check_int("packages", packages, minimum=1)
    versions = check_int("versions", versions, minimum=1)
    if not alpha >= 0:
        raise InvalidParameter(f"alpha must be >= 0, got {alpha!r}")
    rng = as_random(seed=seed)
    token = derive_seed(rng)
    real = official_catalog(repos=repos)
    items = load_official_images()
    alpine_layers = {str(l.digest) for i in items if i.repo == "alpine" or any("alpine" in t for t in i.tags)
                     for l in i.layers}
    universes = {m: [f"{m}-pkg{k:03d}" for k in range(packages)] for m in ("apt", "apk")}
    made_packages = {m: _Packages(m, names, package_scale) for m, names in universes.items()}
    cumulative: list[float] = []
    total = 0.0
    for w in zipf_weights(packages, alpha):
        total += w
        cumulative.append(total)
    made: dict[str, Layer] = {}
    out = []
    for v in real:
        layers = []
        for digest, size in v.layers:
            layer = made.get(digest)
            if layer is None:
                manager = "apk" if digest in alpine_layers else "apt"
                layer_rng = random.Random(int(hashlib.sha256(f"{token}/{digest}".encode()).hexdigest()[:16], 16))
                files = _layer_files(digest, max(64, size // scale), made_packages[manager], universes[manager],
                                     cumulative, shared, versions, layer_rng)
                layer = made[digest] = Layer.from_files(files, DOCKER_LAYER)
            layers.append(layer)
        image = Image.create(layers, ImageConfig(labels=Annotations({"org.regsim.source": v.name})), media_types=DOCKER)
        out.append(ImageVersion(v.repository, v.tags, v.version, v.released, image, str(image.digest)))
    return Catalog(out, name=f"official-images (file model, 1/{scale} size)")
