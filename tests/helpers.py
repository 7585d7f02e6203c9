"""Small helpers shared by the tests (importable as ``helpers``)."""

from __future__ import annotations

from regsim import Image, Registry
from regsim.digest import Digest


def push_image(reg: Registry, repo: str, image: Image, tag: str | None = None, auth=None) -> Digest:
    """Push every blob of ``image`` and its manifest (by tag, or by digest)."""
    for blob in image.blobs():
        reg.push_blob(repo, blob, auth=auth)
    return reg.put_manifest(repo, tag or image.digest, image.manifest_bytes,
                            media_type=image.media_type, auth=auth)
