"""Registries and hosts as typed ``networkx`` graphs.

:func:`to_graph` reads the model through its public API only and returns a plain
:class:`networkx.DiGraph` that any networkx algorithm can use. Node ids are readable strings::

    registry:docker.io                        host:laptop
    repository:docker.io/library/python       repository:laptop/docker.io/library/python
    tag:docker.io/library/python:3.11         tag:laptop/docker.io/library/python:3.11
    index:docker.io@sha256:…                  manifest:laptop@sha256:…
    config:docker.io@sha256:…                 layer:laptop@sha256:…

Every node has ``type`` (one of :data:`~regsim.viz.style.NODE_TYPES`), ``owner`` (the registry
or host name), ``owner_kind`` and ``label``. Content nodes (index, manifest, config, layer) also
have ``digest``, ``short`` (``sha256:3f4a5b6c…``), ``size``, ``media_type``, ``refcount`` (how many
tags and indexes point at a manifest; how many manifests reference a blob) and ``repositories``
(which repositories hold it). A registry's layer also has ``diff_id`` when its image config names one
other than the blob digest: the digest of the uncompressed tar, the id ``docker push`` prints.
On a registry with namespaces (Docker Hub), where public or private
decides who may pull, a repository's label says which (``alice/secret · private``).

Edges have a ``kind``: ``contains`` (owner -> repository -> tag), ``tag`` (tag -> manifest or
index), ``index-manifest``, ``manifest-config``, ``manifest-layer`` (with ``position``),
``untagged`` (repository -> a manifest no tag or index reaches), ``subject`` (an artifact such as
an SBOM or a signature -> the manifest its ``subject`` names; the artifact's node has ``subject``
and ``artifact_type``) and ``link`` (repository or owner
-> a blob no manifest references: what garbage collection sweeps).

Nodes are inserted in a deliberate order -- owners as given, repositories by name, tags in the
registry's order, manifests and blobs by first use -- so the same model always gives the same
graph, and the drawing is stable.

>>> from regsim import Registry, Image, Layer
>>> from regsim.client.remote import write
>>> reg = Registry("localhost:5000")
>>> _ = write(reg, "team/app", Image.create([Layer.from_files([("/a", b"a")])]), tags=["1.0"])
>>> G = to_graph(reg)
>>> sorted(G.nodes[n]["type"] for n in G)
['config', 'layer', 'manifest', 'registry', 'repository', 'tag']
>>> G.edges["tag:localhost:5000/team/app:1.0", next(G.successors("tag:localhost:5000/team/app:1.0"))]["kind"]
'tag'
"""

from __future__ import annotations

import fnmatch
from typing import Any, Callable, Iterable, Iterator, Mapping

import collections.abc

import networkx as nx

from ..oci.blob import Content
from ..oci.digest import Digest
from ..errors import InvalidArgument, RegistryError, UnknownKey, expect
from ..client.host import Host
from ..oci.image import Image, ImageIndex
from ..oci.manifest import Index, Manifest, parse_config, parse_manifest
from ..oci.mediatypes import CONFIG_TYPES
from ..oci.platform import Platform
from ..oci.reference import parse
from ..registry import Registry
from ..units import human_size, plural
from ..world import World

__all__ = ["to_graph", "node_id", "subgraph", "nodes_of_type", "content_nodes", "familiar", "common_order",
           "in_order"]

CONTENT_TYPES = ("index", "manifest", "config", "layer")


def familiar(repository: str) -> str:
    """The short name Docker shows: ``library/python`` and ``docker.io/library/python`` -> ``python``.

    >>> familiar("docker.io/library/python"), familiar("localhost:5000/team/app")
    ('python', 'localhost:5000/team/app')
    """
    expect("repository", repository, str)
    parts = repository.split("/")
    if parts[0] == "docker.io" and len(parts) > 1:
        parts = parts[1:]
    if parts[0] == "library" and len(parts) == 2:
        parts = parts[1:]
    return "/".join(parts)


