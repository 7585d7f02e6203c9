"""Every exercise of the course has a solution here, and the solution passes its check."""

import json
from pathlib import Path

import pytest

from regsim import Digest, parse_reference
from regsim.client.compare import compare_images
from regsim.course import WORKBOOK, check, exercises, fresh_world, lesson2, lesson3, lesson4, lesson5, lesson6, lesson7, lesson8, lesson11
from regsim.client.outcome import access_table, attempt
from regsim.data.search import search


@pytest.fixture(autouse=True)
def _fresh_hint_ladder():
    """Each test starts at the first rung of the hint ladder."""
    WORKBOOK.reset()
    yield
    WORKBOOK.reset()


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
    return parse_reference("localhost:5000/team/app:1.0").domain


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


# -- lesson 5: layer reuse and dedup ------------------------------------------------------------------


def _amd64_layers(hub, repository, tag):
    index = hub.resolve(repository, tag).parsed
    manifest = hub.resolve(repository, index.for_platform("linux/amd64").digest).parsed
    return {layer.digest: layer.size for layer in manifest.layers}


def solve_5_1():
    hub = fresh_world().registries["docker.io"]
    python = _amd64_layers(hub, "library/python", "3.11")
    node = _amd64_layers(hub, "library/node", "18")
    return sum(size for digest, size in python.items() if digest in node)


def solve_5_2():
    laptop = fresh_world().hosts["laptop"]
    for image in ["python:3.11", "node:18", "golang:1.19"]:
        laptop.pull(image)
    return laptop.pull("buildpack-deps:bullseye").bytes_received


def solve_5_3():
    world = fresh_world()
    laptop = world.hosts["laptop"]
    for name, dockerfile in lesson5.APPS.items():
        laptop.build(dockerfile, f"localhost:5000/team/{name}:1.0", context=lesson5.CONTEXT)
        laptop.push(f"localhost:5000/team/{name}:1.0")
    report = world.registries["localhost:5000"].storage()
    return report.logical_bytes - report.physical_bytes


def solve_5_4():
    return ("alpine:3.17", "ubuntu:22.04")


# -- lesson 6: public and private ---------------------------------------------------------------------


def solve_6_1():
    return parse_reference("redis").name


def solve_6_2():
    prod = lesson6.lesson_world().hosts["prod-server"]
    pulls = {"library/redis": "redis", "alice/notes": "alice/notes:1.0", "alice/secret": "alice/secret:1.0",
             "bob/tools": "bob/tools"}
    return {name for name, reference in pulls.items() if attempt(prod.pull, reference).ok}


def solve_6_3():
    world = lesson6.lesson_world()
    hub = world.registries["docker.io"]
    tokens = {"anonymous": None, "alice": hub.login("alice", "alice-pw"), "bob": hub.login("bob", "bob-pw")}
    answer = {}
    for case in lesson6.CASES:
        who, verb, repository = case.split()
        row = list(access_table(hub, {who: tokens[who]}, [repository], "pull" if verb == "pulls" else "push"))[0]
        answer[case] = row[who]
    return answer


def solve_6_4():
    hub = lesson6.lesson_world().registries["docker.io"]
    hub.add_user("ci-bot", "ci-bot-pw")
    hub.grant("ci-bot", "alice/*", "pull")
    return hub


# -- lesson 7: deleting and garbage collection ----------------------------------------------------------


def solve_7_1():
    registry = lesson7.three_releases().registries["localhost:5000"]
    registry.delete_tag("team/app", "v3")
    registry.delete_tag("team/app", "latest")
    return registry.garbage_collect().bytes_freed


def solve_7_2():
    registry = lesson7.three_releases().registries["localhost:5000"]
    registry.delete_tag("team/app", "v3")
    registry.delete_tag("team/app", "latest")
    before = registry.storage().physical_bytes
    registry.garbage_collect(delete_untagged=True)
    return before - registry.storage().physical_bytes


