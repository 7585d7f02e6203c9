"""The checker teaches (issue 19, findings 2 and 6): no message of any exercise gives away the answer
of any exercise; a unit hint names only the question's own unit; a list says order matters; the hint
ladder names what to import; ``reveal`` names the file and test of a worked solution."""

from __future__ import annotations

import ast
import importlib.util
import itertools
import re
from pathlib import Path
from typing import Any, Mapping

import pytest

from regsim.course import WORKBOOK, lesson5
from regsim.exercises import Workbook, _UNIT_FACTORS
from regsim.sim.exercises import LAB

_spec = importlib.util.spec_from_file_location("_no_giveaway", Path(__file__).with_name("test_no_giveaway.py"))
_giveaway = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_giveaway)
contains, renderings, wrong_answers = _giveaway.contains, _giveaway.renderings, _giveaway.wrong_answers

ROOT = Path(__file__).resolve().parents[2]
BOOKS: list[Workbook] = [WORKBOOK, LAB]
ALL = [(book, ex) for book in BOOKS for ex in book]
ANSWERS = {ex.id: ex.reveal().answer for _, ex in ALL}


def distinctive(value: Any) -> set[str]:
    """Renderings of an answer that would give it away in another exercise's message: numbers from
    100 up and texts of 8 characters or more (a 2 or a 'v2' shows up in many honest sentences)."""
    if value is None or isinstance(value, bool):
        return set()
    if isinstance(value, (int, float)):
        return renderings(value) if abs(value) >= 100 else set()
    if isinstance(value, str):
        return {r for r in renderings(value) if len(r) >= 8}
    if isinstance(value, Mapping):
        return set().union(*(distinctive(v) for v in value.values()))
    if isinstance(value, (set, frozenset, list, tuple)):
        return set().union(*(distinctive(v) for v in value)) if value else set()
    return set()


def tries_for(exercise) -> list[Any]:
    """Wrong answers a learner may give: the plausible ones, and every other exercise's answer."""
    own = ANSWERS[exercise.id]
    out: list[Any] = wrong_answers(own) if own is not None else [0, "wrong", None]
    out += [a for i, a in ANSWERS.items() if i != exercise.id and a is not None]
    if exercise.id == "5.4":  # pairs of the lesson's images: those that share layers are told so
        out += list(itertools.combinations(lesson5.PULLS + ["alpine:3.17", "buildpack-deps:bullseye"], 2))
    return out


def typed_renderings(answer: Any) -> set[str]:
    """What the learner typed, and every key, value and item in it: a message may quote those."""
    out = renderings(answer) if not isinstance(answer, (Mapping, set, frozenset, list, tuple)) else set()
    if isinstance(answer, Mapping):
        for key, value in answer.items():
            out |= typed_renderings(key) | typed_renderings(value)
    elif isinstance(answer, (set, frozenset, list, tuple)):
        for item in answer:
            out |= typed_renderings(item)
    return out


@pytest.mark.parametrize("book, exercise", ALL, ids=[e.id for _, e in ALL])
def test_no_message_of_any_exercise_contains_the_answer_of_any_exercise(book, exercise):
    for answer in tries_for(exercise):
        try:
            if exercise.difference(answer) is None:
                continue
        except Exception:  # a checker that cannot read an answer at all is another test's business
            continue
        typed = typed_renderings(answer)
        own_text = exercise.prompt + " ".join(exercise.hints)  # the exercise's own words are no leak
        for tries in (1, 4):
            message = exercise.check(answer, tries).message
            for other, value in ANSWERS.items():
                shown = [r for r in distinctive(value) - typed if contains(message, r)
                         and not any(r in t for t in typed) and r not in own_text]
                assert not shown, f"{exercise.id}: {answer!r} → {message!r} shows {other}'s answer {shown}"


def test_5_4_does_not_tell_the_bytes_python_and_node_share():
    message = WORKBOOK["5.4"].difference(("python:3.11", "node:18"))
    assert message and "share" in message and str(ANSWERS["5.1"]) not in message


UNIT_WORDS = {"bytes": ("byte", "kB", "MB", "GB", "KiB", "MiB", "GiB", "bits"),
              "seconds": ("second", "millisecond", "minute", "hour"),
              "ratio": ("percentage", "fraction")}


@pytest.mark.parametrize("book, exercise", ALL, ids=[e.id for _, e in ALL])
def test_a_unit_hint_names_only_the_questions_own_unit(book, exercise):
    answer = ANSWERS[exercise.id]
    numbers = {None: answer} if isinstance(answer, (int, float)) and not isinstance(answer, bool) else \
        {k: v for k, v in answer.items() if isinstance(v, (int, float))} if isinstance(answer, Mapping) else {}
    for key, right in numbers.items():
        if not right:
            continue
        unit = exercise.unit.get(key) if isinstance(exercise.unit, Mapping) else exercise.unit
        allowed = UNIT_WORDS.get(unit, ())
        for factor, _ in _UNIT_FACTORS:
            for wrong in (right * factor, right / factor):
                given = wrong if key is None else {**answer, key: wrong}
                message = exercise.difference(given)
                if message is None or "check the unit" not in message:
                    continue
                hint = message.split("check the unit", 1)[1]
                named = {w for words in UNIT_WORDS.values() for w in words if w in hint}
                assert named and named <= set(allowed), f"{exercise.id} ({unit}): {wrong!r} → {message!r}"


def test_mirrors_2_asks_for_seconds_and_says_so():
    message = LAB["mirrors.2"].difference(0.4)
    assert "kB" not in message and "bytes" not in message
    assert "milliseconds and seconds" in message


def test_byte_questions_still_hint_at_kb():
    assert "check the unit (kB and bytes" in WORKBOOK["5.1"].difference(ANSWERS["5.1"] / 1000)


def test_a_set_for_a_ranking_is_told_order_matters():
    right = ANSWERS["dedup.3"]
    assert "order matters" in LAB["dedup.3"].difference(set(right))
    swapped = [right[0], right[2], right[1], *right[3:]]
    message = LAB["dedup.3"].difference(swapped)
    assert "order matters" in message and "is not right" not in message
    assert "order matters" not in LAB["dedup.3"].difference([*right[:-1], "zzz"])


def test_the_hint_ladder_names_what_to_import():
    for book, module, exercise_id in ((WORKBOOK, "regsim.course", "1.1"), (LAB, "regsim.sim.exercises", "mirrors.2")):
        ex = book[exercise_id]
        message = ex.check(-12345, len(ex.hints) + 3).message
        assert f"from {module} import reveal; reveal({exercise_id!r})" in message, message


CHECKER_EXERCISES = [(book, ex) for book, ex in ALL if ex.checker is not None and ex.answer is None]


@pytest.mark.parametrize("book, exercise", CHECKER_EXERCISES, ids=[e.id for _, e in CHECKER_EXERCISES])
def test_reveal_names_the_file_and_test_of_the_worked_solution(book, exercise):
    note = repr(exercise.reveal())
    found = re.search(r"(tests/[\w/]+\.py)::(\w+)", note)
    assert found, note
    path, name = ROOT / found[1], found[2]
    assert path.is_file(), note
    defined = {n.name for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert name in defined, f"{note}: no {name} in {found[1]}"
    run_by = re.search(r"run by (\w+)", note)
    assert run_by and run_by[1] in defined and run_by[1].startswith("test_"), note


def test_every_checker_exercise_of_the_brief_has_a_worked_solution_path():
    assert {e.id for _, e in CHECKER_EXERCISES} >= {"2.4", "5.4", "6.4", "7.4", "8.4", "caching.3"}
