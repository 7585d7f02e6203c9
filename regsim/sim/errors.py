"""Typed errors of the simulation lab.

Every error names the offending value and derives from :class:`SimError`. A bad argument (a
parameter out of range, a policy name or exercise id that does not exist, a trace file that breaks
its format) is also the core's :class:`~regsim.errors.InvalidArgument`, the one argument-error
type of every module (a :class:`ValueError` and a :class:`TypeError`, so callers that only know
the builtin types still catch it).
"""

from __future__ import annotations

from ..errors import InvalidArgument
from ..errors import UnknownExercise as _UnknownExercise

__all__ = ["SimError", "InvalidParameter", "UnknownPolicy", "TraceFormatError", "UnknownExercise",
           "EngineUnavailable"]


class SimError(Exception):
    """Base of every error raised by :mod:`regsim.sim`."""


class InvalidParameter(SimError, InvalidArgument):
    """A parameter is out of range or of the wrong kind (the message names it and its value)."""


class UnknownPolicy(SimError, InvalidArgument):
    """A cache policy name that :func:`regsim.sim.cache.make_policy` does not know."""


class TraceFormatError(SimError, InvalidArgument):
    """A trace file that does not follow its format (the message names the line and field)."""


class UnknownExercise(SimError, _UnknownExercise):
    """An exercise id that :mod:`regsim.sim.exercises` does not know (the core's
    :class:`~regsim.errors.UnknownExercise`, so also a KeyError)."""


class EngineUnavailable(SimError, RuntimeError):
    """``engine="compiled"`` was asked for, but numba is not installed (the message says how to get it)."""
