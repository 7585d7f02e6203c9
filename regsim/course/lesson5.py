"""Lesson 5 exercises: layer reuse and deduplication."""

from __future__ import annotations

from typing import Any

from ..errors import RegistryError, UnknownKey
from ..oci.manifest import Index, Manifest
from ..oci.reference import parse_docker_ref
from ..registry import Registry
from ..units import plural
from ._world import fresh_world, reference_world
from .workbook import WORKBOOK

#: The laptop's pulls and the team's applications of the lesson (the notebook uses exactly these).
PULLS = ["python:3.11", "node:18", "golang:1.19"]
APPS = {
    "web": "FROM node:18\nRUN npm install express\nCOPY server.js /app/\n",
    "api": "FROM python:3.11\nRUN pip install flask\nCOPY app.py /app/\n",
    "worker": "FROM python:3.11\nRUN pip install celery\nCOPY worker.py /app/\n",
    "tool": "FROM alpine:3.17\nRUN apk add curl\nCOPY tool.sh /app/\n",
}
CONTEXT = {"server.js": b"console.log('web')\n", "app.py": b"print('api')\n",
           "worker.py": b"print('worker')\n", "tool.sh": b"echo tool\n"}
PLATFORM = "linux/amd64"


def layers_of(registry: Registry, reference: str, platform: str = PLATFORM) -> dict[str, int]:
    """``{layer digest: size}`` of the ``platform`` image a reference names on ``registry``."""
    ref = parse_docker_ref(reference)
    stored = registry.resolve(ref.repository, ref.reference)
    if isinstance(stored.parsed, Index):
        entry = stored.parsed.for_platform(platform)
        if entry is None:
            raise UnknownKey(f"{reference} has no image for platform {platform}")
        stored = registry.resolve(ref.repository, entry.digest)
    manifest = stored.parsed
    assert isinstance(manifest, Manifest)
    return {layer.digest: layer.size for layer in manifest.layers}


def _shared_python_node() -> int:
    hub = reference_world().registries["docker.io"]
    python, node = layers_of(hub, "python:3.11"), layers_of(hub, "node:18")
    return sum(size for digest, size in python.items() if digest in node)


def _bytes_for_buildpack_deps() -> int:
    laptop = fresh_world().hosts["laptop"]
    for image in PULLS:
        laptop.pull(image)
    return laptop.pull("buildpack-deps:bullseye").bytes_received


def _team_saved_bytes() -> int:
    world = fresh_world()
    laptop = world.hosts["laptop"]
    for name, dockerfile in APPS.items():
        laptop.build(dockerfile, f"localhost:5000/team/{name}:1.0", context=CONTEXT)
        laptop.push(f"localhost:5000/team/{name}:1.0")
    return world.registries["localhost:5000"].storage().saved_bytes


def _share_nothing(answer: Any) -> str | None:
    if isinstance(answer, str) or not hasattr(answer, "__len__") or len(answer) != 2:
        return f"expected two image names like ('alpine:3.17', 'ubuntu:22.04'), got {answer!r}"
    first, second = answer
    hub = reference_world().registries["docker.io"]
    found = []
    for name in (first, second):
        try:
            found.append(layers_of(hub, str(name)))
        except (RegistryError, KeyError) as exc:
            return f"{name!r} is not an official image on this Docker Hub ({exc.args[0] if exc.args else exc})"
    if parse_docker_ref(str(first)) == parse_docker_ref(str(second)):
        return "those are the same image: choose two different ones"
    shared = [d for d in found[0] if d in found[1]]
    if shared:
        # the count only: the bytes they share would be another exercise's answer (5.1)
        return (f"{first} and {second} share {plural(len(shared), 'layer')}: look for two images "
                "whose family trees have different roots")
    return None


WORKBOOK.add("5.1", "How many bytes of layers do python:3.11 and node:18 (linux/amd64) share?",
             expected=_shared_python_node, hint="viz.dedup_stats(...) shows the shared bytes of each image",
             hints=["collect each image's layer digests; sum the sizes of those in both"], unit="bytes")
WORKBOOK.add("5.2", "The laptop has pulled python:3.11, node:18 and golang:1.19. How many bytes does "
             "`docker pull buildpack-deps:bullseye` receive then?", expected=_bytes_for_buildpack_deps,
             hint="which of its layers does the laptop lack? PullResult.bytes_received counts the config too",
             hints=["compare buildpack-deps's layers with those the laptop holds; the config blob is downloaded too"], unit="bytes")
WORKBOOK.add("5.3", "After the team's four applications are pushed, how many bytes does deduplication save "
             "in localhost:5000?", expected=_team_saved_bytes, hint="StorageReport.saved_bytes",
             hints=['what dedup saves is the logical bytes minus the physical bytes'], unit="bytes")
WORKBOOK.add("5.4", "Name two official images (like 'alpine:3.17') that share no layer at all on linux/amd64.",
             checker=_share_nothing, hint="look at the family tree: different roots share nothing", solution="tests/course/test_solutions.py::solve_5_4", solution_test="test_solution_passes_its_check")
