"""Lesson 1 exercises: what a registry is."""

from __future__ import annotations

from ..data.search import image_size
from ..oci.manifest import Index, Manifest
from ._world import fresh_world, reference_world
from .workbook import WORKBOOK


def _nginx_layers() -> int:
    hub = reference_world().registries["docker.io"]
    index = hub.get_manifest("library/nginx", "latest").parsed
    assert isinstance(index, Index)
    entry = index.for_platform("linux/amd64")
    assert entry is not None
    manifest = hub.get_manifest("library/nginx", entry.digest).parsed
    assert isinstance(manifest, Manifest)
    return len(manifest.layers)


def _redis_after_nginx() -> int:
    world = fresh_world()
    prod = world.hosts["prod-server"]
    prod.pull("nginx")
    return prod.pull("redis").counts["exists"]


def _smallest() -> str:
    hub = reference_world().registries["docker.io"]
    sizes = {name.split("/", 1)[1]: image_size(hub, name, "latest")
             for name, repo in hub.repositories.items() if "latest" in repo.tags}
    return min(sorted(sizes), key=sizes.__getitem__)


WORKBOOK.add("1.1", "How many layers does the linux/amd64 image of nginx:latest have on Docker Hub?",
             expected=_nginx_layers, hint="look at the pull lines, or at the manifest's layers",
             hints=["pull nginx on a fresh host: every layer it downloads prints one 'Pull complete' line"])
WORKBOOK.add("1.2", "prod-server pulls nginx, then redis. How many of redis's layers 'Already exist'?",
             expected=_redis_after_nginx, hint="PullResult.counts counts each status",
             hints=['redis and nginx start from the same Debian base: how many layers does that base have?'])
WORKBOOK.add("1.3", "Which official repository has the smallest latest image for linux/amd64? "
             "Answer with its short name, like 'alpine'.", expected=_smallest,
             hint="search(hub, '') lists every repository with its size",
             hints=['compare the SIZE column, minding the units (kB, MB)'])
WORKBOOK.add("1.4", "Which registry does `docker pull localhost:5000/team/app:1.0` talk to? "
             "Answer with its domain.", expected=lambda: "localhost:5000",
             hint="regsim.parse_reference(...).domain",
             hints=["the first part of a reference is a domain when it has a '.' or a ':', or is 'localhost'"])
