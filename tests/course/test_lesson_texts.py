"""What the lessons say agrees with what the model computes (issue 13, point 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regsim import World
from regsim.units import human_size

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def markdown(name: str) -> str:
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_lesson_1_explains_its_two_storage_totals():
    viz = pytest.importorskip("regsim.viz")
    from regsim.viz.aggregate import layer_tree

    hub = World.standard(quiet=True).registries["docker.io"]
    everything = human_size(hub.storage().physical_bytes)
    amd64 = layer_tree(viz.to_graph(hub, platform="linux/amd64")).graph["physical_bytes"]
    text = markdown("01-what-is-a-registry.ipynb")
    assert everything == "3.31GB" and f"says {everything}" in text
    assert f'"{human_size(amd64)} stored"' in text and "linux/amd64" in text and "linux/arm64" in text


def test_lesson_6_asks_for_the_words_access_table_prints():
    text = markdown("06-public-and-private.ipynb")
    assert "`'allowed'`, `'UNAUTHORIZED'` or `'DENIED'`" in text and "'OK'" not in text


def test_lesson_5_teaches_multi_stage_builds():
    text = markdown("05-layer-reuse-and-dedup.ipynb")
    assert "## Smaller images: multi-stage builds" in text and "Only the final\nstage's layers" in text
