"""The lab uses the core's public API only, and the core never imports the lab."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[2] / "regsim" / "sim"
CORE = SIM.parent


def test_the_lab_never_touches_private_attributes_of_other_objects():
    offenders = []
    for path in sorted(SIM.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = node.value
                if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                    continue
                offenders.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert offenders == []


def test_the_lab_imports_no_private_core_names():
    offenders = []
    for path in sorted(SIM.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert offenders == []


def test_the_core_never_imports_the_lab():
    offenders = []
    for path in sorted(CORE.glob("*.py")):
        text = path.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module and (
                    node.module.startswith("regsim.sim") or (node.level == 1 and node.module.startswith("sim"))):
                offenders.append(path.name)
    assert offenders == []
