"""Deterministic layouts, in inches: a layered layout for registry graphs and a tree layout.

Coordinates are in inches so that a figure of the matching size shows labels at their true width:
:func:`layered_layout` places each node type in its own column (owner | repository | tag | index |
manifest | config and layers), keeps the graph's node order inside a column, and puts each node at
the mean height of what it points to, as close as the minimum row gap allows (an order-preserving
least-squares fit). The same graph always gives the same positions.
"""

from __future__ import annotations

import collections.abc
import math
import numbers
from functools import lru_cache
from typing import Mapping, Sequence

import networkx as nx

from ..errors import expect

__all__ = ["COLUMNS", "ROW_GAP", "text_width", "layered_layout", "tree_layout", "spread", "crossing_height"]

#: Column of each node type (empty columns are dropped).
COLUMNS: dict[str, float] = {
    "registry": 0, "host": 0, "repository": 1, "tag": 2, "index": 3, "manifest": 4, "config": 5, "layer": 5,
    # an artifact (a manifest with a ``subject``: SBOM, signature) stands just before the manifests
    "artifact": 3.5,
}
ROW_GAP = 0.30  # inches between rows
OWNER_GAP = 0.45  # extra inches between two owners' blocks
COLUMN_PAD = 0.55  # inches between the end of a column's longest label and the next column
MARKER_PAD = 0.17  # inches from a node's centre to its label
FONT_SIZE = 8.0


