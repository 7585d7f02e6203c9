"""The layering rule, enforced: the core imports only the standard library and itself.

The core is every module of ``regsim/`` outside the layers built on it (``viz``, ``sim``,
``server``, ``engines``, ``io``). The rule, checked on every import statement of every module -- absolute and
relative, at module level and inside functions, plus ``importlib.import_module("...")`` and
``__import__("...")`` with a constant name:

* a core module imports only the standard library and other core modules, never a layer;
* only ``regsim/cli.py`` may import a layer (``server``, and ``io`` for ``--load``) and the server
  extra's packages, and only lazily, inside a function;
* the layers may import the core (and their third-party dependencies), and are a stack too
  (:data:`LAYER_RANKS`: io, sim, viz < server < engines): a layer imports only its own rank and those
  below, so ``regsim.server`` (HTTP) never imports ``regsim.engines`` (the drivers of docker,
  podman, skopeo... which may start a server).

On top of that (issue 16), the core is a stack of layers (:data:`RANKS`: units, errors, display <
oci < events < registry < client < data, world < course): a module imports only its own layer and
those below, and there is no import cycle at all, counting imports inside functions and under
``if TYPE_CHECKING:``.

Each offence is named as ``file:line``. The checker is tested on synthetic sources too, including
the probe from issue 12 (``from .viz import style`` added to ``units.py``), so that it can fail.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from helpers import THIRD_PARTY_PRIVATE, is_super

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "regsim"
LAYERS = ("viz", "sim", "server", "engines", "io")
#: What regsim/cli.py may import inside a function: the server (and io, for ``serve --load``)
#: and the server extra's packages (to say which extra is missing).
CLI_LAZY = {"regsim.server", "regsim.io", "starlette", "uvicorn"}
HEAVY = ("matplotlib", "networkx", "ipywidgets", "pandas", "numpy", "starlette", "uvicorn", "IPython", "tqdm")
STDLIB = set(sys.stdlib_module_names)
IPYTHON_PROTOCOL = re.compile(r"^_(repr_[a-z]+|ipython_[a-z_]+)_$")


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # absolute dotted module name, e.g. "regsim.viz.style" or "json"
    lazy: bool  # inside a function body (runs on call, not on import)


def module_name(rel: PurePosixPath) -> str:
    """``regsim/course/lesson1.py`` -> ``regsim.course.lesson1``; ``regsim/io/__init__.py`` -> ``regsim.io``."""
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(source: str, rel: PurePosixPath) -> list[Import]:
    """Every import of a module's source, relative ones resolved against ``rel``'s package."""
    module = module_name(rel)
    package = module if rel.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def resolve(level: int, name: str | None, line: int) -> str:
        parts = package.split(".")
        if level - 1 >= len(parts):
            return f"<relative import beyond the top-level package at line {line}>"
        base = parts[: len(parts) - (level - 1)]
        return ".".join(base + ([name] if name else []))

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend(Import(child.lineno, alias.name, lazy) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level == 0:
                    found.append(Import(child.lineno, child.module or "", lazy))
                elif child.module:  # from .pkg import name
                    found.append(Import(child.lineno, resolve(child.level, child.module, child.lineno), lazy))
                else:  # from . import name: each name may be a module
                    found.extend(Import(child.lineno, resolve(child.level, alias.name, child.lineno), lazy)
                                 for alias in child.names)
            elif isinstance(child, ast.Call) and _dynamic_import(child):
                target = child.args[0].value  # type: ignore[attr-defined]
                if target.startswith("."):
                    dots = len(target) - len(target.lstrip("."))
                    target = resolve(dots, target[dots:] or None, child.lineno)
                found.append(Import(child.lineno, target, lazy))
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def _dynamic_import(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return (name in ("import_module", "__import__") and bool(call.args)
            and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str))


def violations(rel: PurePosixPath, source: str) -> list[str]:
    """The layering offences of one module, as ``file:line: what``."""
    if len(rel.parts) > 2 and rel.parts[1] in LAYERS:
        return []  # a layer above the core may import the core and its own dependencies
    out = []
    for imp in imports(source, rel):
        parts = imp.target.split(".")
        top = parts[0]
        layer = parts[1] if top == "regsim" and len(parts) > 1 and parts[1] in LAYERS else None
        if top.startswith("<"):
            out.append(f"{rel}:{imp.line}: {top}")
            continue
        if layer is None and (top == "regsim" or top in STDLIB):
            continue
        allowed = {t for t in CLI_LAZY if imp.target == t or imp.target.startswith(t + ".")}
        if str(rel) == "regsim/cli.py" and allowed:
            if imp.lazy:
                continue
            out.append(f"{rel}:{imp.line}: imports {imp.target} at module level; "
                       "cli.py may import it only inside a function")
        elif layer is not None:
            out.append(f"{rel}:{imp.line}: imports {imp.target}: the core never imports regsim.{layer}")
        else:
            out.append(f"{rel}:{imp.line}: imports {imp.target}: the core imports only the standard "
                       "library and regsim's core")
    return out


def check_tree(package: Path) -> list[str]:
    """Offences of every module under ``package`` (a ``regsim`` folder)."""
    out = []
    for path in sorted(package.rglob("*.py")):
        rel = PurePosixPath("regsim", *path.relative_to(package).parts)
        out.extend(violations(rel, path.read_text(encoding="utf-8")))
    return out


# -- the rule holds for the real package ------------------------------------------------------------


def test_the_core_imports_only_the_standard_library_and_itself():
    assert check_tree(PACKAGE) == []


def test_the_issue_probe_fails_the_check(tmp_path):
    """Issue 12: ``from .viz import style`` added to ``units.py`` must be caught, with its line."""
    copy = tmp_path / "regsim"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    units = next(p for p in copy.rglob("units.py") if p.relative_to(copy).parts[0] not in LAYERS)
    rel = PurePosixPath("regsim", *units.relative_to(copy).parts)
    dots = "." * (len(rel.parts) - 1)  # "." in regsim/units.py, ".." if units.py moved into a subpackage
    text = units.read_text(encoding="utf-8")
    line = text.count("\n") + 1
    units.write_text(text + f"from {dots}viz import style\n", encoding="utf-8")
    assert check_tree(copy) == [f"{rel}:{line}: imports regsim.viz: the core never imports regsim.viz"]


# -- ranks and cycles (issue 16): the core is a stack of layers, and no module imports its way back ----

#: The core's layers, lowest first: a module may import its own layer and those below, never above.
#: ``display`` is a leaf (it renders nothing itself: each type does, with its helpers).
RANKS: tuple[tuple[str, ...], ...] = (
    ("regsim.units", "regsim.errors", "regsim.display", "regsim.deprecation"),
    ("regsim.oci",),
    ("regsim.events",),
    ("regsim.registry",),
    ("regsim.client",),
    ("regsim.data", "regsim.world"),
    ("regsim.course", "regsim.exercises"),
)
#: Above every layer: the package's front door and the command line.
TOP = ("regsim", "regsim.cli")


def rank_of(module: str) -> int:
    if module in TOP:
        return len(RANKS)
    for rank, prefixes in enumerate(RANKS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} has no rank: add it to RANKS in tests/test_imports.py")


def module_graph(package: Path) -> dict[str, dict[str, int]]:
    """Core module -> {core module it imports: line}, counting every import: module level, inside
    a function, under ``if TYPE_CHECKING:``, and ``importlib.import_module`` with a constant name.
    ``from pkg import name`` counts as importing ``pkg.name`` when that is a module, else ``pkg``."""
    sources = {}
    for path in sorted(package.rglob("*.py")):
        rel = PurePosixPath("regsim", *path.relative_to(package).parts)
        if len(rel.parts) > 2 and rel.parts[1] in LAYERS:
            continue
        sources[module_name(rel)] = (rel, path.read_text(encoding="utf-8"))
    graph: dict[str, dict[str, int]] = {}
    for module, (rel, source) in sources.items():
        edges: dict[str, int] = {}
        for imp in imports(source, rel):
            target = imp.target
            while target and target not in sources:
                target = target.rpartition(".")[0]
            if target and target != module:
                edges.setdefault(target, imp.line)
        graph[module] = edges
    return graph


def rank_offences(graph: dict[str, dict[str, int]]) -> list[str]:
    return [f"{m}:{line}: imports {t}, a higher layer ({rank_of(t)} > {rank_of(m)})"
            for m, edges in graph.items() for t, line in edges.items() if rank_of(t) > rank_of(m)]


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The import cycles: strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_core_module_imports_only_its_layer_and_below():
    """units, errors, display < oci < events < registry < client < data, world < course."""
    assert rank_offences(module_graph(PACKAGE)) == []


def test_the_core_has_no_import_cycle_not_even_a_lazy_one():
    """Issue 16: five cycles were each closed by a lazy or TYPE_CHECKING import; none is left."""
    graph = module_graph(PACKAGE)
    assert cycles(graph) == [], "\n".join(
        " -> ".join(f"{m} (line {graph[m].get(n, '?')})" for m, n in zip(group, group[1:] + group[:1]))
        for group in cycles(graph))


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "regsim"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("how", ["module level", "in a function", "under TYPE_CHECKING"])
def test_the_cycle_check_catches_every_kind_of_import(tmp_path, how):
    back = {"module level": "from ..display import table\n",
            "in a function": "def f():\n    from ..display import table\n",
            "under TYPE_CHECKING": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..display import table\n"}
    root = _tree(tmp_path, {"__init__.py": "", "display.py": "from .oci.image import Image\n",
                            "oci/__init__.py": "", "oci/image.py": back[how]})
    graph = module_graph(root)
    assert cycles(graph) == [["regsim.display", "regsim.oci.image"]]
    assert rank_offences(graph) == ["regsim.display:1: imports regsim.oci.image, a higher layer (1 > 0)"]


def test_the_rank_check_names_an_import_of_a_higher_layer(tmp_path):
    """The probe of issue 16: oci/image.py imported the client's tar helpers."""
    root = _tree(tmp_path, {"__init__.py": "", "oci/__init__.py": "", "client/__init__.py": "",
                            "oci/image.py": "\n\nfrom ..client.build import make_tar\n",
                            "client/build.py": "import tarfile\n"})
    assert rank_offences(module_graph(root)) == [
        "regsim.oci.image:3: imports regsim.client.build, a higher layer (4 > 1)"]
    assert cycles(module_graph(root)) == []


