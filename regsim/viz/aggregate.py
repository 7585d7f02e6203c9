"""The aggregated view: layers grouped by the base images that share them.

A registry graph of the official images has hundreds of nodes. :func:`layer_tree` folds it into a
prefix tree of layer lists: an image is the list of its layers, images built ``FROM`` the same base
start with the same layers, so every image is a path from the root. Each tree node is a
*layer group* -- a run of consecutive layers shared by exactly the same images -- sized by its
bytes and labelled with the images that end there (``python:3.11``) and how many images use it.
Docker Hub's 52 official manifests become a forest of a few dozen nodes that a newcomer can read:
the Debian base under python, node and golang; the Alpine base under nginx:alpine.

>>> import regsim
>>> from regsim.viz import to_graph
>>> hub = regsim.World.standard(quiet=True).registries["docker.io"]
>>> T = layer_tree(to_graph(hub), platform="linux/amd64")
>>> T.graph["images"], T.graph["kind"]
(26, 'layer-tree')
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from ..oci.platform import Platform
from ..units import human_size
from .graph import familiar

__all__ = ["layer_tree", "image_names"]


def _tag_key(tag: str) -> tuple[int, int, str]:
    return (tag != "latest", len(tag), tag)


def image_names(G: nx.DiGraph, manifest: str, *, max_tags: int = 2) -> str:
    """How people name a manifest node: its repositories' tags (through indexes too), e.g.
    ``python:latest, 3.11 +3``; the short digest when nothing names it."""
    by_repo: dict[str, list[str]] = {}
    parents = [manifest] + [u for u in G.predecessors(manifest) if G.nodes[u]["type"] == "index"]
    for target in parents:
        for u in G.predecessors(target):
            data = G.nodes[u]
            if data["type"] == "tag":
                by_repo.setdefault(data["repository"], []).append(data["tag"])
    if not by_repo:
        return G.nodes[manifest]["short"]
    parts = []
    for repo in sorted(by_repo):
        tags = sorted(set(by_repo[repo]), key=_tag_key)
        more = f" +{len(tags) - max_tags}" if len(tags) > max_tags else ""
        parts.append(f"{familiar(repo)}:{', '.join(tags[:max_tags])}{more}")
    return "; ".join(parts)


def layer_tree(G: nx.DiGraph, *, platform: str | Platform | None = None) -> nx.DiGraph:
    """Fold a graph from :func:`~regsim.viz.to_graph` into a forest of layer groups.

    Each owner (registry or host) is a root; under it (and under one ``platform`` node per
    platform when the images have several and ``platform`` is None), nodes of type
    ``layer-group`` with ``layers`` (digests), ``size`` (bytes), ``images`` (names of the images
    that end here), ``users`` (how many images contain the group) and ``saved`` (bytes
    deduplication saves: ``size * (users - 1)``). ``platform`` keeps only manifests of that
    platform.
    """
    if G.graph.get("kind") != "registry-graph":
        raise ValueError(f"layer_tree() needs a graph from to_graph(), got kind={G.graph.get('kind')!r}")
    plat = Platform.parse(platform) if platform is not None else None
    T = nx.DiGraph(kind="layer-tree", platform=str(plat) if plat else None)
    total_images = 0
    logical = physical = 0
    for owner_node in G.graph.get("owners", []):
        odata = G.nodes[owner_node]
        owner = odata["owner"]
        T.add_node(owner_node, type=odata["type"], owner=owner, label=odata["label"])
        by_platform: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for n, data in G.nodes(data=True):
            if data["type"] != "manifest" or data["owner"] != owner:
                continue
            found = data.get("platform")
            if plat is not None and found is not None and not plat.matches(Platform.parse(found)):
                continue
            layers = sorted(((G.edges[n, c]["position"], c) for c in G.successors(n)
                             if G.edges[n, c]["kind"] == "manifest-layer"))
            by_platform.setdefault(found or "unknown platform", []).append(
                (tuple(c for _, c in layers), image_names(G, n)))
        for name in sorted(by_platform):
            sequences = by_platform[name]
            parent = owner_node
            if len(by_platform) > 1:
                parent = f"platform:{owner}/{name}"
                T.add_node(parent, type="platform", owner=owner, platform=name,
                           label=f"{name} ({len(sequences)} images)")
                T.add_edge(owner_node, parent, kind="contains")
            _fold(T, G, parent, owner, sequences)
            total_images += len(sequences)
            blobs = {c for seq, _ in sequences for c in seq}
            physical += sum(G.nodes[c]["size"] for c in blobs)
            logical += sum(G.nodes[c]["size"] for seq, _ in sequences for c in seq)
    T.graph.update(images=total_images, logical_bytes=logical, physical_bytes=physical)
    T.graph["title"] = (f"{total_images} images: {human_size(logical)} of layers, "
                        f"{human_size(physical)} stored (each layer once)")
    return T


def _fold(T: nx.DiGraph, G: nx.DiGraph, root: str, owner: str,
          sequences: list[tuple[tuple[str, ...], str]]) -> None:
    # a trie keyed by layer prefixes; then runs of single-child, image-less nodes are merged
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {(): []}
    ends: dict[tuple[str, ...], list[str]] = {}
    users: dict[tuple[str, ...], int] = {}
    for seq, name in sequences:
        for i in range(1, len(seq) + 1):
            prefix, parent = seq[:i], seq[: i - 1]
            if prefix not in children:
                children[prefix] = []
                children[parent].append(prefix)
            users[prefix] = users.get(prefix, 0) + 1
        ends.setdefault(seq, []).append(name)

    def kept(prefix: tuple[str, ...]) -> bool:
        return prefix in ends or len(children[prefix]) != 1

    def walk(prefix: tuple[str, ...], parent_node: str, start: int) -> None:
        for child in children[prefix]:
            end = child
            while not kept(end):
                end = children[end][0]
            run = end[start:]
            size = sum(G.nodes[c]["size"] for c in run)
            node = f"group:{owner}@{G.nodes[end[-1]]['digest']}#{len(end)}"
            names = ends.get(end, [])
            n_users = users[end]
            T.add_node(node, type="layer-group", owner=owner, layers=tuple(G.nodes[c]["digest"] for c in run),
                       size=size, images=tuple(names), users=n_users, saved=size * (n_users - 1),
                       label=_group_label(names, run, size, n_users))
            T.add_edge(parent_node, node, kind="parent" if parent_node.startswith("group:") else "contains")
            walk(end, node, len(end))

    walk((), root, 0)


def _group_label(names: list[str], run: tuple[Any, ...], size: int, users: int) -> str:
    shown = " | ".join(names[:2]) + (f" | +{len(names) - 2} more" if len(names) > 2 else "")
    what = f"{len(run)} layer{'s' if len(run) != 1 else ''}, {human_size(size)}"
    if users > 1:
        what += f", in {users} images"
    return f"{shown or 'shared base'}\n{what}"
