"""Exercises as data, with checks that say what is right or name the first difference.

An :class:`Exercise` has an id (``"1.2"``), a prompt, a hint, and either

* ``expected``: a function computing the right answer from a fresh model; the learner's answer
  is compared with it by :func:`first_difference`, which names the first place they differ
  (``answer[2]: expected 'sha256:3f4a…', got 'sha256:9b1c…'``); or
* ``checker``: a function ``answer -> str | None`` that returns what is wrong (None when right),
  for answers that are model objects (a registry, a host) rather than values.

Numbers in an ``expected`` answer must match to ``rel_tol`` (1e-6 by default, see
:func:`first_difference`); an exercise worked out by hand gives a looser one, e.g. ``rel_tol=0.005``
accepts an answer rounded to two decimals.

Lessons register their exercises in a :class:`Workbook`; notebooks call ``check("1.2", answer)``.
The solutions live in the tests, and a test proves that every solution passes its check.

>>> book = Workbook("demo")
>>> _ = book.add("1.1", "How many bytes is the empty JSON object {}?", expected=lambda: 2)
>>> book.check("1.1", 2)
✔ 1.1 right: 2
>>> book.check("1.1", 3)
✘ 1.1 not yet: answer: expected 2, got 3
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import Any, Callable, Iterable, Mapping, Sequence

__all__ = ["Verdict", "Exercise", "Workbook", "first_difference"]

_MAX_SHOWN = 60


def _show(value: Any) -> str:
    if isinstance(value, (set, frozenset)):  # sorted, so the text is the same in every run
        text = "{" + ", ".join(sorted(map(repr, value))) + "}" if value else "set()"
    else:
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def first_difference(expected: Any, actual: Any, where: str = "answer", *, rel_tol: float = 1e-6) -> str | None:
    """None when ``actual`` equals ``expected``; else a sentence naming the first difference.

    Numbers compare with a relative tolerance; sets by their missing and extra items; mappings
    by missing, extra and differing keys (in sorted order); sequences item by item.
    """
    if isinstance(expected, bool) or isinstance(actual, bool):
        if expected is actual or (type(expected) is type(actual) and expected == actual):
            return None
        return f"{where}: expected {_show(expected)}, got {_show(actual)}"
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if math.isclose(expected, actual, rel_tol=rel_tol, abs_tol=rel_tol):
            return None
        return f"{where}: expected {_show(expected)}, got {_show(actual)}"
    if isinstance(expected, (set, frozenset)):
        if not isinstance(actual, (set, frozenset, list, tuple)):
            return f"{where}: expected a set like {_show(expected)}, got {type(actual).__name__} {_show(actual)}"
        got = set(actual)
        missing, extra = sorted(map(repr, expected - got)), sorted(map(repr, got - expected))
        if missing:
            return f"{where}: missing {missing[0]}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
        if extra:
            return f"{where}: unexpected {extra[0]}" + (f" (and {len(extra) - 1} more)" if len(extra) > 1 else "")
        return None
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return f"{where}: expected a mapping, got {type(actual).__name__} {_show(actual)}"
        for key in sorted(expected, key=repr):
            if key not in actual:
                return f"{where}: missing key {_show(key)}"
            diff = first_difference(expected[key], actual[key], f"{where}[{key!r}]", rel_tol=rel_tol)
            if diff:
                return diff
        extra = sorted((k for k in actual if k not in expected), key=repr)
        return f"{where}: unexpected key {_show(extra[0])}" if extra else None
    if isinstance(expected, Sequence) and not isinstance(expected, (str, bytes)):
        if not isinstance(actual, Sequence) or isinstance(actual, (str, bytes)):
            return f"{where}: expected a list like {_show(list(expected))}, got {type(actual).__name__} {_show(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            diff = first_difference(e, a, f"{where}[{i}]", rel_tol=rel_tol)
            if diff:
                return diff
        if len(expected) != len(actual):
            return f"{where}: expected {len(expected)} items, got {len(actual)}"
        return None
    if expected == actual and (type(expected) is type(actual) or
                               (isinstance(expected, str) and isinstance(actual, str))):
        return None
    if isinstance(expected, str) and isinstance(actual, str):
        return f"{where}: expected {_show(expected)}, got {_show(actual)}"
    if expected == actual:  # equal values of compatible types (a Digest and its str)
        return None
    return f"{where}: expected {_show(expected)}, got {type(actual).__name__} {_show(actual)}"


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: ``ok`` and a sentence. Truthy when right."""

    exercise: str
    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        mark = "✔" if self.ok else "✘"
        state = "right" if self.ok else "not yet"
        return f"{mark} {self.exercise} {state}: {self.message}"

    def _repr_html_(self) -> str:
        border = "#009E73" if self.ok else "#D55E00"
        return (f'<div style="border-left:4px solid {border};padding:2px 8px;font-family:sans-serif">'
                f"<b>{'✔ right' if self.ok else '✘ not yet'}</b> ({escape(self.exercise)}): "
                f"{escape(self.message)}</div>")