def node_id(node_type: str, owner: str, key: str = "") -> str:
    """The id :func:`to_graph` gives a node.

    ``key`` is empty for an owner, the repository name for a repository (the full name on a
    host), ``repository:tag`` for a tag and the digest for content.

    >>> node_id("tag", "docker.io", "library/python:3.11")
    'tag:docker.io/library/python:3.11'
    >>> node_id("layer", "laptop", "sha256:" + "0" * 64)[:19]
    'layer:laptop@sha256'
    """
    expect("node_type", node_type, str)
    expect("owner", owner, str)
    expect("key", key, str)
    if node_type in ("registry", "host"):
        return f"{node_type}:{owner}"
    if node_type in ("repository", "tag"):
        return f"{node_type}:{owner}/{key}"
    if node_type in CONTENT_TYPES:
        return f"{node_type}:{owner}@{key}"
    raise InvalidArgument(f"unknown node type {node_type!r}: expected registry, host, repository, tag, "
                          f"{', '.join(CONTENT_TYPES)}")


def _expand(sources: Iterable[Any]) -> Iterator[Registry | Host]:
    for source in sources:
        if isinstance(source, (Registry, Host)):
            yield source
        elif isinstance(source, World):
            yield from source.registries.values()
            yield from source.hosts.values()
        elif isinstance(source, (list, tuple)):
            yield from _expand(source)
        else:
            raise InvalidArgument(f"sources: to_graph() takes Registry, Host or World objects, got {type(source).__name__}: "
                                  f"{source!r}")


#: Whether any of the names given matches the repositories wanted.
_Matcher = Callable[..., bool]


def _matcher(patterns: Iterable[str] | str | None) -> _Matcher:
    if patterns is None:
        return lambda *names: True
    if isinstance(patterns, str):
        patterns = [patterns]
    wanted = list(patterns)
    return lambda *names: any(fnmatch.fnmatchcase(n, p) for n in names for p in wanted)


def to_graph(*sources: Registry | Host | World, repositories: Iterable[str] | str | None = None,
             platform: str | Platform | None = None) -> nx.DiGraph[str]:
    """A typed graph of registries and hosts' local stores.

    Parameters
    ----------
    *sources:
        :class:`~regsim.Registry`, :class:`~regsim.Host` or :class:`~regsim.World` objects (a world
        stands for all its registries, then all its hosts), in the order they should be drawn.
    repositories:
        Only these repositories: names or shell patterns (``"library/*"``); on a host the
        familiar name (``python``) or the full one (``docker.io/library/python``).
    platform:
        Only manifests for this platform (``"linux/amd64"``); indexes stay, with the matching entry.

    Returns
    -------
    networkx.DiGraph
        ``G.graph`` holds ``owners`` (the owner node ids) and the filters.
    """
    G: nx.DiGraph[str] = nx.DiGraph(kind="registry-graph", owners=[], repositories=repositories,
                   platform=str(platform) if platform is not None else None)
    wanted = _matcher(repositories)
    plat = Platform.parse(platform) if platform is not None else None
    names: dict[str, str] = {}
    for source in _expand(sources):
        kind = "registry" if isinstance(source, Registry) else "host"
        if source.name in names:
            if names[source.name] == kind:
                continue  # the same registry or host given twice
            raise InvalidArgument(f"a registry and a host are both named {source.name!r}: "
                                  "their nodes would collide in one graph; draw them separately")
        names[source.name] = kind
        if isinstance(source, Registry):
            _add_registry(G, source, wanted, plat)
        else:
            _add_host(G, source, wanted, plat)
    return G


def _grouped(tags: Mapping[str, Digest]) -> list[tuple[str, Digest]]:
    """Tags in the registry's order, but those naming the same manifest kept together (in the
    order their manifests are first named): fewer crossing edges, the same picture every time."""
    first: dict[Digest, int] = {}
    for i, digest in enumerate(tags.values()):
        first.setdefault(digest, i)
    return sorted(tags.items(), key=lambda item: first[item[1]])


def _platform_ok(plat: Platform | None, found: Platform | None) -> bool:
    return plat is None or found is None or plat.matches(found)


def _content(G: nx.DiGraph[str], node_type: str, owner: str, digest: Digest, **attrs: Any) -> str:
    node = node_id(node_type, owner, digest)
    if node not in G:
        G.add_node(node, type=node_type, owner=owner, digest=digest, short=digest.short, **attrs)
    return node