def solve_7_3():
    registry = lesson7.three_releases().registries["localhost:5000"]
    registry.delete_manifest("team/app", registry.resolve("team/app", "v2").digest)
    return len(registry.garbage_collect().swept)


def solve_7_4():
    registry = lesson7.three_releases().registries["localhost:5000"]
    registry.delete_tag("team/app", "v1")
    registry.garbage_collect(delete_untagged=True)
    return registry


# -- lesson 8: multi-platform images -----------------------------------------------------------------


def solve_8_1():
    index = fresh_world().registries["docker.io"].resolve("library/nginx", "latest").parsed
    return [str(platform) for platform in index.platforms]


def solve_8_2():
    pi = fresh_world().add_host("raspberry-pi", platform="linux/arm64", quiet=True)
    pi.pull("python:3.11")
    return pi.pull("node:18").bytes_received


def solve_8_3():
    world = fresh_world()
    laptop = world.hosts["laptop"]
    laptop.build(lesson8.DOCKERFILE, "localhost:5000/team/app:1.0", context=lesson8.CONTEXT,
                 platforms=["linux/amd64", "linux/arm64"])
    laptop.push("localhost:5000/team/app:1.0")
    return 1 + len(world.registries["localhost:5000"].resolve("team/app", "1.0").parsed.manifests)


def solve_8_4():
    world = fresh_world()
    laptop = world.hosts["laptop"]
    laptop.build("FROM alpine:3.17\nCOPY tool.sh /\n", "localhost:5000/team/tool:1.0",
                 context={"tool.sh": b"echo tool\n"}, platforms=["linux/amd64", "linux/arm64"])
    laptop.push("localhost:5000/team/tool:1.0")
    world.add_host("raspberry-pi", platform="linux/arm64", quiet=True).pull("localhost:5000/team/tool:1.0")
    return world


# -- lesson 11: artifacts and referrers ------------------------------------------------------------


def solve_11_1():
    registry = lesson11.lesson_registry()
    digest = registry.resolve("team/app", "1.0").digest
    return {d.artifact_type for d in registry.referrers("team/app", digest).manifests}


def solve_11_2():
    return len(lesson11.lesson_registry().repository("team/app").manifests)


def solve_11_3():
    registry = lesson11.lesson_registry()
    registry.delete_manifest("team/app", registry.resolve("team/app", "1.0").digest)
    return len(registry.garbage_collect(delete_untagged=True).deleted_manifests)


def solve_11_4():
    registry = lesson11.lesson_registry()
    lesson11.attach(registry, "team/app", "2.0", lesson11.SIGNATURE_TYPE, b'{"signed-by": "me"}')
    return registry


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
    for lesson in range(2, 9):
        assert exercises(lesson) == [f"{lesson}.{n}" for n in range(1, 5)]


#: Plausible mistakes a learner makes; each must be refused with a sentence that says why.
MISTAKES = {
    "2.2": 1,                                    # counted the manifest as new: it is the same bytes
    "2.3": {"layer 1"},                          # forgot that config and manifest name the layer
    "2.4": attempt(lambda: None),                # an operation that worked
    "3.2": 1,                                    # as with the lesson's Dockerfile
    "3.3": 1,                                    # forgot that RUN pip install changes too
    "4.2": "v4",                                 # latest is not "the newest"
    "4.3": "localhost:5000/team/app:v1",         # a tag, not a digest
    "5.2": 0,                                    # forgot the config blob
    "5.4": ("python:3.11", "node:18"),           # they share the Debian base
    "6.3": {case: "DENIED" for case in lesson6.CASES},
    "7.1": 3280,                                 # untagged manifests are roots without --delete-untagged
    "7.3": 2,                                    # forgot the manifest's own bytes
    "8.1": {"linux/amd64"},                      # only the platform of the laptop
    "8.3": 2,                                    # forgot the index
    "11.2": 2,                                   # forgot that artifacts are manifests
    "11.3": 0,                                   # thought untagged artifacts always stay
}


