"""Moved to :mod:`regsim.engines.watchdog` (issue 18: HTTP stays in :mod:`regsim.server`, the drivers of
outside tools have their own package). ``regsim.server.watchdog`` works for one release: each name
asked for here is ``regsim.engines.watchdog``'s, after a DeprecationWarning."""

from ..deprecation import moved_module

__getattr__ = moved_module("regsim.server.watchdog", "regsim.engines.watchdog")
