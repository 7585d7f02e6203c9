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
