"""The API reference (docs/api, built by ``make site``): a broken cross-reference fails the build.

The whole reference is built, opened in Chromium and checked for its back-links to the lessons in
tests/browser/test_site_browser.py (with the course pages); here a small source folder with the same
configuration shows that a reference to a regsim name that does not exist is an error, and one
that does exists resolves, re-exported names and short names included."""

from __future__ import annotations

import importlib.util
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
