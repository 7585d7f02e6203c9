"""The API reference (docs/api, built by ``make site``): a broken cross-reference fails the build.

The whole reference is built, opened in Chromium and checked for its back-links to the lessons in
tests/browser/test_site_browser.py (with the course pages); here a small source folder with the same
configuration shows that a reference to a regsim name that does not exist is an error, and one
that does exists resolves, re-exported names and short names included."""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _builder():
    spec = importlib.util.spec_from_file_location("regsim_site_build", ROOT / "website" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page(tmp_path: Path, text: str) -> Path:
    source = tmp_path / "src"
    source.mkdir()
    (source / "index.rst").write_text("Test\n====\n\n" + text + "\n", encoding="utf-8")
    return source


def test_a_broken_cross_reference_fails_the_build(tmp_path):
    builder = _builder()
    source = _page(tmp_path, "See :func:`regsim.sim.no_such_function` and :class:`regsim.Registry`.")
    with pytest.raises(builder.ApiBuildFailed, match="no_such_function"):
        builder.build_api(tmp_path / "out", source=source)


def test_references_to_re_exported_names_resolve(tmp_path):
    builder = _builder()
    source = _page(tmp_path, ".. py:module:: regsim.registry\n\n.. py:class:: Registry\n\n   The registry.\n\n"
                             "See :class:`regsim.Registry` (re-exported at the top) and :class:`~regsim.registry.Registry`.")
    targets = builder.build_api(tmp_path / "out", source=source)
    assert targets["regsim.registry.Registry"].startswith("index.html#")
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert html.count('href="#regsim.registry.Registry"') >= 2



def test_a_short_name_in_a_docstring_resolves_to_its_home(tmp_path):
    """``:class:`UnknownPolicy``` in a docstring of regsim.sim.policies names the error that module
    imports, documented at its home regsim.sim (the first place the lookup finds it)."""
    builder = _builder()
    source = _page(tmp_path, ".. py:module:: regsim.sim\n\n.. py:exception:: UnknownPolicy\n\n   Unknown.\n\n"
                             ".. py:currentmodule:: regsim.sim.policies\n\n.. autofunction:: regsim.sim.policies.label")
    builder.build_api(tmp_path / "out", source=source)
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert 'href="#regsim.sim.UnknownPolicy"' in html

# -- every public name has a docstring ---------------------------------------------------------------------


def _reference():
    """docs/api/regsim_api.py: the modules the reference documents and each object's home."""
    spec = importlib.util.spec_from_file_location("regsim_api_for_tests", ROOT / "docs" / "api" / "regsim_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _own_docstring(cls) -> bool:
    """A class's own docstring: not inherited, and not the signature a dataclass or namedtuple
    writes when there is none (``Name(a: int, b: str)``)."""
    doc = vars(cls).get("__doc__")
    if not doc or not doc.strip():
        return False
    generated = (dataclasses.is_dataclass(cls) or issubclass(cls, tuple)) and doc.startswith(f"{cls.__name__}(")
    return not generated


def _public_members(cls):
    """``(name, owner)`` of every public method and property of ``cls`` that regsim defines (its
    own or inherited from a regsim base, private bases included; not object's or a library's)."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next((c for c in cls.__mro__ if name in vars(c)), None)
        if owner is None or not owner.__module__.startswith("regsim"):
            continue
        raw = vars(owner)[name]
        if isinstance(raw, (staticmethod, classmethod)):
            raw = raw.__func__
        if isinstance(raw, (property, functools.cached_property)) or inspect.isfunction(raw):
            yield name, owner


def _member_doc(cls, name: str) -> str | None:
    """The docstring of ``cls.name``, or else the nearest one up the class's MRO: what
    :func:`inspect.getdoc` finds for a method or property. (getdoc finds the class again by its
    module's name in ``sys.modules``, which a session that imports a module twice, as doctest
    collection with ``--import-mode=importlib`` does, points at another copy.)"""
    for c in cls.__mro__:
        raw = vars(c).get(name)
        if isinstance(raw, (staticmethod, classmethod)):
            raw = raw.__func__
        doc = getattr(raw, "__doc__", None) if raw is not None else None
        if doc and doc.strip():
            return doc
    return None


def undocumented() -> list[str]:
    """Every public name the API reference documents that has no docstring (by its home name).

    Modules, classes and functions, and the public methods and properties of public classes, in
    every module of ``DOCUMENTED`` (what each ``__all__`` exports). A method or property counts as
    documented when it or the one it overrides has a docstring, as :func:`inspect.getdoc` sees it
    (a policy's ``lookup`` has the base ``Policy``'s); a class needs its own."""
    api = _reference()
    missing: set[str] = set()
    for module_name in api.DOCUMENTED:
        module = importlib.import_module(module_name)
        if not inspect.getdoc(module):
            missing.add(module_name)
        for name in api.public_names(module_name):
            obj = getattr(module, name)
            home = api.homes().get(api._key(obj))
            if home != f"{module_name}.{name}":
                continue  # a constant, a module, or documented at its home
            if inspect.isclass(obj):
                if not _own_docstring(obj):
                    missing.add(home)
                for member, owner in _public_members(obj):
                    if not _member_doc(obj, member):
                        owner_home = api.homes().get(id(owner), f"{owner.__module__}.{owner.__qualname__}")
                        missing.add(f"{owner_home}.{member}")
            elif not inspect.getdoc(obj):
                missing.add(home)
    return sorted(missing)


def test_every_public_name_has_a_docstring():
    missing = undocumented()
    assert not missing, f"{len(missing)} public names have no docstring:\n" + "\n".join(missing)


def test_the_docstring_check_finds_what_is_missing(monkeypatch):
    """The check above can fail: a method, a property, a function and a dataclass without a
    docstring of their own are each reported under their home name."""
    from regsim import sim, world
    from regsim.client import outcome

    monkeypatch.setattr(world.World.add_host, "__doc__", None)
    monkeypatch.setattr(sim.CacheReport.hit_ratio, "__doc__", None)
    monkeypatch.setattr(outcome.attempt, "__doc__", None)
    monkeypatch.setattr(outcome.Outcome, "__doc__", "Outcome(value: Any = None, error: RegistryError | None = None)")
    assert undocumented() == ["regsim.client.outcome.Outcome", "regsim.client.outcome.attempt",
                              "regsim.sim.CacheReport.hit_ratio", "regsim.world.World.add_host"]


def test_each_page_documents_the_modules_pages_lists():
    """docs/api/<page>.rst has an ``automodule`` for each module PAGES puts on it, and no other: the
    homes (where each object is documented) are computed from PAGES, so the two must agree."""
    import re

    api = _reference()
    for page, modules in api.PAGES.items():
        text = (ROOT / "docs" / "api" / f"{page}.rst").read_text(encoding="utf-8")
        assert re.findall(r"^\.\. automodule:: (\S+)", text, re.M) == modules, page


def test_every_name_a_package_exports_is_documented_on_a_page():
    """What ``__all__`` of every regsim package exports (its classes and functions) has a home in
    the reference: a new package, or a name a package starts exporting, gets onto a page of PAGES."""
    import pkgutil

    import regsim

    api = _reference()
    packages = ["regsim"] + [m.name for m in pkgutil.walk_packages(regsim.__path__, "regsim.") if m.ispkg]
    unplaced = []
    for package in packages:
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", ()):
            key = api._key(getattr(module, name))
            if key is not None and key not in api.homes():
                unplaced.append(f"{package}.{name}")
    assert not unplaced, "exported but on no page of the API reference: " + ", ".join(unplaced)


def test_building_the_reference_leaves_the_documented_objects_as_they_were(tmp_path):
    """autodoc rewrites what it documents (autodoc_preserve_defaults gives each function a
    __signature__ with source-text defaults); the site build runs it in its own process, so the
    caller's objects keep their real defaults (a policy's label compares them: in one process, the
    site test once made ``Clock.with_params(bits=1)`` read ``clock(bits=1)``)."""
    import inspect

    from regsim.units import plural

    builder = _builder()
    source = _page(tmp_path, ".. autofunction:: regsim.units.plural\n")
    builder.build_api(tmp_path / "out", source=source)
    default = inspect.signature(plural).parameters["plural_form"].default
    assert default is None, f"the build changed plural's default in this process: {default!r}"
