"""The notebook course's exercises: ``check("1.2", answer)`` in a lesson says right, or what is wrong.

Each lesson module registers its exercises in :data:`WORKBOOK`; expected answers are computed
from a fresh :meth:`regsim.World.standard` world, so they always match the model. The solutions
are in ``tests/course/``, where a test proves each one passes its check. A wrong answer is told
what is wrong (too high, which part differs, ...) but never the right answer; further tries climb
a hint ladder. Instructors see an answer with ``reveal("1.2")``.

>>> check("1.4", "localhost:5000")
✔ 1.4 right: 'localhost:5000'
"""

from __future__ import annotations

from typing import Any

from ..exercises import Revealed, Verdict, Workbook
from ._world import fresh_world
from .workbook import WORKBOOK

from . import lesson1, lesson2, lesson3, lesson4, lesson5, lesson6, lesson7, lesson8, lesson11  # noqa: F401,E402  (each registers its exercises)

__all__ = ["WORKBOOK", "check", "exercise", "exercises", "fresh_world", "reveal"]


def check(exercise_id: str, answer: Any) -> Verdict:
    """Check your answer to exercise ``exercise_id`` (e.g. ``"1.2"``)."""
    return WORKBOOK.check(exercise_id, answer)


def exercise(exercise_id: str) -> str:
    """The prompt of an exercise."""
    return WORKBOOK.prompt(exercise_id)


def exercises(lesson: int | str | None = None) -> list[str]:
    """Exercise ids, all or of one lesson."""
    return WORKBOOK.ids("" if lesson is None else f"{lesson}.")


def reveal(exercise_id: str) -> Revealed:
    """The right answer of an exercise, for instructors (learners: ``check`` says what is wrong)."""
    return WORKBOOK.reveal(exercise_id)