@lru_cache(maxsize=4096)
def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """Width of ``text`` in inches at ``size`` points (DejaVu Sans, matplotlib's default font)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    width = 0.0
    for line in text.split("\n"):
        w, _, _ = TextToPath().get_text_width_height_descent(line, prop, ismath=False)
        width = max(width, w)
    return width / 72.0


def spread(desired: Sequence[float], gaps: Sequence[float]) -> list[float]:
    """Positions in the given order, each at least ``gaps[i]`` below the previous one, as close as
    possible (least squares) to ``desired`` -- pool-adjacent-violators on shifted values.

    >>> spread([0.0, 0.0, 0.0], [0.0, 1.0, 1.0])
    [-1.0, 0.0, 1.0]
    >>> spread([0.0, 5.0], [0.0, 1.0])
    [0.0, 5.0]
    """
    expect("desired", desired, collections.abc.Sequence, "a sequence of numbers")
    expect("gaps", gaps, collections.abc.Sequence, "a sequence of numbers")
    offsets: list[float] = []
    total = 0.0
    for g in gaps:
        total += g
        offsets.append(total)
    shifted = [d - o for d, o in zip(desired, offsets)]
    blocks: list[list[float]] = []  # [mean, count]
    for value in shifted:
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    fitted: list[float] = []
    for mean, count in blocks:
        fitted.extend([mean] * int(count))
    return [f + o for f, o in zip(fitted, offsets)]


def crossing_height(ys: Sequence[float], want: float, row_gap: float = ROW_GAP) -> float:
    """Where an edge that skips a column crosses it: as near to ``want`` as it can while clear of
    the column's rows -- the midpoint between two adjacent rows, or anywhere a whole ``row_gap``
    from every row. Never beside a node (a row gap away at most half of it), where that node's
    own edges converge and the crossing edge would seem to point at it.

    >>> crossing_height([1.0], 0.2, 0.3)
    0.2
    >>> crossing_height([1.0], 0.9, 0.3)
    0.7
    >>> crossing_height([0.0, 0.3, 0.6], 0.2, 0.3)
    0.15
    """
    expect("ys", ys, collections.abc.Sequence, "a sequence of numbers")
    expect("want", want, numbers.Real, "a number")
    rows = sorted(ys)
    if not rows:
        return want
    candidates = [(a + b) / 2 for a, b in zip(rows, rows[1:])]
    free = [(-math.inf, rows[0] - row_gap), *((a + row_gap, b - row_gap) for a, b in zip(rows, rows[1:])
                                               if b - a >= 2 * row_gap), (rows[-1] + row_gap, math.inf)]
    candidates += [min(max(want, low), high) for low, high in free]
    return min(candidates, key=lambda h: (abs(h - want), h))


def _column(G: nx.DiGraph[str], n: str, column_of: Mapping[str, float]) -> float:
    data = G.nodes[n]
    if data.get("subject") is not None and "artifact" in column_of:
        return column_of["artifact"]
    return column_of[data["type"]]


def _columns(G: nx.DiGraph[str], column_of: Mapping[str, float]) -> list[list[str]]:
    used = sorted({_column(G, n, column_of) for n in G})
    index = {c: i for i, c in enumerate(used)}
    cols: list[list[str]] = [[] for _ in used]
    for n in G:  # graph order is the deliberate order (owners, first use)
        cols[index[_column(G, n, column_of)]].append(n)
    return cols


def _gaps(G: nx.DiGraph[str], col: list[str], row_gap: float) -> list[float]:
    """The minimum distance of each node of a column from the one above it (more between owners)."""
    gaps, prev = [], None
    for i, n in enumerate(col):
        owner = G.nodes[n].get("owner")
        gaps.append(0.0 if i == 0 else row_gap + (OWNER_GAP if owner != prev else 0.0))
        prev = owner
    return gaps


def layered_layout(G: nx.DiGraph[str], labels: Mapping[str, str] | None = None, *,
                   column_of: Mapping[str, float] = COLUMNS, row_gap: float = ROW_GAP,
                   bold: Sequence[str] = ()) -> dict[str, tuple[float, float]]:
    """Positions ``{node: (x, y)}`` in inches, y growing downwards from 0.

    Columns are as wide as their longest label (``labels``, or each node's ``label``) so that
    labels written to the right of their node never reach the next column.
    """
    expect("G", G, nx.DiGraph, "a graph from to_graph()")
    if G.number_of_nodes() == 0:
        return {}
    labels = labels if labels is not None else {n: G.nodes[n].get("label", str(n)) for n in G}
    bold_set = set(bold)
    cols = _columns(G, column_of)
    gaps_of = [_gaps(G, col, row_gap) for col in cols]
    y: dict[str, float] = {}
    # right to left: each node at the mean height of what it points to
    for col, gaps in zip(reversed(cols), reversed(gaps_of)):
        desired: list[float] = []
        for n, gap in zip(col, gaps):
            children = [y[c] for c in G.successors(n) if c in y]
            desired.append(sum(children) / len(children) if children else (desired[-1] + gap if desired else 0.0))
        y.update(zip(col, spread(desired, gaps)))
    # then left to right: pulled halfway towards what points to it (a tall tag column no longer
    # leaves its indexes far away); the order inside each column never changes, so no new crossings
    for col, gaps in list(zip(cols, gaps_of))[1:]:
        desired = []
        for n in col:
            parents = [y[p] for p in G.predecessors(n)]
            desired.append((y[n] + sum(parents) / len(parents)) / 2 if parents else y[n])
        y.update(zip(col, spread(desired, gaps)))
    top = min(y.values())
    x = 0.0
    pos: dict[str, tuple[float, float]] = {}
    for col in cols:
        widest = max(text_width(labels.get(n, ""), bold=n in bold_set) for n in col)
        for n in col:
            pos[n] = (x, y[n] - top)
        x += MARKER_PAD + widest + COLUMN_PAD
    return pos


def tree_layout(T: nx.DiGraph[str], labels: Mapping[str, str] | None = None, *,
                row_gap: float = ROW_GAP) -> dict[str, tuple[float, float]]:
    """A left-to-right layout of a forest (inches): depth gives the column, leaves are stacked in
    graph order (depth-first), parents sit at the mean height of their children."""
    expect("T", T, nx.DiGraph, "a graph from to_graph()")
    labels = labels if labels is not None else {n: T.nodes[n].get("label", str(n)) for n in T}
    depth: dict[str, int] = {}
    order: list[str] = []
    roots = [n for n in T if T.in_degree(n) == 0]
    stack = [(r, 0) for r in reversed(roots)]
    while stack:
        n, d = stack.pop()
        depth[n] = d
        order.append(n)
        stack.extend((c, d + 1) for c in reversed(list(T.successors(n))))
    y: dict[str, float] = {}
    row = 0.0
    for n in order:
        if T.out_degree(n) == 0:
            y[n] = row
            row += row_gap
    for n in reversed(order):
        if n not in y:
            kids = [y[c] for c in T.successors(n)]
            y[n] = sum(kids) / len(kids)
    widths: dict[int, float] = {}
    for n in order:
        widths[depth[n]] = max(widths.get(depth[n], 0.0), text_width(labels.get(n, "")))
    xs: dict[int, float] = {}
    x = 0.0
    for d in sorted(widths):
        xs[d] = x
        x += MARKER_PAD + widths[d] + COLUMN_PAD
    return {n: (xs[depth[n]], y[n]) for n in order}