def _blob_label(node_type: str, digest: Digest, size: int, refcount: int) -> str:
    text = f"{digest.short} {human_size(size)}"
    if node_type == "config":
        text = "config " + text
    if refcount > 1:
        text += f" · shared ×{refcount}"
    return text


def _manifest_label(node_type: str, digest: Digest, platform: str | None, entries: int) -> str:
    if node_type == "index":
        return f"index {digest.short} ({plural(entries, 'platform')})"
    return f"{digest.short} {platform}" if platform else digest.short


def _add_registry(G: nx.DiGraph[str], reg: Registry, wanted: _Matcher, plat: Platform | None) -> None:
    owner = reg.name
    root = node_id("registry", owner)
    G.add_node(root, type="registry", owner=owner, owner_kind="registry",
               label=owner if owner in reg.title else f"{owner} ({reg.title})", title=reg.title)
    G.graph["owners"].append(root)
    repos = reg.repositories
    # public/private decides who may pull only on a registry with namespaces (Docker Hub); an
    # open registry:2 lets anyone pull, one with htpasswd asks everyone for a login
    shows_visibility = reg.access.mode == "namespaces"

    # Registry-wide facts: which repositories hold a manifest, what refers to what, platforms.
    manifest_repos: dict[Digest, list[str]] = {}
    stored_by_digest = {}
    tag_refs: dict[Digest, int] = {}
    index_refs: dict[Digest, int] = {}
    platforms: dict[Digest, str] = {}
    blob_users: dict[Digest, set[Digest]] = {}
    blob_types: dict[Digest, str] = {}
    for name, repo in repos.items():
        for digest, stored in repo.manifests.items():
            manifest_repos.setdefault(digest, []).append(name)
            stored_by_digest[digest] = stored
        for digest in repo.tags.values():
            tag_refs[digest] = tag_refs.get(digest, 0) + 1
    for digest, stored in stored_by_digest.items():
        parsed = stored.parsed
        if isinstance(parsed, Index):
            for desc in parsed.manifests:
                index_refs[desc.digest] = index_refs.get(desc.digest, 0) + 1
                if desc.platform is not None:
                    platforms.setdefault(desc.digest, str(desc.platform))
        else:
            for desc in parsed.references():
                blob_users.setdefault(desc.digest, set()).add(digest)
                role = "config" if desc == parsed.config else "layer"
                if blob_types.get(desc.digest) != "layer":
                    blob_types[desc.digest] = role
    for digest, stored in stored_by_digest.items():
        if digest not in platforms and isinstance(stored.parsed, Manifest):
            found = _config_platform(reg, stored.parsed)
            if found is not None:
                platforms[digest] = found
    blob_repos: dict[Digest, list[str]] = {}
    for name, repo in repos.items():
        for digest in repo.blobs:
            blob_repos.setdefault(digest, []).append(name)

    def add_manifest(digest: Digest) -> str | None:
        stored = stored_by_digest[digest]
        node_type = "index" if stored.is_index else "manifest"
        found = platforms.get(digest)
        if node_type == "manifest" and stored.subject is None and \
                not _platform_ok(plat, Platform.parse(found) if found else None):
            return None  # (an artifact has no platform: it is drawn beside its subject)
        node = node_id(node_type, owner, digest)
        if node in G:
            return node
        entries = len(stored.parsed.manifests) if isinstance(stored.parsed, Index) else 0
        total = stored.size + sum(d.size for d in stored.references()) if not stored.is_index else None
        tags = tuple(f"{r}:{t}" for r in manifest_repos[digest] for t in repos[r].tags_of(digest))
        _content(G, node_type, owner, digest, owner_kind="registry", media_type=stored.media_type,
                 size=stored.size, total_size=total, platform=found, entries=entries,
                 repositories=tuple(manifest_repos[digest]), tags=tags,
                 refcount=tag_refs.get(digest, 0) + index_refs.get(digest, 0),
                 label=_manifest_label(node_type, digest, found, entries))
        if stored.subject is not None:  # an artifact (SBOM, signature): drawn in front of its subject
            kind = getattr(stored.parsed, "effective_artifact_type", None) or stored.parsed.artifact_type
            G.nodes[node].update(subject=stored.subject, artifact_type=kind,
                                 label=f"{digest.short} {kind}" if kind else digest.short)
        if isinstance(stored.parsed, Index):
            sizes = 0
            for desc in stored.parsed.manifests:
                if desc.digest in stored_by_digest:
                    child = add_manifest(desc.digest)
                    if child is not None:
                        G.add_edge(node, child, kind="index-manifest",
                                   platform=str(desc.platform) if desc.platform else None)
                        sizes += G.nodes[child]["total_size"] or 0
            G.nodes[node]["total_size"] = stored.size + sizes
        else:
            parsed = stored.parsed
            diff_ids = _diff_ids(reg, parsed)
            for position, desc in enumerate([parsed.config, *parsed.layers]):
                blob_type = "config" if position == 0 else "layer"
                content = reg.blobs.get(desc.digest)
                users = len(blob_users.get(desc.digest, ()))
                child = _content(G, blob_type, owner, desc.digest, owner_kind="registry", media_type=desc.media_type,
                                 size=desc.size, placeholder=bool(content is not None and content.is_placeholder),
                                 stored=content is not None, refcount=users,
                                 repositories=tuple(blob_repos.get(desc.digest, ())),
                                 label=_blob_label(blob_type, desc.digest, desc.size, users))
                diff_id = diff_ids.get(position - 1) if position else None
                if diff_id is not None and diff_id != desc.digest:  # the id docker's push lines print
                    G.nodes[child]["diff_id"] = diff_id
                G.add_edge(node, child, kind=f"manifest-{blob_type}", position=position - 1 if position else None)
        return node

    for name, repo in repos.items():
        if not wanted(name):
            continue
        rnode = node_id("repository", owner, name)
        G.add_node(rnode, type="repository", owner=owner, owner_kind="registry", name=name,
                   visibility=repo.visibility, label=f"{name} · {repo.visibility}" if shows_visibility else name,
                   tag_count=len(repo.tags),
                   manifest_count=len(repo.manifests), blob_count=len(repo.blobs))
        G.add_edge(root, rnode, kind="contains")
        for tag, digest in _grouped(repo.tags):
            target = add_manifest(digest)
            tnode = node_id("tag", owner, f"{name}:{tag}")
            G.add_node(tnode, type="tag", owner=owner, owner_kind="registry", repository=name, tag=tag,
                       digest=digest, label=f":{tag}")
            G.add_edge(rnode, tnode, kind="contains")
            if target is not None:
                G.add_edge(tnode, target, kind="tag")
        listed = {d.digest for s in repo.manifests.values() if isinstance(s.parsed, Index)
                  for d in s.parsed.manifests}
        for digest in sorted(repo.manifests):
            if not repo.tags_of(digest) and digest not in listed:
                target = add_manifest(digest)
                if target is not None:
                    G.add_edge(rnode, target, kind="untagged")
        for digest in sorted(repo.manifests):  # artifacts -> the manifest they are about
            subject = repo.manifests[digest].subject
            source = node_id("manifest", owner, digest)
            if subject is None or source not in G:
                continue
            target = add_manifest(subject) if subject in repo.manifests else None
            if target is not None:
                G.add_edge(source, target, kind="subject")
            else:
                G.nodes[source]["label"] += " · subject gone"
        # blobs linked here that no manifest of this repository references (yet, or any more)
        used_here = {d.digest for s in repo.manifests.values() if not s.is_index for d in s.references()}
        for digest in sorted(repo.blobs):
            if digest in used_here or digest in stored_by_digest:
                continue
            blob = reg.blobs.get(digest)
            size = blob.size if blob is not None else 0
            users = len(blob_users.get(digest, ()))
            kind = blob_types.get(digest, "layer")
            child = _content(G, kind, owner, digest, owner_kind="registry", media_type=None, size=size,
                             placeholder=bool(blob is not None and blob.is_placeholder), stored=blob is not None,
                             refcount=users, repositories=tuple(blob_repos[digest]),
                             label=_blob_label(kind, digest, size, users) + ("" if users else " · unreferenced"))
            G.add_edge(rnode, child, kind="link")

    # Blobs in the store that no repository links and no manifest references: what gc sweeps.
    if G.graph["repositories"] is None:
        for digest, blob in reg.blobs.items():
            if digest in stored_by_digest or digest in blob_users or digest in blob_repos:
                continue
            node_type, label = _orphan_kind(blob)
            child = _content(G, node_type, owner, digest, owner_kind="registry", media_type=None, size=blob.size,
                             placeholder=blob.is_placeholder, stored=True, refcount=0, repositories=(),
                             label=f"{digest.short} {human_size(blob.size)} · {label}")
            G.add_edge(root, child, kind="link")


