"""Shared vs unique bytes of a set of images: layer deduplication in numbers and in one chart.

>>> import regsim
>>> from regsim.viz import to_graph
>>> hub = regsim.World.standard(quiet=True).registries["docker.io"]
>>> stats = dedup_stats(to_graph(hub, platform="linux/amd64"), ["library/python:3.11", "library/node:18"])
>>> stats.physical_bytes < stats.logical_bytes
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import collections.abc

import networkx as nx
from matplotlib.axes import Axes

from ..errors import UnknownKey, expect
from ..deprecation import moved_names
from ..oci.platform import Platform
from ..units import human_size, plural
from .graph import familiar, node_id
from .style import OKABE_ITO

__all__ = ["ImageBytes", "ImageDedupReport", "dedup_stats", "draw_dedup", "image_choices"]


@dataclass(frozen=True)
class ImageBytes:
    """One image's layers: all of them, those another chosen image also has, and the rest."""

    name: str
    manifest: str
    layers: int
    total: int
    shared: int
    unique: int


@dataclass(frozen=True)
class ImageDedupReport:
    """Per-image bytes and the totals: every image counted whole (logical) vs each layer once."""

    images: tuple[ImageBytes, ...]
    logical_bytes: int
    physical_bytes: int

    @property
    def saved_bytes(self) -> int:
        """``logical_bytes - physical_bytes``: what storing each layer once saves."""
        return self.logical_bytes - self.physical_bytes

    @property
    def dedup_ratio(self) -> float:
        """``logical_bytes / physical_bytes`` (1.0 when nothing is stored): how many times over the
        images would fill the disk if each kept its own layers.
        """
        return self.logical_bytes / self.physical_bytes if self.physical_bytes else 1.0

    def __str__(self) -> str:
        return (f"{plural(len(self.images), 'image')}: {human_size(self.logical_bytes)} of layers, "
                f"{human_size(self.physical_bytes)} stored, {human_size(self.saved_bytes)} saved "
                f"({self.dedup_ratio:.2f}x)")

    def to_html(self) -> str:
        """An escaped HTML table of the numbers (also what notebooks show)."""
        from ..display import table

        rows = [[i.name, i.layers, human_size(i.total), human_size(i.shared), human_size(i.unique)]
                for i in self.images]
        rows.append(["all (each layer once)", "", human_size(self.logical_bytes), "", human_size(self.physical_bytes)])
        return table(rows, header=["image", "layers", "size", "shared", "unique"], caption=str(self))

    _repr_html_ = to_html


def image_choices(G: nx.DiGraph[str]) -> list[tuple[str, str]]:
    """``(label, tag node)`` for every tag of every registry and host in ``G``: what a user picks."""
    expect("G", G, nx.DiGraph, "a graph from to_graph()")
    out = []
    for n, data in G.nodes(data=True):
        if data["type"] == "tag":
            out.append((f"{familiar(data['repository'])}:{data['tag']}", n))
    return out


def _manifest_for(G: nx.DiGraph[str], tag: str, platform: Platform | None) -> str | None:
    targets = [v for v in G.successors(tag) if G.edges[tag, v]["kind"] == "tag"]
    if not targets:
        return None
    target = targets[0]
    if G.nodes[target]["type"] == "manifest":
        return target
    for child in G.successors(target):
        found = G.nodes[child].get("platform")
        if platform is None or found is None or platform.matches(Platform.parse(found)):
            return child
    return None


