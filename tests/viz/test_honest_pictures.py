"""Pictures that do not mislead (issue 13, point 3): honest marker areas, one semantic colour map,
edges that never run under a label, and tags and manifests that keep their places from the
before panel to the after panel."""

from __future__ import annotations

import re

import pytest
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path
from matplotlib.text import Annotation

import regsim
from regsim import Image, Layer, Registry
from regsim.oci.blob import Placeholder
from regsim.client.remote import write
from regsim.viz import Capture, draw, push_view, tag_view, to_graph
from regsim.viz.draw import _ink
from regsim.viz.style import MAX_AREA, MIN_AREA, NODE_STYLES, OKABE_ITO, STATUS_STYLES


def _layer_areas(ax):
    """Ink area (points²) of every drawn layer, by label."""
    out = {}
    for c in ax.collections:
        if (c.get_gid() or "").startswith("nodes:layer"):
            for size, (x, y) in zip(c.get_sizes(), c.get_offsets()):
                label = next(t.get_text() for t in ax.texts if isinstance(t, Annotation) and t.xy == (x, y))
                out[label] = size * _ink("s")
    return out


def test_marker_area_is_proportional_to_bytes_with_a_visible_minimum():
    reg = Registry("localhost:5000")
    small = Layer.from_files([("/small", bytes(range(256)) * 8)])
    big = Layer.placeholder(Placeholder.for_key("big", 1).digest, 197_000_000)
    half = Layer.placeholder(Placeholder.for_key("half", 1).digest, 98_500_000)
    image = Image.create([small, big, half])
    write(reg, "team/app", image, tags=["1"])
    ax = draw(to_graph(reg))
    areas = _layer_areas(ax)
    by_size = {re.search(r"(\S+B)$", label).group(1): a for label, a in areas.items()}
    assert by_size["197MB"] == pytest.approx(2 * by_size["98.5MB"], rel=1e-6)  # linear, not log
    tiny = min(by_size.values())
    assert tiny == pytest.approx(MIN_AREA)  # the 2 kB layer: tiny but visible
    assert by_size["197MB"] <= MAX_AREA and by_size["197MB"] > 10 * tiny
    legend = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert any(t.startswith("marker area ∝ bytes: ") for t in legend)  # the first size key says what they mean
    assert any(t.startswith("≤ ") and "smallest mark" in t for t in legend)  # size keys, with the floor
    assert not any("grows with" in t for t in legend)


def test_a_circle_and_a_square_of_equal_bytes_ink_the_same_area():
    assert _ink("s") == pytest.approx(1.0)
    assert _ink("o") == pytest.approx(3.14159 / 4, rel=1e-3)


def _legend_colours(fig):
    """{colour: [labels]} of the legend's coloured entries (markers and patches)."""
    out: dict[str, list[str]] = {}
    legend = fig.legends[0]
    for handle, text in zip(legend.legend_handles, legend.get_texts()):
        if isinstance(handle, Patch):
            colour = to_hex(handle.get_facecolor())
        elif isinstance(handle, Line2D) and handle.get_marker() not in ("", "None", None):
            colour = to_hex(handle.get_markerfacecolor())
        else:
            continue
        out.setdefault(colour.upper(), []).append(text.get_text())
    return out


def test_no_colour_means_a_node_type_and_a_status_in_one_legend(teaching):
    with Capture(teaching.world) as op:
        teaching.laptop.push("localhost:5000/myapp:1.0")
    fig = push_view(op)
    type_names = {s.name for s in NODE_STYLES.values()}
    status_colours = {s.color.upper() for s in STATUS_STYLES.values()}
    status_names = {f"{s.badge}: {s.meaning}" for s in STATUS_STYLES.values()}
    for colour, labels in _legend_colours(fig).items():
        kinds = {"type" if label in type_names else "status" for label in labels
                 if label in type_names | status_names}
        assert len(kinds) == 1, (colour, labels)
        if kinds == {"type"}:
            assert colour not in status_colours, (colour, labels)
    # the two collisions of the issue: a new repository is not a manifest's blue, "already there"
    # is not a config blob's light blue
    assert NODE_STYLES["manifest"].color != STATUS_STYLES["new"].color
    assert NODE_STYLES["config"].color != STATUS_STYLES["skipped"].color
    assert set(s.color for s in STATUS_STYLES.values()) <= set(OKABE_ITO.values())