def _orphan_kind(blob: Content) -> tuple[str, str]:
    """An unreferenced blob in the store: a deleted manifest's bytes, or a layer or config."""
    if not blob.is_placeholder and blob.size < 4 * 1024 * 1024 and blob.data[:1] == b"{":
        try:
            parsed = parse_manifest(blob.data)
        except RegistryError:
            return "config", "unreferenced"
        return ("index" if parsed.is_index else "manifest"), "deleted manifest, bytes stay until gc"
    return "layer", "unreferenced"


def _diff_ids(reg: Registry, manifest: Manifest) -> dict[int, Digest]:
    """Each layer's diff ID (the digest of its uncompressed tar), by position, from the config."""
    blob = reg.blobs.get(manifest.config.digest)
    if blob is None or blob.is_placeholder or manifest.config.media_type not in CONFIG_TYPES:
        return {}
    try:
        return dict(enumerate(parse_config(blob.data, manifest.config.media_type).diff_ids))
    except RegistryError:
        return {}


def _config_platform(reg: Registry, manifest: Manifest) -> str | None:
    blob = reg.blobs.get(manifest.config.digest)
    if blob is None or blob.is_placeholder or manifest.config.media_type not in CONFIG_TYPES:
        return None
    try:
        return str(parse_config(blob.data, manifest.config.media_type).platform)
    except RegistryError:
        return None


