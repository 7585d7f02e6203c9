"""Every exercise of the course has a solution here, and the solution passes its check."""

import pytest

from regsim import parse_docker_ref
from regsim.course import WORKBOOK, check, exercises, fresh_world
from regsim.search import search


def solve_1_1():
    laptop = fresh_world().hosts["laptop"]
    return sum(1 for line in laptop.pull("nginx").lines if line.endswith("Pull complete"))


def solve_1_2():
    world = fresh_world()
    prod = world.hosts["prod-server"]
    laptop = world.hosts["laptop"]
    laptop.pull("nginx")
    laptop.tag("nginx", "localhost:5000/team/web:1.0")
    laptop.push("localhost:5000/team/web:1.0")
    prod.pull("localhost:5000/team/web:1.0")
    return prod.pull("redis").counts["exists"]


def solve_1_3():
    hub = fresh_world().registries["docker.io"]
    rows = list(search(hub, "", limit=100))
    units = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}

    def size(text):
        number = text.rstrip("kMGB")
        return float(number) * units[text[len(number):]]

    return min(rows, key=lambda r: size(r["SIZE"]))["NAME"]


def solve_1_4():
    return parse_docker_ref("localhost:5000/team/app:1.0").domain


SOLUTIONS = {name[len("solve_"):].replace("_", "."): fn for name, fn in globals().items() if name.startswith("solve_")}


def test_every_exercise_has_a_solution():
    assert sorted(SOLUTIONS) == sorted(e.id for e in WORKBOOK)


@pytest.mark.parametrize("exercise_id", sorted(e.id for e in WORKBOOK))
def test_solution_passes_its_check(exercise_id):
    verdict = check(exercise_id, SOLUTIONS[exercise_id]())
    assert verdict.ok, verdict.message


@pytest.mark.parametrize("exercise_id", sorted(e.id for e in WORKBOOK))
def test_a_wrong_answer_fails_its_check(exercise_id):
    assert not check(exercise_id, "certainly wrong").ok


def test_lessons_list_their_exercises():
    assert exercises(1) == ["1.1", "1.2", "1.3", "1.4"]
