"""Typed errors of the simulation lab.

Every error names the offending value. They subclass :class:`ValueError` (or :class:`TypeError`)
so callers that only know the builtin types still catch them; :class:`InvalidParameter` is the
core's :class:`~regsim.errors.InvalidArgument`, the one argument-error type of every module.
"""

from __future__ import annotations

from ..errors import InvalidArgument

__all__ = ["SimError", "InvalidParameter", "UnknownPolicy", "TraceFormatError", "UnknownExercise",
           "EngineUnavailable"]


class SimError(Exception):
    """Base of every error raised by :mod:`regsim.sim`."""


class InvalidParameter(SimError, InvalidArgument):
    """A parameter is out of range or of the wrong kind (the message names it and its value)."""


class UnknownPolicy(SimError, ValueError):
    """A cache policy name that :func:`regsim.sim.cache.make_policy` does not know."""


class TraceFormatError(SimError, ValueError):
    """A trace file that does not follow its format (the message names the line and field)."""


class UnknownExercise(SimError, ValueError):
    """An exercise id that :mod:`regsim.sim.exercises` does not know."""


class EngineUnavailable(SimError, RuntimeError):
    """``engine="compiled"`` was asked for, but numba is not installed (the message says how to get it)."""
