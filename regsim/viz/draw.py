"""Draw registry graphs with matplotlib: ``draw(...) -> Axes``, never ``plt.show()``.

One look for everything: the layered layout of :mod:`regsim.viz.layout`, the palette of
:mod:`regsim.viz.style` (a shape, a colour and a label per node type), marker areas that grow with
the bytes (area proportional to bytes, with size keys in the legend), labels with short digests (``sha256:3f4a5b6c…``) and share counts (``shared ×3``), and a
legend. An operation's statuses (``{node: "uploaded"}``) recolour the touched nodes, add a hatch
and write a badge in their label; untouched nodes turn light grey but keep their shape.

Graphs of more than :data:`MAX_DETAIL_NODES` nodes are drawn aggregated (see
:mod:`regsim.viz.aggregate`) unless ``aggregate=False``.
"""

from __future__ import annotations

import collections.abc
import io
import math
import numbers
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import networkx as nx
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import InvalidArgument, UnknownKey, expect
from ..units import human_size
from .layout import FONT_SIZE, MARKER_PAD, ROW_GAP, crossing_height, layered_layout, text_width, tree_layout
from .style import (
    CONTEXT_COLOR,
    EDGE_STYLES,
    NODE_STYLES,
    NODE_TYPES,
    SIZED_TYPES,
    STATUS_STYLES,
    marker_area,
    node_style,
    size_keys,
    status_style,
)

__all__ = ["draw", "draw_panels", "legend_figure", "plan", "Plan", "edge_path", "new_figure", "to_png", "MAX_DETAIL_NODES",
           "MAX_FIGURE_HEIGHT", "in_one_row", "share_scale", "stacked_height"]

#: Above this many nodes :func:`draw` shows the aggregated view (``aggregate=None``).
MAX_DETAIL_NODES = 150
#: By default no figure is taller than this (inches): long columns are folded to fit.
MAX_FIGURE_HEIGHT = 15.0
#: The drawing's share of it (titles, legend and footer take the rest).
MAX_DRAWING_HEIGHT = MAX_FIGURE_HEIGHT - 2.5

_MARGIN = 0.25  # inches around the drawing
_TITLE_H = 0.42
_LEGEND_ROW_H = 0.24
TREE_ROW_GAP = 0.42  # tree labels have two lines


@dataclass
class Plan:
    """Everything needed to draw one graph: positions and labels (inches), statuses, extents."""

    G: nx.DiGraph[str] = field(repr=False)
    pos: dict[str, tuple[float, float]] = field(repr=False)
    labels: dict[str, str] = field(repr=False)
    statuses: dict[str, str]
    ghost_edges: list[tuple[str, str, str]]
    width: float
    height: float
    title: str | None = None
    tree: bool = False
    context: bool = False
    row_gap: float = ROW_GAP
    #: bytes of the biggest sized node (the largest marker); panels drawn together share one
    size_scale: int | None = None
    #: where each node's label ends (inches): edges leave a node from there, never under a label
    label_ends: dict[str, float] = field(default_factory=dict, repr=False)


def _source_graph(source: Any) -> nx.DiGraph[str]:
    if isinstance(source, nx.DiGraph):
        return source
    from .graph import to_graph

    return to_graph(source)


