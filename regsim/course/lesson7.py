"""Lesson 7 exercises: deleting and garbage collection."""

from __future__ import annotations

from typing import Any

from ..world import World
from ._world import fresh_world
from .workbook import WORKBOOK

#: The lesson's application: three releases on Alpine, latest on v3 (the notebook pushes exactly these).
DOCKERFILE = """
FROM alpine:3.17
COPY app.sh /app.sh
CMD ["sh", "/app.sh"]
"""
VERSIONS = ["v1", "v2", "v3"]
APP = "localhost:5000/team/app"


def three_releases() -> World:
    """A fresh quiet world whose ``localhost:5000/team/app`` has v1, v2 and v3, and latest on v3."""
    world = fresh_world()
    laptop = world.hosts["laptop"]
    for version in VERSIONS:
        laptop.build(DOCKERFILE, f"{APP}:{version}", context={"app.sh": f"echo 'app {version}'\n".encode()})
        laptop.push(f"{APP}:{version}")
    laptop.tag(f"{APP}:v3", f"{APP}:latest")
    laptop.push(f"{APP}:latest")
    return world


def _freed(delete_untagged: bool) -> int:
    registry = three_releases().registries["localhost:5000"]
    registry.delete_tag("team/app", "v3")
    registry.delete_tag("team/app", "latest")
    return registry.garbage_collect(delete_untagged=delete_untagged).bytes_freed


def _swept_after_manifest_delete() -> int:
    registry = three_releases().registries["localhost:5000"]
    registry.delete_manifest("team/app", registry.resolve("team/app", "v2").digest)
    return len(registry.garbage_collect().swept)


def _v1_gone(answer: Any) -> str | None:
    if not hasattr(answer, "garbage_collect") or not hasattr(answer, "blobs"):
        return f"expected the registry of three_releases(), got {type(answer).__name__}"
    reference = three_releases().registries["localhost:5000"]
    v1 = reference.resolve("team/app", "v1")
    others = {reference.resolve("team/app", t).digest for t in ("v2", "v3")}
    shared = {d.digest for tag in ("v2", "v3") for d in reference.resolve("team/app", tag).references()}
    own = [d.digest for d in v1.references() if d.digest not in shared]
    try:
        repo = answer.repository("team/app")
    except Exception:
        return "this registry has no team/app repository: use the registry of three_releases()"
    for tag in ("v2", "v3", "latest"):
        digest = repo.tags.get(tag)
        if digest is None or digest not in others:
            return f"tag {tag} does not point at its release any more: v2, v3 and latest must still pull"
        missing = [d.digest for d in repo.manifests[digest].references() if d.digest not in answer.blobs]
        if missing:
            return f"{tag} cannot be pulled: blob {missing[0].short} is gone"
    if v1.digest in repo.manifests:
        return "the v1 manifest is still in team/app (untagged manifests are kept unless you ask)"
    left = [d for d in [v1.digest, *own] if d in answer.blobs]
    if left:
        return f"v1's bytes are still stored: blob {left[0].short} (garbage collection sweeps them)"
    return None


WORKBOOK.add("7.1", "In a fresh three_releases() world, delete the tags v3 and latest. How many bytes does "
             "garbage_collect() free?", expected=lambda: _freed(False),
             hint="without --delete-untagged, every manifest is a root",
             hints=['without delete_untagged every manifest is a root: which blobs does no manifest reference any '
                    'more?'], unit="bytes")
WORKBOOK.add("7.2", "Same start, same two deletes: how many bytes does garbage_collect(delete_untagged=True) free?",
             expected=lambda: _freed(True), hint="GCReport.bytes_freed; which layers does only v3 use?",
             hints=['count the blobs only v3 uses: its manifest, its config and its own layer'], unit="bytes")
WORKBOOK.add("7.3", "In a fresh three_releases() world, delete the manifest of v2 (by digest). How many blobs does "
             "garbage_collect() then sweep?", expected=_swept_after_manifest_delete,
             hint="len(GCReport.swept); the manifest's own bytes are a blob too",
             hints=["the v2 manifest's own bytes, and the blobs no other manifest references"])
WORKBOOK.add("7.4", "In a fresh three_releases() world, get rid of v1 for good: no manifest and no byte of v1 "
             "left, while v2, v3 and latest still pull. Check the registry.", checker=_v1_gone,
             hint="delete the tag (or the manifest), then garbage-collect", solution="tests/course/test_solutions.py::solve_7_4", solution_test="test_solution_passes_its_check")