def _add_host(G: nx.DiGraph[str], host: Host, wanted: _Matcher, plat: Platform | None) -> None:
    owner = host.name
    root = node_id("host", owner)
    G.add_node(root, type="host", owner=owner, owner_kind="host", platform=str(host.platform),
               label=f"{owner} ({host.platform})", disk_usage=host.disk_usage())
    G.graph["owners"].append(root)
    images = host.local_images()
    users: dict[Digest, set[Digest]] = {}
    for image in images:
        for blob in image.blobs():
            users.setdefault(blob.digest, set()).add(image.digest)
    refs: dict[Digest, int] = {}
    repos_of: dict[Digest, set[str]] = {}
    tagged = host.tags
    objects: dict[str, Image | ImageIndex] = {ref: host.image(ref) for ref in tagged}
    for name, obj in objects.items():
        refs[obj.digest] = refs.get(obj.digest, 0) + 1
        children = obj.images if isinstance(obj, ImageIndex) else (obj,)
        for image in children:
            if isinstance(obj, ImageIndex):
                refs[image.digest] = refs.get(image.digest, 0) + 1
            for blob in image.blobs():
                repos_of.setdefault(blob.digest, set()).add(parse(name).familiar_name)

    def add_image(image: Image, platform: str | None = None) -> str | None:
        found = platform or str(image.platform)
        if not _platform_ok(plat, Platform.parse(found)):
            return None
        node = node_id("manifest", owner, image.digest)
        if node in G:
            return node
        total = len(image.manifest_bytes) + image.config_blob.size + image.size
        _content(G, "manifest", owner, image.digest, owner_kind="host", media_type=image.media_type,
                 size=len(image.manifest_bytes), total_size=total, platform=found, entries=0, image_id=image.id,
                 repositories=(), tags=(), refcount=refs.get(image.digest, 0),
                 label=f"{image.digest.short} {found}")
        for position, blob in enumerate(image.blobs()):
            blob_type = "config" if position == 0 else "layer"
            media_type = image.manifest.config.media_type if position == 0 else image.layers[position - 1].media_type
            count = len(users.get(blob.digest, ()))
            child = _content(G, blob_type, owner, blob.digest, owner_kind="host", media_type=media_type,
                             size=blob.size, placeholder=blob.is_placeholder, stored=blob.digest in host.blobs,
                             refcount=count, repositories=tuple(sorted(repos_of.get(blob.digest, ()))),
                             label=_blob_label(blob_type, blob.digest, blob.size, count))
            G.add_edge(node, child, kind=f"manifest-{blob_type}", position=position - 1 if position else None)
        return node

    def add_index(index: ImageIndex) -> str:
        node = node_id("index", owner, index.digest)
        if node in G:
            return node
        entries = len(index.index.manifests)
        _content(G, "index", owner, index.digest, owner_kind="host", media_type=index.media_type,
                 size=len(index.index_bytes), total_size=None, platform=None, entries=entries,
                 repositories=(), tags=(), refcount=refs.get(index.digest, 0),
                 label=_manifest_label("index", index.digest, None, entries))
        total = len(index.index_bytes)
        for desc in index.index.manifests:
            image = next((i for i in index.images if i.digest == desc.digest), None)
            if image is None:
                continue
            child = add_image(image, str(desc.platform) if desc.platform else None)
            if child is not None:
                G.add_edge(node, child, kind="index-manifest", platform=str(desc.platform) if desc.platform else None)
                total += G.nodes[child]["total_size"]
        G.nodes[node]["total_size"] = total
        return node

    reached: set[Digest] = set()
    for ref_text, obj in objects.items():
        ref = parse(ref_text)
        if not wanted(ref.familiar_name, ref.name):
            continue
        rnode = node_id("repository", owner, ref.name)
        if rnode not in G:
            G.add_node(rnode, type="repository", owner=owner, owner_kind="host", name=ref.name,
                       label=ref.familiar_name)
            G.add_edge(root, rnode, kind="contains")
        target = add_index(obj) if isinstance(obj, ImageIndex) else add_image(obj)
        tnode = node_id("tag", owner, f"{ref.name}:{ref.tag}")
        G.add_node(tnode, type="tag", owner=owner, owner_kind="host", repository=ref.name, tag=ref.tag,
                   digest=obj.digest, reference=ref_text, label=f":{ref.tag}")
        G.add_edge(rnode, tnode, kind="contains")
        if target is not None:
            G.add_edge(tnode, target, kind="tag")
            G.nodes[target]["tags"] = G.nodes[target]["tags"] + (ref.familiar,)
        reached.add(obj.digest)
        if isinstance(obj, ImageIndex):
            reached.update(i.digest for i in obj.images)
    if G.graph["repositories"] is None:
        for image in images:  # dangling images (<none>): only a repo digest or nothing names them
            if image.digest not in reached:
                node = add_image(image)
                if node is not None:
                    G.add_edge(root, node, kind="untagged")
        for digest, blob in host.blobs.items():
            if digest not in users:
                child = _content(G, "layer", owner, digest, owner_kind="host", media_type=None, size=blob.size,
                                 placeholder=blob.is_placeholder, stored=True, refcount=0, repositories=(),
                                 label=f"{digest.short} {human_size(blob.size)} · unreferenced")
                G.add_edge(root, child, kind="link")


