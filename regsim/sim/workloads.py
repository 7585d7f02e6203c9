"""Workloads: image catalogues (generated or real) and object-level request traces.

A :class:`Catalog` is a list of image versions, each a core :class:`regsim.Image` (real
manifests and configs; layers are placeholders with digests and sizes) with the repository, the
tags it received and when it was released. Two sources:

* :func:`generate_catalog` -- base images with families of derived images, layer sizes from a
  skewed distribution (many tiny layers, a few huge ones), new versions over time that change the
  top layers and now and then rebase onto a newer base; seeded.
* :func:`official_catalog` -- the bundled official-images dataset (real digests, sizes and
  layer sharing of 26 Docker Hub manifests, January 2023), through :mod:`regsim.data.library`.

:func:`object_trace` makes a plain object-level trace (integer keys, Zipf popularity, varied
sizes) for cache experiments and benchmarks. Request streams over a catalogue (pulls, pushes that
move tags, deployment bursts) live in :mod:`regsim.sim.streams`.

Every generator takes ``seed=`` (an int, a :class:`random.Random` or None): the same seed gives
the same catalogue, digest for digest.

>>> cat = generate_catalog(bases=2, families=3, versions=2, seed=7)
>>> cat == generate_catalog(bases=2, families=3, versions=2, seed=7)
True
>>> len(cat.repositories())
5
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from ..deprecation import keyword_only, moved_names
from ..oci.blob import Blob, Content
from ..oci.image import DOCKER, Image, Layer
from ..oci.descriptor import Annotations
from ..oci.manifest import HistoryEntry, ImageConfig
from ..registry import Registry, StorageReport
from ..registry.access import Token
from ..registry.gc import account
from ..client.remote import write
from ._util import ITERABLE, as_random, check_fraction, check_int, check_positive, derive_seed, expect
from .errors import InvalidParameter
from .traces import Trace

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ImageVersion", "Catalog", "generate_catalog", "official_catalog", "layer_size",
    "object_trace", "zipf_weights", "DAY",
]

DAY = 86_400.0
KB, MB = 1_000, 1_000_000


@dataclass(frozen=True)
class ImageVersion:
    """One image version: a core :class:`~regsim.Image` pushed to ``repository`` with ``tags``.

    ``released`` is seconds since the start of the catalogue; ``base`` names the version it
    was built on (``"base/debian:2"``) or is None for a base image.
    """

    repository: str
    tags: tuple[str, ...]
    version: int
    released: float
    image: Image = field(repr=False, compare=False)
    digest: str = field(default="")
    base: str | None = None

    @property
    def name(self) -> str:
        """``repository:first tag`` (``"base/alpine:1"``), how a client would name this version."""
        return f"{self.repository}:{self.tags[0]}"

    @property
    def layers(self) -> tuple[tuple[str, int], ...]:
        """``(digest, size)`` of every layer, base first."""
        return tuple((str(layer.digest), layer.size) for layer in self.image.layers)

    @property
    def size(self) -> int:
        """The bytes of the image's layers (:attr:`Image.size <regsim.oci.image.Image.size>`)."""
        return self.image.size

    @property
    def manifest_size(self) -> int:
        """The bytes of the image's manifest (what a manifest request transfers)."""
        return len(self.image.manifest_bytes)


