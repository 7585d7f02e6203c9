"""Exercises as data, with checks that say what is wrong without giving the answer away.

An :class:`Exercise` has an id (``"1.2"``), a prompt, a ladder of hints, and either

* ``expected``: a function computing the right answer from a fresh model; the learner's answer
  is compared with it by :func:`what_differs`, which says what is wrong *without* the right
  answer: too high or too low (and by how much, roughly), a unit or type mismatch, which part of
  a reference differs, the first wrong item of a list; sets name an unexpected item and count
  the missing ones (never naming them, so the answer cannot be collected one item per try);
  mappings name a missing, extra or differing key; or
* ``checker``: a function ``answer -> str | None`` that returns what is wrong (None when right),
  for answers that are model objects (a registry, a host) rather than values.

Any number type counts as a number (``numbers.Real``, or an integer type with ``__index__``,
such as numpy's ``int64`` that ``df['size'].sum()`` gives), but not True or False. Numbers in an
``expected`` answer must match to ``rel_tol`` (1e-6 by default) or ``abs_tol``; an
exercise worked out by hand gives a looser one, e.g. ``rel_tol=0.005`` accepts an answer rounded to
two decimals.

A :class:`Workbook` counts the wrong tries of each exercise and climbs a hint ladder: the first
wrong try says what is wrong, the next ones add the exercise's hints one by one, and when they run
out it says an instructor can :meth:`Workbook.reveal` the answer. Notebooks call
``check("1.2", answer)``; the worked solutions live in the tests, where a test proves that every
solution passes its check and that no wrong answer's message contains the right one.

>>> book = Workbook("demo")
>>> _ = book.add("1.1", "How many bytes is the empty JSON object {}?", expected=lambda: 2,
...              hints=["count the characters", "a brace is one byte"])
>>> book.check("1.1", 2)
✔ 1.1 right: 2
>>> book.check("1.1", 3)
✘ 1.1 not yet: answer: 3 is too high
>>> book.check("1.1", 1)
✘ 1.1 not yet (try 2): answer: 1 is too low (hint: count the characters)
>>> book.check("1.1", "2 bytes")
✘ 1.1 not yet (try 3): answer: expected a number, got str '2 bytes' (hints: count the characters; a brace is one byte)
>>> book.reveal("1.1")
1.1 answer: 2
"""

from __future__ import annotations

import math
import numbers
import operator
import re
from dataclasses import dataclass, field
from html import escape
from typing import Any, Callable, Iterator, Mapping, Sequence
from .errors import InvalidArgument, UnknownExercise
from .units import plural

__all__ = ["Verdict", "Exercise", "Workbook", "Revealed", "what_differs", "as_number"]

_MAX_SHOWN = 60
_DIGEST = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")
#: per unit an exercise asks for, the factors that make a number look like the right one in another
#: unit of the same quantity: (factor, explanation). A hint names only the question's own unit: an
#: answer 1,000 times off in seconds is told about milliseconds, never about kB.
UNITS: dict[str, tuple[tuple[float, str], ...]] = {
    "bytes": ((1e3, "kB and bytes (1 kB = 1,000 bytes)"), (1e6, "MB and bytes"), (1e9, "GB and bytes"),
              (1024, "KiB and bytes (1 KiB = 1,024 bytes)"), (1024**2, "MiB and bytes"),
              (1024**3, "GiB and bytes"), (8, "bits and bytes (1 byte = 8 bits)")),
    "seconds": ((1e3, "milliseconds and seconds"), (60, "minutes and seconds"), (3600, "hours and seconds")),
    "ratio": ((100, "a percentage and a fraction"),),
}
#: every factor of every unit (what a test tries)
_UNIT_FACTORS = tuple(f for factors in UNITS.values() for f in factors)


def _show(value: Any, limit: int | None = _MAX_SHOWN) -> str:
    """repr of ``value`` (a set sorted), cut to ``limit`` characters (None: whole)."""
    if isinstance(value, (set, frozenset)):  # sorted, so the text is the same in every run
        text = "{" + ", ".join(sorted(map(repr, value))) + "}" if value else "set()"
    else:
        text = repr(value)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _is_bool(value: Any) -> bool:
    """True or False, also numpy's (``numpy.bool_`` is no ``bool`` subclass, but no number either)."""
    return isinstance(value, bool) or type(value).__name__ in ("bool_", "bool")


