"""The one semantic map of regsim's pictures: shape says what a node is, colour says what happened.

* **Node types** (registry, repository, tag, manifest, layer, ...) each have their own marker
  shape and a word in the legend, and a *neutral* fill: white, or dark grey for the owners. No
  node type has a colour of its own, so no type can be mistaken for a status.
* **Operation statuses** (uploaded, mounted, already there, downloaded, new, swept, ...) are the
  only coloured things, in the Okabe–Ito set (safe for the common colour-vision deficiencies,
  no red/green pair). A colour never stands alone: every status also has a hatch pattern and a
  badge written into the node's label (``↑ uploaded``), so a grey-scale print says the same.
* **Marker area is proportional to bytes** for blobs and images (:func:`marker_area`), with a
  visible minimum; the legend shows size keys (:func:`size_keys`). Repositories, tags and
  indexes have one fixed size: they are pointers, not bytes.

>>> NODE_STYLES["layer"].marker, NODE_STYLES["manifest"].marker
('s', 'o')
>>> STATUS_STYLES["mounted"].badge
'⇄ mounted'
>>> {s.color for s in NODE_STYLES.values()} & {s.color for s in STATUS_STYLES.values()}
set()
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

from ..errors import UnknownKey, expect

__all__ = [
    "OKABE_ITO",
    "NodeStyle",
    "StatusStyle",
    "NODE_TYPES",
    "NODE_STYLES",
    "STATUS_STYLES",
    "EDGE_STYLES",
    "EdgeStyle",
    "CONTEXT_COLOR",
    "marker_area",
    "size_keys",
    "SIZED_TYPES",
    "node_style",
    "status_style",
]

#: The eight Okabe–Ito colours, by name.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "black": "#000000",
}

#: Nodes that an operation did not touch are drawn in this light grey (their shape stays).
CONTEXT_COLOR = "#D9D9D9"
#: The neutral fills of node types (never a status colour).
PLAIN_FILL, OWNER_FILL = "#FFFFFF", "#595959"


@dataclass(frozen=True)
class NodeStyle:
    """How one node type is drawn: fill colour, matplotlib marker, and its name in legends."""

    color: str
    marker: str
    name: str
    edge_color: str = "#000000"


@dataclass(frozen=True)
class StatusStyle:
    """How an operation status is drawn: fill colour, hatch, and the badge written in the label."""

    color: str
    hatch: str
    badge: str
    meaning: str
    hatch_color: str = "#000000"


@dataclass(frozen=True)
class EdgeStyle:
    color: str
    linestyle: Literal["solid", "dashed", "dashdot", "dotted"]  # matplotlib's names
    width: float
    meaning: str


#: Node types in layout order (left to right): owner | repository | tag | index | manifest | blobs.
NODE_TYPES: tuple[str, ...] = ("registry", "host", "repository", "tag", "index", "manifest", "config", "layer")

NODE_STYLES: dict[str, NodeStyle] = {
    "registry": NodeStyle(OWNER_FILL, "H", "registry"),
    "host": NodeStyle(OWNER_FILL, "8", "host"),
    "repository": NodeStyle(PLAIN_FILL, "p", "repository"),
    "tag": NodeStyle(PLAIN_FILL, ">", "tag"),
    "index": NodeStyle(PLAIN_FILL, "D", "index (multi-platform)"),
    "manifest": NodeStyle(PLAIN_FILL, "o", "manifest (area: its image's bytes)"),
    "config": NodeStyle(PLAIN_FILL, "^", "config blob"),
    "layer": NodeStyle(PLAIN_FILL, "s", "layer blob"),
    # the aggregated view: a run of consecutive layers that the same images share
    "layer-group": NodeStyle(PLAIN_FILL, "s", "layers shared by the same images"),
    "platform": NodeStyle(PLAIN_FILL, "d", "platform"),
}

#: What an operation did to a node. Bytes that moved are vermillion, bytes that did not are sky
#: blue (never a red/green pair), and the hatch and badge say the same thing without colour.
STATUS_STYLES: dict[str, StatusStyle] = {
    "uploaded": StatusStyle(OKABE_ITO["vermillion"], "////", "↑ uploaded", "bytes sent to the registry"),
    "mounted": StatusStyle(OKABE_ITO["reddish purple"], "....", "⇄ mounted", "linked from another repository, no bytes sent"),
    "skipped": StatusStyle(OKABE_ITO["sky blue"], "", "= already there", "the registry had it: skipped"),
    "downloaded": StatusStyle(OKABE_ITO["vermillion"], "\\\\\\\\", "↓ downloaded", "bytes received by the host"),
    "local": StatusStyle(OKABE_ITO["sky blue"], "", "✓ already local", "the host had it: not downloaded"),
    "fetched": StatusStyle(OKABE_ITO["bluish green"], "||", "» read", "the client read this manifest"),
    "new": StatusStyle(OKABE_ITO["blue"], "", "+ new", "created by this operation"),
    "moved": StatusStyle(OKABE_ITO["orange"], "", "→ moved", "the tag now points elsewhere"),
    "tagged": StatusStyle(OKABE_ITO["blue"], "----", "● now tagged", "the moved tag points here now"),
    "untagged": StatusStyle(OKABE_ITO["yellow"], "xx", "∅ untagged", "no tag points here any more"),
    "deleted": StatusStyle(OKABE_ITO["black"], "xx", "✗ deleted", "removed by this operation", "#FFFFFF"),
    "swept": StatusStyle(OKABE_ITO["black"], "xx", "✗ swept", "removed by garbage collection", "#FFFFFF"),
    "kept": StatusStyle(OKABE_ITO["bluish green"], "", "✓ kept", "reachable: garbage collection keeps it"),
}

EDGE_STYLES: dict[str, EdgeStyle] = {
    "contains": EdgeStyle("#7F7F7F", "solid", 0.8, "holds"),
    "tag": EdgeStyle("#4D4D4D", "solid", 1.2, "tag points at"),
    "index-manifest": EdgeStyle("#7F7F7F", "solid", 0.9, "index lists"),
    "manifest-config": EdgeStyle("#A6A6A6", "solid", 0.7, "manifest references"),
    "manifest-layer": EdgeStyle("#A6A6A6", "solid", 0.7, "manifest references"),
    "untagged": EdgeStyle("#7F7F7F", "dashed", 0.9, "untagged manifest (no tag points here)"),
    "subject": EdgeStyle(OKABE_ITO["bluish green"], "dashdot", 1.2, "artifact is about (its subject)"),
    "link": EdgeStyle("#7F7F7F", "dotted", 0.9, "linked but unreferenced"),
    "was": EdgeStyle(OKABE_ITO["orange"], "dashed", 1.6, "tag pointed here before"),
    "parent": EdgeStyle("#7F7F7F", "solid", 1.0, "built on"),
}


def node_style(node_type: str) -> NodeStyle:
    """The style of ``node_type``; an :class:`~regsim.errors.UnknownKey` (a KeyError) names the unknown type and the known ones."""
    try:
        return NODE_STYLES[node_type]
    except KeyError:
        raise UnknownKey(f"unknown node_type {node_type!r}: expected one of {sorted(NODE_STYLES)}") from None


def status_style(status: str) -> StatusStyle:
    """The style of an operation ``status``; an :class:`~regsim.errors.UnknownKey` (a KeyError) names the unknown status."""
    try:
        return STATUS_STYLES[status]
    except KeyError:
        raise UnknownKey(f"unknown status {status!r}: expected one of {sorted(STATUS_STYLES)}") from None


#: Node types whose marker area is proportional to bytes (a manifest: its whole image).
SIZED_TYPES = ("config", "layer", "layer-group", "manifest")
#: Marker areas (points²): the biggest thing in a picture, the smallest visible mark, and the
#: one size of pointers (repositories, tags, indexes, owners).
MIN_AREA, MAX_AREA, FIXED_AREA = 14.0, 330.0, 120.0


def marker_area(size: int | None, scale: int | None = None) -> float:
    """Marker area (points²) for ``size`` bytes in a picture whose biggest item has ``scale`` bytes.

    The area is proportional to the bytes -- a 2 kB layer is a hundred thousand times smaller
    than a 197 MB one -- but never below :data:`MIN_AREA`, so that every blob stays visible.
    ``size=None``: the fixed area of pointers (tags, repositories, indexes, owners).

    >>> marker_area(None) == FIXED_AREA, marker_area(100, 100) == MAX_AREA, marker_area(50, 100) == MAX_AREA / 2
    (True, True, True)
    >>> marker_area(2_000, 197_000_000) == MIN_AREA
    True
    """
    expect("size", size, (numbers.Real, type(None)), "a number of bytes or None")
    expect("scale", scale, (numbers.Real, type(None)), "a number of bytes or None")
    if size is None:
        return FIXED_AREA
    if not scale or scale <= 0:
        return MIN_AREA
    return max(MIN_AREA, MAX_AREA * min(size, scale) / scale)


def _nice(value: float) -> float:
    """The largest 1-2-5 number not above ``value``."""
    if value <= 0:
        return 0.0
    exp = math.floor(math.log10(value))
    for m in (5, 2, 1):
        if m * 10**exp <= value:
            return float(m * 10**exp)
    return float(10**exp)


def size_keys(scale: int | None) -> list[tuple[float, float]]:
    """``[(bytes, area), ...]`` for a legend: two round sizes and the smallest mark's threshold
    (everything at or below it is drawn at :data:`MIN_AREA`).

    >>> [(int(b), round(a)) for b, a in size_keys(200_000_000)]
    [(200000000, 330), (50000000, 82), (8484848, 14)]
    """
    expect("scale", scale, (numbers.Real, type(None)), "a number of bytes or None")
    if not scale or scale <= 0:
        return []
    floor = scale * MIN_AREA / MAX_AREA
    keys: list[tuple[float, float]] = []
    for value in (_nice(scale), _nice(scale / 4)):
        if value > floor * 1.5 and all(value != k for k, _ in keys):
            keys.append((value, marker_area(int(value), scale)))
    keys.append((floor, MIN_AREA))
    return keys
