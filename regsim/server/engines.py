"""Moved to :mod:`regsim.engines.docker` (issue 18: HTTP stays in :mod:`regsim.server`, the drivers of
outside tools have their own package). ``regsim.server.engines`` works for one release: each name
asked for here is ``regsim.engines.docker``'s, after a DeprecationWarning."""

from ..deprecation import moved_module

__getattr__ = moved_module("regsim.server.engines", "regsim.engines.docker")
