"""The public API speaks one vocabulary (CONTRIBUTING.md): the rules a program can check, on every
name in the ``__all__`` of every regsim package and module.

- names: classes CamelCase (a context manager too), functions snake_case;
- result types: ``...Result`` only for a host command's output (an ``Output``), every other record
  of numbers a ``...Report`` (no ``...Stats``, ``...Summary``);
- every public function and method declares its return type;
- options are keyword-only: at most one optional parameter is positional, and never a flag or a
  seed;
- ``sizes`` means object sizes only: a cache's size is ``capacity``/``fraction`` (plurals in sweeps);
- a registry's, repository's, host's or world's ``tags``, ``blobs``, ``repositories``, ``hosts``,
  ``registries`` are Mappings;
- no public function raises a bare ValueError, TypeError or KeyError (errors.InvalidArgument or a
  subclass), and every exported exception derives from a package's base error.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import typing
from pathlib import Path

import pytest

import regsim

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "regsim"
CAMEL = re.compile(r"^_?[A-Z][A-Za-z0-9]*$")
SNAKE = re.compile(r"^_?[a-z][a-z0-9_]*$")
MAPPINGS = {"tags", "blobs", "repositories", "hosts", "registries"}
STORES = {"Registry", "Repository", "Host", "World"}  # the objects that hold collections by key


def _modules() -> list[str]:
    names = ["regsim"]
    for info in pkgutil.walk_packages(regsim.__path__, "regsim."):
        if ".data.bundled" in info.name:
            continue
        names.append(info.name)
    return names


def _public() -> list[tuple[str, str, object]]:
    """(module, name, object) for every name in a module's ``__all__`` that the module defines."""
    found = []
    for module_name in _modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if obj is None or inspect.ismodule(obj):
                continue
            if getattr(obj, "__module__", module_name) != module_name:
                continue  # a re-export: checked where it is defined
            found.append((module_name, name, obj))
    return found


PUBLIC = _public()


def _functions() -> list[tuple[str, object]]:
    """``(qualified name, function)`` for public functions and the public methods of public classes."""
    out = []
    for module, name, obj in PUBLIC:
        if inspect.isfunction(obj):
            out.append((f"{module}.{name}", obj))
        elif inspect.isclass(obj):
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(value, (staticmethod, classmethod)):
                    value = value.__func__
                if isinstance(value, property):
                    value = value.fget
                if inspect.isfunction(value):
                    out.append((f"{module}.{name}.{attr}", value))
    return out


def test_the_walk_finds_the_public_api():
    names = {f"{m}.{n}" for m, n, _ in PUBLIC}
    assert "regsim.registry.registry.Registry" in names and len(PUBLIC) > 200


def test_names_classes_camel_case_functions_snake_case():
    bad = [f"{m}.{n}" for m, n, o in PUBLIC
           if (inspect.isclass(o) and not CAMEL.match(n)) or (inspect.isfunction(o) and not SNAKE.match(n))]
    assert bad == []


def test_result_types_are_results_only_for_host_outputs_and_reports_otherwise():
    from regsim.client.output import Output

    bad = []
    for m, n, o in PUBLIC:
        if not inspect.isclass(o):
            continue
        if n.endswith(("Stats", "Summary")):
            bad.append(f"{m}.{n}: a record of numbers is a ...Report")
        if n.endswith("Result") and not issubclass(o, Output):
            bad.append(f"{m}.{n}: ...Result is a host command's output; this is a ...Report")
    assert bad == []


def test_every_public_function_and_method_declares_its_return_type():
    bad = [qual for qual, f in _functions()
           if f.__name__ != "__init__" and "return" not in f.__annotations__]
    assert bad == []


def test_options_are_keyword_only():
    """At most one optional parameter may be positional (``run(trace, policy="lru", *, ...)``; a
    range's ``start, end`` count as one); every further option, every flag and every seed is
    keyword-only."""
    bad = []
    for qual, f in _functions():
        params = list(inspect.signature(f).parameters.values())
        if params and params[0].name in ("self", "cls"):
            params = params[1:]
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        optional = [p.name for p in positional if p.default is not p.empty and p.name != "end"]
        flags = [p.name for p in positional if isinstance(p.default, bool) or p.name == "seed"]
        if len(optional) > 1 or flags:
            bad.append(f"{qual}: {', '.join(optional[1:] + flags)}")
    assert bad == []


def test_sizes_means_object_sizes_only():
    """A cache's size is capacity= (bytes) or fraction= (of the working set); sizes= is for objects."""
    bad = []
    for qual, f in _functions():
        params = inspect.signature(f).parameters
        if "size" in params and ("capacity" in params or "policy" in params):
            bad.append(f"{qual}: size= for a cache (use fraction=)")
        if "sizes" in params and ("capacities" in params or "policies" in params):
            bad.append(f"{qual}: sizes= for caches (use fractions=)")
    assert bad == []


def test_collections_named_like_stores_are_mappings():
    bad = []
    for qual, f in _functions():
        if f.__name__ in MAPPINGS and qual.split(".")[-2] in STORES:
            hints = typing.get_type_hints(f) if "return" in f.__annotations__ else {}
            ret = hints.get("return")
            origin = typing.get_origin(ret) or ret
            if not (isinstance(origin, type) and issubclass(origin, typing.Mapping)):  # type: ignore[arg-type]
                bad.append(f"{qual} -> {ret}")
    assert bad == []


def _raises(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id in ("ValueError", "TypeError", "KeyError"):
                out.append((node.lineno, exc.id))
    return out


def test_no_bare_value_type_or_key_errors():
    """A bad argument is errors.InvalidArgument (a ValueError and a TypeError) or a subclass."""
    bad = [f"{p.relative_to(ROOT)}:{line}: raise {name}"
           for p in sorted(PACKAGE.rglob("*.py")) for line, name in _raises(p)]
    assert bad == []


def test_every_exported_exception_derives_from_a_base_error_of_regsim():
    from regsim.errors import InvalidArgument, RegistryError

    bases = (InvalidArgument, RegistryError)
    try:
        from regsim.sim.errors import SimError
        bases += (SimError,)
    except ImportError:  # pragma: no cover
        pass
    bad = [f"{m}.{n}" for m, n, o in PUBLIC
           if inspect.isclass(o) and issubclass(o, BaseException) and not issubclass(o, bases)]
    assert bad == []
