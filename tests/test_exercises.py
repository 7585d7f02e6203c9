import pytest

from regsim import Digest
from regsim.exercises import Exercise, Workbook, first_difference


@pytest.mark.parametrize(
    "expected, actual, message",
    [
        (3, 3, None),
        (3, 4, "answer: expected 3, got 4"),
        (0.5, 0.5000000001, None),
        ([1, 2, 3], [1, 9, 3], "answer[1]: expected 2, got 9"),
        ([1, 2], [1, 2, 3], "answer: expected 2 items, got 3"),
        ({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 3]}, "answer['b'][1]: expected 2, got 3"),
        ({"a": 1}, {}, "answer: missing key 'a'"),
        ({"a": 1}, {"a": 1, "z": 0}, "answer: unexpected key 'z'"),
        ({1, 2}, {1}, "answer: missing 2"),
        ({1}, [1, 5], "answer: unexpected 5"),
        ("python", "Python", "answer: expected 'python', got 'Python'"),
        (True, 1, "answer: expected True, got 1"),
        ("sha256:" + "a" * 64, Digest("sha256:" + "a" * 64), None),
        ([1], "1", "answer: expected a list like [1], got str '1'"),
    ],
)
def test_first_difference(expected, actual, message):
    assert first_difference(expected, actual) == message


def test_workbook_checks_and_hints():
    book = Workbook("t")
    book.add("1", "the answer", expected=lambda: 42, hint="think deeply")
    book.add("2", "a non-empty list", checker=lambda a: None if a else "the list is empty")
    assert book.check("1", 42) and not book.check("1", 41)
    assert "think deeply" in book.check("1", 41).message
    assert "replace the ..." in book.check("1", ...).message
    assert book.check("2", [1]).ok and book.check("2", []).message == "the list is empty"
    assert "right" in repr(book.check("1", 42)) and "✔" in book.check("1", 42)._repr_html_()
    with pytest.raises(KeyError):
        book["3"]
    with pytest.raises(ValueError):
        book.add("1", "again", expected=lambda: 1)
    with pytest.raises(ValueError):
        Exercise("x", "both", expected=lambda: 1, checker=lambda a: None)


def test_normalize_errors_are_explained():
    book = Workbook("t")
    book.add("1", "a number", expected=lambda: 5, normalize=int)
    assert book.check("1", "5").ok
    assert "could not read the answer" in book.check("1", "five").message


def test_sets_are_shown_sorted_and_unknown_ids_and_none_are_verdicts():
    book = Workbook("t")
    book.add("1", "letters", expected=lambda: {"a", "b", "c"})
    assert book.check("1", {"c", "b", "a"}).message == "{'a', 'b', 'c'}"
    assert "there is no exercise '2'" in book.check("2", 1).message
    assert "got NoneType None" in book.check("1", None).message


def test_an_exercise_can_accept_a_hand_computed_number():
    book = Workbook("t")
    book.add("exact", "60 of 290 bytes", expected=lambda: {"hits": 1, "ratio": 60 / 290})
    book.add("by-hand", "60 of 290 bytes", expected=lambda: {"hits": 1, "ratio": 60 / 290}, rel_tol=0.005)
    assert book.check("exact", {"hits": 1, "ratio": 60 / 290}).ok
    assert book.check("exact", {"hits": 1, "ratio": 0.207}).message == (
        "answer['ratio']: expected 0.20689655172413793, got 0.207")
    for close in (0.207, 0.21, 0.2069, 60 / 290):
        assert book.check("by-hand", {"hits": 1, "ratio": close}).ok, close
    for far in (0.2, 0.22):
        assert "expected 0.2068" in book.check("by-hand", {"hits": 1, "ratio": far}).message, far
    assert not book.check("by-hand", {"hits": 2, "ratio": 0.21}).ok
    for bad in (-0.1, 1, "0.01", True):
        with pytest.raises(ValueError, match=f"rel_tol must be a number in \\[0, 1\\), got {bad!r}"):
            book.add(f"bad-{bad!r}", "?", expected=lambda: 1, rel_tol=bad)
