"""Lesson 8 exercises: multi-platform images."""

from __future__ import annotations

from typing import Any, Iterable

from ..errors import RegistryError
from ..oci.manifest import Index
from ..oci.platform import Platform
from ._world import fresh_world, reference_world
from .workbook import WORKBOOK

#: The lesson's second host and its two-platform application (the notebook makes exactly these).
PI, PI_PLATFORM = "raspberry-pi", "linux/arm64"
DOCKERFILE = """
FROM python:3.11
RUN pip install flask
COPY app.py /app/
CMD ["python", "/app/app.py"]
"""
CONTEXT = {"app.py": b"print('hello from every platform')\n"}
PLATFORMS = ["linux/amd64", "linux/arm64"]


def _nginx_platforms() -> set[str]:
    index = reference_world().registries["docker.io"].resolve("library/nginx", "latest").parsed
    assert isinstance(index, Index)
    return {str(p) for p in index.platforms}


def _pi_bytes_for_node() -> int:
    pi = fresh_world().add_host(PI, platform=PI_PLATFORM, quiet=True)
    pi.pull("python:3.11")
    return pi.pull("node:18").bytes_received


def _manifests_in_repository() -> int:
    world = fresh_world()
    laptop = world.hosts["laptop"]
    laptop.build(DOCKERFILE, "localhost:5000/team/app:1.0", context=CONTEXT, platforms=PLATFORMS)
    laptop.push("localhost:5000/team/app:1.0")
    return len(world.registries["localhost:5000"].repository("team/app").manifests)


def _tool_for_both(answer: Any) -> str | None:
    registries = getattr(answer, "registries", None)
    if registries is None or "localhost:5000" not in registries:
        return f"expected the world (with localhost:5000), got {type(answer).__name__}"
    registry = registries["localhost:5000"]
    try:
        top = registry.resolve("team/tool", "1.0")
    except RegistryError:
        return "there is no localhost:5000/team/tool:1.0 yet: build it and push it"
    if not top.is_index:
        return "team/tool:1.0 is a single image, not an index: build it with platforms=[...]"
    for wanted in ("linux/amd64", PI_PLATFORM):
        entry = top.parsed.for_platform(Platform.parse(wanted))
        if entry is None:
            offered = ", ".join(str(p) for p in top.parsed.platforms)
            return f"the index has no image for {wanted} (it has: {offered})"
        try:
            manifest = registry.resolve("team/tool", entry.digest)
        except RegistryError:
            return f"the {wanted} manifest {entry.digest.short} is missing from team/tool"
        missing = [d.digest for d in manifest.references() if d.digest not in registry.blobs]
        if missing:
            return f"the {wanted} image cannot be pulled: blob {missing[0].short} is missing"
    return None


def _canonical_platforms(platforms: Iterable[Platform | str]) -> set[str]:
    """Platform names as docker matches them: linux/arm64 and linux/arm64/v8 are the same."""
    out = set()
    for p in platforms:
        plat = Platform.parse(str(p))
        if plat.architecture == "arm64" and plat.variant == "v8":
            plat = Platform(plat.os, plat.architecture)
        out.add(str(plat))
    return out


WORKBOOK.add("8.1", "Which platforms does the index of nginx:latest on Docker Hub list? Answer a set like "
             "{'linux/amd64', …}.", expected=lambda: _canonical_platforms(_nginx_platforms()),
             normalize=_canonical_platforms, item="platform",
             hint="hub.resolve('library/nginx', 'latest').parsed.platforms",
             hints=['one entry per platform in the index; linux/arm64/v8 counts as linux/arm64'])
WORKBOOK.add("8.2", "The raspberry-pi (linux/arm64) has pulled python:3.11. How many bytes does it receive when it "
             "pulls node:18?", expected=_pi_bytes_for_node, hint="PullResult.bytes_received",
             hints=["which of node's arm64 layers does the pi already have from python, and is the config new?"], unit="bytes")
WORKBOOK.add("8.3", "How many manifests does localhost:5000/team/app hold after the two-platform push, the "
             "index included?", expected=_manifests_in_repository, hint="Repository.manifests",
             hints=['one manifest per platform, and the index itself'])
WORKBOOK.add("8.4", "Build and push localhost:5000/team/tool:1.0 so that both the laptop (amd64) and the "
             "raspberry-pi (arm64) can pull it. Check the world.", checker=_tool_for_both,
             hint="laptop.build(..., platforms=[...]), then push", solution="tests/course/test_solutions.py::solve_8_4", solution_test="test_solution_passes_its_check")
