"""The one palette of regsim's pictures: a colour, a shape and a word for every node type and status.

Colours are the Okabe–Ito set, safe for the common colour-vision deficiencies. Nothing is told by
colour alone: every node type also has its own marker shape and a label, and every operation
status (uploaded, mounted, downloaded, swept, ...) also has a hatch pattern and a text badge that
is written into the node's label.

>>> NODE_STYLES["layer"].marker, NODE_STYLES["manifest"].marker
('s', 'o')
>>> STATUS_STYLES["mounted"].badge
'⇄ mounted'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
    linestyle: str
    width: float
    meaning: str


#: Node types in layout order (left to right): owner | repository | tag | index | manifest | blobs.
NODE_TYPES: tuple[str, ...] = ("registry", "host", "repository", "tag", "index", "manifest", "config", "layer")

NODE_STYLES: dict[str, NodeStyle] = {
    "registry": NodeStyle(OKABE_ITO["black"], "H", "registry"),
    "host": NodeStyle(OKABE_ITO["reddish purple"], "8", "host"),
    "repository": NodeStyle(OKABE_ITO["orange"], "p", "repository"),
    "tag": NodeStyle(OKABE_ITO["yellow"], ">", "tag"),
    "index": NodeStyle(OKABE_ITO["vermillion"], "D", "index (multi-platform)"),
    "manifest": NodeStyle(OKABE_ITO["blue"], "o", "manifest"),
    "config": NodeStyle(OKABE_ITO["sky blue"], "^", "config blob"),
    "layer": NodeStyle(OKABE_ITO["bluish green"], "s", "layer blob"),
    # the aggregated view: a run of consecutive layers that the same images share
    "layer-group": NodeStyle(OKABE_ITO["bluish green"], "s", "layers shared by the same images"),
    "platform": NodeStyle("#FFFFFF", "d", "platform"),
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
    "link": EdgeStyle("#7F7F7F", "dotted", 0.9, "linked but unreferenced"),
    "was": EdgeStyle(OKABE_ITO["orange"], "dashed", 1.6, "tag pointed here before"),
    "parent": EdgeStyle("#7F7F7F", "solid", 1.0, "built on"),
}


def node_style(node_type: str) -> NodeStyle:
    """The style of ``node_type``; a ``KeyError`` names the unknown type and the known ones."""
    try:
        return NODE_STYLES[node_type]
    except KeyError:
        raise KeyError(f"unknown node type {node_type!r}: expected one of {sorted(NODE_STYLES)}") from None


def status_style(status: str) -> StatusStyle:
    """The style of an operation ``status``; a ``KeyError`` names the unknown status."""
    try:
        return STATUS_STYLES[status]
    except KeyError:
        raise KeyError(f"unknown status {status!r}: expected one of {sorted(STATUS_STYLES)}") from None


#: Marker areas (points²) for blobs and manifests: the area grows with the log of the bytes.
MIN_AREA, MAX_AREA, FIXED_AREA = 45.0, 330.0, 150.0
_LOG_LOW, _LOG_HIGH = 2.0, 9.0  # 100 B ... 1 GB


def marker_area(size: int | None) -> float:
    """Marker area for ``size`` bytes (None: the fixed area of tags, repositories, owners).

    >>> marker_area(None) == FIXED_AREA, marker_area(100) == MIN_AREA, marker_area(10**9) == MAX_AREA
    (True, True, True)
    """
    if size is None:
        return FIXED_AREA
    level = (math.log10(max(size, 1)) - _LOG_LOW) / (_LOG_HIGH - _LOG_LOW)
    return MIN_AREA + (MAX_AREA - MIN_AREA) * min(1.0, max(0.0, level))