# -- working with the graph ------------------------------------------------------------------------


def nodes_of_type(G: nx.DiGraph[str], *types: str) -> list[str]:
    """Nodes whose ``type`` is one of ``types``, in graph order."""
    expect("G", G, nx.DiGraph, "a graph from to_graph()")
    return [n for n, attrs in G.nodes(data=True) if attrs.get("type") in types]


def content_nodes(G: nx.DiGraph[str], owner: str, digest: str) -> list[str]:
    """The nodes of ``owner`` (registry or host name) holding content ``digest`` (any type)."""
    expect("G", G, nx.DiGraph, "a graph from to_graph()")
    expect("owner", owner, str)
    expect("digest", digest, str)
    return [n for n in (node_id(t, owner, digest) for t in CONTENT_TYPES) if n in G]


def subgraph(G: nx.DiGraph[str], *, owners: Iterable[str] | None = None,
             repositories: Iterable[str] | str | None = None, tags: Iterable[str] | str | None = None,
             orphans: bool = False) -> nx.DiGraph[str]:
    """The part of ``G`` under some owners (names), repositories and tags (names or patterns).

    Keeps each kept owner, its kept repositories and everything reachable from them, and with
    ``orphans`` (or when no repository filter is given) what hangs from the owner directly
    (unreferenced blobs, dangling images). ``tags`` (``"library/python:3.11"``,
    ``"myapp:*"``) keeps only those tags and what they reach (untagged manifests and unreferenced
    blobs of kept repositories stay). The result is a copy with the same attributes and node order.
    """
    expect("G", G, nx.DiGraph, "a graph from to_graph()")
    owner_set = set(owners) if owners is not None else None
    if owner_set is not None:
        known = {G.nodes[o]["owner"] for o in G.graph.get("owners", [])}
        unknown = sorted(owner_set - known)
        if unknown:
            raise UnknownKey(f"no registry or host named {unknown[0]!r} in the graph (it has: {', '.join(sorted(known))})")
    match = _matcher(repositories)
    tag_match = _matcher(tags)

    def reach(node: str) -> set[str]:
        found, stack = set(), [node]
        while stack:
            n = stack.pop()
            if n in found:
                continue
            data = G.nodes[n]
            if data["type"] == "tag" and tags is not None and not tag_match(
                    f"{data['repository']}:{data['tag']}", f"{familiar(data['repository'])}:{data['tag']}"):
                continue
            found.add(n)
            stack.extend(G.successors(n))
        return found

    keep: set[str] = set()
    for root in G.graph.get("owners", []):
        data = G.nodes[root]
        if owner_set is not None and data["owner"] not in owner_set:
            continue
        keep.add(root)
        for child in G.successors(root):
            cdata = G.nodes[child]
            if cdata["type"] == "repository":
                if repositories is not None and not match(cdata["name"], cdata["label"]):
                    continue
            elif repositories is not None and not orphans:
                continue
            keep |= reach(child)
    # built by hand: G.subgraph() iterates a set, which would lose the deliberate node order
    H: nx.DiGraph[str] = nx.DiGraph(**G.graph)
    H.add_nodes_from((n, dict(d)) for n, d in G.nodes(data=True) if n in keep)
    H.add_edges_from((u, v, dict(d)) for u, v, d in G.edges(data=True) if u in keep and v in keep)
    H.graph["owners"] = [o for o in G.graph.get("owners", []) if o in keep]
    return H