def as_number(value: Any) -> int | float | None:
    """``value`` as an int or float when it is a number of any type (never a bool), else None.

    Integers convert exactly (``operator.index``), other reals to float: numpy's and pandas'
    scalars are numbers without this module importing them.
    """
    if _is_bool(value) or isinstance(value, (str, bytes)):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, numbers.Integral) or hasattr(type(value), "__index__"):
        try:
            return operator.index(value)
        except TypeError:
            return None
    if isinstance(value, numbers.Real):
        return float(value)
    return None


def _kind(value: Any) -> str:
    if _is_bool(value):
        return "True or False"
    if as_number(value) is not None:
        return "a number"
    if isinstance(value, str):
        return "text (a str)"
    if isinstance(value, (set, frozenset)):
        return "a set"
    if isinstance(value, Mapping):
        return "a dict"
    if isinstance(value, Sequence):
        return "a list"
    return f"a {type(value).__name__}"


def _got(actual: Any) -> str:
    return f"got {type(actual).__name__} {_show(actual)}"


def _numbers(expected: float, actual: float, where: str, unit: str | None = None) -> str:
    if expected and actual and (expected > 0) == (actual > 0):  # a unit slip first: 322526.161 kB
        ratio = actual / expected
        for factor, units in UNITS.get(unit or "", ()):
            for f, way in ((factor, "high"), (1 / factor, "low")):
                if math.isclose(ratio, f, rel_tol=0.02):
                    return (f"{where}: {actual!r} is about {factor:,.0f} times too {way}: "
                            f"check the unit ({units})")
    if isinstance(expected, int) and isinstance(actual, float) and not actual.is_integer():
        return f"{where}: expected a whole number, got {actual!r}"
    if expected and (expected > 0) != (actual > 0) and actual:
        return f"{where}: {actual!r} has the wrong sign"
    way = "high" if actual > expected else "low"
    if expected:
        ratio = abs(actual / expected)
        if 0.9 <= ratio <= 1.1:
            return f"{where}: {actual!r} is a little too {way} (within 10%)"
        if ratio >= 10 or ratio <= 0.1:
            return f"{where}: {actual!r} is far too {way} (off by more than a factor of 10)"
    return f"{where}: {actual!r} is too {way}"


def _reference_parts(text: str) -> dict[str, str] | None:
    """domain, repository, tag and digest of a reference-like text (no normalisation)."""
    name, at, digest = text.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    first, sep, rest = name.partition("/")
    domain = first if sep and ("." in first or ":" in first or first == "localhost") else ""
    repository = rest if domain else name
    if not repository:
        return None
    return {"domain": domain, "repository": repository, "tag": tag, "digest": digest if at else ""}


def _texts(expected: str, actual: str, where: str) -> str:
    if actual.strip() == expected:
        return f"{where}: remove the spaces or newlines around it"
    if actual.lower() == expected.lower():
        return f"{where}: right letters, wrong upper/lower case"
    if _DIGEST.match(expected):
        if _DIGEST.match(actual):
            if actual.split(":")[0] != expected.split(":")[0]:
                return f"{where}: a digest, but with another algorithm ({actual.split(':')[0]})"
            return f"{where}: a well-formed digest, but of other bytes"
        return f"{where}: expected a digest ('algorithm:hex'), got {_show(actual)}"
    if any(c in expected for c in "/@") :
        want, got = _reference_parts(expected), _reference_parts(actual)
        if want and got and want["digest"] and not got["digest"] and got["tag"]:
            return f"{where}: {_show(actual)} names a tag, which can move: this answer needs a digest ('@…')"
        if want and got:
            names = {"domain": "the domain", "repository": "the repository", "tag": "the tag", "digest": "the digest"}
            for part in ("domain", "repository", "tag", "digest"):
                if want[part] == got[part]:
                    continue
                if not got[part]:
                    return f"{where}: {_show(actual)} lacks {names[part]}"
                if not want[part]:
                    extra = f" (a tag where a digest belongs)" if part == "tag" and want["digest"] else ""
                    return f"{where}: {_show(actual)} should have no {part}{extra}"
                right = [names[p] for p in ("domain", "repository", "tag", "digest")
                         if p != part and want[p] and want[p] == got[p]]
                return (f"{where}: {names[part]} of {_show(actual)} differs"
                        + (f" ({' and '.join(right)} {'is' if len(right) == 1 else 'are'} right)" if right else ""))
    return f"{where}: {_show(actual)} is not right"