@dataclass(frozen=True)
class Exercise:
    """One exercise: a prompt, and how to tell a right answer."""

    id: str
    prompt: str
    expected: Callable[[], Any] | None = field(default=None, repr=False)
    checker: Callable[[Any], str | None] | None = field(default=None, repr=False)
    hint: str = ""
    normalize: Callable[[Any], Any] | None = field(default=None, repr=False)
    #: how close a number must be to the expected one (relative, and absolute near zero)
    rel_tol: float = 1e-6

    def __post_init__(self) -> None:
        if (self.expected is None) == (self.checker is None):
            raise ValueError(f"exercise {self.id}: give exactly one of expected= or checker=")
        if isinstance(self.rel_tol, bool) or not isinstance(self.rel_tol, (int, float)) or not 0 <= self.rel_tol < 1:
            raise ValueError(f"exercise {self.id}: rel_tol must be a number in [0, 1), got {self.rel_tol!r}")

    def check(self, answer: Any) -> Verdict:
        if answer is Ellipsis:
            return Verdict(self.id, False, "replace the ... with your answer" + (f" (hint: {self.hint})" if self.hint else ""))
        try:
            value = self.normalize(answer) if self.normalize else answer
        except Exception as exc:  # a malformed answer is a wrong answer, explained
            return Verdict(self.id, False, f"could not read the answer: {exc}")
        if self.checker is not None:
            problem = self.checker(value)
            return Verdict(self.id, problem is None, problem or "well done")
        expected = self.expected()  # type: ignore[misc]
        diff = first_difference(expected, value, rel_tol=self.rel_tol)
        if diff is None:
            return Verdict(self.id, True, _show(value))
        return Verdict(self.id, False, diff + (f" (hint: {self.hint})" if self.hint else ""))


class Workbook:
    """The exercises of a course or lab, by id."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._exercises: dict[str, Exercise] = {}

    def add(self, id: str, prompt: str, *, expected: Callable[[], Any] | None = None,
            checker: Callable[[Any], str | None] | None = None, hint: str = "",
            normalize: Callable[[Any], Any] | None = None, rel_tol: float = 1e-6) -> Exercise:
        if id in self._exercises:
            raise ValueError(f"exercise {id!r} already exists in {self.title}")
        exercise = Exercise(id, prompt, expected, checker, hint, normalize, rel_tol)
        self._exercises[id] = exercise
        return exercise

    def __getitem__(self, id: str) -> Exercise:
        try:
            return self._exercises[id]
        except KeyError:
            raise KeyError(f"no exercise {id!r} in {self.title} (there are: {', '.join(self._exercises)})") from None

    def __iter__(self):
        return iter(self._exercises.values())

    def __len__(self) -> int:
        return len(self._exercises)

    def ids(self, prefix: str = "") -> list[str]:
        return [i for i in self._exercises if i.startswith(prefix)]

    def check(self, id: str, answer: Any) -> Verdict:
        """Check ``answer`` to exercise ``id`` (an unknown id is a verdict too, not a traceback)."""
        if id not in self._exercises:
            return Verdict(str(id), False, f"there is no exercise {id!r} in {self.title}; "
                                           f"the exercises are {', '.join(self._exercises)}")
        return self[id].check(answer)

    def prompt(self, id: str) -> str:
        ex = self[id]
        return f"Exercise {ex.id}: {ex.prompt}"

    def __repr__(self) -> str:
        return f"Workbook({self.title!r}, {len(self)} exercises)"


def sorted_list(value: Iterable[Any]) -> list[Any]:
    """A normaliser for answers whose order does not matter."""
    return sorted(value)
