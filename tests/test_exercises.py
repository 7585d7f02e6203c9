import pytest

from regsim import Digest
from regsim.errors import InvalidArgument, UnknownExercise
from regsim.exercises import Exercise, Workbook, what_differs


@pytest.mark.parametrize(
    "expected, actual, message",
    [
        (3, 3, None),
        (3, 4, "answer: 4 is too high"),
        (100, 95, "answer: 95 is a little too low (within 10%)"),
        (100, 2000, "answer: 2000 is far too high (off by more than a factor of 10)"),
        (5_000_000, 5, "answer: 5 is about 1,000,000 times too low: check the unit (MB and bytes)"),
        (0.25, 25, "answer: 25 is about 100 times too high: check the unit (a percentage and a fraction)"),
        (3, 2.5, "answer: expected a whole number, got 2.5"),
        (3, -3, "answer: -3 has the wrong sign"),
        (0.5, 0.5000000001, None),
        ([1, 2, 3], [1, 9, 3], "answer[1]: 9 is too high"),
        ([1, 2], [1, 2, 3], "answer: expected 2 items, got 3"),
        ({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 3]}, "answer['b'][1]: 3 is too high"),
        ({"a": 1}, {}, "answer: missing key 'a'"),
        ({"a": 1}, {"a": 1, "z": 0}, "answer: unexpected key 'z'"),
        ({1, 2}, {1}, "answer: 1 item is missing"),
        ({1}, [1, 5], "answer: unexpected 5"),
        ({1}, {5}, "answer: the 1 right item is not there; 5 is not one of them"),
        ("python", "Python", "answer: right letters, wrong upper/lower case"),
        ("python", "pyhton", "answer: 'pyhton' is not right"),
        (True, 1, "answer: expected True or False, got int 1"),
        (True, False, "answer: False is not right"),
        ("sha256:" + "a" * 64, Digest("sha256:" + "a" * 64), None),
        ([1], "1", "answer: expected a list, got str '1'"),
        (6, "6", "answer: expected a number, got str '6'"),
        ("docker.io/library/redis", "redis", "answer: 'redis' lacks the domain"),
    ],
)
def test_what_differs(expected, actual, message):
    unit = "bytes" if "bytes)" in (message or "") else "ratio" if "percentage" in (message or "") else None
    assert what_differs(expected, actual, unit=unit) == message


def test_a_unit_hint_needs_the_questions_unit():
    assert "check the unit" not in what_differs(5_000_000, 5)  # a count: no unit to check
    assert what_differs(400, 0.4, unit="seconds").endswith("check the unit (milliseconds and seconds)")
    with pytest.raises(InvalidArgument, match="'furlongs'"):
        Workbook("w").add("x", "?", expected=lambda: 1, unit="furlongs")


def test_workbook_checks_and_hints():
    book = Workbook("t")
    book.add("1", "the answer", expected=lambda: 42, hint="think deeply")
    book.add("2", "a non-empty list", checker=lambda a: None if a else "the list is empty")
    assert book.check("1", 42) and not book.check("1", 41)
    assert "think deeply" in book.check("1", 41).message  # the second wrong try
    assert "replace the ..." in book.check("1", ...).message
    assert book.check("2", [1]).ok and book.check("2", []).message == "the list is empty"
    assert "right" in repr(book.check("1", 42)) and "✔" in book.check("1", 42)._repr_html_()
    with pytest.raises(UnknownExercise, match=r"no exercise '3' in t \(there are: 1, 2\)") as raised:
        book["3"]
    assert isinstance(raised.value, InvalidArgument) and isinstance(raised.value, KeyError)  # old handlers still work
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
        "answer['ratio']: 0.207 is a little too high (within 10%)")
    for close in (0.207, 0.21, 0.2069, 60 / 290):
        assert book.check("by-hand", {"hits": 1, "ratio": close}).ok, close
    for far in (0.2, 0.22):
        message = book.check("by-hand", {"hits": 1, "ratio": far}).message
        assert message.startswith(f"answer['ratio']: {far} is a little too") and "0.20" not in message, far
    assert not book.check("by-hand", {"hits": 2, "ratio": 0.21}).ok
    for bad in (-0.1, 1, "0.01", True):
        with pytest.raises(ValueError, match=f"rel_tol must be a number in \\[0, 1\\), got {bad!r}"):
            book.add(f"bad-{bad!r}", "?", expected=lambda: 1, rel_tol=bad)