class Catalog:
    """Image versions in release order, and what they add up to."""

    def __init__(self, versions: Iterable[ImageVersion], name: str = "catalogue") -> None:
        expect("versions", versions, ITERABLE, "an iterable of ImageVersions")
        self.name = name
        self.versions: tuple[ImageVersion, ...] = tuple(sorted(versions, key=lambda v: (v.released, v.repository, v.version)))
        if not self.versions:
            raise InvalidParameter("a catalogue needs at least one image version")
        self._by_digest = {v.digest: v for v in self.versions}
        self._by_repo: dict[str, list[ImageVersion]] = {}
        self._tag_history: dict[tuple[str, str], tuple[list[float], list[ImageVersion]]] = {}
        for v in self.versions:
            self._by_repo.setdefault(v.repository, []).append(v)
            for tag in v.tags:
                times, found = self._tag_history.setdefault((v.repository, tag), ([], []))
                times.append(v.released)
                found.append(v)

    # -- reading ---------------------------------------------------------------------------------

    def repositories(self) -> list[str]:
        """Every repository name, sorted.

        >>> cat = generate_catalog(bases=2, families=3, versions=2, seed=7)
        >>> cat.repositories()[:2], [v.name for v in cat.versions_of("base/alpine")]
        (['base/alpine', 'base/debian'], ['base/alpine:1', 'base/alpine:2'])
        """
        return sorted(self._by_repo)

    def versions_of(self, repository: str) -> list[ImageVersion]:
        """The versions of ``repository`` in release order; :class:`~regsim.sim.errors.InvalidParameter`
        for a repository the catalogue does not have.
        """
        found = self._by_repo.get(repository)
        if not found:
            raise InvalidParameter(f"repository {repository!r} is not in the catalogue "
                                   f"(it has {', '.join(self.repositories()[:5])}...)")
        return list(found)

    def resolve(self, repository: str, tag: str, at: float = math.inf) -> ImageVersion:
        """The version ``repository:tag`` points at, at time ``at`` (tags move when versions ship)."""
        times, found = self._tag_history.get((repository, tag), ((), ()))
        i = bisect.bisect_right(times, at)
        if i == 0:
            self.versions_of(repository)  # names an unknown repository
            raise InvalidParameter(f"{repository}:{tag} does not exist at t={at:g}s")
        return found[i - 1]

    def by_digest(self, digest: str) -> ImageVersion:
        """The version whose manifest digest is ``digest`` (as a trace's manifest requests name it)."""
        return self._by_digest[digest]

    def layers(self) -> dict[str, int]:
        """Every distinct layer: ``digest -> size``."""
        out: dict[str, int] = {}
        for v in self.versions:
            for d, s in v.layers:
                out.setdefault(d, s)
        return out

    def storage(self) -> StorageReport:
        """The :class:`~regsim.StorageReport` of a registry holding every version (the same report
        ``populate`` then gives): logical bytes (every manifest counted whole -- its bytes, config
        and layers -- once per repository) vs physical bytes (each manifest, config and layer once)."""
        images: dict[tuple[str, str], list[Content]] = {}
        for v in self.versions:
            key = (v.repository, str(v.image.digest))
            if key not in images:
                images[key] = [Blob(v.image.manifest_bytes), *v.image.blobs()]
        return account(images.values(), (b for blobs in images.values() for b in blobs),
                       repositories=len(self._by_repo))

    def to_frame(self) -> pd.DataFrame:
        """One row per version: repository, tags, version, released (days), layers, bytes, base."""
        import pandas as pd

        return pd.DataFrame([{
            "repository": v.repository, "tags": ",".join(v.tags), "version": v.version,
            "released_days": round(v.released / DAY, 3), "layers": len(v.image.layers),
            "bytes": v.size, "base": v.base or "", "digest": v.digest,
        } for v in self.versions])

    def populate(self, registry: Registry, *, until: float = math.inf, auth: Token | None = None) -> int:
        """Push every version released by ``until`` into ``registry`` (tags move as they did).

        Returns the number of versions pushed. Uses :func:`regsim.client.remote.write`.
        """
        n = 0
        for v in self.versions:
            if v.released > until:
                break
            write(registry, v.repository, v.image, tags=v.tags, auth=auth)
            n += 1
        return n

    def __iter__(self) -> Iterator[ImageVersion]:
        return iter(self.versions)

    def __len__(self) -> int:
        return len(self.versions)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Catalog) and [(v, v.layers) for v in self.versions] == \
            [(v, v.layers) for v in other.versions]

    def __repr__(self) -> str:
        s = self.storage()
        return (f"Catalog({self.name!r}: {len(self.repositories())} repositories, {len(self.versions)} versions, "
                f"{len(self.layers())} layers, dedup {s.dedup_ratio:.2f}x)")


# -- generated catalogues -------------------------------------------------------------------------

_BASE_NAMES = ("debian", "alpine", "ubuntu", "fedora", "busybox", "centos", "archlinux", "rockylinux")
_LANGS = ("python", "node", "golang", "java", "ruby", "php", "rust", "dotnet")


def layer_size(rng: random.Random) -> int:
    """One application layer size: 70% tiny (median 8 kB), 25% medium (2 MB), 5% huge (120 MB).

    A lognormal mixture: many config and code layers of a few kB, some dependency layers, and
    rare huge ones (toolchains, models) that dominate the bytes.
    """
    expect("rng", rng, random.Random, "a random.Random")
    u = rng.random()
    if u < 0.70:
        median, sigma = 8 * KB, 1.2
    elif u < 0.95:
        median, sigma = 2 * MB, 1.0
    else:
        median, sigma = 120 * MB, 0.6
    return max(32, int(rng.lognormvariate(math.log(median), sigma)))


