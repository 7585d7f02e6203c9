"""Every view renders to a non-blank PNG.

Set ``REGSIM_VIEWS_DIR=/some/folder`` to keep the pictures and look at them (that is how they were
reviewed for overlapping labels and legibility).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageStat

import regsim
from regsim import viz
from regsim.viz.playground import DEFAULT_DOCKERFILE


def _scenario(animation):
    world = regsim.World.standard(quiet=True)
    hub, reg = world.registries["docker.io"], world.registries["localhost:5000"]
    laptop, prod = world.hosts["laptop"], world.hosts["prod-server"]
    views: dict[str, object] = {}
    views["registry-repository"] = viz.draw(viz.to_graph(hub, repositories="library/alpine")).figure
    views["hub-aggregated"] = viz.draw(hub).figure
    views["hub-layer-tree-all-platforms"] = viz.draw(viz.layer_tree(viz.to_graph(hub))).figure
    with viz.Capture(world) as op:
        laptop.pull("python:3.11")
    views["pull-view"] = viz.pull_view(op)
    with viz.Capture(world) as op:
        laptop.build(DEFAULT_DOCKERFILE, "localhost:5000/myapp:1.0",
                     context={"app.py": b"print('v1')"})
    views["build-change-view"] = viz.change_view(op)
    with viz.Capture(world) as op:
        laptop.push("localhost:5000/myapp:1.0")
    views["push-view"] = viz.push_view(op)
    views["animation-middle-frame"] = animation.frames[len(animation) // 2].png
    with viz.Capture(world) as op:
        prod.pull("localhost:5000/myapp:1.0")
    views["pull-view-second-host"] = viz.operation_view(op)
    laptop.build(DEFAULT_DOCKERFILE, "localhost:5000/myapp:1.1", context={"app.py": b"print('v2')"})
    laptop.push("localhost:5000/myapp:1.1")
    laptop.tag("localhost:5000/myapp:1.0", "localhost:5000/myapp:latest")
    laptop.push("localhost:5000/myapp:latest")
    with viz.Capture(reg) as op:
        reg.tag("myapp", "latest", reg.resolve("myapp", "1.1").digest)
    views["tag-view"] = viz.tag_view(op)
    reg.delete_tag("myapp", "1.0")
    with viz.Capture(reg) as op:
        reg.garbage_collect(delete_untagged=True)
    views["gc-view"] = viz.gc_view(op)
    views["host"] = viz.draw(laptop).figure
    views["world-private"] = viz.draw(viz.to_graph(reg, prod)).figure
    views["dedup-chart"] = viz.draw_dedup(viz.dedup_stats(viz.to_graph(hub), [
        "library/python:3.11", "library/node:18", "library/golang:latest", "library/debian:latest"])).figure
    pg = viz.PushPullPlayground(world, image="localhost:5000/myapp:1.1")
    pg.pull_button.click()
    views["push-pull-playground"] = bytes(pg.graph.value)
    te = viz.TagExplorer(reg, "myapp")
    views["tag-explorer"] = bytes(te.graph.value)
    return views


@pytest.fixture(scope="module")
def rendered(push_recording) -> dict[str, bytes]:
    out = {}
    for name, view in _scenario(push_recording[3]).items():
        out[name] = view if isinstance(view, bytes) else viz.to_png(view)
    keep = os.environ.get("REGSIM_VIEWS_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name, png in out.items():
            (Path(keep) / f"{name}.png").write_bytes(png)
    return out


VIEWS = ["registry-repository", "hub-aggregated", "hub-layer-tree-all-platforms", "pull-view", "build-change-view",
         "push-view", "animation-middle-frame", "pull-view-second-host", "tag-view", "gc-view", "host",
         "world-private", "dedup-chart", "push-pull-playground", "tag-explorer"]


def test_every_view_is_in_the_list(rendered):
    assert sorted(rendered) == sorted(VIEWS)


@pytest.mark.parametrize("name", VIEWS)
def test_view_renders_to_a_picture_with_content(rendered, name):
    image = Image.open(io.BytesIO(rendered[name]))
    assert image.format == "PNG"
    w, h = image.size
    assert 300 <= w <= 2000 and 150 <= h <= 2400, (w, h)  # legible without zooming out much
    stat = ImageStat.Stat(image.convert("L"))
    assert stat.stddev[0] > 10  # not blank
