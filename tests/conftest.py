"""Shared fixtures for the core tests."""

from __future__ import annotations

import pytest

from regsim import Image, Layer, Registry, World


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