# -- the checker itself, on synthetic sources ------------------------------------------------------

BAD = [
    ("regsim/units.py", "from .viz import style", "regsim/units.py:1: imports regsim.viz: the core never"),
    ("regsim/units.py", "from . import sim", "regsim/units.py:1: imports regsim.sim"),
    ("regsim/units.py", "import regsim.io.layout", "regsim/units.py:1: imports regsim.io.layout"),
    ("regsim/units.py", "from regsim.server import app", "regsim/units.py:1: imports regsim.server"),
    ("regsim/units.py", "import json\n\ndef f():\n    import numpy as np\n", "regsim/units.py:4: imports numpy"),
    ("regsim/units.py", "class A:\n    def m(self):\n        from .viz.draw import draw\n",
     "regsim/units.py:3: imports regsim.viz.draw"),
    ("regsim/units.py", "if True:\n    try:\n        import pandas\n    except ImportError:\n        pass\n",
     "regsim/units.py:3: imports pandas"),
    ("regsim/course/lesson1.py", "from ..viz import draw", "regsim/course/lesson1.py:1: imports regsim.viz"),
    ("regsim/course/__init__.py", "from ..server import RegistryApp",
     "regsim/course/__init__.py:1: imports regsim.server"),
    ("regsim/oci/units.py", "from ..viz import style", "regsim/oci/units.py:1: imports regsim.viz"),
    ("regsim/oci/units.py", "from ... import viz", "regsim/oci/units.py:1: <relative import beyond"),
    ("regsim/host.py", "def serve():\n    from .server import RegistryApp\n",
     "regsim/host.py:2: imports regsim.server"),
    ("regsim/cli.py", "from .server import RegistryApp", "regsim/cli.py:1: imports regsim.server at module level"),
    ("regsim/cli.py", "import uvicorn", "regsim/cli.py:1: imports uvicorn at module level"),
    ("regsim/cli.py", "def main():\n    from .viz import draw\n", "regsim/cli.py:2: imports regsim.viz"),
    ("regsim/units.py", "import importlib\nimportlib.import_module('regsim.viz')",
     "regsim/units.py:2: imports regsim.viz"),
    ("regsim/units.py", "def f():\n    return __import__('matplotlib')", "regsim/units.py:2: imports matplotlib"),
]