def plan(source: Any, *, highlight: Mapping[str, str] | None = None,
         ghost_edges: Iterable[tuple[str, str, str]] = (), notes: Mapping[str, str] | None = None,
         title: str | None = None, aggregate: bool | None = None,
         layout: Mapping[str, tuple[float, float]] | None = None,
         max_height: float | None = MAX_DRAWING_HEIGHT) -> Plan:
    """Lay out ``source`` (a graph, registry, host or world) for drawing.

    ``highlight`` maps nodes to statuses of :data:`~regsim.viz.style.STATUS_STYLES`;
    ``ghost_edges`` are ``(u, v, kind)`` edges drawn but not in the graph (the ``was`` edge of a
    tag move); ``notes`` adds words to some labels (``from library/python``); ``layout`` gives
    fixed positions (inches) for every node, e.g. shared by the frames of an animation. Unknown
    nodes or statuses raise :class:`~regsim.errors.UnknownKey` (a KeyError) naming them.

    ``max_height`` (inches, None: no limit) keeps the drawing readable: when the laid-out graph is
    taller, long runs of layers are folded into ``… N layers`` nodes (a layer tree: its smaller
    branches into ``… N more branches``), fewer and fewer kept, until it fits. Nothing is dropped
    silently: a folded node counts what it stands for, its area is their bytes.
    """
    notes = dict(notes or {})
    G = _source_graph(source)
    statuses = dict(highlight or {})
    for node, status in statuses.items():
        status_style(status)
        if node not in G:
            raise UnknownKey(f"highlighted node {node!r} is not in the graph")
    big = G.number_of_nodes() > MAX_DETAIL_NODES and not statuses  # a highlight asks for the detail
    if G.graph.get("kind") == "registry-graph" and (aggregate or (aggregate is None and big)):
        from .aggregate import layer_tree

        platforms = [d.get("platform") for _, d in G.nodes(data=True) if d["type"] == "manifest"]
        common = max(sorted({p for p in platforms if p}), key=platforms.count, default=None)
        T = layer_tree(G, platform=common)
        owners = ", ".join(G.nodes[o]["label"] for o in G.graph.get("owners", []))
        heading = title or owners
        note = f"layers grouped by the images that share them ({common})" if common else "layers grouped by image"
        if aggregate is None:
            note += f"; {G.number_of_nodes()} nodes are too many to draw one by one"
        return plan(T, title=f"{heading}: {note}\n{T.graph['title']}", max_height=max_height)
    ghosts = list(ghost_edges)
    for u, v, kind in ghosts:
        if u not in G or v not in G:
            raise UnknownKey(f"ghost edge {u!r} -> {v!r} needs both nodes in the graph")
        if kind not in EDGE_STYLES:
            raise UnknownKey(f"unknown edge kind {kind!r}: expected one of {sorted(EDGE_STYLES)}")
    p = _plan(G, statuses, ghosts, notes, title, layout)
    if layout is not None or max_height is None or p.height + p.row_gap <= max_height:
        return p
    from .aggregate import fold_layers, fold_statuses, fold_tree

    pinned = {n for u, v, _ in ghosts for n in (u, v)}
    for keep in (24, 16, 12, 8, 6, 4, 3, 2, 1):
        if p.tree:
            H = fold_tree(G, keep)
        else:
            H = fold_layers(G, keep, statuses=statuses, notes=notes, pinned=pinned)
        if H is G:
            continue
        p = _plan(H, fold_statuses(H, statuses), ghosts, fold_statuses(H, notes), title, None)
        if p.height + p.row_gap <= max_height:
            break
    return p


def _plan(G: nx.DiGraph[str], statuses: dict[str, str], ghosts: list[tuple[str, str, str]], notes: Mapping[str, str],
          title: str | None, layout: Mapping[str, tuple[float, float]] | None) -> Plan:
    tree = G.graph.get("kind") == "layer-tree"
    labels: dict[str, str] = {}
    for n, data in G.nodes(data=True):
        node_style(data["type"])
        text = data.get("label", str(n))
        if n in statuses:
            text = f"{STATUS_STYLES[statuses[n]].badge}  {text}"
        if n in notes:
            text = f"{text} · {notes[n]}"
        labels[n] = text
    bold = [n for n, d in G.nodes(data=True) if d["type"] in ("registry", "host") or n in statuses]
    row_gap = TREE_ROW_GAP if tree else ROW_GAP
    if layout is not None:
        missing = [n for n in G if n not in layout]
        if missing:
            raise UnknownKey(f"layout has no position for {len(missing)} nodes, e.g. {missing[0]!r}")
        pos = {n: layout[n] for n in G}
    else:
        pos = tree_layout(G, labels, row_gap=row_gap) if tree else layered_layout(G, labels, bold=bold)
    bold_set = set(bold)
    ends = {n: x + MARKER_PAD + text_width(labels[n], bold=n in bold_set) for n, (x, _) in pos.items()}
    width = max(ends.values(), default=0.0)
    height = max((y for _, y in pos.values()), default=0.0)
    sizes = [_bytes_of(d) for _, d in G.nodes(data=True)]
    scale = max((b for b in sizes if b is not None), default=None)
    return Plan(G, pos, labels, statuses, ghosts, width + 0.2, height, title, tree=tree,
                context=bool(statuses), row_gap=row_gap, size_scale=scale, label_ends=ends)


# -- figures ------------------------------------------------------------------------------------


