"""One layer, two ids (issue 19, finding 3): ``docker push`` names a layer by its diff ID (the digest of
the uncompressed tar; moby's pushDescriptor.ID), the manifest, pull lines and pictures by its blob
digest. Lesson 2 explains it where the first push line appears, and the push view names the layer as
the push line does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import regsim

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PUSH_LINE = re.compile(r"^([0-9a-f]{12}): (?:Pushed|Mounted from \S+|Layer already exists)$", re.M)


def cells(name: str) -> list[tuple[str, str, str]]:
    """(cell type, source, text output) of each cell."""
    out = []
    for c in json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]:
        text = "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                       for o in c.get("outputs", []))
        out.append((c["cell_type"], "".join(c["source"]), text))
    return out


def test_the_push_view_names_a_layer_as_the_push_line_does():
    viz = pytest.importorskip("regsim.viz")
    world = regsim.World.standard(quiet=True)
    laptop, registry = world.hosts["laptop"], world.registries["localhost:5000"]
    laptop.build("FROM scratch\nCOPY hello.txt /\n", "localhost:5000/demo/hello:1.0",
                 context={"hello.txt": b"hello world\n"}, quiet=True)
    with viz.Capture(registry) as op:
        lines = laptop.push("localhost:5000/demo/hello:1.0", quiet=True).lines
    (diff_id,) = PUSH_LINE.findall("\n".join(lines))
    h = viz.views.push_highlight(op)
    layer = laptop.image("localhost:5000/demo/hello:1.0").layers[0]
    assert layer.diff_id.id12 == diff_id != layer.blob.digest.id12
    noted = [n for n, note in h.notes.items() if f"push line {diff_id}" in note]
    assert noted and all(op.after.nodes[n]["digest"] == layer.blob.digest for n in noted)


def test_lesson_2_explains_the_two_ids_where_the_first_push_line_appears():
    nb = cells("02-content-addressing.ipynb")
    first = next(i for i, (_, _, out) in enumerate(nb) if PUSH_LINE.search(out))
    explained = next((i for i, (kind, src, _) in enumerate(nb) if kind == "markdown" and "diff ID" in src), None)
    assert explained is not None and first < explained <= first + 3, (first, explained)
    prose = nb[explained][1]
    shown = "".join(out for _, _, out in nb[first:explained + 3])
    for diff_id in PUSH_LINE.findall(shown):
        assert diff_id in shown
    assert "uncompressed" in prose and "compressed" in prose and "docker pull" in prose


@pytest.mark.parametrize("name", ["03-build-push-pull.ipynb", "04-tags-as-versions.ipynb"])
def test_later_lessons_say_which_id_a_push_line_shows(name):
    nb = cells(name)
    first = next(i for i, (_, _, out) in enumerate(nb) if PUSH_LINE.search(out))
    near = " ".join(src for kind, src, _ in nb[first:first + 4] if kind == "markdown")
    assert "diff ID" in near, f"{name}: no word on the push lines' ids near cell {first}"
