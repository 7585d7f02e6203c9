"""The server package's structure (issue 18, item 7): no import cycle inside it, not even a lazy or a
TYPE_CHECKING one; handlers see a small server-state protocol, not the app; HTTP stays in
``regsim.server`` and the drivers of outside tools are in ``regsim.engines``, which finds them
through one leaf module, may import the server, and is never imported by it. The old paths of what
moved keep working for one release, with a warning."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import warnings
from pathlib import Path, PurePosixPath

import pytest

from test_imports import cycles, imports, module_name

PACKAGE = Path(__file__).parents[2] / "regsim"
SERVER = PACKAGE / "server"
ENGINES = PACKAGE / "engines"

#: the modules that moved out of regsim.server (old name -> new module); each old path is a shim now
MOVED_MODULES = {"tools": "tools", "daemon": "daemon", "watchdog": "watchdog", "clients": "clients",
                 "artifacts": "artifacts", "reality": "reality", "mirror_reality": "mirror_reality",
                 "engines": "docker"}
#: the names regsim.server exported that moved to regsim.engines
MOVED_NAMES = ("DockerClient", "DockerDaemon", "PodmanClient", "base_image", "docker_daemon")


def graph_of(*folders: Path) -> dict[str, dict[str, int]]:
    """Module -> {module of the same folders it imports: line}, every kind of import counted."""
    sources = {}
    for folder in folders:
        for path in sorted(folder.glob("*.py")):
            rel = PurePosixPath("regsim", folder.name, path.name)
            sources[module_name(rel)] = (rel, path.read_text(encoding="utf-8"))
    graph: dict[str, dict[str, int]] = {}
    for module, (rel, source) in sources.items():
        graph[module] = {imp.target: imp.line for imp in imports(source, rel)
                         if imp.target in sources and imp.target != module}
    return graph


def server_graph() -> dict[str, dict[str, int]]:
    return graph_of(SERVER)


def test_the_server_and_engines_packages_have_no_import_cycle_not_even_a_lazy_one():
    graph = graph_of(SERVER, ENGINES)
    assert cycles(graph) == [], "\n".join(
        " -> ".join(f"{m} (line {graph[m].get(n, '?')})" for m, n in zip(group, group[1:] + group[:1]))
        for group in cycles(graph))


def test_handlers_see_the_server_state_protocol_not_the_app():
    graph = server_graph()
    for handler in ("context", "blobs", "uploads", "manifests", "discovery", "mirror"):
        assert "regsim.server.app" not in graph[f"regsim.server.{handler}"], f"{handler} imports the app"


@pytest.mark.parametrize("folder", [SERVER, ENGINES], ids=["server", "engines"])
def test_no_module_imports_another_modules_private_names(folder):
    offenders = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                offenders += [f"{path.name}:{node.lineno}: {alias.name}" for alias in node.names
                              if alias.name.startswith("_")]
    assert offenders == []


def test_the_server_never_imports_the_engines_not_even_lazily():
    offenders = [f"regsim/server/{path.name}:{imp.line}: {imp.target}" for path in sorted(SERVER.glob("*.py"))
                 for imp in imports(path.read_text(encoding="utf-8"), PurePosixPath("regsim", "server", path.name))
                 if imp.target == "regsim.engines" or imp.target.startswith("regsim.engines.")]
    assert offenders == []
    code = "import sys, regsim.server; print(sorted(m for m in sys.modules if m.startswith('regsim.engines')))"
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_server_holds_only_http_the_drivers_of_outside_tools_are_in_the_engines():
    """No module left in regsim.server runs a program (subprocess) or looks for one (find_tool)."""
    offenders = []
    for path in sorted(SERVER.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.name}:{node.lineno}" for node in ast.walk(tree)
                      if (isinstance(node, ast.Import) and any(a.name == "subprocess" for a in node.names))
                      or (isinstance(node, ast.Name) and node.id in ("find_tool", "ToolMissing"))]
    assert offenders == []
    shims = {path.stem for path in SERVER.glob("*.py")
             if "moved_module(" in path.read_text(encoding="utf-8")}
    assert shims == set(MOVED_MODULES)


def test_find_tool_and_tool_missing_live_in_a_leaf_module():
    from regsim.engines import clients, daemon, docker, tools

    graph = graph_of(SERVER, ENGINES)
    assert graph["regsim.engines.tools"] == {}
    leaf = imports((ENGINES / "tools.py").read_text(encoding="utf-8"), PurePosixPath("regsim/engines/tools.py"))
    # the standard library and the core's errors: no layer, no third-party package
    assert {imp.target for imp in leaf if imp.target.split(".")[0] not in sys.stdlib_module_names} == {"regsim.errors"}
    for module in (clients, daemon, docker):
        assert "regsim.engines.tools" in graph[module.__name__]
    assert clients.ToolMissing is tools.ToolMissing and clients.find_tool is tools.find_tool


# -- the old paths: they work for one release, and warn ----------------------------------------------


@pytest.mark.parametrize("old, new", sorted(MOVED_MODULES.items()))
def test_a_moved_module_still_works_by_its_old_path_and_warns(old, new):
    target = importlib.import_module(f"regsim.engines.{new}")
    shim = importlib.import_module(f"regsim.server.{old}")
    for name in target.__all__:
        with pytest.warns(DeprecationWarning) as caught:
            obj = getattr(shim, name)
        assert obj is getattr(target, name)
        assert str(caught[0].message) == (f"regsim.server.{old} moved to regsim.engines.{new} (regsim.server.{old}."
                                          f"{name} is regsim.engines.{new}.{name}); the old path goes in the next release")
        assert caught[0].filename == __file__  # the warning points at the caller's line
    with pytest.raises(AttributeError, match=f"moved to regsim.engines.{new}"):
        shim.no_such_name  # noqa: B018


def test_from_an_old_module_import_a_name_works_and_warns():
    with pytest.warns(DeprecationWarning, match=r"regsim\.server\.daemon moved to regsim\.engines\.daemon"):
        from regsim.server.daemon import base_image
    from regsim.engines.daemon import base_image as new

    assert base_image is new


@pytest.mark.parametrize("name", MOVED_NAMES)
def test_a_name_regsim_server_exported_still_works_and_warns(name):
    import regsim.engines
    import regsim.server

    with pytest.warns(DeprecationWarning) as caught:
        obj = getattr(regsim.server, name)
    assert obj is getattr(regsim.engines, name)
    assert str(caught[0].message) == (f"regsim.server.{name} moved to regsim.engines.{name}; "
                                      "the old path goes in the next release")
    assert name not in regsim.server.__all__


def test_the_new_paths_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from regsim.engines import DockerClient, DockerSession, SimpleClient, ToolMissing, base_image  # noqa: F401
        from regsim.engines.mirror_reality import MEASURED  # noqa: F401
        from regsim.server import RegistryApp, serve  # noqa: F401
