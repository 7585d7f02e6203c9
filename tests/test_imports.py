"""The core model imports only the standard library, and `import regsim` stays light."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "regsim"
OPTIONAL = ("viz", "sim", "server", "io", "cli.py")
HEAVY = ("matplotlib", "networkx", "ipywidgets", "pandas", "numpy", "starlette", "uvicorn", "IPython", "tqdm")


def core_files():
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE)
        if rel.parts[0] in OPTIONAL:
            continue
        yield path


def test_core_modules_import_only_the_standard_library():
    stdlib = set(sys.stdlib_module_names)
    offenders = []
    for path in core_files():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in stdlib and top != "regsim":
                    offenders.append(f"{path.relative_to(CORE)}: {name}")
                if top == "regsim" and name.split(".")[1:2] and name.split(".")[1] in ("viz", "sim", "server"):
                    offenders.append(f"{path.relative_to(CORE)}: {name}")
    assert offenders == []


def test_import_regsim_loads_no_heavy_package():
    code = "import sys, regsim; print(','.join(m for m in " + repr(HEAVY) + " if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_layers_above_the_core_use_no_private_attributes():
    """viz, sim, server, io and course read the model through its public API only:
    no ``obj._something`` on anything but ``self``/``cls``."""
    offenders = []
    for package in ("viz", "sim", "server", "io", "course"):
        for path in sorted((CORE / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                    offenders.append(f"{path.relative_to(CORE)}:{node.lineno}: .{node.attr}")
    assert offenders == []
