"""Lessons a newcomer follows without a stumble (issue 19, finding 7): no doubled messages, no raw
reprs, no splitting of error strings, 401 vs 403 as real clients see them, lesson 9's workshop
commands on the course's own base image, lesson 8 leads on to 9, and no machine path in any stored
output or page of the built site."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import regsim
from regsim import attempt

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
#: a path or process of the machine that ran a notebook (a pattern such as ``/tmp/rsd-*`` in prose is none)
MACHINE = re.compile(r"/tmp/[\w.-]+(?![\w.*-])|/root/[\w.-]*(?![\w.*-])|/home/\w+|/work/[\w.-]+|\bpid \d+")


def cells(name: str) -> list[tuple[str, str, str]]:
    out = []
    for c in json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]:
        text = "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                       for o in c.get("outputs", []))
        out.append((c["cell_type"], "".join(c["source"]), text))
    return out


def markdown(name: str) -> str:
    return "\n".join(src for kind, src, _ in cells(name) if kind == "markdown")


def test_lesson_7_shows_a_missing_manifest_by_its_fields_and_explains_dockers_doubled_words():
    """Lesson 7 printed "manifest unknown: manifest unknown" as if the model stuttered. Real docker
    does say it (errcode's "code: message", and a registry's message for the code starts with the
    same words: tests/engines/test_pull_errors.py runs docker against regsim serve), so the model
    keeps docker's line; the lesson shows the error's typed fields and explains docker's words."""
    from regsim.course.lesson7 import three_releases

    world = three_releases()  # team/app exists; the digest does not
    digest = "sha256:" + "e" * 64
    outcome = attempt(world.hosts["prod-server"].pull, f"localhost:5000/team/app@{digest}", quiet=True)
    assert (outcome.code, outcome.status, outcome.error.detail) == ("MANIFEST_UNKNOWN", 404, digest)
    assert outcome.message.endswith(f"not found: manifest unknown: manifest unknown: team/app@{digest}")
    refusal = [(src, out) for kind, src, out in cells("07-deleting-and-gc.ipynb")
               if kind == "code" and "attempt(prod.pull" in src]
    assert refusal and all("manifest unknown" not in out for _, out in refusal), refusal
    explained = [src for kind, src, _ in cells("07-deleting-and-gc.ipynb")
                 if kind == "markdown" and "manifest unknown: manifest unknown" in src]
    assert explained and all("docker's wording" in src and "the code" in src for src in explained), explained


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_no_lesson_prints_a_message_twice(name):
    for _, _, out in cells(name):
        doubled = re.search(r"\b([a-z][a-z ]{5,}): \1\b", out)
        assert not doubled, f"{name}: {doubled.group(0)!r}"


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_no_lesson_splits_an_error_string(name):
    for _, src, _ in cells(name):
        assert ".split(\": {\")" not in src and "str(refused)" not in src, f"{name}: {src[:200]}"


def test_lesson_9_prints_no_raw_repr():
    for _, _, out in cells("09-a-team-and-its-registry.ipynb"):
        assert "ParticipantActivity(" not in out


def test_a_refused_push_carries_its_status_and_code():
    from regsim.server.classroom import Classroom, Participant
    from regsim.engines.clients import RegistryRefused, SimpleClient

    room = Classroom([Participant("alice", "alice-pw"), Participant("bob", "bob-pw")])
    server = room.serve()
    try:
        bob = SimpleClient(server.url, username="bob", password="bob-pw")
        image = regsim.Image.create([regsim.Layer.from_files([("/a", b"a")])])
        with pytest.raises(RegistryRefused) as refused:
            bob.push("alice/hello", "2.0", image)
        assert (refused.value.status, refused.value.code) == (403, "DENIED")
        assert "requested access to the resource is denied" in refused.value.message
        assert isinstance(refused.value, RuntimeError)  # as before: callers catching RuntimeError still do
    finally:
        room.stop()


@pytest.mark.parametrize("name", ["06-public-and-private.ipynb", "09-a-team-and-its-registry.ipynb"])
def test_401_and_403_are_told_as_real_clients_see_them(name):
    text = markdown(name)
    assert "insufficient_scope" in text and "401" in text and "403" in text, name


def test_lesson_9_shows_the_401_a_token_client_gets():
    outputs = "\n".join(out for _, _, out in cells("09-a-team-and-its-registry.ipynb"))
    assert re.search(r"401 .*insufficient_scope", outputs), "no 401 insufficient_scope in lesson 9's outputs"
    assert re.search(r"403 DENIED", outputs)


def test_lesson_9s_workshop_commands_use_the_course_base_image():
    from regsim.engines.daemon import BASE_TAG

    base = BASE_TAG.removesuffix(":latest")
    blocks = re.findall(r"```sh\n(.*?)```", markdown("09-a-team-and-its-registry.ipynb"), re.S)
    commands = [line for block in blocks for line in block.splitlines() if line.startswith(("docker ", "python "))]
    tags = [line.split()[2] for line in commands if line.startswith("docker tag ")]
    assert tags and all(t == base for t in tags), tags
    assert any(base in line and "build" in line or "base_image" in line for line in commands), commands
    # the promised mount names the repository pushed just before
    pushes = [line.split()[2] for line in commands if line.startswith("docker push ")]
    promise = re.search(r'"Mounted from ([\w/]+)"', "\n".join(commands))
    assert promise and pushes[0].split("/", 1)[1].split(":")[0] == promise[1]


def test_lesson_9s_real_docker_cell_runs_the_workshop_commands():
    nb = cells("09-a-team-and-its-registry.ipynb")
    (src, out), = [(s, o) for _, s, o in nb if "DockerSession(" in s]
    assert "real.base" in src and "team/busybox\", \"carol\"" in src.replace("'", '"')
    if "The push refers to repository" in out:  # run with an engine: docker mounted as the comment says
        assert "Mounted from carol/busybox" in out


def test_lesson_8_leads_on_to_lesson_9():
    assert "(09-a-team-and-its-registry.ipynb)" in markdown("08-multi-platform.ipynb")


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_no_machine_path_in_stored_outputs(name):
    data = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    for i, c in enumerate(data["cells"]):
        found = MACHINE.findall(json.dumps(c.get("outputs", [])))
        assert not found, f"{name} cell {i}: {found}"


def test_no_machine_path_on_the_built_site():
    site = ROOT / "_site"
    pages = sorted(site.rglob("*.html")) if site.is_dir() else []
    if not pages:
        pytest.skip("no site built (make site)")
    for page in pages:
        found = MACHINE.findall(page.read_text(encoding="utf-8", errors="replace"))
        assert not found, f"{page.relative_to(site)}: {found[:3]}"
