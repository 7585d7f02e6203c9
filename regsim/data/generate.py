"""Seeded generators: random images (real bytes) and Docker-Hub-scale catalogues (placeholders).

Like go-containerregistry's ``random`` package, every generator takes ``seed=`` (an ``int``, a
``random.Random`` or ``None`` for 0) and the same seed gives the same digests.

>>> a, b = random_image(seed=7), random_image(seed=7)
>>> a.digest == b.digest, len(a.layers)
(True, 3)
"""

from __future__ import annotations

import gc
import math
import random as _random
from bisect import bisect_left
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from ..deprecation import moved_names
from ..oci.blob import Placeholder
from ..oci.descriptor import Descriptor
from ..oci.image import Image, Layer
from ..oci.manifest import ImageConfig, Manifest
from ..oci.mediatypes import OCI_CONFIG, OCI_LAYER_GZIP
from ..oci.platform import DEFAULT_PLATFORM, Platform
from ..registry import Registry
from ..errors import InvalidArgument

__all__ = ["rng", "random_image", "random_layer", "CatalogReport", "placeholder_catalog"]


def rng(*, seed: "int | _random.Random | None" = None) -> _random.Random:
    """A ``random.Random`` from a seed (``None`` means 0: deterministic by default).

    >>> rng(seed=7).random() == rng(seed=7).random() != rng().random()
    True
    """
    if isinstance(seed, _random.Random):
        return seed
    if seed is None:
        seed = 0
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidArgument(f"seed must be an int, a random.Random or None, got {seed!r}")
    return _random.Random(seed)