def zipf_weights(n: int, alpha: float) -> list[float]:
    """Popularity weights ``1 / rank**alpha`` for ranks 1..n."""
    n, alpha = check_int("n", n, 0), check_positive("alpha", alpha, allow_zero=True)
    return [1.0 / (i + 1) ** alpha for i in range(n)]


def _placeholder_layer(token: str, key: str, size: int) -> Layer:
    from ..oci.blob import Placeholder

    blob = Placeholder.for_key(f"{token}/{key}", size)
    return Layer(blob, blob.digest, DOCKER[3])


def _make_image(layers: Sequence[Layer], label: str, when: float) -> Image:
    config = ImageConfig(
        env=("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",),
        labels=Annotations({"org.opencontainers.image.ref.name": label,
                            "org.regsim.released-seconds": f"{when:.0f}"}),
        history=tuple(HistoryEntry(f"layer {i + 1} of {label}") for i in range(len(layers))),
    )
    return Image.create(list(layers), config, media_types=DOCKER)


@keyword_only("families", "versions")
def generate_catalog(bases: int = 4, *, families: int = 20, versions: int = 5, days: float = 90.0,
                       base_popularity: float = 1.0, rebase_probability: float = 0.5,
                       change_probability: float = 0.25, seed: "int | random.Random | None" = 0,
                       name: str = "generated") -> Catalog:
    """A catalogue of ``bases`` base images and ``families`` derived images, ``versions`` each.

    * Base images (``base/debian``...) have one large OS layer (median 30 MB) and a smaller
      update layer; a new base version replaces the update layer.
    * Each family (``team<k>/<lang>-app<k>``) sits on a base chosen with Zipf(``base_popularity``)
      popularity, and adds 2-6 layers sized by :func:`layer_size`.
    * Versions ship over ``days`` days. A new version always changes the top (code) layer,
      changes each other own layer with ``change_probability``, and with ``rebase_probability``
      moves to the newest base version -- which changes all its own layers (a new parent).
    * Tags: ``1.<version>`` on every version, and ``latest`` moves to the newest.
    """
    bases = check_int("bases", bases, minimum=1)
    families = check_int("families", families, minimum=0)
    versions = check_int("versions", versions, minimum=1)
    days = check_positive("days", days)
    check_fraction("rebase_probability", rebase_probability, inclusive_zero=True)
    check_fraction("change_probability", change_probability, inclusive_zero=True)
    rng = as_random(seed=seed)
    token = f"{derive_seed(rng):016x}"
    horizon = days * DAY
    out: list[ImageVersion] = []

    # base images: versions roughly evenly spread, the first at t=0
    base_versions: list[list[ImageVersion]] = []
    for b in range(bases):
        label = _BASE_NAMES[b] if b < len(_BASE_NAMES) else f"os{b}"
        repo = f"base/{label}"
        os_size = max(MB, int(rng.lognormvariate(math.log(30 * MB), 0.8)))
        os_layer = _placeholder_layer(token, f"{repo}/os", os_size)
        history = []
        for v in range(1, versions + 1):
            when = 0.0 if v == 1 else horizon * (v - 1 + rng.random() * 0.5) / versions
            update = _placeholder_layer(token, f"{repo}/update{v}", max(KB, int(rng.lognormvariate(math.log(3 * MB), 1.0))))
            image = _make_image([os_layer, update], f"{repo}:{v}", when)
            tags = (str(v), "latest")
            history.append(ImageVersion(repo, tags, v, when, image, str(image.digest)))
        base_versions.append(history)
        out.extend(history)

    weights = zipf_weights(bases, base_popularity)
    for f in range(families):
        lang = _LANGS[f % len(_LANGS)]
        repo = f"team{f}/{lang}-app{f}"
        b = rng.choices(range(bases), weights=weights)[0]
        n_layers = rng.randint(2, 6)
        sizes = [layer_size(rng) for _ in range(n_layers)]
        generation = [0] * n_layers
        first = rng.uniform(0.0, horizon / (versions + 1))
        gap = (horizon - first) / versions
        when = first
        base = _base_at(base_versions[b], when)
        rebuild = 0
        for v in range(1, versions + 1):
            if v > 1:
                when = min(horizon, when + gap * (0.5 + rng.random()))
                newest = _base_at(base_versions[b], when)
                if newest is not base and rng.random() < rebase_probability:
                    base = newest
                    rebuild += 1
                    generation = [g + 1 for g in generation]
                else:
                    for i in range(n_layers - 1):
                        if rng.random() < change_probability:
                            generation[i] += 1
                            sizes[i] = max(32, int(sizes[i] * rng.uniform(0.9, 1.15)))
                generation[-1] += 1
                sizes[-1] = max(32, int(sizes[-1] * rng.uniform(0.95, 1.1)))
            own = [_placeholder_layer(token, f"{repo}/l{i}/g{generation[i]}/r{rebuild}", sizes[i])
                   for i in range(n_layers)]
            image = _make_image([*base.image.layers, *own], f"{repo}:1.{v}", when)
            out.append(ImageVersion(repo, (f"1.{v}", "latest"), v, when, image, str(image.digest),
                                    base=base.name))
    return Catalog(out, name=name)