def new_figure(width: float, height: float, *, managed: bool = True) -> Figure:
    """A figure of ``width`` x ``height`` inches: a pyplot figure (shown inline in notebooks) when
    ``managed``, else a plain :class:`~matplotlib.figure.Figure` (for PNG frames and widgets)."""
    expect("width", width, numbers.Real, "a number")
    expect("height", height, numbers.Real, "a number")
    # whole tenths of an inch: the size (which notebooks print) does not hang on font-metric decimals
    size = (math.ceil(max(width, 2.0) * 10) / 10, math.ceil(max(height, 1.0) * 10) / 10)
    if managed:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=size)
    return Figure(figsize=size)


def to_png(fig: Figure, *, dpi: int = 100, close: bool = True) -> bytes:
    """PNG bytes of ``fig`` (no timestamp or version metadata: the same picture, the same bytes)."""
    expect("fig", fig, Figure, "a matplotlib Figure")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white")
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return buf.getvalue()


def _legend_items(plans: Sequence[Plan]) -> list[Any]:
    types_present = {d["type"] for p in plans for _, d in p.G.nodes(data=True)}
    handles: list[Any] = []
    for t in [*NODE_TYPES, "platform", "layer-group"]:
        if t in types_present:
            s = NODE_STYLES[t]
            handles.append(Line2D([], [], linestyle="none", marker=s.marker, markersize=8, markerfacecolor=s.color,
                                  markeredgecolor=s.edge_color, markeredgewidth=0.8, label=s.name))
    statuses: list[str] = []
    for p in plans:
        statuses.extend(s for s in p.statuses.values() if s not in statuses)
    for status in STATUS_STYLES:
        if status in statuses:
            st = STATUS_STYLES[status]
            handles.append(Patch(facecolor=st.color, edgecolor="black", hatch=st.hatch, hatchcolor=st.hatch_color,
                                 label=f"{st.badge}: {st.meaning}"))
    kinds = {d.get("kind") for p in plans for *_, d in p.G.edges(data=True)} | \
        {k for p in plans for *_, k in p.ghost_edges}
    for kind in ("untagged", "subject", "link", "was"):
        if kind in kinds:
            es = EDGE_STYLES[kind]
            handles.append(Line2D([], [], color=es.color, linestyle=es.linestyle, linewidth=es.width,
                                  label=es.meaning))
    scale = max((p.size_scale for p in plans if p.size_scale), default=None)
    keys = size_keys(scale)
    if keys and any(t in types_present for t in SIZED_TYPES):
        for i, (size, area) in enumerate(keys):
            text = human_size(size) if i < len(keys) - 1 else f"≤ {human_size(size)} (smallest mark)"
            handles.append(Line2D([], [], linestyle="none", marker="s", markersize=math.sqrt(area),
                                  markerfacecolor="#FFFFFF", markeredgecolor="#000000", markeredgewidth=0.8,
                                  label=f"{SIZE_KEY_TITLE} {text}" if i == 0 else text))
    return handles


#: The first size key's words (its label reads "marker area ∝ bytes: 200MB").
SIZE_KEY_TITLE = "marker area ∝ bytes:"