GOOD = [
    ("regsim/units.py", "from __future__ import annotations\nimport json, re\nfrom collections import abc"),
    ("regsim/units.py", "from .digest import Digest\nfrom . import events as ev\nimport regsim.errors"),
    ("regsim/course/lesson1.py", "from ..world import World\nfrom ._world import fresh_world"),
    ("regsim/cli.py", "def _serve():\n    from .server import RegistryApp\n    from .io import import_images\n"
                      "    import starlette, uvicorn\n"),
    ("regsim/viz/draw.py", "import matplotlib\nfrom ..registry import Registry\nfrom .style import COLORS"),
    ("regsim/sim/cache.py", "import numpy as np\nfrom ..viz import style"),
    ("regsim/server/app.py", "from starlette.applications import Starlette"),
]


@pytest.mark.parametrize("rel, source, expected", BAD, ids=[f"{r}: {s.splitlines()[-1].strip()}" for r, s, _ in BAD])
def test_the_checker_names_each_offending_import(rel, source, expected):
    offences = violations(PurePosixPath(rel), source)
    assert len(offences) == 1, offences
    assert offences[0].startswith(expected), offences


@pytest.mark.parametrize("rel, source", GOOD, ids=[r for r, _ in GOOD])
def test_the_checker_accepts_what_the_rule_allows(rel, source):
    assert violations(PurePosixPath(rel), source) == []


