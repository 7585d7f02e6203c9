"""Pictures stay readable: by default no figure grows beyond about 15 inches (issue 13).

Big registries are aggregated, long layer lists are folded into "… N layers" nodes, and stacked
panels share the height budget; ``aggregate=False`` still draws everything when asked.
"""

from __future__ import annotations

import pytest

import regsim
from regsim import Registry, World
from regsim.data.generate import random_image
from regsim.client.remote import write
from regsim.viz import Capture, draw, pull_view, push_view, to_graph
from regsim.viz.draw import MAX_FIGURE_HEIGHT

LIMIT = 15.5  # inches: MAX_FIGURE_HEIGHT plus rounding to tenths


def _height(fig) -> float:
    return fig.get_size_inches()[1]


def test_the_budget_is_about_fifteen_inches():
    assert 14.0 <= MAX_FIGURE_HEIGHT <= 15.0


def test_two_hundred_repositories_fit_in_the_budget():
    reg = Registry("localhost:5000")
    for i in range(200):
        write(reg, f"team/app{i:03d}", random_image(seed=i, layers=2, layer_size=64), tags=["1.0"])
    fig = draw(reg).figure
    assert _height(fig) <= LIMIT
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "more" in texts  # what did not fit is counted, not dropped silently


def test_a_three_hundred_step_push_fits_and_counts_every_layer():
    world = World()
    world.add_private_registry()
    laptop = world.add_host("laptop", quiet=True)
    steps = "".join(f"RUN echo step {i} > /step{i}\n" for i in range(300))
    laptop.build("FROM scratch\n" + steps, "localhost:5000/tall:1", context={})
    with Capture(world) as op:
        laptop.push("localhost:5000/tall:1", quiet=True)
    fig = push_view(op, managed=False)
    assert _height(fig) <= LIMIT
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    folded = [t for t in texts if "layers" in t and "…" in t]
    assert folded, texts[:20]
    # each layer is noted by the id its push line prints (d7bfcf6); those per-layer notes must not
    # keep a long run from folding, and a folded node names no single layer's id
    assert not any("push line" in t for t in folded), folded
    assert any("push line" in t for t in texts), texts[:20]
    footer = " ".join(t.get_text() for t in fig.texts)
    assert "301 blobs uploaded" in footer  # 300 layers and the config: the summary still counts every one


def test_lesson_8s_three_panel_pull_view_fits():
    world = regsim.World.standard(quiet=True)
    laptop, registry = world.hosts["laptop"], world.registries["localhost:5000"]
    pi = world.add_host("raspberry-pi", platform="linux/arm64", quiet=True)
    laptop.pull("python:3.11", quiet=True)
    pi.pull("python:3.11", quiet=True)
    laptop.build("FROM python:3.11\nRUN pip install flask\nCOPY app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n",
                 "localhost:5000/team/app:1.0",
                 context={"app.py": b"print('hi')\n"}, platforms=["linux/amd64", "linux/arm64"])
    laptop.push("localhost:5000/team/app:1.0", quiet=True)
    with Capture(registry, pi) as op:
        pi.pull("localhost:5000/team/app:1.0", quiet=True)
    fig = pull_view(op, source=True, managed=False)
    assert len(fig.axes) == 3
    assert _height(fig) <= LIMIT


def test_aggregate_false_still_draws_every_node():
    reg = Registry("localhost:5000")
    for i in range(60):
        write(reg, f"team/app{i:03d}", random_image(seed=i, layers=2, layer_size=64), tags=["1.0"])
    G = to_graph(reg)
    ax = draw(G, aggregate=False)
    drawn = sum(len(c.get_offsets()) for c in ax.collections if (c.get_gid() or "").startswith("nodes:"))
    assert drawn == G.number_of_nodes()
