"""Live pictures: a widget that redraws a registry while real clients push to it and pull from it.

A served registry (:func:`regsim.server.serve`) appends events to its log as ``docker push``
or ``skopeo copy`` talk to it, from the server's thread. :class:`LiveView` subscribes to that
log; when the events pause for ``quiet`` seconds, it closes the operation -- the graph before,
the events, the graph after, exactly what :class:`~regsim.viz.Capture` records around a simulated
host's push -- and shows the same views: :func:`~regsim.viz.push_view` for a push,
:func:`~regsim.viz.pull_view` for a pull (the registry's side: what the client read), with the
bytes-moved summary, and the whole registry graph beside it::

    server = serve(registry)
    live = LiveView(server)                # or LiveView(registry, lock=server.lock, label=server.address)
    live                                   # shows the widget; now run `!docker push ...`
    live.operations[-1]                    # the last operation (an Operation), for views and tests

Pictures name the registry by ``label``: for a server, the address clients push to
(``127.0.0.1:PORT``), whatever name the model was given. An operation's picture shows the
repositories it touched, even those ``repositories`` leaves out of the graph beside it. A push
that sends nothing (a re-tag: ``docker tag`` then ``docker push``, every blob already there) is
shown as the push it is.

No threads of its own beyond a one-shot timer per pause; callbacks only set widget values.
:meth:`flush` closes the pending operation at once (a notebook or a test that just ran a
command can call it instead of waiting); :meth:`close` unsubscribes.
"""

from __future__ import annotations

import html
import threading
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Callable, Iterable, Protocol

import ipywidgets as widgets
import networkx as nx
from matplotlib.figure import Figure

from .. import events as ev
from ..errors import InvalidArgument
from ..events import Event
from ..registry import Registry
from .draw import draw_panels, plan, to_png
from .graph import subgraph, to_graph
from .views import Operation, highlight, operation_view, pull_highlight, pull_view, push_highlight, push_view, summary

__all__ = ["LiveView"]

_PUSH_STEPS = (ev.BlobChecked, ev.UploadStarted, ev.UploadProgressed, ev.BlobUploaded, ev.BlobMounted)


class _Served(Protocol):
    """A running server (:class:`~regsim.server.runner.RegistryServer`; viz does not import the server)."""

    @property
    def registry(self) -> Registry: ...

    @property
    def lock(self) -> AbstractContextManager[Any]: ...

    @property
    def address(self) -> str: ...


