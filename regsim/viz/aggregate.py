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

from typing import Any, Iterable, Mapping

import collections.abc
import numbers

import networkx as nx

from ..errors import InvalidArgument, expect
from ..oci.platform import Platform
from ..units import human_size, plural
from .graph import familiar, nodes_of_type

__all__ = ["layer_tree", "image_names", "fold_layers", "fold_tree", "fold_statuses"]


def _tag_key(tag: str) -> tuple[int, int, str]:
    return (tag != "latest", len(tag), tag)


def image_names(G: nx.DiGraph[str], manifest: str, *, max_tags: int = 2) -> str:
    """How people name a manifest node: its repositories' tags (through indexes too), e.g.
    ``python:latest, 3.11 +3``; the short digest when nothing names it."""
    expect("G", G, nx.DiGraph, "a graph from to_graph()")
    expect("manifest", manifest, str)
    by_repo: dict[str, list[str]] = {}
    parents = [manifest] + [u for u in G.predecessors(manifest) if G.nodes[u]["type"] == "index"]
    for target in parents:
        for u in G.predecessors(target):
            data = G.nodes[u]
            if data["type"] == "tag":
                by_repo.setdefault(data["repository"], []).append(data["tag"])
    if not by_repo:
        short: str = G.nodes[manifest]["short"]
        return short
    parts = []
    for repo in sorted(by_repo):
        tags = sorted(set(by_repo[repo]), key=_tag_key)
        more = f" +{len(tags) - max_tags}" if len(tags) > max_tags else ""
        parts.append(f"{familiar(repo)}:{', '.join(tags[:max_tags])}{more}")
    return "; ".join(parts)


def layer_tree(G: nx.DiGraph[str], *, platform: str | Platform | None = None) -> nx.DiGraph[str]:
    """Fold a graph from :func:`~regsim.viz.to_graph` into a forest of layer groups.

    Each owner (registry or host) is a root; under it (and under one ``platform`` node per
    platform when the images have several and ``platform`` is None), nodes of type
    ``layer-group`` with ``layers`` (digests), ``size`` (bytes), ``images`` (names of the images
    that end here), ``users`` (how many images contain the group) and ``saved`` (bytes
    deduplication saves: ``size * (users - 1)``). ``platform`` keeps only manifests of that
    platform.
    """
    expect("G", G, nx.DiGraph, "a graph from to_graph()")
    if G.graph.get("kind") != "registry-graph":
        raise InvalidArgument(f"G: layer_tree() needs a graph from to_graph(), got kind={G.graph.get('kind')!r}")
    plat = Platform.parse(platform) if platform is not None else None
    T: nx.DiGraph[str] = nx.DiGraph(kind="layer-tree", platform=str(plat) if plat else None)
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
                           label=f"{name} ({plural(len(sequences), 'image')})")
                T.add_edge(owner_node, parent, kind="contains")
            _fold(T, G, parent, owner, sequences)
            total_images += len(sequences)
            blobs = {c for seq, _ in sequences for c in seq}
            physical += sum(G.nodes[c]["size"] for c in blobs)
            logical += sum(G.nodes[c]["size"] for seq, _ in sequences for c in seq)
    T.graph.update(images=total_images, logical_bytes=logical, physical_bytes=physical)
    T.graph["title"] = (f"{plural(total_images, 'image')}: {human_size(logical)} of layers, "
                        f"{human_size(physical)} stored (each layer once)")
    return T


