"""No dead code: no unused imports, and the dead definitions issue 12 found stay gone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "regsim"

#: Defined but never used anywhere (package, tests, notebooks, benchmarks) when issue 12 was filed.
REMOVED = ["sorted_list", "iter_seeds", "DOCKER_TYPES", "DOCKER_TO_OCI", "with_tag", "with_digest",
           "raw_manifest", "manifest_layers", "from_records",
           # issue 20: used nowhere but in an __all__, or nowhere at all
           "OCI_TO_DOCKER", "OCI_LAYOUT_HEADER", "LAYER_TYPES", "is_manifest", "is_image_manifest", "bytes_moved",
           "Seed", "MBIT"]


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


def _exports() -> list[tuple[str, str]]:
    """``(module path, name)`` of every name a module defines and lists in its own ``__all__``."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        listed: list[str] = []
        defined: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                listed = [e.value for e in getattr(node.value, "elts", []) if isinstance(e, ast.Constant)]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                defined.update(t.id for t in targets if isinstance(t, ast.Name))
        found += [(str(path.relative_to(PACKAGE.parent)), name) for name in listed if name in defined]
    return found


def _uses_outside_all_and_imports() -> str:
    """The text in which a use counts: the package without its ``__all__`` lists and import lines,
    and the tests, notebooks, benchmarks, website and docs as they are."""
    root = PACKAGE.parent
    parts = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.parse(source).body:
            if (isinstance(node, (ast.Import, ast.ImportFrom)) or
                    (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                          for t in node.targets))):
                for i in range(node.lineno - 1, node.end_lineno or node.lineno):
                    lines[i] = ""
        parts.append("\n".join(lines))
    for folder, pattern in [("tests", "*.py"), ("notebooks", "*.ipynb"), ("benchmarks", "*.py"),
                            ("website", "*.py"), ("docs", "*.py")]:
        parts += [p.read_text(encoding="utf-8") for p in sorted((root / folder).rglob(pattern))]
    return "\n".join(parts)


def test_no_exported_name_is_used_only_in_all():
    """A name that a module exports is used somewhere: in regsim's own code (beyond its definition),
    a test, a notebook or a benchmark. Otherwise it is a leftover: remove it."""
    text = _uses_outside_all_and_imports()
    counts: dict[str, int] = {}
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
        counts[word] = counts.get(word, 0) + 1
    # the definition itself is one mention; a use is one more
    leftovers = [f"{path}: {name}" for path, name in _exports() if counts.get(name, 0) < 2]
    assert leftovers == []
