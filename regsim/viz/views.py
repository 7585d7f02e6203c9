"""Operation views: what a push, a pull, a tag move or a garbage collection did.

Wrap the operation in :class:`Capture`; it keeps the graph before, the events the operation
appended to the log, and the graph after. The views read those three only::

    with viz.Capture(world) as op:
        laptop.push("localhost:5000/myapp:1.0")
    viz.operation_view(op)        # before | after, with uploaded / mounted / already there
    print(viz.summary(op))        # push: 2 blobs uploaded (3.38MB) ... -> 3.38MB sent

Statuses come from events, never from the model's insides: a push's ``BlobUploaded``,
``BlobMounted`` and ``BlobChecked``; a pull's ``LayerPulled`` and ``BlobFetched``; ``TagUpdated``
and ``TagDeleted``; ``GarbageCollected``'s swept digests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import collections.abc
from typing import Any, Iterable, Iterator

import networkx as nx
from matplotlib.figure import Figure

from .. import events as ev
from ..errors import InvalidArgument, expect
from ..deprecation import moved_names
from ..events import Event, EventLog
from ..client.host import Host
from ..registry import Registry
from ..units import human_size, plural
from ..world import World
from .draw import MAX_DETAIL_NODES, MAX_DRAWING_HEIGHT, Plan, draw_panels, in_one_row, plan, stacked_height
from .graph import common_order, content_nodes, in_order, node_id, subgraph, to_graph
from .replayed import can_rebuild, graph_at, source_names

__all__ = [
    "Operation", "Capture", "event_logs", "Highlight", "push_highlight", "pull_highlight", "pull_source_highlight",
    "tag_highlight", "gc_highlight",
    "change_highlight", "highlight", "TransferReport", "summary", "transfers", "operation_view", "push_view",
    "pull_view", "tag_view", "gc_view", "change_view",
]

BLOB_TYPES = ("config", "layer")


@dataclass
class Operation:
    """One recorded operation: the graph before, the events, the graph after."""

    before: nx.DiGraph[str]
    events: list[Event] = field(default_factory=list)
    after: nx.DiGraph[str] | None = None

    @property
    def kind(self) -> str:
        """``gc``, ``pull``, ``push``, ``tag`` or ``change`` (anything else: a build, an rmi...)."""
        kinds = {e.kind for e in self.events}
        if "GarbageCollected" in kinds:
            return "gc"
        if kinds & {"PullFinished", "LayerPulled"}:
            return "pull"
        if kinds & {"BlobFetched", "ManifestFetched"} and not kinds & {"BlobUploaded", "BlobMounted", "ManifestPushed"}:
            return "pull"  # a real client's pull, seen by a served registry (no host events)
        if kinds & {"BlobUploaded", "BlobMounted", "PushStarted"}:
            return "push"
        if any(isinstance(e, ev.TagUpdated) and e.previous not in (None, e.digest) for e in self.events) or \
                kinds & {"TagDeleted", "ManifestDeleted"}:
            return "tag"
        return "change"

    def __repr__(self) -> str:
        state = "recording" if self.after is None else f"{len(self.events)} events"
        return f"Operation({self.kind if self.after is not None else '?'}, {state})"


def event_logs(sources: Iterable[Any]) -> list[EventLog]:
    """The distinct event logs of some registries, hosts and worlds (usually the world's one)."""
    expect("sources", sources, collections.abc.Iterable, "an iterable of Registry, Host or World objects")
    logs: list[EventLog] = []
    for source in sources:
        if not isinstance(source, (Registry, Host, World)):
            raise InvalidArgument(f"sources: Capture() takes Registry, Host or World objects, got {type(source).__name__}: {source!r}")
        if not any(source.events is log for log in logs):
            logs.append(source.events)
    return logs


class Capture:
    """Record an operation on some registries and hosts (a context manager yielding an
    :class:`Operation` that is complete when the block ends, even if it raised).

    The graphs before and after are drawn from the log (:func:`~regsim.viz.replayed.graph_at`:
    the world the log rebuilds up to the start and the end of the block), so the pictures say
    what the log says. Sources whose log cannot rebuild (a ring, a log not recording, sources on
    different logs) are drawn live instead.
    """

    def __init__(self, *sources: Registry | Host | World, **graph_options: Any) -> None:
        if not sources:
            raise InvalidArgument("sources: Capture() needs at least one Registry, Host or World to watch")
        self.sources = sources
        self.options = graph_options
        self._logs = event_logs(sources)
        self._names = source_names(sources)
        self._from_log = len(self._logs) == 1 and can_rebuild(self._logs[0])
        self._marks: list[int] = []
        self.operation: Operation | None = None

    def _graph(self) -> nx.DiGraph[str]:
        if self._from_log:
            log = self._logs[0]
            return graph_at(log, log.mark(), sources=self._names, **self.options)
        return to_graph(*self.sources, **self.options)

    def __enter__(self) -> Operation:
        self._marks = [log.mark() for log in self._logs]
        self.operation = Operation(before=self._graph())
        return self.operation

    def __exit__(self, *exc: Any) -> None:
        assert self.operation is not None
        for log, mark in zip(self._logs, self._marks):
            self.operation.events.extend(log.since(mark))
        self.operation.after = self._graph()


# -- highlights: statuses per node, from the events ---------------------------------------------


@dataclass
class Highlight:
    """What to show of an operation: the owner, the scope, and statuses before and after."""

    kind: str
    owner: str
    repositories: tuple[str, ...] | None
    after: dict[str, str] = field(default_factory=dict)
    before: dict[str, str] = field(default_factory=dict)
    ghost_edges: list[tuple[str, str, str]] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    title: str = ""

    def scope(self, G: nx.DiGraph[str]) -> nx.DiGraph[str]:
        """The part of ``G`` this highlight is about."""
        return subgraph(G, owners=[self.owner], repositories=self.repositories,
                        orphans=self.repositories is not None)


def _blob_nodes(G: nx.DiGraph[str], owner: str, digest: str) -> list[str]:
    return [n for n in content_nodes(G, owner, digest) if G.nodes[n]["type"] in BLOB_TYPES]


def _untagged_now(G: nx.DiGraph[str], node: str) -> bool:
    return node in G and not any(G.edges[u, node]["kind"] in ("tag", "index-manifest") for u in G.predecessors(node))


def _after(op: Operation) -> nx.DiGraph[str]:
    if op.after is None:
        raise InvalidArgument("op: the operation is still being recorded: use its views after the `with` block")
    return op.after


def _tag_change(h: Highlight, before: nx.DiGraph[str], after: nx.DiGraph[str], owner: str, e: ev.TagUpdated) -> None:
    tnode = node_id("tag", owner, f"{e.repository}:{e.tag}")
    if tnode not in after:
        return
    if e.previous is None or tnode not in before:
        h.after[tnode] = "new"
    elif e.previous == e.digest:
        h.after.setdefault(tnode, "skipped")
    else:
        h.after[tnode] = "moved"
        for old in content_nodes(after, owner, e.previous):
            h.ghost_edges.append((tnode, old, "was"))
            h.notes[old] = f"was :{e.tag}"
            if _untagged_now(after, old):
                h.after[old] = "untagged"
        for new in content_nodes(after, owner, e.digest):
            h.after.setdefault(new, "tagged")


def push_highlight(op: Operation) -> Highlight:
    """Blobs uploaded, mounted (from which repository) or skipped; manifests and tags created."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    before, after = op.before, _after(op)
    targets = [e for e in op.events if isinstance(e, (ev.BlobUploaded, ev.BlobMounted, ev.ManifestPushed))]
    if not targets:
        raise InvalidArgument(f"op: no push in these {len(op.events)} events (no BlobUploaded, BlobMounted or ManifestPushed)")
    owner = targets[0].registry
    sources = [e.from_repository for e in op.events if isinstance(e, ev.BlobMounted) and e.registry == owner]
    repos = tuple(dict.fromkeys([*(e.repository for e in targets if e.registry == owner), *sources]))
    started = next((e for e in op.events if isinstance(e, ev.PushStarted)), None)
    title = (f"docker push {owner}/{started.repository}:{started.tag} (from {started.host})" if started
             else f"push to {owner}/{', '.join(repos)}")
    h = Highlight("push", owner, repos, title=title)
    for e in op.events:
        if getattr(e, "registry", None) != owner or isinstance(e, ev.HostEvent):
            continue
        if isinstance(e, ev.BlobChecked) and e.exists:
            for n in _blob_nodes(after, owner, e.digest):
                h.after.setdefault(n, "skipped")
        elif isinstance(e, ev.BlobUploaded):
            for n in _blob_nodes(after, owner, e.digest):
                h.after[n] = "uploaded"
                if e.deduplicated:
                    h.notes[n] = "bytes already stored once: deduplicated"
        elif isinstance(e, ev.BlobMounted):
            for n in _blob_nodes(after, owner, e.digest):
                h.after[n] = "mounted"
                h.notes[n] = f"from {e.from_repository}"
        elif isinstance(e, ev.ManifestPushed):
            for n in content_nodes(after, owner, e.digest):
                if n not in h.after:
                    h.after[n] = "new" if n not in before else "skipped"
        elif isinstance(e, ev.TagUpdated):
            _tag_change(h, before, after, owner, e)
    for n, status in h.after.items():  # name a layer as the push lines do: by its diff ID
        diff_id = after.nodes[n].get("diff_id") if n in after else None
        if diff_id is not None and status in ("uploaded", "mounted", "skipped"):
            h.notes[n] = "; ".join(filter(None, [h.notes.get(n), f"push line {diff_id.id12}"]))
    for repo in repos:
        node = node_id("repository", owner, repo)
        if node in after and node not in before:
            h.after[node] = "new"
    return h


def pull_highlight(op: Operation) -> Highlight:
    """Layers downloaded or already local on the host; the image, index and tag it created."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    before, after = op.before, _after(op)
    finished = [e for e in op.events if isinstance(e, ev.PullFinished)]
    pulled = [e for e in op.events if isinstance(e, ev.LayerPulled)]
    if not finished and not pulled and any(isinstance(e, (ev.BlobFetched, ev.ManifestFetched)) for e in op.events):
        return pull_source_highlight(op)  # a real client: only the registry's side was seen
    if not finished and not pulled:
        raise InvalidArgument(f"op: no pull in these {len(op.events)} events (no LayerPulled or PullFinished)")
    host = (finished or pulled)[0].host
    if host not in {after.nodes[o]["owner"] for o in after.graph.get("owners", [])} and \
            any(isinstance(e, ev.PullStarted) for e in op.events):
        return pull_source_highlight(op)  # the host was not recorded (a live view of the registry alone)
    fetched = {e.digest for e in op.events if isinstance(e, ev.BlobFetched)}
    title = "docker pull " + ", ".join(f"{e.registry}/{e.repository}:{e.reference}" for e in finished
                                       if e.host == host) + f" (on {host})"
    h = Highlight("pull", host, None, title=title)
    for layer in pulled:
        if layer.host == host:
            for n in _blob_nodes(after, host, layer.digest):
                h.after[n] = "downloaded" if layer.status == "downloaded" else "local"
    for e in finished:
        if e.host != host:
            continue
        for n in _blob_nodes(after, host, e.image_id):
            h.after[n] = "downloaded" if e.image_id in fetched else "local"
        for n, data in after.nodes(data=True):
            if data["owner"] == host and data["type"] == "manifest" and data.get("image_id") == e.image_id:
                h.after[n] = "new" if n not in before else "local"
        for n in content_nodes(after, host, e.digest):
            h.after.setdefault(n, "new" if n not in before else "local")
        name = f"{e.registry}/{e.repository}"
        repo = node_id("repository", host, name)
        if repo in after and repo not in before:
            h.after[repo] = "new"
        tag = node_id("tag", host, f"{name}:{e.reference}")
        if tag in after:
            if tag not in before:
                h.after[tag] = "new"
            elif before.nodes[tag]["digest"] != after.nodes[tag]["digest"]:
                h.after[tag] = "moved"
            else:
                h.after[tag] = "local"
    return h


def pull_source_highlight(op: Operation) -> Highlight:
    """The registry side of a pull: the index and the one platform manifest the client read, the
    blobs it downloaded, and the layers it did not need because the host had them."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    after = _after(op)
    started = [e for e in op.events if isinstance(e, (ev.PullStarted, ev.ManifestFetched, ev.BlobFetched))]
    if not started:
        raise InvalidArgument(f"op: no pull in these {len(op.events)} events (no PullStarted, ManifestFetched or BlobFetched)")
    owner, repository = started[0].registry, started[0].repository
    seen = "" if isinstance(started[0], ev.PullStarted) else " (a real client, seen by the registry)"
    h = Highlight("pull", owner, (repository,), title=f"{owner}/{repository}: what the pull read{seen}")
    for e in op.events:
        if getattr(e, "repository", None) != repository:
            continue  # another pull (or push) recorded in the same operation
        if isinstance(e, ev.ManifestFetched) and e.registry == owner:
            for n in content_nodes(after, owner, e.digest):
                h.after[n] = "fetched"
        elif isinstance(e, ev.BlobFetched) and e.registry == owner:
            for n in _blob_nodes(after, owner, e.digest):
                h.after[n] = "downloaded"
        elif isinstance(e, ev.LayerPulled) and e.registry == owner and e.status == "exists":
            for n in _blob_nodes(after, owner, e.digest):
                h.after.setdefault(n, "local")
    return h


def tag_highlight(op: Operation) -> Highlight:
    """Tags moved, created or deleted; the old and new targets; manifests left untagged."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    before, after = op.before, _after(op)
    changes = [e for e in op.events if isinstance(e, (ev.TagUpdated, ev.TagDeleted, ev.ManifestDeleted))]
    if not changes:
        raise InvalidArgument(f"op: no tag change in these {len(op.events)} events (no TagUpdated, TagDeleted or ManifestDeleted)")
    owner = changes[0].registry
    repos = tuple(dict.fromkeys(e.repository for e in changes if e.registry == owner))
    h = Highlight("tag", owner, repos, title="; ".join(e.describe() for e in changes if e.registry == owner))
    for e in changes:
        if e.registry != owner:
            continue
        if isinstance(e, ev.TagUpdated):
            _tag_change(h, before, after, owner, e)
        elif isinstance(e, ev.TagDeleted):
            h.before[node_id("tag", owner, f"{e.repository}:{e.tag}")] = "deleted"
            for n in content_nodes(after, owner, e.digest):
                if _untagged_now(after, n):
                    h.after[n] = "untagged"
        else:
            for n in content_nodes(before, owner, e.digest):
                h.before[n] = "deleted"
            for t in e.tags:
                h.before[node_id("tag", owner, f"{e.repository}:{t}")] = "deleted"
            for n in content_nodes(after, owner, e.digest):
                h.after[n] = "deleted"
                h.notes[n] = "bytes stay until gc"
    h.before = {n: s for n, s in h.before.items() if n in before}
    return h


def gc_highlight(op: Operation) -> Highlight:
    """What garbage collection swept (or would sweep, for a dry run), marked on the graph before."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    before, after = op.before, _after(op)
    runs = [e for e in op.events if isinstance(e, ev.GarbageCollected)]
    if not runs:
        raise InvalidArgument(f"op: no garbage collection in these {len(op.events)} events (no GarbageCollected)")
    owner = runs[0].registry
    h = Highlight("gc", owner, None)
    flags = []
    for e in runs:
        if e.registry != owner:
            continue
        for digest in [*e.swept, *(d for _, d in e.deleted_manifests)]:
            for n in content_nodes(before, owner, digest):
                h.before[n] = "swept"
        flags = [f for f, on in (("--delete-untagged", e.delete_untagged), ("--dry-run", e.dry_run)) if on]
    h.title = " ".join(["registry garbage-collect", *flags, f"({owner})"])
    scoped = subgraph(before, owners=[owner])
    if scoped.number_of_nodes() > MAX_DETAIL_NODES:
        repos = {before.nodes[n].get("name") for s in h.before for n in nx.ancestors(before, s)
                 if before.nodes[n]["type"] == "repository"}
        h.repositories = tuple(sorted(r for r in repos if r))
    return h


def change_highlight(op: Operation) -> Highlight:
    """Any other operation (a build, a tag on a host, an rmi): what appeared and what went."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    before, after = op.before, _after(op)
    actors = [e.actor for e in op.events if e.actor]
    if not actors:
        raise InvalidArgument("op: no events: nothing changed")
    owner = actors[-1]
    repos = {e.repository for e in op.events if e.actor == owner and hasattr(e, "repository")}
    h = Highlight("change", owner, None, title="; ".join(dict.fromkeys(
        e.describe() for e in op.events if e.actor == owner and not isinstance(e, (ev.BuildStep, ev.BlobChecked)))))
    if subgraph(after, owners=[owner]).number_of_nodes() > MAX_DETAIL_NODES and repos:
        h.repositories = tuple(sorted(repos))
    for n, data in after.nodes(data=True):
        if data["owner"] != owner:
            continue
        if n not in before:
            h.after[n] = "new"
        elif data["type"] == "tag" and before.nodes[n].get("digest") != data.get("digest"):
            h.after[n] = "moved"
    for n, data in before.nodes(data=True):
        if data["owner"] == owner and n not in after:
            h.before[n] = "deleted"
    return h


def highlight(op: Operation) -> Highlight:
    """The highlight for the operation's :attr:`~Operation.kind`."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    return {"push": push_highlight, "pull": pull_highlight, "tag": tag_highlight, "gc": gc_highlight,
            "change": change_highlight}[op.kind](op)


# -- the bytes-transferred summary --------------------------------------------------------------


_PHRASES = {  # status -> (what happened, what did not)
    "uploaded": ("uploaded", ""), "mounted": ("mounted", ", not sent"), "skipped": ("already there", ", not sent"),
    "downloaded": ("downloaded", ""), "local": ("already local", ", not downloaded"), "swept": ("swept", ""),
}


@dataclass(frozen=True)
class TransferReport:
    """Blobs and bytes per status for one operation: plain data, with a one-line ``str``."""

    operation: str
    counts: dict[str, int]
    bytes: dict[str, int]
    bytes_sent: int
    bytes_received: int
    bytes_freed: int

    def __str__(self) -> str:
        parts = [f"{plural(self.counts[s], 'blob')} {_PHRASES[s][0]} "
                 f"({human_size(self.bytes[s])}{_PHRASES[s][1]})" for s in _PHRASES if self.counts.get(s)]
        moved = []
        if self.operation == "push" or self.bytes_sent:
            moved.append(f"{human_size(self.bytes_sent)} sent")
        if self.operation == "pull" or self.bytes_received:
            moved.append(f"{human_size(self.bytes_received)} received")
        if self.operation == "gc":
            moved.append(f"{human_size(self.bytes_freed)} freed")
        if self.counts.get("untagged"):
            n = self.counts["untagged"]
            parts.append(f"{plural(n, 'manifest')} left untagged (gc --delete-untagged would remove {'it' if n == 1 else 'them'})")
        if self.operation == "tag" and not (self.bytes_sent or self.bytes_received):
            parts.insert(0, "no bytes moved (a tag only points at a manifest)")
        head = f"{self.operation}: " + (", ".join(parts) if parts else "no blobs moved")
        return head + (" → " + ", ".join(moved) if moved else "")

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain data (operation, counts and bytes per status, bytes sent, received and
        freed), for JSON or a DataFrame row.
        """
        return {"operation": self.operation, "counts": dict(self.counts), "bytes": dict(self.bytes),
                "bytes_sent": self.bytes_sent, "bytes_received": self.bytes_received,
                "bytes_freed": self.bytes_freed}

    def _repr_html_(self) -> str:
        from ..display import table

        rows = [[_PHRASES[s][0], self.counts[s], human_size(self.bytes[s])] for s in _PHRASES if self.counts.get(s)]
        rows += [["bytes sent", "", human_size(self.bytes_sent)], ["bytes received", "", human_size(self.bytes_received)]]
        if self.operation == "gc":
            rows.append(["bytes freed", "", human_size(self.bytes_freed)])
        return table(rows, header=["", "blobs", "bytes"], caption=f"What the {self.operation} moved")


#: Events of blobs that moved (or were linked instead of sent), and the status each counts as.
MOVED = {ev.BlobUploaded: "uploaded", ev.BlobMounted: "mounted", ev.BlobFetched: "downloaded"}


def transfers(events: Iterable[Event], *, registries: Iterable[str] | None = None,
              hosts: Iterable[str] | None = None) -> Iterator[tuple[int, int]]:
    """``(sent, received)`` bytes of each event in turn: a blob upload is sent, a blob download is
    received, anything else ``(0, 0)``.

    With ``registries`` or ``hosts``, only transfers that involve them count: to or from one of
    those registries, or made by one of those hosts (the push or pull in progress on that
    registry says which host). A recording of ``localhost:5000`` does not count the base image
    that a build on the laptop pulled from Docker Hub meanwhile.
    """
    expect("events", events, collections.abc.Iterable, "an iterable of events")
    return _transfers(events, registries, hosts)


def _transfers(events: Iterable[Event], registries: Iterable[str] | None,
               hosts: Iterable[str] | None) -> Iterator[tuple[int, int]]:
    everything = registries is None and hosts is None
    regs, host_names = set(registries or ()), set(hosts or ())
    session: dict[str, str] = {}  # registry -> the host whose push or pull is in progress there
    for e in events:
        if isinstance(e, (ev.PushStarted, ev.PullStarted)):
            session[e.registry] = e.host
        elif isinstance(e, (ev.PushFinished, ev.PullFinished)):
            session.pop(e.registry, None)
        if isinstance(e, (ev.BlobUploaded, ev.BlobFetched)) and (
                everything or e.registry in regs or session.get(e.registry) in host_names):
            yield (e.size, 0) if isinstance(e, ev.BlobUploaded) else (0, e.size)
        else:
            yield 0, 0


def summary(op: Operation, h: Highlight | None = None) -> TransferReport:
    """Blobs and bytes per status (uploaded, mounted, already there, downloaded, swept...).

    Uploads, mounts and downloads are counted from the events, whatever view ``h`` is for (a tag
    view of a build + push still says what the push sent); what did not move (already there,
    already local, swept) is read from the highlight.
    """
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    h = h or highlight(op)
    counts: dict[str, int] = {}
    sizes: dict[str, int] = {}

    def add(status: str, size: int) -> None:
        counts[status] = counts.get(status, 0) + 1
        sizes[status] = sizes.get(status, 0) + size

    for e in op.events:
        if isinstance(e, (ev.BlobUploaded, ev.BlobMounted, ev.BlobFetched)):  # MOVED's types (none is subclassed)
            add(MOVED[type(e)], e.size)
    for statuses, G in ((h.after, _after(op)), (h.before, op.before)):
        for n, status in statuses.items():
            kinds = ("config", "layer", "manifest", "index") if status == "swept" else BLOB_TYPES
            if status in ("skipped", "local", "swept") and G.nodes[n]["type"] in kinds:
                add(status, G.nodes[n]["size"])
    untagged = sum(1 for s in h.after.values() if s == "untagged")
    if untagged:
        counts["untagged"] = untagged
    freed = sum(e.bytes_freed for e in op.events if isinstance(e, ev.GarbageCollected) and not e.dry_run)
    return TransferReport(h.kind, counts, sizes, sizes.get("uploaded", 0), sizes.get("downloaded", 0), freed)


# -- the views ------------------------------------------------------------------------------------


def _view(op: Operation, h: Highlight, *, managed: bool, arrange: str = "auto",
          extra: Highlight | None = None) -> Figure:
    before, after = h.scope(op.before), h.scope(_after(op))
    # one node order for both panels: tags and manifests keep their places from before to after
    order = common_order([before, after])
    before, after = in_order(before, order), in_order(after, order)
    dry = any(isinstance(e, ev.GarbageCollected) and e.dry_run for e in op.events)
    owners = before.graph["owners"] or after.graph["owners"]
    where = f": {(before if before.graph['owners'] else after).nodes[owners[0]]['label']}" if owners else ""
    budget = MAX_DRAWING_HEIGHT - 0.6  # the summary underneath and the panel titles

    def panels(height: float) -> list[Plan]:
        out = [plan(before, highlight=h.before, title=f"before{where}", aggregate=False, max_height=height),
               plan(after, highlight=h.after, ghost_edges=h.ghost_edges, notes=h.notes, aggregate=False,
                    title=f"after{where}" + (" (dry run: nothing removed)" if dry else ""), max_height=height)]
        if extra is not None:
            source = extra.scope(_after(op))
            out.append(plan(source, highlight={n: s for n, s in extra.after.items() if n in source},
                            title=extra.title, aggregate=False, max_height=height))
        return out

    shown = panels(budget)
    if not in_one_row(shown, arrange) and stacked_height(shown) > budget:  # stacked: they share the height
        shown = panels(budget / len(shown) - 0.4)
    return draw_panels(shown, title=h.title, footer=str(summary(op, h)), managed=managed, arrange=arrange)


_ARRANGE = """``arrange``: ``"auto"`` puts before and after side by side when that fits in
    :data:`~regsim.viz.draw.MAX_ROW_WIDTH` inches and stacks them otherwise (text stays legible);
    ``"row"`` or ``"column"`` force one. ``managed=False`` gives a figure pyplot does not track (for
    PNG bytes)."""


def operation_view(op: Operation, *, managed: bool = True, arrange: str = "auto") -> Figure:
    """Before | after for any recorded operation, with a bytes-transferred summary underneath."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    return _view(op, highlight(op), managed=managed, arrange=arrange)


def push_view(op: Operation, *, managed: bool = True, arrange: str = "auto") -> Figure:
    """A push: which blobs were uploaded, mounted or skipped as already present."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    return _view(op, push_highlight(op), managed=managed, arrange=arrange)


def pull_view(op: Operation, *, managed: bool = True, arrange: str = "auto", source: bool = False) -> Figure:
    """A pull: which layers were downloaded and which were already local on the host.

    With ``source=True`` a third panel shows the registry side: which manifest of an index the
    pull picked for the host's platform, and which blobs it read.
    """
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    extra = pull_source_highlight(op) if source else None
    return _view(op, pull_highlight(op), managed=managed, arrange=arrange, extra=extra)


def tag_view(op: Operation, *, managed: bool = True, arrange: str = "auto") -> Figure:
    """A tag move or delete: old and new target, and the manifest left untagged."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    return _view(op, tag_highlight(op), managed=managed, arrange=arrange)


def gc_view(op: Operation, *, managed: bool = True, arrange: str = "auto") -> Figure:
    """Garbage collection: what was swept, marked on the graph before; the graph after."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    return _view(op, gc_highlight(op), managed=managed, arrange=arrange)


def change_view(op: Operation, *, managed: bool = True, arrange: str = "auto") -> Figure:
    """Anything else (build, host tag, rmi, manifest delete): what appeared and what went."""
    expect("op", op, Operation, "an Operation (from `with Capture(...) as op:`)")
    return _view(op, change_highlight(op), managed=managed, arrange=arrange)


for _f in (operation_view, push_view, pull_view, tag_view, gc_view, change_view):
    _f.__doc__ = f"{_f.__doc__}\n\n    {_ARRANGE}\n    "


# Old names work for one release, with a DeprecationWarning (issue 20: one vocabulary).
__getattr__ = moved_names("regsim.viz.views", {'capture': 'Capture', 'TransferSummary': 'TransferReport'}, globals())
