"""Small helpers shared by the tests (importable as ``helpers``)."""

from __future__ import annotations

import os

import pytest

from regsim import Image, Registry
from regsim.oci.digest import Digest


def push_image(reg: Registry, repo: str, image: Image, tag: str | None = None, auth=None) -> Digest:
    """Push every blob of ``image`` and its manifest (by tag, or by digest)."""
    for blob in image.blobs():
        reg.push_blob(repo, blob, auth=auth)
    return reg.put_manifest(repo, tag or image.digest, image.manifest_bytes,
                            media_type=image.media_type, auth=auth)


def on_ci() -> bool:
    """True under ``CI=true`` (any case), where a missing external tool is a failure, not a skip."""
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(message: str) -> None:
    """Skip with ``message`` (how to install what is missing); fail instead under ``CI=true``."""
    if on_ci():
        pytest.fail(message + " -- under CI=true a missing tool is a failure")
    pytest.skip(message)


#: How the browser tests start Debian's Chromium (headless, no sandbox in containers, no network chatter).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CHROMIUM_HINT = ("install Debian's Chromium with `sudo apt-get install chromium` (the suite drives /usr/bin/chromium "
                 "through the Python playwright package: `pip install -e '.[test]'`)")


def chromium_or_skip() -> str:
    """The path of Chromium for Playwright ($REGSIM_CHROMIUM, `chromium` on PATH, /usr/bin/chromium);
    skips (fails under CI=true) with the install hint when it or the playwright package is missing."""
    import shutil
    from pathlib import Path

    found = os.environ.get("REGSIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        skip_or_fail(f"browser check cannot run: no Chromium at {found}: {CHROMIUM_HINT}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail(f"browser check cannot run: the playwright package is not installed: {CHROMIUM_HINT}")
    return found


#: private attributes of a third-party library a file may use, each with its reason: numba has no
#: public hook to add to a cached kernel's key, so the kernels' cache (which must notice an edited
#: helper in another file) replaces a dispatcher's ``_cache`` with a FunctionCache whose
#: ``_index_key`` adds the helpers' digest (tests/sim/test_kernel_cache.py)
THIRD_PARTY_PRIVATE = {"sim/policies/_compiled.py": {"_cache", "_index_key"}}


def is_super(node) -> bool:
    """``super()`` (the object itself, seen as its parent class), for the private-attribute rules."""
    import ast

    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
            and not node.args)
