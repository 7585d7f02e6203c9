"""Graph edges never pass through an unrelated node (issue 19, lesson 6's picture): an edge that skips
a column crosses it either between two rows or a whole row gap away from every node of it, never
right beside a node whose own edges converge there (alice's tags seemed to point at alpine's index)."""

from __future__ import annotations

import importlib

import pytest

pytest.importorskip("matplotlib")

import regsim
import regsim.viz as viz
from regsim.viz.layout import ROW_GAP, crossing_height

plan_module = importlib.import_module("regsim.viz.draw")


def lesson6_graph():
    world = regsim.World.standard(quiet=True)
    hub, laptop, prod = world.registries["docker.io"], world.hosts["laptop"], world.hosts["prod-server"]
    prod.pull("alpine")
    hub.add_user("alice", "alice-pw")
    laptop.login("docker.io", "alice", "alice-pw")
    laptop.build("FROM alpine:3.17\nCOPY notes.txt /\n", "alice/notes:1.0", context={"notes.txt": b"public notes\n"})
    laptop.push("alice/notes:1.0")
    hub.create_repository("alice/secret", private=True, auth=hub.login("alice", "alice-pw"))
    laptop.build("FROM alpine:3.17\nCOPY secret.txt /\n", "alice/secret:1.0", context={"secret.txt": b"private plans\n"})
    laptop.push("alice/secret:1.0")
    return viz.to_graph(hub, repositories=["library/alpine", "alice/*"], platform="linux/amd64")


def clear_of_rows(height: float, ys: list[float], gap: float) -> bool:
    """Between two adjacent rows (their midpoint), or a whole row gap from every row."""
    ys = sorted(ys)
    between = any(a < height < b and abs(height - (a + b) / 2) < 1e-9 for a, b in zip(ys, ys[1:]))
    return between or all(abs(height - y) >= gap - 1e-9 for y in ys)


@pytest.mark.parametrize("ys, want", [([1.16], 0.2), ([1.16], 1.1), ([0.0, 0.3, 0.6], 0.31), ([0.0, 2.0], 1.1),
                                      ([0.0, 2.0], 0.1), ([0.5], 0.5), ([0.0, 0.3], -5.0)])
def test_a_crossing_keeps_clear_of_every_row(ys, want):
    height = crossing_height(ys, want, ROW_GAP)
    assert clear_of_rows(height, ys, ROW_GAP), height


def test_a_crossing_stays_where_it_wants_to_go_when_that_is_free():
    assert crossing_height([1.16], 0.2, ROW_GAP) == 0.2
    assert crossing_height([0.0, 2.0], 1.1, ROW_GAP) == 1.1


def test_lesson_6s_tag_edges_do_not_run_beside_the_alpine_index():
    G = lesson6_graph()
    p = plan_module.plan(G)
    rows: dict[float, list[float]] = {}
    for n, (x, y) in p.pos.items():
        rows.setdefault(x, []).append(y)
    crossings = 0
    for u, v in G.edges:
        path = plan_module.edge_path(p, u, v)
        (xu, _), (xv, _) = p.pos[u], p.pos[v]
        for x, ys in rows.items():
            if not xu < x < xv:
                continue
            crossing = [py for px, py in path if abs(px - (x - plan_module.MARKER_PAD)) < 1e-9]
            assert crossing, f"{u} -> {v} does not say where it crosses the column at {x}"
            crossings += 1
            assert clear_of_rows(crossing[0], ys, p.row_gap), f"{u} -> {v} crosses at {crossing[0]} beside {ys}"
    assert crossings >= 2  # alice's two tags skip the index column