def common_order(graphs: Iterable[nx.DiGraph[str]]) -> list[str]:
    """All nodes of all ``graphs`` in one order: the first graph's order, and each node that is
    new in a later graph inserted right after the node before it there. Pictures of the same
    registry at several moments (before and after, the frames of an animation) drawn in this
    order keep every tag and manifest in its place.

    >>> a, b = nx.DiGraph(), nx.DiGraph()
    >>> a.add_nodes_from(["r", "t1", "t2"]); b.add_nodes_from(["r", "t2", "t3", "t1"])
    >>> common_order([a, b])
    ['r', 't1', 't2', 't3']
    """
    expect("graphs", graphs, collections.abc.Iterable, "an iterable of graphs from to_graph()")
    order: list[str] = []
    where: dict[str, int] = {}
    for G in graphs:
        prev = None
        for n in G:
            if n not in where:
                at = where[prev] + 1 if prev is not None else 0
                order.insert(at, n)
                where = {m: i for i, m in enumerate(order)}
            prev = n
    return order


def in_order(G: nx.DiGraph[str], order: Iterable[str]) -> nx.DiGraph[str]:
    """A copy of ``G`` whose nodes come in ``order`` (nodes ``order`` does not name come last)."""
    expect("G", G, nx.DiGraph, "a graph from to_graph()")
    expect("order", order, collections.abc.Iterable, "an iterable of node ids")
    ranked = {n: i for i, n in enumerate(order)}
    H: nx.DiGraph[str] = nx.DiGraph(**G.graph)
    H.add_nodes_from(sorted(G.nodes(data=True), key=lambda item: ranked.get(item[0], len(ranked))))
    H.add_edges_from(G.edges(data=True))
    return H