def dedup_stats(G: nx.DiGraph[str], images: Iterable[str], *, platform: str | Platform | None = "linux/amd64"
                ) -> ImageDedupReport:
    """Shared and unique layer bytes of ``images``.

    ``images`` are tag nodes of ``G`` or ``repository:tag`` names of its first owner
    (``"library/python:3.11"``); an index resolves to its ``platform`` manifest. Unknown names
    raise :class:`~regsim.errors.UnknownKey` (a KeyError) naming them.
    """
    expect("G", G, nx.DiGraph, "a graph from to_graph()")
    expect("images", images, collections.abc.Iterable, "an iterable of image names ('repository:tag')")
    plat = Platform.parse(platform) if platform is not None else None
    owners = G.graph.get("owners", [])
    chosen: list[tuple[str, str, list[str]]] = []
    for name in images:
        tag = name if name in G else (node_id("tag", G.nodes[owners[0]]["owner"], name) if owners else name)
        if tag not in G or G.nodes[tag]["type"] != "tag":
            raise UnknownKey(f"no tag {name!r} in the graph (expected 'repository:tag' or a tag node id)")
        manifest = _manifest_for(G, tag, plat)
        if manifest is None:
            raise UnknownKey(f"{name!r} has no manifest for {plat}")
        layers = [v for v in G.successors(manifest) if G.edges[manifest, v]["kind"] == "manifest-layer"]
        label = f"{familiar(G.nodes[tag]['repository'])}:{G.nodes[tag]['tag']}"
        chosen.append((label, manifest, layers))
    counts: dict[str, int] = {}
    for _, _, layers in chosen:
        for layer in set(layers):
            counts[layer] = counts.get(layer, 0) + 1
    rows = []
    for label, manifest, layers in chosen:
        total = sum(G.nodes[l]["size"] for l in layers)
        shared = sum(G.nodes[l]["size"] for l in layers if counts[l] > 1)
        rows.append(ImageBytes(label, manifest, len(layers), total, shared, total - shared))
    logical = sum(r.total for r in rows)
    physical = sum(G.nodes[l]["size"] for l in counts)
    return ImageDedupReport(tuple(rows), logical, physical)


def draw_dedup(stats: ImageDedupReport, ax: Axes | None = None, *, title: str | None = None,
               managed: bool = True) -> Axes:
    """Horizontal bars: each image's shared (hatched) and unique bytes, then the totals.

    Without ``ax`` a new figure is made: a pyplot one (shown inline) when ``managed``.
    """
    expect("stats", stats, ImageDedupReport, "the ImageDedupReport of dedup_stats()")
    if ax is None:
        from .draw import new_figure

        fig = new_figure(9.0, 1.5 + 0.36 * (len(stats.images) + 2), managed=managed)
        fig.set_layout_engine("constrained")
        ax = fig.add_subplot()
    names = [i.name for i in stats.images] + ["every image whole", "each layer once"]
    y = list(range(len(names)))
    mb = 1e6
    ax.barh(y[:-2], [i.shared / mb for i in stats.images], color=OKABE_ITO["sky blue"], edgecolor="black",
            hatch="////", label="shared with another chosen image")
    ax.barh(y[:-2], [i.unique / mb for i in stats.images], left=[i.shared / mb for i in stats.images],
            color=OKABE_ITO["orange"], edgecolor="black", label="only in this image")
    ax.barh([y[-2]], [stats.logical_bytes / mb], color="#D9D9D9", edgecolor="black", label="sum of the images")
    ax.barh([y[-1]], [stats.physical_bytes / mb], color=OKABE_ITO["bluish green"], edgecolor="black",
            hatch="...", label="what the store holds")
    for i, image in enumerate(stats.images):
        ax.text(image.total / mb, i, f"  {human_size(image.total)} ({human_size(image.shared)} shared)",
                va="center", fontsize=8)
    ax.text(stats.logical_bytes / mb, y[-2], f"  {human_size(stats.logical_bytes)}", va="center", fontsize=8)
    ax.text(stats.physical_bytes / mb, y[-1], f"  {human_size(stats.physical_bytes)} "
            f"(saves {human_size(stats.saved_bytes)})", va="center", fontsize=8)
    ax.set_yticks(y, names, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("MB")
    ax.set_xlim(0, max(stats.logical_bytes / mb, 1e-6) * 1.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.set_title(title or str(stats), loc="left", fontsize=10)
    return ax


# Old names work for one release, with a DeprecationWarning (issue 20: one vocabulary).
__getattr__ = moved_names("regsim.viz.dedup", {'DedupStats': 'ImageDedupReport'}, globals())
