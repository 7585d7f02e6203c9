"""A wrong answer is told what is wrong, never the right answer (issue 13, point 1).

For every exercise whose answer is a value (course and lab), several plausible wrong answers are
checked at every rung of the hint ladder, and the message must not contain the right answer in any
usual rendering: str, repr, digest prefixes, numbers formatted with separators, decimals or units;
nor, for a set or dict answer, a missing item or the right value of a missing key (else a learner
collects the answer one item per try).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import pytest

from regsim.course import WORKBOOK, reveal
from regsim.exercises import Workbook
from regsim.sim.exercises import LAB
from regsim.sim.exercises import reveal as lab_reveal
from regsim.units import human_size

BOOKS: list[Workbook] = [WORKBOOK, LAB]
VALUE_EXERCISES = [(book, ex) for book in BOOKS for ex in book if ex.expected is not None or ex.answer is not None]


def renderings(value: Any) -> set[str]:
    """The ways a right answer could show up in a sentence."""
    out = {str(value), repr(value)}
    if isinstance(value, bool):
        return out
    if isinstance(value, (int, float)):
        for fmt in (",", "_", ".0f", ".1f", ".2f", ".3f", ".4f", "g", ".3g", ".2e", ",.0f"):
            out.add(format(value, fmt))
        if abs(value) >= 1000:
            out |= {human_size(value), human_size(value, 2), human_size(value).replace(" ", "")}
    elif isinstance(value, str):
        for part in re.findall(r"[0-9a-f]{32,}", value):  # digests: the hex and its usual prefixes
            out |= {part, part[:12], part[:16], part[:8] + "…"}
    elif isinstance(value, Mapping):
        out |= {str(dict(value))}
    elif isinstance(value, (set, frozenset, list, tuple)):
        out |= {str(sorted(value, key=repr)), str(list(value))}
    return {r for r in out if r}


def contains(message: str, rendering: str) -> bool:
    """``rendering`` appears as a whole token (so 6 is not found in 16 or 0.6)."""
    return re.search(rf"(?<![\w.]){re.escape(rendering)}(?![\w]|\.\d)", message) is not None


def wrong_answers(expected: Any) -> list[Any]:
    if isinstance(expected, bool):
        return [not expected, "yes"]
    if isinstance(expected, (int, float)):
        out = [expected + 1, expected * 2 + 3, -expected - 1, "a number", expected * 1000 + 7, expected * 1.08 + 1]
        if expected > 1:
            out += [expected - 1, 0, expected / 2, round(expected * 0.93, 3)]
        return out
    if isinstance(expected, str):
        out = [expected + "x", "x" + expected[1:], "wrong", expected[:-1], 7]
        if re.search(r"[0-9a-f]{64}", expected):
            out.append(re.sub(r"[0-9a-f]{64}", "0" * 64, expected))
        if "@" in expected:
            out.append(expected.split("@")[0] + ":v1")
        return out
    if isinstance(expected, (set, frozenset)):
        items = sorted(expected, key=repr)
        # and what a learner who iterates tries: one item, all but the last, one right and one wrong
        return [set(), set(items[1:]), {*items, "zzz-not-it"}, {"zzz-not-it"}, "a set",
                {items[0]}, set(items[:-1]), {items[0], "zzz-not-it"}]
    if isinstance(expected, Mapping):
        out: list[Any] = [dict(), "a dict"]
        for key, value in expected.items():
            for bad in wrong_answers(value)[:4]:
                out.append({**expected, key: bad})
            out.append({k: v for k, v in expected.items() if k != key})  # a key left out
        return out
    if isinstance(expected, (list, tuple)):
        out = [list(reversed(expected)), [], "a list"]
        if len(expected) > 1:
            out.append([expected[0], "zzz-not-it", *expected[2:]])
        return out
    raise AssertionError(f"no wrong answers for {expected!r}")


def leaks(expected: Any, answer: Any) -> set[str]:
    """Renderings of the right answer that a message must not contain (at its place in the answer)."""
    out = renderings(expected)
    if isinstance(expected, Mapping) and isinstance(answer, Mapping):
        for key, value in expected.items():  # the right value of a key the answer got wrong or left out
            if answer.get(key) != value and not (isinstance(value, str) and len(value) < 3):
                out |= renderings(value)
                out |= leaks(value, answer.get(key)) if isinstance(value, (set, frozenset)) else set()
    if isinstance(expected, (set, frozenset)) and isinstance(answer, (set, frozenset, list, tuple)):
        # each missing item, as a message would name it: a learner must not collect the answer item
        # by item, one wrong try each (the words of the hints, like 'config', are not a leak)
        out |= {repr(item) for item in expected if item not in answer}
    # what the learner typed may appear in the message: never count it as a leak
    mine = renderings(answer) if not isinstance(answer, (Mapping, set, frozenset, list, tuple)) else set()
    return {r for r in out if r not in mine and not any(r in m for m in mine)}


@pytest.mark.parametrize("book, exercise", VALUE_EXERCISES, ids=[e.id for _, e in VALUE_EXERCISES])
def test_a_wrong_answer_never_contains_the_right_one(book, exercise):
    expected = exercise.reveal().answer
    assert expected is not None
    forbidden = renderings(expected)
    for tries in range(1, 6):
        text = exercise.check(..., tries).message
        assert not [r for r in forbidden if contains(text, r)], text
    checked = 0
    for answer in wrong_answers(expected):
        if exercise.difference(answer) is None:  # a tolerance accepts it: not wrong after all
            continue
        checked += 1
        for tries in range(1, 6):
            verdict = exercise.check(answer, tries)
            assert not verdict.ok
            found = [r for r in leaks(expected, answer) if contains(verdict.message, r)]
            assert not found, f"{exercise.id}: {answer!r} → {verdict.message!r} shows {found}"
    assert checked >= 3


def test_every_value_exercise_is_covered():
    ids = {e.id for _, e in VALUE_EXERCISES}
    assert {"1.1", "2.1", "4.3", "6.3", "mirrors.1", "mirrors.2", "dedup.1", "caching.2"} <= ids
    assert len(ids) >= 30


def test_the_hint_ladder_climbs_and_ends_with_reveal():
    book = Workbook("ladder")
    book.add("x", "how many percent?", expected=lambda: 40, hints=["first hint", "second hint"], unit="ratio")
    messages = [book.check("x", n).message for n in (41, 39, 4, 4000, 0)]
    assert messages[0] == "answer: 41 is a little too high (within 10%)"
    assert messages[1] == "answer: 39 is a little too low (within 10%) (hint: first hint)"
    assert messages[2].endswith("far too low (off by more than a factor of 10) (hints: first hint; second hint)")
    assert "100 times too high: check the unit (a percentage and a fraction)" in messages[3]
    assert messages[4].endswith("; still stuck? an instructor can show the answer with reveal('x')")
    assert book.tries("x") == 5 and repr(book.check("x", 1)).startswith("✘ x not yet (try 6): ")
    assert book.check("x", 40).ok and book.tries("x") == 6  # a right answer does not reset the count
    book.reset("x")
    assert book.check("x", 41).message == messages[0]
    assert not [m for m in messages if contains(m, "40")]


def test_instructors_reveal_answers():
    assert repr(reveal("1.4")) == "1.4 answer: 'localhost:5000'"
    assert reveal("3.1").answer == WORKBOOK["3.1"].expected()
    assert "worked solution" in repr(reveal("6.4")) and reveal("6.4").answer is None
    assert lab_reveal("mirrors.2").answer == pytest.approx(400, rel=0.01)
    best = lab_reveal("caching.2").answer
    assert set(best) == {"hit_ratio", "byte_hit_ratio"} and all(best.values())
    assert LAB.check("caching.2", {k: v[0] for k, v in best.items()}).ok


@pytest.mark.parametrize("answer, message", [
    ("localhost:5000/team/app:v1", "answer: 'localhost:5000/team/app:v1' names a tag, which can move: "
                                   "this answer needs a digest ('@…')"),
    ("localhost:5000/team/app@sha256:" + "0" * 64, "answer: the digest of 'localhost:5000/team/app@sha256:0"),
    ("team/app@sha256:" + "a" * 64, "answer: 'team/app@sha256:aaaaaaaaa"),
    ("localhost:5000/team/other@sha256:" + "0" * 64, "answer: the repository of"),
    ("X", "answer: 'X' lacks the domain"),
])
def test_references_say_which_part_differs(answer, message):
    book = Workbook("ref")
    book.add("r", "?", expected=lambda: "localhost:5000/team/app@sha256:" + "a" * 64)
    book.add("d", "?", expected=lambda: "sha256:" + "a" * 64)
    got = book.check("r", answer).message
    assert got.startswith(message), got
    assert ("the domain and the repository are right" in got) == answer.startswith("localhost:5000/team/app@")
    assert book.check("d", "sha256:" + "b" * 64).message == "answer: a well-formed digest, but of other bytes"
    assert book.check("d", " sha256:" + "a" * 64).message == "answer: remove the spaces or newlines around it"
