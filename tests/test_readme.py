"""The README's "A first look" runs as a notebook would run it, and echoes nothing it should not (issue 13)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def first_look_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## A first look", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def run_like_a_notebook_cell(source: str, namespace: dict) -> object:
    """Run a cell; return what Jupyter would echo (the value of a final bare expression)."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = ast.Module(body=tree.body[:-1] if last else tree.body, type_ignores=[])
    exec(compile(body, "README.md", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "README.md", "eval"), namespace)


def test_the_first_look_runs_and_the_drawing_cell_echoes_no_axes(capsys, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    blocks = first_look_blocks()
    assert len(blocks) == 3
    namespace: dict = {}
    run_like_a_notebook_cell(blocks[0], namespace)
    assert "Mounted from library/python" in capsys.readouterr().out
    echoed = run_like_a_notebook_cell(blocks[1], namespace)
    plt.close("all")
    assert echoed is None, f"the README's second snippet echoes {echoed!r}"
    monkeypatch.chdir(tmp_path)  # the third saves the session, loads it and steps through the push again
    timeline = run_like_a_notebook_cell(blocks[2], namespace)
    assert type(timeline).__name__ == "Timeline" and 3 < len(timeline) < 40
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.blobs", "session.jsonl"]
