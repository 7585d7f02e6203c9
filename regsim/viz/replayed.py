"""Pictures from a log alone: the registries and hosts as they were after the first ``k`` events.

Every picture of :class:`~regsim.viz.Capture`, :class:`~regsim.viz.Record` and the playground's
timeline is ``to_graph`` of a world rebuilt by :meth:`World.replay <regsim.World.replay>` from a
prefix of the log, so a log saved in one session (:meth:`EventLog.save
<regsim.events.EventLog.save>`) draws the same pictures in another::

    events = EventLog.load("session.jsonl")
    G = graph_at(events, 40, sources=[("registry", "localhost:5000"), ("host", "laptop")])

A ring (``EventLog(maxlen=...)``) or a log that was not recording cannot rebuild anything:
:func:`can_rebuild` says so, and the live views then draw the objects themselves.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import collections.abc
import numbers

import networkx as nx

from ..client.host import Host
from ..errors import InvalidArgument, expect
from ..events import Event
from ..registry import Registry
from ..world import World
from .graph import to_graph

__all__ = ["Source", "can_rebuild", "source_names", "graph_at"]

#: What to draw, by name: ``("registry", "localhost:5000")`` or ``("host", "laptop")``; none: everything.
Source = tuple[str, str]


def can_rebuild(events: Any) -> bool:
    """True when ``events`` holds the whole history (not a ring, and it was recording)."""
    expect("events", events, collections.abc.Iterable, "an event log or a sequence of events")
    return getattr(events, "maxlen", None) is None and getattr(events, "recording", True) is not False


def source_names(sources: Iterable[Registry | Host | World]) -> tuple[Source, ...]:
    """The names of ``sources``, in order; a :class:`World` among them stands for everything (``()``)."""
    expect("sources", sources, collections.abc.Iterable, "an iterable of Registry, Host or World objects")
    out: list[Source] = []
    for source in sources:
        if isinstance(source, World):
            return ()
        if isinstance(source, Registry):
            out.append(("registry", source.name))
        elif isinstance(source, Host):
            out.append(("host", source.name))
        else:
            raise InvalidArgument(f"sources must be Registry, Host or World objects, got {type(source).__name__}: {source!r}")
    return tuple(out)


def graph_at(events: Sequence[Event], k: int, *, sources: Sequence[Source] = (),
             **graph_options: Any) -> nx.DiGraph[str]:
    """``to_graph`` of the world the first ``k`` events build (of ``sources`` in it; all when
    empty). A source not created yet by then is left out."""
    expect("events", events, collections.abc.Sequence, "a sequence of events (an EventLog, a list)")
    expect("k", k, numbers.Integral, "an int")
    world = World.replay(events[:k])
    if not sources:
        return to_graph(world, **graph_options)
    found: list[Registry | Host] = []
    for kind, name in sources:
        source = (world.registries if kind == "registry" else world.hosts).get(name)
        if source is not None:
            found.append(source)
    if not found:
        return nx.DiGraph(kind="registry-graph", owners=[], repositories=graph_options.get("repositories"),
                          platform=graph_options.get("platform"))
    return to_graph(*found, **graph_options)
