"""Live pictures: a widget that redraws a registry while real clients push to it and pull from it.

A served registry (:func:`regsim.server.serve`) appends events to its log as ``docker push``
or ``skopeo copy`` talk to it, from the server's thread. :class:`LiveView` subscribes to that
log; when the events pause for ``quiet`` seconds, it closes the operation -- the graph before,
the events, the graph after, exactly what :func:`~regsim.viz.capture` records around a simulated
host's push -- and shows the same views: :func:`~regsim.viz.push_view` for a push,
:func:`~regsim.viz.pull_view` for a pull (the registry's side: what the client read), with the
bytes-moved summary, and the whole registry graph beside it::

    server = serve(registry)
    live = LiveView(registry, lock=server.lock)
    live                                   # shows the widget; now run `!docker push ...`
    live.operations[-1]                    # the last operation (an Operation), for views and tests

No threads of its own beyond a one-shot timer per pause; callbacks only set widget values.
:meth:`flush` closes the pending operation at once (a notebook or a test that just ran a
command can call it instead of waiting); :meth:`close` unsubscribes.
"""

from __future__ import annotations

import html
import threading
from contextlib import nullcontext
from typing import Any

import ipywidgets as widgets

from .. import events as ev
from ..events import Event
from .draw import draw_panels, plan, to_png
from .graph import to_graph
from .views import Operation, highlight, operation_view, summary

__all__ = ["LiveView"]

_PUSH_STEPS = (ev.BlobChecked, ev.UploadStarted, ev.UploadProgressed, ev.BlobUploaded, ev.BlobMounted)


class LiveView:
    """The graph and the last push or pull of ``registry``, redrawn as events arrive.

    ``lock``: the server's model lock (``server.lock``), held while the graph is read.
    ``quiet``: the pause (seconds) that ends an operation; a push ends with its manifest, waiting up
    to ``patience`` seconds for it. ``repositories``: draw only these (a name, a pattern like ``"team/*"``, or a list).
    ``on_operation``: a function called with each closed operation (a dashboard refreshes its tables).
    """

    def __init__(self, registry, *, lock=None, quiet: float = 0.3, patience: float = 120.0,
                 repositories=None, on_operation=None) -> None:
        self.registry = registry
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

    def _graph(self):
        return to_graph(self.registry, repositories=self.repositories)

    def _render_graph(self, G) -> bytes:
        if G.number_of_nodes() <= 1:
            return b""
        return to_png(draw_panels([plan(G, title=f"{self.registry.name} now")], managed=False))

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
            if not events:
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
        if op.kind in ("push", "pull"):
            try:
                h = highlight(op)
                self.view.value = to_png(operation_view(op, managed=False))
            except (KeyError, ValueError) as exc:  # a timer thread must not raise into the notebook
                self.view.value = b""
                self.caption.value = (f"<b>{html.escape(op.kind)}</b>: {len(op.events)} events; no picture "
                                      f"of this mix of operations ({html.escape(str(exc))})")
                return
            self.caption.value = f"<b>{html.escape(h.title)}</b><br>{html.escape(str(summary(op, h)))}"
        else:
            self.caption.value = (f"<b>{html.escape(op.kind)}</b>: {len(op.events)} events "
                                  f"({html.escape(op.events[-1].describe())})")

    def close(self) -> None:
        """Stop listening (the widget keeps its last pictures)."""
        self._unsubscribe()
        self._cancel()

    def _cancel(self) -> None:
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"LiveView({self.registry.name!r}, {len(self.operations)} operations)"