def _legend_layout(handles: list[Any], width: float) -> tuple[int, int]:
    widest = max((text_width(h.get_label()) for h in handles), default=1.0) + 0.45
    ncol = max(1, min(len(handles), int(width // widest)))
    rows = -(-len(handles) // ncol) if handles else 0
    return ncol, rows


def legend_figure(plans: Sequence[Plan], width: float, *, managed: bool = False) -> Figure:
    """A figure holding only the legend of ``plans``, ``width`` inches wide (drawn once and pasted
    under every frame of an animation)."""
    expect("plans", plans, collections.abc.Sequence, "a sequence of Plans (from plan())")
    expect("width", width, numbers.Real, "a number")
    handles = _legend_items(plans)
    ncol, rows = _legend_layout(handles, max(width - 2 * _MARGIN, 6.0))
    fig = new_figure(width, rows * _LEGEND_ROW_H + 0.15, managed=managed)
    if handles:
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(_MARGIN / max(width, 2.0), 1.0), ncol=ncol,
                   frameon=False, fontsize=FONT_SIZE, handlelength=1.6, columnspacing=1.2, borderaxespad=0.0)
    return fig


#: Panels wider than this together are stacked (before above after) so text stays legible.
MAX_ROW_WIDTH = 13.0
PANEL_GAP = 0.5


def _panel_width(p: Plan) -> float:
    return max(p.width, 1.5, max((text_width(line, 10.0) for line in (p.title or "").split("\n")), default=0) + 0.3)


def _title_height(p: Plan) -> float:
    return 0.22 + 0.17 * (p.title.count("\n") + 1) if p.title else 0.0


def in_one_row(plans: Sequence[Plan], arrange: str = "auto") -> bool:
    """Whether :func:`draw_panels` puts ``plans`` side by side (else it stacks them)."""
    expect("plans", plans, collections.abc.Sequence, "a sequence of Plans (from plan())")
    widths = [_panel_width(p) for p in plans]
    return arrange == "row" or (arrange == "auto" and sum(widths) + PANEL_GAP * (len(plans) - 1) <= MAX_ROW_WIDTH)


def stacked_height(plans: Sequence[Plan]) -> float:
    """Inches the drawings and panel titles of ``plans`` take when stacked."""
    expect("plans", plans, collections.abc.Sequence, "a sequence of Plans (from plan())")
    return sum(p.height + p.row_gap + _title_height(p) for p in plans) + PANEL_GAP * (len(plans) - 1)


def draw_panels(plans: Sequence[Plan], *, title: str | None = None, footer: str | None = None,
                managed: bool = True, legend: bool = True, arrange: str = "auto",
                legend_from: Sequence[Plan] | None = None) -> Figure:
    """Plans in one figure sized so that 1 data unit is 1 inch, with one shared legend.

    ``arrange``: ``"row"`` (side by side), ``"column"`` (stacked) or ``"auto"`` (side by side
    unless that is wider than :data:`MAX_ROW_WIDTH` inches). ``legend_from``: the plans whose
    node types and statuses the legend lists (all frames of an animation share one legend).
    """
    expect("plans", plans, collections.abc.Sequence, "a sequence of Plans (from plan())")
    if arrange not in ("auto", "row", "column"):
        raise InvalidArgument(f"arrange must be 'auto', 'row' or 'column', got {arrange!r}")
    share_scale([*plans, *(legend_from or [])])
    gap = PANEL_GAP
    widths = [_panel_width(p) for p in plans]
    title_hs = [_title_height(p) for p in plans]
    data_hs = [p.height + p.row_gap for p in plans]
    in_row = in_one_row(plans, arrange)
    if in_row:
        content_w = sum(widths) + gap * (len(plans) - 1)
        content_h = max(t + d for t, d in zip(title_hs, data_hs))
    else:
        content_w = max(widths)
        content_h = sum(t + d for t, d in zip(title_hs, data_hs)) + gap * (len(plans) - 1)
    handles = _legend_items(legend_from if legend_from is not None else plans) if legend else []
    ncol, rows = _legend_layout(handles, max(content_w, 6.0))
    footer_lines = footer.count("\n") + 1 if footer else 0
    top = _MARGIN + (_TITLE_H if title else 0)
    bottom = _MARGIN + rows * _LEGEND_ROW_H + footer_lines * 0.2 + (0.1 if rows or footer else 0)
    fig = new_figure(content_w + 2 * _MARGIN, top + content_h + bottom, managed=managed)
    W, H = fig.get_size_inches()
    x, y_top = _MARGIN, top  # y measured from the top of the figure
    for p, w, th, dh in zip(plans, widths, title_hs, data_hs):
        ax_h = dh if not in_row else content_h - th
        ax = fig.add_axes((x / W, 1 - (y_top + th + ax_h) / H, w / W, ax_h / H))
        _render(p, ax, x_extent=w, y_extent=ax_h)
        if in_row:
            x += w + gap
        else:
            y_top += th + dh + gap
    if title:
        fig.text(_MARGIN / W, 1 - (_MARGIN + 0.05) / H, title, ha="left", va="top", fontsize=11, fontweight="bold")
    if handles:
        fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(_MARGIN / W, (_MARGIN + footer_lines * 0.2) / H),
                   ncol=ncol, frameon=False, fontsize=FONT_SIZE, handlelength=1.6, columnspacing=1.2,
                   borderaxespad=0.0)
    if footer:
        fig.text(_MARGIN / W, _MARGIN / H, footer, ha="left", va="bottom", fontsize=9)
    return fig


def share_scale(plans: Sequence[Plan]) -> int | None:
    """Give ``plans`` one byte scale (the biggest of theirs): drawn together, equal bytes get equal
    areas in every panel or frame."""
    expect("plans", plans, collections.abc.Sequence, "a sequence of Plans (from plan())")
    scale = max((p.size_scale for p in plans if p.size_scale), default=None)
    for p in plans:
        p.size_scale = scale
    return scale


def draw(source: Any, ax: Axes | None = None, *, highlight: Mapping[str, str] | None = None,
         ghost_edges: Iterable[tuple[str, str, str]] = (), notes: Mapping[str, str] | None = None,
         title: str | None = None, legend: bool = True, aggregate: bool | None = None) -> Axes:
    """Draw a registry graph (or a registry, host or world) and return the ``Axes``.

    Parameters
    ----------
    source:
        A graph from :func:`~regsim.viz.to_graph` or :func:`~regsim.viz.layer_tree`, or a model
        object to turn into one.
    ax:
        Draw here; by default a new figure sized to fit every label (1 data unit = 1 inch).
    highlight:
        ``{node: status}``: what an operation did (see :data:`~regsim.viz.style.STATUS_STYLES`).
    aggregate:
        True: the aggregated layer tree; False: every node, however tall; None: aggregated above
        :data:`MAX_DETAIL_NODES` nodes, and long columns folded to keep the figure under
        :data:`MAX_FIGURE_HEIGHT` inches.

    Examples
    --------
    >>> import regsim, regsim.viz as viz
    >>> hub = regsim.World.standard(quiet=True).registries["docker.io"]
    >>> ax = viz.draw(viz.to_graph(hub, repositories="library/alpine"))
    >>> ax.get_title(loc="left")
    'docker.io (Docker Hub)'
    """
    p = plan(source, highlight=highlight, ghost_edges=ghost_edges, notes=notes, title=title, aggregate=aggregate,
             max_height=None if aggregate is False else MAX_DRAWING_HEIGHT)
    if p.title is None and not p.tree and p.G.graph.get("owners"):
        p.title = ", ".join(p.G.nodes[o]["label"] for o in p.G.graph["owners"])
    if ax is None:
        fig = draw_panels([p], legend=legend)
        return fig.axes[0]
    _render(p, ax)
    if legend:
        handles = _legend_items([p])
        ncol, _ = _legend_layout(handles, max(p.width, 4.0))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 0.0), ncol=ncol, frameon=False,
                  fontsize=FONT_SIZE)
    return ax