class _Count:
    """A number type that is not an int but converts like one (as numpy's and pandas' integers do)."""

    def __init__(self, value):
        self.value = value

    def __index__(self):
        return self.value


def test_numbers_of_other_number_types_are_numbers():
    from fractions import Fraction

    assert what_differs(322526161, _Count(322526161)) is None
    assert what_differs(322526161, _Count(323526161)) == "answer: 323526161 is a little too high (within 10%)"
    assert what_differs(0.25, Fraction(1, 4)) is None
    assert what_differs(3, Fraction(5, 2)) == "answer: expected a whole number, got 2.5"
    assert what_differs(_Count(7), 7) is None  # an expected answer computed with pandas, too


def test_numpy_numbers_are_numbers_and_numpy_booleans_are_not():
    np = pytest.importorskip("numpy")
    assert what_differs(322526161, np.int64(322526161)) is None
    assert what_differs(322526161, np.uint32(322526161)) is None
    assert what_differs(121, np.int64(122)) == "answer: 122 is a little too high (within 10%)"
    assert what_differs(0.5, np.float32(0.5)) is None
    assert what_differs(np.int64(121), 121) is None
    assert what_differs(1, np.True_).startswith("answer: expected a number, got bool")
    assert what_differs(1, True) == "answer: expected a number, got bool True"


def test_the_checker_core_stays_standard_library_only():
    import ast
    from pathlib import Path

    import regsim.exercises

    tree = ast.parse(Path(regsim.exercises.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    assert not imported & {"numpy", "pandas"}, imported


@pytest.mark.parametrize("answer, message", [
    ({"linux/amd64"}, "answer: 1 platform is missing"),
    (set(), "answer: none of the 2 right platforms is there"),
    ({"linux/amd64", "linux/386"}, "answer: unexpected 'linux/386'; and 1 platform is missing"),
    ({"linux/amd64", "linux/arm64", "linux/386"}, "answer: unexpected 'linux/386'"),
    ({"windows/amd64"}, "answer: none of the 2 right platforms is there; 'windows/amd64' is not one of them"),
])
def test_a_set_answer_counts_what_is_missing_and_never_names_it(answer, message):
    book = Workbook("t")
    book.add("p", "which platforms?", expected=lambda: {"linux/amd64", "linux/arm64"}, item="platform")
    book.add("one", "which one?", expected=lambda: {"x"})
    assert book["p"].difference(answer) == message
    assert "arm64" not in book["p"].difference({"linux/amd64"})
    assert book["one"].difference(set()) == "answer: the 1 right item is not there"
    assert book["one"].difference({"x", "y"}) == "answer: unexpected 'y'"
    three = Workbook("t").add("3", "?", expected=lambda: {"config", "layer 1", "manifest"}, item="part")
    assert three.difference({"manifest"}) == "answer: 2 parts are missing"


def test_reveal_shows_the_whole_answer():
    book = Workbook("t")
    long = {f"case number {i} of the lesson": "UNAUTHORIZED" for i in range(6)}
    digest = "localhost:5000/team/app@sha256:" + "5" * 64
    book.add("d", "?", expected=lambda: long)
    book.add("r", "?", expected=lambda: digest)
    shown = book.reveal("d")
    for text in (repr(shown), str(shown), shown._repr_html_()):
        assert "…" not in text and "case number 5 of the lesson" in text, text
    assert repr(book.reveal("r")) == f"r answer: {digest!r}" == str(book.reveal("r"))
    assert digest in book.reveal("r")._repr_html_()
    assert "&lt;b&gt;" in Workbook("t").add("h", "?", expected=lambda: "<b>").reveal()._repr_html_()


def test_a_dict_answer_is_told_its_first_wrong_key_in_the_questions_order():
    from regsim.sim.exercises import LAB

    LAB.reset()
    message = LAB.check("caching.1", {"hits": 2, "byte_hit_ratio": 0.5}).message
    assert "['hits']" in message and "byte_hit_ratio" not in message