def test_relative_imports_resolve_against_the_package():
    got = imports("from . import a\nfrom .b import c\nfrom .. import d\n", PurePosixPath("regsim/course/lesson1.py"))
    assert [i.target for i in got] == ["regsim.course.a", "regsim.course.b", "regsim.d"]
    got = imports("from . import a\n", PurePosixPath("regsim/course/__init__.py"))
    assert [i.target for i in got] == ["regsim.course.a"]


# -- import regsim stays light, and the layers use the public API ----------------------------------


def test_import_regsim_loads_no_heavy_package():
    code = "import sys, regsim; print(','.join(m for m in " + repr(HEAVY) + " if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


#: The layers above the core, lowest first: a layer imports the core, its own rank and those below.
#: The server draws with viz (the classroom dashboard); the engines start servers, write layouts
#: (io) and replay the lab's mirror model (sim).
LAYER_RANKS: tuple[tuple[str, ...], ...] = (("io", "sim", "viz"), ("server",), ("engines",))


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "regsim" and len(parts) > 1 and parts[1] in LAYERS else None


def layer_rank(layer: str) -> int:
    for rank, layers in enumerate(LAYER_RANKS):
        if layer in layers:
            return rank
    raise AssertionError(f"regsim.{layer} has no rank: add it to LAYER_RANKS in tests/test_imports.py")


def layer_offences(package: Path) -> list[str]:
    """``file:line`` of every import, at module level or inside a function, of a higher layer."""
    out = []
    for path in sorted(package.rglob("*.py")):
        rel = PurePosixPath("regsim", *path.relative_to(package).parts)
        source_layer = layer_of(module_name(rel))
        if source_layer is None:
            continue
        for imp in imports(path.read_text(encoding="utf-8"), rel):
            target_layer = layer_of(imp.target)
            if target_layer is not None and layer_rank(target_layer) > layer_rank(source_layer):
                out.append(f"{rel}:{imp.line}: imports {imp.target}: regsim.{source_layer} never imports "
                           f"regsim.{target_layer}, a higher layer")
    return out


def test_every_layer_imports_only_its_rank_and_below():
    """io, sim, viz < server < engines: the server is HTTP only and never imports the engines."""
    assert {layer for layers in LAYER_RANKS for layer in layers} == set(LAYERS)
    assert layer_offences(PACKAGE) == []


@pytest.mark.parametrize("how, line, target", [
    ("from ..engines.docker import DockerClient\n", 1, "regsim.engines.docker"),
    ("def f():\n    from ..engines import tools\n", 2, "regsim.engines"),
    ("import importlib\nimportlib.import_module('regsim.engines')\n", 2, "regsim.engines")])
def test_the_layer_check_names_a_server_module_importing_the_engines(tmp_path, how, line, target):
    root = _tree(tmp_path, {"__init__.py": "", "server/__init__.py": "", "engines/__init__.py": "",
                            "engines/docker.py": "from ..server import serve\n", "server/app.py": how})
    assert layer_offences(root) == [f"regsim/server/app.py:{line}: imports {target}: regsim.server never "
                                    "imports regsim.engines, a higher layer"]


def test_layers_above_the_core_use_no_private_attributes():
    """viz, sim, server, io and course read the model through its public API only:
    no ``obj._something`` on anything but ``self``/``cls``/``super()`` (IPython's display protocol,
    ``_repr_html_`` and friends, is public)."""
    offenders = []
    for package in ("viz", "sim", "server", "engines", "io", "course"):
        for path in sorted((PACKAGE / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                        and not IPYTHON_PROTOCOL.match(node.attr)
                        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
                        and not is_super(node.value)
                        and node.attr not in THIRD_PARTY_PRIVATE.get(str(path.relative_to(PACKAGE)), ())):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: .{node.attr}")
    assert offenders == []
