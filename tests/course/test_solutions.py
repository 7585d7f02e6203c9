"""Every exercise of the course has a solution here, and the solution passes its check."""

import pytest

from regsim import Digest, parse_docker_ref
from regsim.compare import compare_images
from regsim.course import WORKBOOK, check, exercises, fresh_world, lesson2, lesson3, lesson4
from regsim.outcome import attempt
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


# -- lesson 2: content addressing -------------------------------------------------------------------


def _lesson2_world():
    world = fresh_world()
    laptop = world.hosts["laptop"]
    laptop.build(lesson2.HELLO, "localhost:5000/demo/hello:1.0", context=lesson2.FILES)
    laptop.build(lesson2.GREETING, "localhost:5000/demo/greeting:1.0", context=lesson2.FILES)
    laptop.push("localhost:5000/demo/hello:1.0")
    laptop.push("localhost:5000/demo/greeting:1.0")
    return world


def solve_2_1():
    return str(Digest.of(b"abc"))


def solve_2_2():
    world = _lesson2_world()
    laptop, registry = world.hosts["laptop"], world.registries["localhost:5000"]
    before = len(registry.blobs)
    laptop.tag("localhost:5000/demo/hello:1.0", "localhost:5000/demo/copy:1.0")
    laptop.push("localhost:5000/demo/copy:1.0")
    return len(registry.blobs) - before


def solve_2_3():
    laptop = _lesson2_world().hosts["laptop"]
    laptop.build(lesson2.GREETING, "localhost:5000/demo/greeting:1.1",
                 context={**lesson2.FILES, "bye.txt": b"see you later\n"})
    table = compare_images(laptop.image("localhost:5000/demo/greeting:1.0"),
                           laptop.image("localhost:5000/demo/greeting:1.1"))
    return [row["PART"] for row in table if row["SAME?"] == "changed"]


def solve_2_4():
    registry = _lesson2_world().registries["localhost:5000"]
    return attempt(registry.push_blob, "demo/hello", b"not hello", Digest.of(b"hello world\n"))


# -- lesson 3: build, push, pull ---------------------------------------------------------------------


def _lesson3_world():
    world = fresh_world()
    world.registries["docker.io"].add_user("myusername", "secret")
    laptop = world.hosts["laptop"]
    laptop.login("docker.io", "myusername", "secret")
    laptop.build(lesson3.DOCKERFILE, "myapp:1.0", context=lesson3.CONTEXT)
    laptop.tag("myapp:1.0", "myusername/myapp:1.0")
    return world


def solve_3_1():
    laptop = _lesson3_world().hosts["laptop"]
    lines = laptop.push("myusername/myapp:1.0").lines
    return sum(1 for line in lines if line.endswith("Mounted from library/python"))


def solve_3_2():
    laptop = _lesson3_world().hosts["laptop"]
    one = laptop.build(lesson3.APP_FIRST, "myusername/slowapp:1.0", context=lesson3.CONTEXT).image
    two = laptop.build(lesson3.APP_FIRST, "myusername/slowapp:1.1", context=lesson3.CONTEXT_1_1).image
    return sum(1 for a, b in zip(one.layers, two.layers) if a.digest != b.digest)


def solve_3_3():
    laptop = _lesson3_world().hosts["laptop"]
    laptop.push("myusername/myapp:1.0")
    laptop.build(lesson3.DOCKERFILE, "myusername/myapp:1.1", context=lesson3.CONTEXT_1_1)
    laptop.push("myusername/myapp:1.1")
    laptop.build(lesson3.DOCKERFILE, "myusername/myapp:1.2", context=lesson3.CONTEXT_1_2)
    return laptop.push("myusername/myapp:1.2").counts["pushed"]


def solve_3_4():
    world = _lesson3_world()
    laptop, ci = world.hosts["laptop"], world.hosts["ci-runner"]
    laptop.build(lesson3.DOCKERFILE, "myusername/myapp:1.1", context=lesson3.CONTEXT_1_1)
    laptop.push("myusername/myapp:1.1")
    ci.pull("python:3.11")
    return ci.pull("myusername/myapp:1.1").counts["downloaded"]


# -- lesson 4: tags as versions ----------------------------------------------------------------------


def solve_4_1():
    python = fresh_world().registries["docker.io"].repository("library/python")
    return {tag for tag, digest in python.tags.items() if digest == python.tags["alpine"]}


def solve_4_2():
    world = lesson4.lesson_world()
    laptop = world.hosts["laptop"]
    laptop.build(lesson4.DOCKERFILE, "localhost:5000/team/app:v4", context={"app.sh": b"echo 'app version 4'\n"})
    laptop.push("localhost:5000/team/app:v4")
    prod = world.hosts["prod-server"]
    pulled = prod.pull("localhost:5000/team/app")
    repo = world.registries["localhost:5000"].repository("team/app")
    return [tag for tag in repo.tags_of(pulled.digest) if tag != "latest"][0]


def solve_4_3():
    registry = lesson4.lesson_world().registries["localhost:5000"]
    return "localhost:5000/team/app@" + registry.resolve("team/app", "v1").digest


def solve_4_4():
    repo = lesson4.lesson_world().registries["localhost:5000"].repository("team/app")
    return sum(1 for digest in repo.manifests if not repo.tags_of(digest))


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
