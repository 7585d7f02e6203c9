"""Shared fixtures for the core tests."""

from __future__ import annotations

import pytest

from regsim import Blob, Descriptor, Image, Layer, Registry, World
from regsim.mediatypes import OCI_CONFIG, OCI_LAYER_GZIP


@pytest.fixture
def registry() -> Registry:
    return Registry("localhost:5000")


@pytest.fixture
def hub() -> Registry:
    hub = Registry.hub()
    hub.add_user("alice", "alice-pw")
    hub.add_user("bob", "bob-pw")
    return hub


@pytest.fixture
def image() -> Image:
    return Image.create([Layer.from_files([("/etc/hello", b"hello")]),
                         Layer.from_files([("/app/main.py", b"print('hi')")])])


@pytest.fixture
def world() -> World:
    return World.standard(quiet=True)


def push_image(reg: Registry, repo: str, image: Image, tag: str | None = None, auth=None):
    for blob in image.blobs():
        reg.push_blob(repo, blob, auth=auth)
    return reg.put_manifest(repo, tag or image.digest, image.manifest_bytes,
                            media_type=image.media_type, auth=auth)


__all__ = ["push_image", "Blob", "Descriptor", "OCI_CONFIG", "OCI_LAYER_GZIP"]