@pytest.mark.parametrize("exercise_id", sorted(MISTAKES))
def test_plausible_mistakes_are_refused_with_a_reason(exercise_id):
    verdict = check(exercise_id, MISTAKES[exercise_id])
    assert not verdict.ok and len(verdict.message) > 10


def test_exercise_6_3_uses_the_words_of_access_table():
    answer = solve_6_3()
    assert "allowed" in answer.values() and "OK" not in answer.values() and check("6.3", answer).ok
    assert check("6.3", {k: "OK" if v == "allowed" else v for k, v in answer.items()}).ok  # the old word
    assert "'allowed'" in WORKBOOK["6.3"].prompt and "'OK'" not in WORKBOOK["6.3"].prompt


def test_checkers_name_what_is_missing():
    assert "no user 'ci-bot'" in check("6.4", lesson6.lesson_world().registries["docker.io"]).message
    untouched = lesson7.three_releases().registries["localhost:5000"]
    assert "v1 manifest is still" in check("7.4", untouched).message
    assert "no localhost:5000/team/tool:1.0" in check("8.4", fresh_world()).message


NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: Texts the lesson modules recompute answers from; each must appear, as written, in its notebook.
SCENARIOS = {
    "02-content-addressing.ipynb": [lesson2.HELLO, lesson2.GREETING],
    "03-build-push-pull.ipynb": [lesson3.DOCKERFILE, lesson3.APP_FIRST],
    "04-tags-as-versions.ipynb": [lesson4.DOCKERFILE],
    "05-layer-reuse-and-dedup.ipynb": list(lesson5.APPS.values()),
    "06-public-and-private.ipynb": [lesson6.NOTES, lesson6.SECRET],
    "07-deleting-and-gc.ipynb": [lesson7.DOCKERFILE],
    "08-multi-platform.ipynb": [lesson8.DOCKERFILE],
    "11-artifacts-and-referrers.ipynb": ["from regsim.course.lesson11 import SBOM, SBOM_TYPE, SIGNATURE, SIGNATURE_TYPE, release"],
}


def _sources(name):
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("notebook", sorted(SCENARIOS))
def test_notebooks_build_what_the_exercises_assume(notebook):
    code = _sources(notebook)
    for text in SCENARIOS[notebook]:
        assert text.strip() in code or repr(text.strip())[1:-1] in code, f"{notebook} no longer has {text!r}"
    for exercise_id in exercises(int(notebook[:2])):
        assert f'check("{exercise_id}", ...)' in code, f"{notebook} has no cell for exercise {exercise_id}"


def test_a_right_number_computed_with_numpy_or_pandas_is_right():
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    right = solve_5_1()
    assert check("5.1", np.int64(right)).ok
    assert check("5.1", pd.Series([right - 1, 1]).sum()).ok  # what df['size'].sum() gives
    assert "too high" in check("5.1", np.int64(right + 10**6)).message
    assert "got bool" in check("5.1", np.True_).message


@pytest.mark.parametrize("exercise_id, answer, message", [
    ("8.1", {"linux/amd64"}, "answer: 1 platform is missing"),
    ("2.3", {"manifest"}, "answer: 2 parts are missing"),
    ("2.3", {"manifest", "config"}, "answer: 1 part is missing"),
    ("6.2", {"library/redis"}, "answer: 1 repository is missing"),
])
def test_a_set_answer_is_never_given_away_one_item_per_try(exercise_id, answer, message):
    WORKBOOK.reset(exercise_id)
    assert check(exercise_id, answer).message == message
    WORKBOOK.reset(exercise_id)


def test_4_1_counts_the_missing_tags():
    right = WORKBOOK["4.1"].right_answer()
    some = set(sorted(right)[:3])
    assert WORKBOOK["4.1"].difference(some) == f"answer: {len(right) - 3} tags are missing"
