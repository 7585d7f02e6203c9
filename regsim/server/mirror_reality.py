"""Moved to :mod:`regsim.engines.mirror_reality` (issue 18: HTTP stays in :mod:`regsim.server`, the drivers of
outside tools have their own package). ``regsim.server.mirror_reality`` works for one release: each name
asked for here is ``regsim.engines.mirror_reality``'s, after a DeprecationWarning."""

from ..deprecation import moved_module

__getattr__ = moved_module("regsim.server.mirror_reality", "regsim.engines.mirror_reality")