# -- rendering ----------------------------------------------------------------------------------


def _bytes_of(data: Mapping[str, Any]) -> int | None:
    """The bytes a node's marker stands for (None: a pointer, drawn at the fixed size)."""
    t = data["type"]
    if t == "manifest":
        return data.get("total_size") or data.get("size") or 0
    if t in SIZED_TYPES:
        return data.get("size") or 0
    return None


@lru_cache(maxsize=None)
def _ink(marker: str) -> float:
    """How much of its size² a matplotlib marker fills (a square 1, a circle π/4, a triangle 1/2)."""
    import numpy as np
    from matplotlib.markers import MarkerStyle

    style = MarkerStyle(marker)
    area = 0.0
    for v in style.get_path().transformed(style.get_transform()).to_polygons():
        xy = np.asarray(v)
        x, y = xy[:, 0], xy[:, 1]
        area += 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))
    return area or 1.0


def _area(data: Mapping[str, Any], scale: int | None) -> float:
    """The scatter size of a node: its marker *inks* :func:`~regsim.viz.style.marker_area` points²,
    whatever its shape (a circle and a square of equal bytes cover equal areas)."""
    return marker_area(_bytes_of(data), scale) / _ink(node_style(data["type"]).marker)


def _render(p: Plan, ax: Axes, *, x_extent: float | None = None, y_extent: float | None = None) -> None:
    G, pos = p.G, p.pos
    ax.set_axis_off()
    if p.title:
        ax.set_title(p.title, loc="left", fontsize=10, pad=6)
    if not pos:
        ax.text(0.5, 0.5, "(empty)", ha="center", va="center", transform=ax.transAxes, color="#7F7F7F")
        return
    w = x_extent if x_extent is not None else max(p.width, 1.5)
    h = y_extent if y_extent is not None else p.height + p.row_gap
    x0 = -0.15
    ax.set_xlim(x0, x0 + w)
    ax.set_ylim(h - p.row_gap / 2, -p.row_gap / 2)  # y grows downwards: first rows at the top

    touched = set(p.statuses)
    # edges, one collection per kind (and faded when they join untouched nodes)
    groups: dict[tuple[str, bool], list[list[tuple[float, float]]]] = {}
    column_ends, rows = _columns_of(p)
    for u, v, kind in [*G.edges(data="kind"), *p.ghost_edges]:
        faded = p.context and not ({u, v} & touched) and kind != "was"
        groups.setdefault((kind or "contains", faded), []).append(_edge_path(p, u, v, column_ends, rows))
    for (kind, faded), segments in sorted(groups.items()):
        es = EDGE_STYLES.get(kind, EDGE_STYLES["contains"])
        ax.add_collection(LineCollection(segments, colors=es.color, linestyles=es.linestyle,
                                         linewidths=es.width * (2.0 if kind == "was" else 1.0),
                                         alpha=0.35 if faded else 0.9, zorder=1,
                                         gid=f"edges:{kind}"))
    # nodes, one scatter per (type, status), above the edges
    batches: dict[tuple[str, str | None], list[str]] = {}
    for n, data in G.nodes(data=True):
        batches.setdefault((data["type"], p.statuses.get(n)), []).append(n)
    for (t, status), nodes in batches.items():
        s = node_style(t)
        hatch_color = "#000000"
        if status is not None:
            st = STATUS_STYLES[status]
            color, edge, hatch, lw, hatch_color = st.color, "#000000", st.hatch or None, 1.2, st.hatch_color
        elif p.context:
            color, edge, hatch, lw = CONTEXT_COLOR, "#8C8C8C", None, 0.8
        else:
            color, edge, hatch, lw = s.color, s.edge_color, None, 0.8
        ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes], s=[_area(G.nodes[n], p.size_scale) for n in nodes],
                   marker=s.marker, c=color, edgecolors=edge, linewidths=lw, hatch=hatch, hatchcolor=hatch_color,
                   zorder=3, gid=f"nodes:{t}:{status or ('context' if p.context else 'plain')}")
    # labels to the right of each node, on a white box; edges start where the label ends
    for n, (x, y) in pos.items():
        t = G.nodes[n]["type"]
        quiet = p.context and n not in touched
        ax.annotate(p.labels[n], (x, y), xytext=(MARKER_PAD * 72, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=FONT_SIZE, zorder=4,
                    fontweight="bold" if t in ("registry", "host") or n in touched else "normal",
                    color="#8C8C8C" if quiet else "#000000",
                    bbox=dict(boxstyle="square,pad=0.05", facecolor="white", edgecolor="none"))


#: inches between the end of a label and the edge that leaves from there
EDGE_GAP = 0.06


def edge_path(p: Plan, u: str, v: str) -> list[tuple[float, float]]:
    """The line :func:`draw` draws for edge ``u -> v`` of plan ``p``: the points it passes."""
    expect("p", p, Plan, "a Plan (from plan())")
    column_ends, rows = _columns_of(p)
    return _edge_path(p, u, v, column_ends, rows)


def _columns_of(p: Plan) -> tuple[dict[float, float], dict[float, list[float]]]:
    """Where each column's longest label ends, and the heights of its rows."""
    column_ends: dict[float, float] = {}
    rows: dict[float, list[float]] = {}
    for n, (x, y) in p.pos.items():
        column_ends[x] = max(column_ends.get(x, x), p.label_ends.get(n, x))
        rows.setdefault(x, []).append(y)
    return column_ends, rows


def _edge_path(p: Plan, u: str, v: str, column_ends: Mapping[float, float],
               rows: Mapping[float, Sequence[float]]) -> list[tuple[float, float]]:
    """The line of edge ``u -> v``: from the end of ``u``'s label along its row to the end of its
    column, then to ``v``'s marker. An edge that skips columns (a repository to an untagged
    manifest, a tag past an index column) crosses each column in between clear of its rows
    (:func:`~regsim.viz.layout.crossing_height`), so it never runs under a label nor beside an
    unrelated node. An edge whose target is not to the right of its source's column (should one
    exist) is a straight line between the markers."""
    (xu, yu), (xv, yv) = p.pos[u], p.pos[v]
    start = p.label_ends.get(u, xu) + EDGE_GAP
    turn = column_ends.get(xu, start) + EDGE_GAP
    if xv <= turn or u not in p.label_ends:
        return [(xu, yu), (xv, yv)]
    path = [(start, yu), (turn, yu)]
    for x in sorted(c for c in column_ends if turn < c < xv):  # columns in between
        want = yu + (yv - yu) * (x - turn) / (xv - turn)
        lane = crossing_height(rows[x], want, p.row_gap)
        path += [(x - MARKER_PAD, lane), (column_ends[x] + EDGE_GAP, lane)]
    return [*path, (xv, yv)]