def _fold(T: nx.DiGraph[str], G: nx.DiGraph[str], root: str, owner: str,
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
    what = f"{plural(len(run), 'layer')}, {human_size(size)}"
    if users > 1:
        what += f", in {users} images"
    return f"{shown or 'shared base'}\n{what}"


# -- folding: long columns become "… N layers" nodes so that a picture keeps a readable size ------


def fold_layers(G: nx.DiGraph[str], keep: int, *, statuses: Mapping[str, str] | None = None,
                notes: Mapping[str, str] | None = None, pinned: Iterable[str] = ()) -> nx.DiGraph[str]:
    """A copy of registry graph ``G`` in which each manifest shows at most about ``keep`` layers:
    the first ``keep`` and the last one stay, and every longer run of layers in between that only
    this manifest uses and that share one status (and note) becomes a single layer node labelled
    ``… 296 layers, 1.2GB`` whose ``size`` is their sum (so its area stays honest) and whose
    ``folded`` attribute lists the nodes it stands for. ``pinned`` nodes are never folded. A note
    part that names the layer itself (its diff ID, as a push view notes ``push line 3f4a5b6c7d8e``)
    does not split a run: the folded node names no single layer, as its label does not.
    """
    expect("G", G, nx.DiGraph, "a graph from to_graph()")
    expect("keep", keep, numbers.Integral, "an int")
    statuses, notes, pinned_set = dict(statuses or {}), dict(notes or {}), set(pinned)
    runs: dict[str, list[str]] = {}  # folded node -> the nodes it replaces
    parent_of: dict[str, tuple[str, int]] = {}
    for m in nodes_of_type(G, "manifest"):
        layers = sorted((G.edges[m, c].get("position") or 0, c) for c in G.successors(m)
                        if G.edges[m, c].get("kind") == "manifest-layer")
        order = [c for _, c in layers]
        if len(order) <= keep + 1:
            continue
        run: list[str] = []

        def close() -> None:
            if len(run) >= 2:
                node = f"fold:{m}#{len(runs)}"
                runs[node] = list(run)
                parent_of[node] = (m, G.edges[m, run[0]].get("position") or 0)
            run.clear()

        for c in order[keep:-1]:
            foldable = (G.in_degree(c) == 1 and c not in pinned_set and G.out_degree(c) == 0)
            key = (statuses.get(c), _about_others(G, c, notes.get(c)))
            if not foldable or (run and key != (statuses.get(run[0]), _about_others(G, run[0], notes.get(run[0])))):
                close()
            if foldable:
                run.append(c)
        close()
    if not runs:
        return G
    replaced = {c: node for node, members in runs.items() for c in members}
    H: nx.DiGraph[str] = nx.DiGraph(**G.graph)
    for n, data in G.nodes(data=True):
        if n in replaced:
            node = replaced[n]
            if node in H:
                continue
            members = runs[node]
            size = sum(G.nodes[c].get("size") or 0 for c in members)
            H.add_node(node, type="layer", owner=data["owner"], owner_kind=data.get("owner_kind"), size=size,
                       folded=tuple(members), short="…", digest=None, refcount=1,
                       label=f"… {plural(len(members), 'layer')}, {human_size(size)}")
        else:
            H.add_node(n, **data)
    for u, v, data in G.edges(data=True):
        H.add_edge(replaced.get(u, u), replaced.get(v, v), **data)
    return H


def _about_others(G: nx.DiGraph[str], node: str, note: str | None) -> str | None:
    """``note`` without the ``"; "``-separated parts that name ``node`` itself (its diff ID)."""
    diff_id = G.nodes[node].get("diff_id")
    if note is None or diff_id is None:
        return note
    return "; ".join(part for part in note.split("; ") if diff_id.id12 not in part) or None


def fold_statuses(H: nx.DiGraph[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """``mapping`` (``{node: status}`` or notes) carried over to a folded graph: a folded node
    takes what its members' values share (of notes joined by ``"; "``, the parts every member
    has: not one layer's own ``push line`` id)."""
    expect("H", H, nx.DiGraph, "a graph from to_graph()")
    expect("mapping", mapping, collections.abc.Mapping, "a mapping of node to status")
    out = {n: s for n, s in mapping.items() if n in H}
    for n, data in H.nodes(data=True):
        members = data.get("folded")
        if not members or members[0] not in mapping:
            continue
        first = mapping[members[0]]
        if all(mapping.get(c) == first for c in members):
            out[n] = first
            continue
        others = [set((mapping.get(c) or "").split("; ")) for c in members[1:]]
        shared = [part for part in first.split("; ") if part and all(part in o for o in others)]
        if shared:
            out[n] = "; ".join(shared)
    return out


def fold_tree(T: nx.DiGraph[str], keep: int) -> nx.DiGraph[str]:
    """A copy of layer tree ``T`` in which no node has more than ``keep`` children: the ``keep``
    biggest subtrees stay (in their order) and the others become one ``… N more`` group holding
    their images and bytes."""
    expect("T", T, nx.DiGraph, "a graph from to_graph()")
    expect("keep", keep, numbers.Integral, "an int")
    def subtree(n: str) -> list[str]:
        return [n, *nx.descendants(T, n)]

    drop: set[str] = set()
    extra: list[tuple[str, str, dict[str, Any]]] = []
    for parent in list(T):
        if parent in drop:
            continue
        children = list(T.successors(parent))
        if len(children) <= keep:
            continue
        weight = {c: sum(T.nodes[d].get("size") or 0 for d in subtree(c)) for c in children}
        kept = set(sorted(children, key=lambda c: -weight[c])[:keep - 1] if keep > 1 else [])
        gone = [c for c in children if c not in kept]
        nodes = [d for c in gone for d in subtree(c)]
        drop.update(nodes)
        images = sum(len(T.nodes[d].get("images") or ()) for d in nodes)
        size = sum(T.nodes[d].get("size") or 0 for d in nodes)
        layers = sum(len(T.nodes[d].get("layers") or ()) for d in nodes)
        data = T.nodes[parent]
        extra.append((parent, f"fold:{parent}", dict(
            type="layer-group", owner=data.get("owner"), layers=(), size=size, images=(), users=0, saved=0,
            folded=tuple(nodes),
            label=f"… {plural(len(gone), 'more branch', 'more branches')}: {plural(images, 'image')}\n"
                  f"{plural(layers, 'layer')}, {human_size(size)}")))
    if not extra:
        return T
    H: nx.DiGraph[str] = nx.DiGraph(**T.graph)
    H.add_nodes_from((n, d) for n, d in T.nodes(data=True) if n not in drop)
    H.add_edges_from((u, v, d) for u, v, d in T.edges(data=True) if u not in drop and v not in drop)
    for parent, node, data in extra:
        H.add_node(node, **data)
        H.add_edge(parent, node, kind="parent" if parent.startswith("group:") else "contains")
    return H
