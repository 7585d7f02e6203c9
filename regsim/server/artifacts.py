"""Moved to :mod:`regsim.engines.artifacts` (issue 18: HTTP stays in :mod:`regsim.server`, the drivers of
outside tools have their own package). ``regsim.server.artifacts`` works for one release: each name
asked for here is ``regsim.engines.artifacts``'s, after a DeprecationWarning."""

from ..deprecation import moved_module

__getattr__ = moved_module("regsim.server.artifacts", "regsim.engines.artifacts")
