"""A fresh, quiet course world for computing expected answers (built once, never modified)."""

from __future__ import annotations

from functools import lru_cache

from ..world import World


@lru_cache(maxsize=None)
def _standard() -> World:
    return World.standard(quiet=True)


def fresh_world() -> World:
    """A new quiet :meth:`World.standard` world (for exercises that change things)."""
    return World.standard(quiet=True)


def reference_world() -> World:
    """A shared read-only standard world (for exercises that only look)."""
    return _standard()
