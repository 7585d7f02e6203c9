"""No dead code: no unused imports, and the dead definitions issue 12 found stay gone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "regsim"

#: Defined but never used anywhere (package, tests, notebooks, benchmarks) when issue 12 was filed.
REMOVED = ["sorted_list", "iter_seeds", "DOCKER_TYPES", "DOCKER_TO_OCI", "with_tag", "with_digest",
           "raw_manifest", "manifest_layers", "from_records"]


def unused_imports(source: str) -> list[tuple[int, str]]:
    """``(line, name)`` of names a module imports and never mentions (``# noqa`` lines excepted).

    A name counts as used when it appears as a name in the code or as a word in a string (quoted
    annotations, ``__all__``, doctests). ``__init__.py`` files re-export, so they are not checked.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            if "noqa" in lines[node.lineno - 1]:
                continue
            imported.extend((node.lineno, a.asname or a.name.split(".")[0]) for a in node.names)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            used.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", n.value))
    return [(line, name) for line, name in imported if name not in used]


def test_the_checker_finds_an_unused_import():
    assert unused_imports("import csv\nimport json\n\njson.dumps(1)\n") == [(1, "csv")]
    assert unused_imports("from typing import Any\n\ndef f(x: 'Any') -> None: ...\n") == []
    assert unused_imports("import starlette  # noqa: F401\n") == []


def test_no_module_imports_a_name_it_does_not_use():
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{line}: {name}"
                 for path in sorted(PACKAGE.rglob("*.py")) if path.name != "__init__.py"
                 for line, name in unused_imports(path.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize("name", REMOVED)
def test_dead_definition_stays_removed(name):
    defined = [f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
               for path in sorted(PACKAGE.rglob("*.py"))
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name)
               or (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets))]
    assert defined == []
