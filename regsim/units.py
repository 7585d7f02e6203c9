"""Sizes as docker prints them (decimal units, three significant digits)."""

from __future__ import annotations

__all__ = ["human_size", "plural"]

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


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``count`` and ``noun``, the noun in the plural unless ``count`` is 1 (the one helper every
    message and picture uses). The last word of ``noun`` takes the ending: ``repository`` ->
    ``repositories``, ``new layer`` -> ``new layers``, ``index`` -> ``indexes``; give
    ``plural_form`` for anything irregular.

    >>> plural(1, "repository"), plural(2, "repository"), plural(0, "new layer"), plural(3, "index")
    ('1 repository', '2 repositories', '0 new layers', '3 indexes')
    >>> plural(1, "child", "children"), plural(2, "child", "children")
    ('1 child', '2 children')
    """
    if count == 1:
        return f"{count} {noun}"
    if plural_form is not None:
        return f"{count} {plural_form}"
    head, _, last = noun.rpartition(" ")
    if last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    else:
        last += "s"
    return f"{count} {head + ' ' if head else ''}{last}"
