"""The server package's structure (issue 18, item 7): no import cycle inside it, not even a lazy or a
TYPE_CHECKING one; handlers see a small server-state protocol, not the app; the drivers of outside
tools find them through one leaf module."""

from __future__ import annotations

import ast
from pathlib import Path, PurePosixPath

from test_imports import cycles, imports, module_name

SERVER = Path(__file__).parents[2] / "regsim" / "server"


def server_graph() -> dict[str, dict[str, int]]:
    sources = {}
    for path in sorted(SERVER.glob("*.py")):
        rel = PurePosixPath("regsim", "server", path.name)
        sources[module_name(rel)] = (rel, path.read_text(encoding="utf-8"))
    graph: dict[str, dict[str, int]] = {}
    for module, (rel, source) in sources.items():
        graph[module] = {imp.target: imp.line for imp in imports(source, rel)
                         if imp.target in sources and imp.target != module}
    return graph


def test_the_server_package_has_no_import_cycle_not_even_a_lazy_one():
    graph = server_graph()
    assert cycles(graph) == [], "\n".join(
        " -> ".join(f"{m} (line {graph[m].get(n, '?')})" for m, n in zip(group, group[1:] + group[:1]))
        for group in cycles(graph))


def test_handlers_see_the_server_state_protocol_not_the_app():
    graph = server_graph()
    for handler in ("context", "blobs", "uploads", "manifests", "discovery", "mirror", "artifacts"):
        module = f"regsim.server.{handler}"
        if module in graph:
            assert "regsim.server.app" not in graph[module], f"{module} imports the app"


def test_no_module_imports_another_modules_private_names():
    offenders = []
    for path in sorted(SERVER.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                offenders += [f"{path.name}:{node.lineno}: {alias.name}" for alias in node.names
                              if alias.name.startswith("_")]
    assert offenders == []


def test_find_tool_and_tool_missing_live_in_a_leaf_module():
    from regsim.server import clients, tools

    assert server_graph()["regsim.server.tools"] == {}
    assert clients.ToolMissing is tools.ToolMissing and clients.find_tool is tools.find_tool
