"""Sizes as docker prints them (decimal units, three significant digits)."""

from __future__ import annotations

__all__ = ["human_size"]

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB")


def human_size(size: float, precision: int = 3) -> str:
    """``human_size(141_000_000) == '141MB'``, like ``docker images`` (go-units ``HumanSize``).

    >>> human_size(2479), human_size(5_593_000), human_size(999)
    ('2.48kB', '5.59MB', '999B')
    """
    value = float(size)
    i = 0
    while True:
        while abs(value) >= 1000 and i < len(_UNITS) - 1:
            value /= 1000
            i += 1
        text = f"{value:.{precision}g}"
        if "e" in text and i < len(_UNITS) - 1:  # 999.7 rounds to "1e+03": move up a unit
            value /= 1000
            i += 1
            continue
        return f"{text}{_UNITS[i]}"