class LiveView:
    """The graph and the last push or pull of ``registry``, redrawn as events arrive.

    ``registry``: a :class:`~regsim.Registry`, or a running server (``serve(...)``), whose
    registry, lock and address are then used.
    ``lock``: the server's model lock (``server.lock``), held while the graph is read.
    ``label``: the registry's name in pictures and captions (default: the server's address, else
    the registry's name).
    ``quiet``: the pause (seconds) that ends an operation; a push ends with its manifest, waiting up
    to ``patience`` seconds for it. ``repositories``: draw only these (a name, a pattern like ``"team/*"``, or a list).
    ``on_operation``: a function called with each closed operation (a dashboard refreshes its tables).
    """

    def __init__(self, registry: Registry | _Served, *, lock: AbstractContextManager[Any] | None = None,
                 quiet: float = 0.3, patience: float = 120.0, repositories: Iterable[str] | str | None = None,
                 on_operation: Callable[[Operation], object] | None = None, label: str | None = None) -> None:
        if not (hasattr(registry, "events") or hasattr(registry, "registry") and hasattr(registry, "address")):
            raise InvalidArgument(f"registry must be a Registry or a RegistryServer, got {type(registry).__name__} {registry!r:.80}")
        if not isinstance(registry, Registry):  # a running server: its registry, lock and address
            lock = lock if lock is not None else registry.lock
            label = label if label is not None else registry.address
            registry = registry.registry
        self.registry = registry
        #: what pictures and captions call the registry
        self.label = label if label is not None else registry.name
        #: called with each closed :class:`~regsim.viz.Operation` after the pictures are set
        self.on_operation = on_operation
        #: how long to wait for a push's manifest before closing the operation anyway (seconds)
        self.patience = patience
        self._waited = 0.0
        self.lock = lock if lock is not None else nullcontext()
        self.quiet = quiet
        self.repositories = repositories
        #: every closed operation, oldest first
        self.operations: list[Operation] = []
        self.caption = widgets.HTML(value="<i>waiting for a client...</i>")
        self.graph = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.view = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.widget = widgets.VBox([self.caption, self.view, self.graph])
        # two locks, never held together with the model lock in the wrong order: the server thread
        # calls _on_event holding the model lock, and only ever takes _timer_lock briefly
        self._timer_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._timer: threading.Timer | None = None
        with self.lock:
            self._before = self._graph()
            self._mark = registry.events.mark()
        self.graph.value = self._render_graph(self._before)
        self._unsubscribe = registry.events.subscribe(self._on_event)

    def _graph(self) -> nx.DiGraph[str]:
        """The whole registry (an operation's picture keeps the repositories it touched)."""
        return to_graph(self.registry)

    def _shown(self, G: nx.DiGraph[str]) -> nx.DiGraph[str]:
        """``G`` cut to the ``repositories`` the graph beside the operation shows."""
        return G if self.repositories is None else subgraph(G, repositories=self.repositories)

    def graph_picture(self, G: nx.DiGraph[str] | None = None) -> Figure | None:
        """The figure of the graph now (``G``: a graph of the whole registry; default: the last
        one), labelled with :attr:`label`; None when it is empty."""
        G = self._shown(self._before if G is None else G)
        if G.number_of_nodes() <= 1:
            return None
        return self._relabel(draw_panels([plan(G, title=f"{self.registry.name} now")], managed=False))

    def _render_graph(self, G: nx.DiGraph[str] | None) -> bytes:
        fig = self.graph_picture(G)
        return b"" if fig is None else to_png(fig)

    def _relabel(self, fig: Figure) -> Figure:
        """Name the registry by :attr:`label` in every text of ``fig``."""
        if self.label != self.registry.name:
            from matplotlib.text import Text

            for text in fig.findobj(Text):
                if self.registry.name in text.get_text():
                    text.set_text(text.get_text().replace(self.registry.name, self.label))
        return fig

    def _named(self, text: str) -> str:
        return text.replace(self.registry.name, self.label)

    @staticmethod
    def what(op: Operation) -> str:
        """``push``, ``pull`` or the operation's :attr:`~regsim.viz.Operation.kind`: a served
        registry's push that sent no blob (a re-tag) is a push too, since a manifest was put."""
        kinds = {e.kind for e in op.events}
        if "ManifestPushed" in kinds and not kinds & {"BlobFetched", "ManifestFetched", "GarbageCollected"}:
            return "push"
        return op.kind

    def picture(self, op: Operation) -> Figure:
        """The figure of one operation: its before and after, labelled with :attr:`label`."""
        what = self.what(op)
        fig = (push_view(op, managed=False) if what == "push" else pull_view(op, managed=False) if what == "pull"
               else operation_view(op, managed=False))
        return self._relabel(fig)

    def _on_event(self, event: Event) -> None:
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.quiet, self._pause)
            self._timer.daemon = True
            self._timer.start()

    def _pause(self) -> None:
        """The events paused: close the operation, unless a push is still under way (a client
        compressing a big layer pauses between its blob checks and its uploads; a push ends with
        its manifest)."""
        events = self.registry.events.since(self._mark)
        pushing = [i for i, e in enumerate(events) if isinstance(e, _PUSH_STEPS)]
        finished = [i for i, e in enumerate(events) if isinstance(e, ev.ManifestPushed)]
        if pushing and (not finished or finished[-1] < pushing[-1]) and self._waited < self.patience:
            self._waited += self.quiet
            self._on_event(events[-1])
            return
        self.flush()

    def flush(self) -> Operation | None:
        """Close the operation the events since the last pause make, and redraw; returns it (or
        None when nothing happened)."""
        self._cancel()
        self._waited = 0.0
        with self._flush_lock:
            with self.lock:
                events = self.registry.events.since(self._mark)
                self._mark = self.registry.events.mark()
                after = self._graph() if events else None
            if after is None:  # (no events)
                return None
            op = Operation(before=self._before, events=list(events), after=after)
            self._before = after
            self._show(op)
            if self.on_operation is not None:
                self.on_operation(op)
            self.operations.append(op)  # after the pictures: a reader who sees it sees them too
            return op

    def _show(self, op: Operation) -> None:
        self.graph.value = self._render_graph(op.after)
        what = self.what(op)
        try:
            h = push_highlight(op) if what == "push" else pull_highlight(op) if what == "pull" else highlight(op)
            self.view.value = to_png(self.picture(op))
        except (KeyError, ValueError) as exc:  # a timer thread must not raise into the notebook
            self.view.value = b""
            self.caption.value = (f"<b>{html.escape(what)}</b>: no picture of this mix of operations "
                                  f"({html.escape(self._named(str(exc)))})")
            return
        lines = [f"<b>{html.escape(self._named(h.title))}</b>"]
        tags = [self._named(e.describe()).removeprefix(f"{self.label}: ") for e in op.events
                if isinstance(e, (ev.TagUpdated, ev.TagDeleted))]
        if tags:
            lines.append(html.escape("; ".join(tags)))
        if what in ("push", "pull"):
            lines.append(html.escape(self._named(str(summary(op, h)))))
        self.caption.value = "<br>".join(lines)

    def close(self) -> None:
        """Stop listening (the widget keeps its last pictures)."""
        self._unsubscribe()
        self._cancel()

    def _cancel(self) -> None:
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle: dict[str, Any] | None = self.widget._repr_mimebundle_(**kwargs)
        return bundle

    def __repr__(self) -> str:
        return f"LiveView({self.registry.name!r}, {len(self.operations)} operations)"
