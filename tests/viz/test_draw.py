"""draw(): shapes per node type, legend, determinism, ax in / Axes out, legible labels, aggregation."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from hypothesis import given, strategies as st
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.text import Annotation

import regsim
from regsim.viz import draw, layer_tree, plan, to_graph, to_png
from regsim.viz.layout import ROW_GAP, layered_layout, spread
from regsim.viz.style import NODE_STYLES, NODE_TYPES, OKABE_ITO, STATUS_STYLES


def node_collections(ax: Axes) -> dict[str, list[PathCollection]]:
    out: dict[str, list[PathCollection]] = {}
    for c in ax.collections:
        gid = c.get_gid() or ""
        if gid.startswith("nodes:"):
            out.setdefault(gid.split(":")[1], []).append(c)
    return out


def label_boxes(ax: Axes):
    renderer = ax.figure.canvas.get_renderer()
    texts = [t for t in ax.texts if isinstance(t, Annotation)]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts]


def assert_no_overlapping_labels(ax: Axes) -> None:
    boxes = label_boxes(ax)
    clashes = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2)
               if ba.x0 < bb.x1 - 1 and bb.x0 < ba.x1 - 1 and ba.y0 < bb.y1 - 1 and bb.y0 < ba.y1 - 1]
    assert clashes == []


def test_every_node_type_is_drawn_with_its_own_shape(teaching):
    teaching.laptop.build("FROM scratch\nCOPY a /\n", "localhost:5000/multi:1", context={"a": b"a"},
                          platforms=["linux/amd64", "linux/arm64"])
    teaching.laptop.push("localhost:5000/multi:1")
    ax = draw(teaching.world)
    drawn = node_collections(ax)
    assert set(drawn) == {"registry", "host", "repository", "tag", "index", "manifest", "config", "layer"}
    shapes = {t: cs[0].get_paths()[0].vertices.round(3).tobytes() for t, cs in drawn.items()}
    assert len(set(shapes.values())) == len(shapes)  # no two types share a marker shape
    status_colours = {tuple(round(c, 3) for c in to_rgba(s.color)) for s in STATUS_STYLES.values()}
    colours = {t: tuple(cs[0].get_facecolor()[0].round(3)) for t, cs in drawn.items()}
    assert not set(colours.values()) & status_colours  # a type is told by shape, never by a status colour
    legend = {t.get_text() for t in ax.figure.legends[0].get_texts()}
    assert {NODE_STYLES[t].name for t in NODE_TYPES} <= legend


def test_draw_uses_the_given_axes_and_returns_it(small):
    fig, ax = plt.subplots()
    assert draw(to_graph(small.registry), ax=ax) is ax
    assert len(fig.axes) == 1
    assert ax.get_legend() is not None


def test_the_same_scenario_draws_the_same_png_bytes(make_teaching):
    pngs = []
    for _ in range(2):
        t = make_teaching()
        t.laptop.push("localhost:5000/myapp:1.0")
        pngs.append(to_png(draw(t.world).figure))
    assert pngs[0] == pngs[1]
    assert pngs[0].startswith(b"\x89PNG")


def test_the_same_scenario_gets_the_same_positions(make_teaching):
    assert layered_layout(to_graph(make_teaching().world)) == layered_layout(to_graph(make_teaching().world))


def test_layout_keeps_columns_and_row_gaps(teaching):
    teaching.laptop.push("localhost:5000/myapp:1.0")
    G = to_graph(teaching.world)
    pos = layered_layout(G)
    columns: dict[float, list[float]] = {}
    for n, (x, y) in pos.items():
        columns.setdefault(x, []).append(y)
    for ys in columns.values():
        ys.sort()
        assert all(b - a >= ROW_GAP - 1e-9 for a, b in zip(ys, ys[1:]))
    order = ["registry", "repository", "tag", "manifest", "layer"]
    xs = [min(pos[n][0] for n in G if G.nodes[n]["type"] == t) for t in order]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)


@pytest.mark.parametrize("scenario", ["registry", "host", "world"])
def test_labels_of_the_teaching_scenarios_do_not_overlap(teaching, scenario):
    teaching.laptop.push("localhost:5000/myapp:1.0")
    teaching.prod.pull("localhost:5000/myapp:1.0")
    source = {"registry": teaching.registry, "host": teaching.laptop, "world": teaching.world}[scenario]
    ax = draw(source)
    ax.figure.canvas.draw()
    assert_no_overlapping_labels(ax)


def test_labels_do_not_overlap_on_the_official_images_repository():
    hub = regsim.World.standard(quiet=True).registries["docker.io"]
    ax = draw(to_graph(hub, repositories="library/python", platform="linux/amd64"))
    ax.figure.canvas.draw()
    assert_no_overlapping_labels(ax)


def test_a_big_registry_is_drawn_aggregated_and_stays_legible():
    hub = regsim.World.standard(quiet=True).registries["docker.io"]
    ax = draw(hub)
    assert set(node_collections(ax)) == {"registry", "layer-group"}
    assert "layers grouped by the images that share them" in ax.get_title(loc="left")
    assert len(ax.texts) < 60
    ax.figure.canvas.draw()
    assert_no_overlapping_labels(ax)
    w, h = ax.figure.get_size_inches()
    assert w < 16 and h < 12  # fits a screen at the default 100 dpi


def test_aggregate_false_draws_every_node_of_a_big_registry():
    hub = regsim.World.standard(quiet=True).registries["docker.io"]
    G = to_graph(hub, repositories=["library/alpine", "library/nginx", "library/node", "library/python",
                                    "library/golang", "library/redis"])
    assert G.number_of_nodes() > 150
    assert "layer" in node_collections(draw(G, aggregate=False))
    assert "layer-group" in node_collections(draw(G))


def test_statuses_recolour_add_hatch_and_write_a_badge(small):
    G = to_graph(small.registry)
    node = next(n for n in G if G.nodes[n]["type"] == "layer")
    p = plan(G, highlight={node: "uploaded"})
    assert p.labels[node].startswith(STATUS_STYLES["uploaded"].badge)
    ax = draw(G, highlight={node: "uploaded"})
    hit = [c for c in ax.collections if c.get_gid() == "nodes:layer:uploaded"]
    assert hit and hit[0].get_hatch() == STATUS_STYLES["uploaded"].hatch
    faded = [c for c in ax.collections if c.get_gid() == "nodes:layer:context"]
    assert faded  # untouched nodes keep their shape, in grey


def test_unknown_statuses_and_nodes_are_named_in_errors(small):
    G = to_graph(small.registry)
    with pytest.raises(KeyError, match="'teleported'"):
        plan(G, highlight={next(iter(G)): "teleported"})
    with pytest.raises(KeyError, match="'nowhere'"):
        plan(G, highlight={"nowhere": "new"})


def test_palette_is_okabe_ito_and_no_status_is_told_by_colour_alone():
    assert {s.color for s in STATUS_STYLES.values()} <= set(OKABE_ITO.values())
    # node types have neutral fills only: no type shares a colour with a status
    assert not {s.color for s in NODE_STYLES.values()} & set(OKABE_ITO.values())
    badges = [s.badge for s in STATUS_STYLES.values()]
    assert len(set(badges)) == len(badges)
    markers = [NODE_STYLES[t].marker for t in NODE_TYPES]
    assert len(set(markers)) == len(markers)


def test_the_layer_tree_folds_shared_prefixes(shared):
    reg, one, two, base = shared
    T = layer_tree(to_graph(reg))
    groups = [d for _, d in T.nodes(data=True) if d["type"] == "layer-group"]
    root = next(d for d in groups if d["users"] == 2)
    assert root["layers"] == (base.digest,) and root["saved"] == base.size
    leaves = sorted(d["images"] for d in groups if d["users"] == 1)
    assert leaves == [("team/one:1",), ("team/two:1",)]
    assert T.graph["physical_bytes"] == sum(d["size"] for d in groups)


def test_the_layer_tree_of_the_official_images_is_small_and_adds_up():
    hub = regsim.World.standard(quiet=True).registries["docker.io"]
    T = layer_tree(to_graph(hub), platform="linux/amd64")
    groups = [d for _, d in T.nodes(data=True) if d["type"] == "layer-group"]
    assert T.graph["images"] == 26 and len(groups) < 40
    assert T.graph["physical_bytes"] == sum(d["size"] for d in groups)
    assert sum(d["saved"] for d in groups) == T.graph["logical_bytes"] - T.graph["physical_bytes"]
    python = next(d for d in groups if any(name.startswith("python:latest") for name in d["images"]))
    assert python["users"] == 1


@given(st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=30), st.floats(0.1, 2.0))
def test_spread_keeps_order_and_gaps_and_is_centred(desired, gap):
    gaps = [0.0] + [gap] * (len(desired) - 1)
    out = spread(desired, gaps)
    assert all(b - a >= gap - 1e-6 for a, b in zip(out, out[1:]))
    assert abs(np.mean(out) - np.mean(desired)) < 1e-6  # least squares keeps the mean
