"""Lesson 4 exercises: tags as versions."""

from __future__ import annotations

from ..world import World
from ._world import fresh_world, reference_world
from .workbook import WORKBOOK

#: The lesson's application and its releases (the notebook builds exactly these).
DOCKERFILE = """
FROM alpine:3.17
COPY app.sh /app.sh
CMD ["sh", "/app.sh"]
"""
APP = "localhost:5000/team/app"
RELEASES = {
    "v1": b"echo 'app version 1'\n",
    "v2": b"echo 'app version 2'\n",
    "v3": b"echo 'app version 3 (beta)'\n",
}
V2_FIXED = b"echo 'app version 2, fixed'\n"


def lesson_world() -> World:
    """The registry after the lesson's story: v1 and v2 released with latest, v3 without it,
    then v2 rebuilt with a fix and pushed as v2 and latest."""
    world = fresh_world()
    laptop = world.hosts["laptop"]
    for version, tag_latest in (("v1", True), ("v2", True), ("v3", False)):
        laptop.build(DOCKERFILE, f"{APP}:{version}", context={"app.sh": RELEASES[version]})
        laptop.push(f"{APP}:{version}")
        if tag_latest:
            laptop.tag(f"{APP}:{version}", f"{APP}:latest")
            laptop.push(f"{APP}:latest")
    laptop.build(DOCKERFILE, f"{APP}:v2", context={"app.sh": V2_FIXED})
    laptop.push(f"{APP}:v2")
    laptop.tag(f"{APP}:v2", f"{APP}:latest")
    laptop.push(f"{APP}:latest")
    return world


def _python_alpine_tags() -> set[str]:
    repo = reference_world().registries["docker.io"].repository("library/python")
    return set(repo.tags_of(repo.tags["alpine"]))


def _latest_after_v4() -> str:
    world = lesson_world()
    laptop = world.hosts["laptop"]
    laptop.build(DOCKERFILE, f"{APP}:v4", context={"app.sh": b"echo 'app version 4'\n"})
    laptop.push(f"{APP}:v4")
    repo = world.registries["localhost:5000"].repository("team/app")
    return next(t for t in repo.tags_of(repo.tags["latest"]) if t != "latest")


def _pinned_v1() -> str:
    registry = lesson_world().registries["localhost:5000"]
    return f"{APP}@{registry.resolve('team/app', 'v1').digest}"


def _untagged() -> int:
    return len(lesson_world().registries["localhost:5000"].repository("team/app").untagged())


WORKBOOK.add("4.1", "Which tags of library/python on Docker Hub name the same image as python:alpine? "
             "Answer a set of tag names.", expected=_python_alpine_tags, item="tag", hint="Repository.tags_of(digest)",
             hints=['look up the digest python:alpine points at, then every tag that points there too'])
WORKBOOK.add("4.2", "A teammate pushes a new build as :v4 and does not touch :latest. Which version does "
             "`docker pull localhost:5000/team/app` give then? Answer a tag like 'v1'.",
             expected=_latest_after_v4, hint="which other tag points where latest points?",
             hints=['pushing :v4 moves only the tag v4'])
WORKBOOK.add("4.3", "Write a reference that always pulls the image released as v1, whatever happens to the "
             "tags: 'localhost:5000/team/app@sha256:…'.", expected=_pinned_v1, normalize=str.strip,
             hint="registry.resolve('team/app', 'v1').digest",
             hints=["a reference with '@' names a manifest by digest; resolve v1 to its digest"])
WORKBOOK.add("4.4", "How many manifests of team/app does no tag point at, after the lesson?",
             expected=_untagged, hint="Repository.untagged()",
             hints=['a build pushed under a tag that already exists leaves the old manifest behind, untagged'])