def random_layer(size: int = 1024, *, seed: "int | _random.Random | None" = None, files: int = 1) -> Layer:
    """A real tar+gzip layer with ``files`` files of random bytes totalling ``size`` bytes."""
    r = rng(seed=seed)
    sizes = [size // files + (1 if i < size % files else 0) for i in range(files)]
    return Layer.from_files([(f"/random/{r.getrandbits(64):016x}", r.randbytes(n)) for n in sizes])


def random_image(*, seed: "int | _random.Random | None" = None, layers: int = 3, layer_size: int = 1024,
                 platform: "Platform | str" = DEFAULT_PLATFORM) -> Image:
    """An image of ``layers`` random layers (real bytes), like ``random.Image`` in ggcr."""
    r = rng(seed=seed)
    plat = Platform.parse(platform)
    made = [random_layer(layer_size, seed=r) for _ in range(layers)]
    return Image.create(made, ImageConfig(architecture=plat.architecture, os=plat.os, variant=plat.variant))


@dataclass(frozen=True)
class CatalogReport:
    """What :func:`placeholder_catalog` pushed: repositories, manifests and tags, the distinct
    layers, and the layer links (each manifest's layers, summed: a shared layer counts once per
    manifest that uses it).
    """

    repositories: int
    manifests: int
    tags: int
    distinct_layers: int
    layer_links: int


#: From this many layers on, a built catalogue is moved out of the cyclic collector's sight.
FREEZE_FROM_LAYERS = 100_000


@contextmanager
def _collector_paused(freeze: bool) -> Iterator[None]:
    """Pause Python's cyclic garbage collector; with ``freeze``, move what then exists into its
    permanent generation (``gc.freeze()``) before resuming, so that later collections never
    traverse the catalogue's millions of objects again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze:
                gc.freeze()
            gc.enable()


def _zipf_index(r: _random.Random, cumulative: list[float]) -> int:
    return min(bisect_left(cumulative, r.random() * cumulative[-1]), len(cumulative) - 1)


def placeholder_catalog(
    registry: Registry,
    *,
    repositories: int = 1000,
    layers: int = 4000,
    base_images: int | None = None,
    base_layers: tuple[int, int] = (1, 5),
    versions: tuple[int, int] = (1, 3),
    stale: float = 0.0,
    zipf_s: float = 1.1,
    mean_layer_size: int = 20_000_000,
    seed: "int | _random.Random | None" = None,
) -> CatalogReport:
    """Fill ``registry`` with a Docker-Hub-like catalogue of placeholder blobs.

    ``base_images`` base images (1 per 200 repositories by default) each have 1–5 layers. Every
    repository picks one base with Zipf(``zipf_s``) skew -- a few bases (``debian``, ``alpine``)
    are under most images -- and adds layers of its own, so that about ``layers`` distinct layers
    exist in all. Repositories have ``versions`` (1–3) versions: ``latest`` and ``v<n>`` tag the
    newest, older versions keep their ``v<k>`` tag except about one in three, which is left
    untagged. With probability ``stale`` a repository also holds an untagged earlier build (a
    tag that moved). Untagged manifests are what ``gc(delete_untagged=True)`` collects. Layer
    sizes are log-normal around ``mean_layer_size`` (many small, a few huge). Nothing is
    materialised: every blob is a :class:`Placeholder`, pushed with
    :meth:`Registry.push_image` (every push recorded as events, as any push is). Python's cyclic
    garbage collector pauses meanwhile (the catalogue makes no reference cycles); from
    ``FREEZE_FROM_LAYERS`` layers on, everything alive at the end is moved to its permanent
    generation with :func:`gc.freeze` (reference counting still frees it; ``gc.unfreeze()``
    undoes that), so that later collections do not traverse millions of objects again.
    """
    if repositories < 1 or layers < repositories:
        raise InvalidArgument(f"need repositories >= 1 and layers >= repositories, got {repositories}, {layers}")
    if not 0.0 <= stale <= 1.0:
        raise InvalidArgument(f"stale must be a probability in [0, 1], got {stale!r}")
    # Millions of long-lived objects and no reference cycles: Python's cyclic garbage collector
    # would traverse them again and again for nothing (a third of the time at Docker Hub scale,
    # mostly in the first collections after the build), so it pauses while the catalogue is
    # built, and a big catalogue is then frozen out of its sight (gc.freeze).
    with _collector_paused(freeze=layers >= FREEZE_FROM_LAYERS):
        r = rng(seed=seed)
        n_bases = base_images or max(1, repositories // 200)
        mu = math.log(mean_layer_size) - 1.0  # log-normal with sigma sqrt(2): mean = exp(mu + 1)
        sigma = math.sqrt(2.0)
        gauss, exp = r.gauss, math.exp
        counter = [0]
        blobs: dict[str, Placeholder] = {}
        derived, trusted = Placeholder._derived, Descriptor._trusted  # digests and sizes made here are valid

        def new_layer() -> Descriptor:
            counter[0] += 1
            blob = derived(f"catalogue-layer-{counter[0]}", max(32, int(exp(gauss(mu, sigma)))))
            blobs[blob.digest] = blob
            return trusted(OCI_LAYER_GZIP, blob.digest, blob.size)

        bases = [[new_layer() for _ in range(r.randint(*base_layers))] for _ in range(n_bases)]
        weights = [1.0 / (k + 1) ** zipf_s for k in range(n_bases)]
        cumulative, total = [], 0.0
        for w in weights:
            total += w
            cumulative.append(total)
        own_budget = layers - counter[0]
        manifests = tags = links = 0
        for i in range(repositories):
            name = f"user{i // 4}/app{i}"
            base = bases[_zipf_index(r, cumulative)]
            remaining = repositories - i
            n_versions = r.randint(*versions)
            builds = n_versions + (1 if r.random() < stale else 0)
            own_total = max(builds, round(own_budget / remaining)) if remaining > 1 else max(builds, own_budget)
            own_budget -= own_total
            per_build = [own_total // builds + (1 if v < own_total % builds else 0) for v in range(builds)]
            pushed: list[Placeholder] = [blobs[desc.digest] for desc in base]
            for b, count in enumerate(per_build):
                v = max(1, b - (builds - n_versions) + 1)  # a stale build is an earlier build of v1
                own = [new_layer() for _ in range(count)]
                config = derived(f"catalogue-config-{name}-{b}", 1500)
                manifest = Manifest(config=trusted(OCI_CONFIG, config.digest, config.size), layers=(*base, *own))
                pushed.extend([blobs.pop(d.digest) for d in own])
                pushed.append(config)
                if b < builds - n_versions:
                    version_tags: list[str] = []  # the stale build: its tag moved on
                elif v == n_versions:
                    version_tags = ["latest", f"v{v}"]
                else:
                    version_tags = [f"v{v}"] if (i + v) % 3 else []
                registry.push_image(name, manifest, pushed, tags=version_tags)
                links += len(pushed) - 1
                tags += len(version_tags)
                manifests += 1
                pushed = []
        return CatalogReport(repositories, manifests, tags, counter[0], links)


# Old names, for one release (CONTRIBUTING.md, "Renaming").
__getattr__ = moved_names("regsim.data.generate", {"CatalogueStats": "CatalogReport", "placeholder_catalogue": "placeholder_catalog"}, globals())