def what_differs(expected: Any, actual: Any, where: str = "answer", *, rel_tol: float = 1e-6,
                 abs_tol: float | None = None, item: str = "item",
                 unit: str | Mapping[str, str] | None = None) -> str | None:
    """None when ``actual`` equals ``expected``; else what is wrong, without the right answer.

    Numbers compare with a relative (and absolute) tolerance and are told too high or too low,
    roughly how far, or a unit mismatch; text is told a case, whitespace, digest or reference
    part difference; sets name an unexpected item and count the missing ones as ``item`` s
    ("1 platform is missing", never which), mappings name a missing, extra or differing key;
    sequences the first wrong item, or that order matters when the items are right. A type mismatch
    names the kind expected. ``unit`` ("bytes", "seconds", "ratio"; for a dict answer, per key) is
    what a number answer counts: a number off by a factor of that unit's family is told to check
    the unit, and only that unit is named.
    """
    tol = rel_tol if abs_tol is None else abs_tol
    if as_number(expected) is not None:
        expected = as_number(expected)
    if as_number(actual) is not None:
        actual = as_number(actual)
    if _is_bool(expected) or _is_bool(actual):
        if expected is actual or (type(expected) is type(actual) and expected == actual):
            return None
        if _is_bool(expected) and _is_bool(actual):
            return f"{where}: {actual!r} is not right"
        return f"{where}: expected {_kind(expected)}, {_got(actual)}"
    if isinstance(expected, (int, float)):
        if not isinstance(actual, (int, float)):
            return f"{where}: expected {_kind(expected)}, {_got(actual)}"
        if math.isclose(expected, actual, rel_tol=rel_tol, abs_tol=tol):
            return None
        return _numbers(expected, actual, where, unit if isinstance(unit, str) else None)
    if isinstance(expected, (set, frozenset)):
        if not isinstance(actual, (set, frozenset, list, tuple)):
            return f"{where}: expected a set, {_got(actual)}"
        got = set(actual)
        # an unexpected item is the learner's own: name it; a missing one would be the answer,
        # one item per try: only count it
        missing, extra = len(expected - got), sorted(map(repr, got - expected))
        if missing and missing == len(expected):
            text = (f"the 1 right {item} is not there" if missing == 1 else
                    f"none of the {plural(missing, 'right ' + item)} is there")
            return f"{where}: {text}" + (f"; {extra[0]} is not one of them" if extra else "")
        lacking = f"{plural(missing, item)} {'is' if missing == 1 else 'are'} missing" if missing else ""
        if extra:
            return (f"{where}: unexpected {extra[0]}" + (f" (and {len(extra) - 1} more)" if len(extra) > 1 else "")
                    + (f"; and {lacking}" if lacking else ""))
        return f"{where}: {lacking}" if lacking else None
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return f"{where}: expected a dict, {_got(actual)}"
        for key in expected:  # in the order the exercise lists them (the question's order)
            if key not in actual:
                return f"{where}: missing key {_show(key)}"
            diff = what_differs(expected[key], actual[key], f"{where}[{key!r}]", rel_tol=rel_tol, abs_tol=abs_tol,
                                item=item, unit=unit.get(key) if isinstance(unit, Mapping) else unit)
            if diff:
                return diff
        extra = sorted((k for k in actual if k not in expected), key=repr)
        return f"{where}: unexpected key {_show(extra[0])}" if extra else None
    if isinstance(expected, Sequence) and not isinstance(expected, (str, bytes)):
        if not isinstance(actual, Sequence) or isinstance(actual, (str, bytes)):
            if isinstance(actual, (set, frozenset)):
                return f"{where}: a set has no order, and order matters here: answer a list"
            return f"{where}: expected a list, {_got(actual)}"
        same_items = len(expected) == len(actual) and sorted(map(repr, expected)) == sorted(map(repr, actual))
        for i, (e, a) in enumerate(zip(expected, actual)):
            if same_items and e != a:
                return f"{where}[{i}]: {_show(a)} is out of place: the items are right, but order matters"
            diff = what_differs(e, a, f"{where}[{i}]", rel_tol=rel_tol, abs_tol=abs_tol, item=item)
            if diff:
                return diff
        if len(expected) != len(actual):
            return f"{where}: expected {len(expected)} items, got {len(actual)}"
        return None
    if expected == actual and (type(expected) is type(actual) or
                               (isinstance(expected, str) and isinstance(actual, str))):
        return None
    if isinstance(expected, str) and isinstance(actual, str):
        return _texts(str(expected), str(actual), where)
    if expected == actual:  # equal values of compatible types (a Digest and its str)
        return None
    if isinstance(expected, str):
        return f"{where}: expected {_kind(expected)}, {_got(actual)}"
    return f"{where}: {_show(actual)} is not right" if type(expected) is type(actual) else \
        f"{where}: expected {_kind(expected)}, {_got(actual)}"


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: ``ok`` and a sentence. Truthy when right."""

    exercise: str
    ok: bool
    message: str
    #: how many wrong tries this one is (0 when right, or when nothing was tried yet)
    tries: int = 0

    def __bool__(self) -> bool:
        return self.ok

    def _state(self) -> str:
        if self.ok:
            return "right"
        return f"not yet (try {self.tries})" if self.tries > 1 else "not yet"

    def __repr__(self) -> str:
        return f"{'✔' if self.ok else '✘'} {self.exercise} {self._state()}: {self.message}"

    def _repr_html_(self) -> str:
        border = "#009E73" if self.ok else "#D55E00"
        return (f'<div style="border-left:4px solid {border};padding:2px 8px;font-family:sans-serif">'
                f"<b>{'✔' if self.ok else '✘'} {escape(self._state())}</b> ({escape(self.exercise)}): "
                f"{escape(self.message)}</div>")


@dataclass(frozen=True)
class Revealed:
    """The right answer of an exercise, for instructors (:meth:`Workbook.reveal`)."""

    exercise: str
    #: the right answer, or None for an exercise checked on the learner's own model objects
    answer: Any
    note: str = ""

    def __repr__(self) -> str:  # the whole answer: an instructor shows it, nothing is cut
        if self.answer is None:
            return f"{self.exercise}: {self.note}"
        return f"{self.exercise} answer: {_show(self.answer, None)}" + (f" ({self.note})" if self.note else "")

    def _repr_html_(self) -> str:
        if self.answer is None:
            return f'<div style="font-family:sans-serif"><b>{escape(self.exercise)}</b>: {escape(self.note)}</div>'
        return (f'<div style="font-family:sans-serif"><b>{escape(self.exercise)} answer</b>: '
                f"<code>{escape(_show(self.answer, None))}</code>"
                + (f" ({escape(self.note)})" if self.note else "") + "</div>")


@dataclass(frozen=True)
class Exercise:
    """One exercise: a prompt, a hint ladder, and how to tell a right answer."""

    id: str
    prompt: str
    expected: Callable[[], Any] | None = field(default=None, repr=False)
    checker: Callable[[Any], str | None] | None = field(default=None, repr=False)
    #: hints, given one more per wrong try (the first also with an unanswered ``...``)
    hints: tuple[str, ...] = ()
    normalize: Callable[[Any], Any] | None = field(default=None, repr=False)
    #: how close a number must be to the expected one (relative; also absolute unless abs_tol)
    rel_tol: float = 1e-6
    abs_tol: float | None = None
    #: for a ``checker`` exercise whose answer is still a value: computes it, for :meth:`reveal`
    answer: Callable[[], Any] | None = field(default=None, repr=False)
    #: what one item of a set answer is ("platform"): a wrong answer is told how many are missing
    item: str = "item"
    #: what a number answer counts ("bytes", "seconds", "ratio"; a dict of them for a dict answer):
    #: only that unit is named in a hint
    unit: str | Mapping[str, str] | None = None
    #: where a ``checker`` exercise's worked solution is: "tests/<file>.py::<name>"
    solution: str = ""
    #: the test that runs that solution through the check
    solution_test: str = ""
    #: the module to import ``reveal`` from, named by the last rung of the hint ladder
    module: str = ""

    def __post_init__(self) -> None:
        if (self.expected is None) == (self.checker is None):
            raise InvalidArgument(f"exercise {self.id}: give exactly one of expected= or checker=")
        for name in ("rel_tol", "abs_tol"):
            tol = getattr(self, name)
            if tol is None and name == "abs_tol":
                continue
            if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1:
                raise InvalidArgument(f"exercise {self.id}: {name} must be a number in [0, 1), got {tol!r}")
        if isinstance(self.hints, str):
            object.__setattr__(self, "hints", (self.hints,))
        object.__setattr__(self, "hints", tuple(h for h in self.hints if h))

    def right_answer(self) -> Any:
        """The expected answer, computed once (it comes from a fresh, deterministic model)."""
        if "_right" not in self.__dict__:
            compute = self.expected if self.expected is not None else self.answer
            object.__setattr__(self, "_right", None if compute is None else compute())
        return self.__dict__["_right"]

    @property
    def hint(self) -> str:
        """The first hint ('' when there is none)."""
        return self.hints[0] if self.hints else ""

    def difference(self, answer: Any) -> str | None:
        """None when ``answer`` is right, else what is wrong (never the right answer)."""
        if self.expected is not None and isinstance(answer, (set, frozenset)) and \
                isinstance(self.right_answer(), (list, tuple)):  # before normalize=list forgets it was a set
            return "answer: a set has no order, and order matters here: answer a list"
        try:
            value = self.normalize(answer) if self.normalize else answer
        except Exception as exc:  # a malformed answer is a wrong answer, explained
            return f"could not read the answer: {exc}"
        if self.checker is not None:
            return self.checker(value)
        return what_differs(self.right_answer(), value, rel_tol=self.rel_tol, abs_tol=self.abs_tol, item=self.item,
                            unit=self.unit)

    def check(self, answer: Any, tries: int = 1) -> Verdict:
        """The verdict on ``answer``, as the ``tries``-th wrong try if it is wrong."""
        if answer is Ellipsis:
            return Verdict(self.id, False, "replace the ... with your answer" + (f" (hint: {self.hint})" if self.hint else ""))
        problem = self.difference(answer)
        if problem is None:
            number = as_number(answer)  # np.int64(5) is shown as the 5 it is
            return Verdict(self.id, True, "well done" if self.checker is not None else
                           _show(answer if number is None else number))
        return Verdict(self.id, False, problem + self._ladder(tries), tries)

    def _ladder(self, tries: int) -> str:
        given = self.hints[: max(tries - 1, 0)]
        text = ""
        if given:
            text = f" (hint{'s' if len(given) > 1 else ''}: {'; '.join(given)})"
        if tries > len(self.hints) + 1 and tries >= 3:
            how = f"from {self.module} import reveal; reveal({self.id!r})" if self.module else f"reveal({self.id!r})"
            text += f"; still stuck? an instructor can show the answer with {how}"
        return text

    def reveal(self) -> Revealed:
        """The right answer (for instructors; learners get :meth:`check`)."""
        if self.expected is not None or self.answer is not None:
            return Revealed(self.id, self.right_answer())
        where = (f"a worked solution is {self.solution}" + (f" (run by {self.solution_test})" if self.solution_test else "")
                 if self.solution else "a worked solution is in the project's tests")
        return Revealed(self.id, None, f"checked on the learner's own objects; {where}")


class Workbook:
    """The exercises of a course or lab, by id; counts each exercise's wrong tries."""

    def __init__(self, title: str, module: str = "") -> None:
        self.title = title
        #: the module a learner imports ``check`` and ``reveal`` from (the hint ladder names it)
        self.module = module
        self._exercises: dict[str, Exercise] = {}
        self._tries: dict[str, int] = {}

    def add(self, id: str, prompt: str, *, expected: Callable[[], Any] | None = None,
            checker: Callable[[Any], str | None] | None = None, hint: str = "", hints: Sequence[str] = (),
            normalize: Callable[[Any], Any] | None = None, rel_tol: float = 1e-6,
            abs_tol: float | None = None, answer: Callable[[], Any] | None = None, item: str = "item",
            unit: str | Mapping[str, str] | None = None, solution: str = "", solution_test: str = "") -> Exercise:
        """Add an :class:`Exercise` with id ``id`` and return it; the keywords are its fields.

        Give exactly one of ``expected`` (computes the right answer) or ``checker`` (answer -> what
        is wrong, or None). ``hint`` and ``hints`` make the hint ladder; ``unit`` is one of
        :data:`UNITS` (``"bytes"``, ``"seconds"``, ``"ratio"``), or a dict of them for a dict answer.
        A duplicate id or an unknown unit raises :class:`~regsim.errors.InvalidArgument`.

        >>> book = Workbook("demo")
        >>> book.add("1.1", "How many layers?", expected=lambda: 3).id
        '1.1'
        """
        if id in self._exercises:
            raise InvalidArgument(f"exercise {id!r} already exists in {self.title}")
        ladder = ((hint,) if hint else ()) + tuple(hints)
        units = unit.values() if isinstance(unit, Mapping) else [unit]
        if any(u is not None and u not in UNITS for u in units):
            raise InvalidArgument(f"exercise {id}: unit must be one of {', '.join(UNITS)}, got {unit!r}")
        exercise = Exercise(id, prompt, expected, checker, ladder, normalize, rel_tol, abs_tol, answer, item,
                            unit, solution, solution_test, self.module)
        self._exercises[id] = exercise
        return exercise

    def __getitem__(self, id: str) -> Exercise:
        try:
            return self._exercises[id]
        except KeyError:
            raise UnknownExercise(f"no exercise {id!r} in {self.title} (there are: {', '.join(self._exercises)})") from None

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self._exercises.values())

    def __len__(self) -> int:
        return len(self._exercises)

    def ids(self, prefix: str = "") -> list[str]:
        """The exercise ids that start with ``prefix`` (all of them by default), in the order added.

        >>> book = Workbook("demo")
        >>> for i in ("1.1", "1.2", "2.1"):
        ...     _ = book.add(i, "?", expected=lambda: 0)
        >>> book.ids(), book.ids("1.")
        (['1.1', '1.2', '2.1'], ['1.1', '1.2'])
        """
        return [i for i in self._exercises if i.startswith(prefix)]

    def check(self, id: str, answer: Any) -> Verdict:
        """Check ``answer`` to exercise ``id`` (an unknown id is a verdict too, not a traceback).

        A wrong answer counts as a try; each further try adds the next hint of the ladder.
        """
        if id not in self._exercises:
            return Verdict(str(id), False, f"there is no exercise {id!r} in {self.title}; "
                                           f"the exercises are {', '.join(self._exercises)}")
        exercise = self._exercises[id]
        if answer is Ellipsis:
            return exercise.check(answer)
        verdict = exercise.check(answer, self._tries.get(id, 0) + 1)
        if not verdict.ok:
            self._tries[id] = verdict.tries
        return verdict

    def tries(self, id: str) -> int:
        """How many wrong answers exercise ``id`` has had."""
        return self._tries.get(self[id].id, 0)

    def reset(self, id: str | None = None) -> None:
        """Forget the wrong tries (of one exercise, or of all): the hint ladder starts again."""
        if id is None:
            self._tries.clear()
        else:
            self._tries.pop(self[id].id, None)

    def reveal(self, id: str) -> Revealed:
        """The right answer of exercise ``id``, for instructors."""
        return self[id].reveal()

    def prompt(self, id: str) -> str:
        """``"Exercise <id>: <prompt>"``, the line a notebook shows above an exercise.

        Raises :class:`~regsim.errors.UnknownExercise` for an id the workbook does not have.
        """
        ex = self[id]
        return f"Exercise {ex.id}: {ex.prompt}"

    def __repr__(self) -> str:
        return f"Workbook({self.title!r}, {len(self)} exercises)"