def _edges_under_labels(ax):
    renderer = ax.figure.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer).shrunk(0.98, 0.9))
             for t in ax.texts if isinstance(t, Annotation)]
    hidden = []
    for c in ax.collections:
        if not (c.get_gid() or "").startswith("edges:"):
            continue
        for path in c.get_paths():
            line = Path(ax.transData.transform(path.vertices))
            hidden += [label for label, box in boxes if line.intersects_bbox(box, filled=False)]
    return hidden


def test_edges_never_run_under_a_label_in_lesson_1s_registry_picture():
    hub = regsim.World.standard(quiet=True).registries["docker.io"]
    ax = draw(hub)
    ax.figure.canvas.draw()
    assert _edges_under_labels(ax) == []


def test_edges_never_run_under_a_label_in_lesson_6s_picture():
    hub = regsim.World.standard(quiet=True).registries["docker.io"]
    hub.add_user("alice", "pw")
    auth = hub.login("alice", "pw")
    image = Image.create([Layer.from_files([("/notes", b"n")])])
    write(hub, "alice/notes", image, tags=["1.0"], auth=auth)
    ax = draw(to_graph(hub, repositories=["library/alpine", "alice/*"], platform="linux/amd64"))
    ax.figure.canvas.draw()
    assert _edges_under_labels(ax) == []


def _rows(ax, pattern):
    """Labels matching ``pattern`` (its first group), top to bottom."""
    found = []
    for t in ax.texts:
        if isinstance(t, Annotation):
            m = re.search(pattern, t.get_text())
            if m:
                found.append((t.xy[1], m.group(1)))
    return [name for _, name in sorted(found)]


def test_tags_and_manifests_keep_their_order_from_before_to_after(teaching):
    laptop, reg = teaching.laptop, teaching.registry
    for version in ("1", "2", "3"):
        laptop.build("FROM scratch\nCOPY v /v\n", f"localhost:5000/team/app:v{version}", context={"v": version.encode()})
        laptop.push(f"localhost:5000/team/app:v{version}")
    laptop.tag("localhost:5000/team/app:v1", "localhost:5000/team/app:latest")
    laptop.push("localhost:5000/team/app:latest")
    laptop.tag("localhost:5000/team/app:v3", "localhost:5000/team/app:latest")
    with Capture(reg, repositories=["team/app"]) as move:
        laptop.push("localhost:5000/team/app:latest")
    before, after = tag_view(move).axes
    tags = r"^(?!.*sha256)(?:.*\s)?(:v\d|:latest)$"
    assert _rows(before, tags) == _rows(after, tags)
    assert len(_rows(after, tags)) == 4
    manifests = r"(sha256:\w+)… linux"
    assert _rows(before, manifests) == _rows(after, manifests)
    assert len(_rows(after, manifests)) == 3


def test_an_edge_that_skips_a_column_crosses_it_between_two_labels(small):
    """A repository's dashed line to an untagged manifest passes the tag column between rows."""
    from regsim.viz import gc_view

    reg = small.registry
    other = Image.create([Layer.from_files([("/other", b"2")])])
    write(reg, "team/app", other, tags=["1.0"])  # 1.0 moves: the first image is left untagged... by 1.0
    write(reg, "team/app", other, tags=["latest"])  # ...and by latest
    for tag in ("2.0", "3.0", "4.0"):
        write(reg, "team/app", Image.create([Layer.from_files([(f"/{tag}", tag.encode())])]), tags=[tag])
    G = to_graph(reg)
    assert any(k == "untagged" for *_, k in G.edges(data="kind"))
    ax = draw(G)
    ax.figure.canvas.draw()
    assert _edges_under_labels(ax) == []
    with Capture(reg) as op:
        reg.garbage_collect(delete_untagged=True)
    for ax in gc_view(op).axes:
        ax.figure.canvas.draw()
        assert _edges_under_labels(ax) == []