def _base_at(history: list[ImageVersion], when: float) -> ImageVersion:
    current = history[0]
    for v in history:
        if v.released <= when:
            current = v
    return current


# -- the official images ----------------------------------------------------------------------------


def official_catalog(*, repos: Iterable[str] | None = None) -> Catalog:
    """The bundled official-images dataset as a catalogue (linux/amd64, real digests and sizes).

    Every manifest is one version; its tags are Docker Hub's alias tags; ``released`` is the
    newest layer's modification time, in seconds after the oldest one in the dataset.
    """
    expect("repos", repos, (ITERABLE, type(None)), "an iterable of repository names or None")
    from datetime import datetime

    from ..data.datasets import load_official_images
    from ..data.library import official_images

    items = {(f"library/{i.repo}", i.tags): i for i in load_official_images()}
    made = official_images(content="placeholder", platforms=("linux/amd64",), repos=repos)

    def stamp(text: str) -> float:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else 0.0

    times = {key: max(stamp(l.modified) for l in item.layers) for key, item in items.items()}
    origin = min(times.values())
    out = []
    counter: dict[str, int] = {}
    for repository, tags, index in made:
        image = index.images[0]
        counter[repository] = counter.get(repository, 0) + 1
        out.append(ImageVersion(repository, tuple(tags), counter[repository], times[(repository, tuple(tags))] - origin,
                                image, str(image.digest)))
    return Catalog(out, name="official-images")


# -- object-level traces -------------------------------------------------------------------------


@keyword_only("objects")
def object_trace(requests: int = 100_000, *, objects: int = 10_000, alpha: float = 1.0,
                 median_size: int = 8_000, size_sigma: float = 1.5, duration: float = 3600.0,
                 seed: "int | random.Random | None" = 0) -> Trace:
    """``requests`` requests over ``objects`` objects with Zipf(``alpha``) popularity.

    Object sizes are lognormal (median ``median_size`` bytes, ``size_sigma``), fixed per object;
    keys are integer object ids 0..objects-1 (the most popular is not necessarily 0: ranks are
    shuffled); times are uniform over ``duration`` seconds, sorted. Vectorised with numpy.
    """
    import numpy as np
    import pandas as pd

    requests = check_int("requests", requests, minimum=1)
    objects = check_int("objects", objects, minimum=1)
    if not alpha >= 0:
        raise InvalidParameter(f"alpha must be >= 0, got {alpha!r}")
    check_positive("median_size", median_size)
    rng = np.random.default_rng(derive_seed(as_random(seed=seed)))
    p = 1.0 / np.arange(1, objects + 1, dtype=float) ** alpha
    p /= p.sum()
    ranks = rng.choice(objects, size=requests, p=p)
    ids = rng.permutation(objects)[ranks]
    sizes = np.maximum(1, rng.lognormal(math.log(median_size), size_sigma, size=objects)).astype(np.int64)
    times = np.sort(rng.uniform(0.0, duration, size=requests))
    frame = pd.DataFrame({"time": times, "client": "", "method": "GET", "kind": "blob", "repository": "",
                          "key": ids.astype(np.int64), "size": sizes[ids], "duration": 0.0})
    return Trace(frame)


# Old names, for one release (CONTRIBUTING.md, "Renaming").
__getattr__ = moved_names("regsim.sim.workloads", {"Catalogue": "Catalog", "generate_catalogue": "generate_catalog",
                                                   "official_catalogue": "official_catalog"}, globals())
