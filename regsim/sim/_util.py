"""Small shared helpers: seeds and argument checks."""

from __future__ import annotations

import collections.abc
import os
import random
import re
from numbers import Integral, Real
from typing import Any, cast

from .. import errors
from ..deprecation import keyword_only
from ..data.generate import rng
from .errors import InvalidParameter

#: kinds for :func:`expect`
PATH = (str, os.PathLike)
ITERABLE = collections.abc.Iterable
SEQUENCE = collections.abc.Sequence
MAPPING = collections.abc.Mapping
NUMBER = Real


def expect(name: str, value: Any, kinds: type | tuple[type, ...], what: str | None = None) -> None:
    """:func:`regsim.errors.expect`, raising :class:`~regsim.sim.errors.InvalidParameter`."""
    errors.expect(name, value, kinds, what, error=InvalidParameter)

__all__ = ["as_random", "check_int", "check_positive", "check_fraction", "parse_bytes", "capacity_for"]


@keyword_only("seed")
def as_random(*, seed: "int | random.Random | None") -> random.Random:
    """A :class:`random.Random` for ``seed``, made by the core's :func:`regsim.data.generate.rng`.

    An int seeds a new one, a Random is used as is, ``None`` means 0 (deterministic by default).
    NumPy integers count as ints (a seed taken from an array or a DataFrame). A seed of another
    kind is an :class:`InvalidParameter` (the core's ``TypeError``), naming it.
    """
    if isinstance(seed, Integral) and not isinstance(seed, int):
        seed = int(seed)
    try:
        return rng(seed=seed)
    except TypeError as exc:
        raise InvalidParameter(str(exc)) from None


def derive_seed(rng: random.Random) -> int:
    """A 64-bit int drawn from ``rng`` (to seed numpy or a sub-generator deterministically)."""
    return rng.getrandbits(64)


def check_int(name: str, value: object, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidParameter(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise InvalidParameter(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def check_positive(name: str, value: object, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InvalidParameter(f"{name} must be a number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero) or value != value:
        bound = ">= 0" if allow_zero else "> 0"
        raise InvalidParameter(f"{name} must be {bound}, got {value!r}")
    return float(value)


def check_fraction(name: str, value: object, *, inclusive_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or value != value:
        raise InvalidParameter(f"{name} must be a number between 0 and 1, got {value!r}")
    number = cast(float, value)  # a Real compares like a float (typeshed's numbers.Real declares no operators)
    low_ok = number >= 0 if inclusive_zero else number > 0
    if not (low_ok and number <= 1):
        raise InvalidParameter(f"{name} must be in {'[0' if inclusive_zero else '(0'}, 1], got {value!r}")
    return float(value)


_BYTE_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "pb": 10**15,
               "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "pib": 2**50}
_BYTES = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]+)\s*")


def parse_bytes(name: str, text: object) -> int:
    """Bytes from a size with a unit: ``"64MB"`` (decimal, as docker prints), ``"1.5 GiB"``, ``"100B"``.

    >>> parse_bytes("capacity", "64MB"), parse_bytes("capacity", "1 KiB"), parse_bytes("capacity", "0.5kB")
    (64000000, 1024, 500)
    """
    match = _BYTES.fullmatch(text) if isinstance(text, str) else None
    unit = _BYTE_UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise InvalidParameter(f"{name} must be a size with a unit such as '64MB', '1.5GiB' or '100B', "
                               f"got {text!r}")
    return int(float(match.group(1)) * unit)


def capacity_for(size: "float | str", working_set_bytes: int, *, single: bool = False) -> int:
    """Bytes for one entry of ``fractions=``: a float in (0, 1] is a share of the working set, a
    string with a unit (``"64MB"``) is bytes. An int is refused, saying what to write instead:
    ``capacities=`` (sweep's parameter), or with ``single=True`` ``capacity=`` (that of
    :func:`run` and :func:`~regsim.sim.streaming.replay`).

    >>> capacity_for(0.1, 5_000), capacity_for("2kB", 5_000)
    (500, 2000)
    """
    if isinstance(size, str):
        return parse_bytes("cache size", size)
    if isinstance(size, bool) or not isinstance(size, Real):
        raise InvalidParameter(f"a cache size must be a fraction of the working set (a float in (0, 1]) "
                               f"or bytes with a unit such as '64MB', got {size!r}")
    capacities = "capacity=" if single else "capacities="
    if isinstance(size, Integral):
        as_bytes = (f"give bytes explicitly with capacity={int(size)}" if single else
                    f"give bytes explicitly with capacities=[{int(size)}]")
        if size == 1:  # the one int that is also a valid fraction
            raise InvalidParameter(f"cache size 1 is an int, which is ambiguous: write 1.0 for the whole working "
                                   f"set (fractions are floats in (0, 1]), or {as_bytes}")
        if size > 0:
            raise InvalidParameter(f"cache size {int(size)} is an int, which is ambiguous: {as_bytes} "
                                   f"(a share of the working set is a float in (0, 1], such as 0.1)")
        raise InvalidParameter(f"cache size {int(size)} is not a size: a share of the working set is a float "
                               f"in (0, 1], such as 0.1, and bytes are given as "
                               f"{'capacity=...' if single else 'capacities=[...]'} or '64MB'")
    if not 0 < size <= 1:
        raise InvalidParameter(f"a fractional cache size must be in (0, 1], got {size!r} (for bytes, use "
                               f"{capacities} or a string such as '64MB')")
    return int(size * working_set_bytes)
