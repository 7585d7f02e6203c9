"""A pull-through mirror in pictures: what it served from its store, what it fetched, and the
upstream's pull quota draining.

The input is the mirror's decisions, oldest first: the :class:`~regsim.server.mirror.MirrorEvent`
records of ``mirror.events`` (``serve(..., mirror=Mirror(...))``), or any objects with the same
fields (``outcome``, ``kind``, ``upstream``, ``quota_remaining``), or their ``to_dict()``.

>>> from types import SimpleNamespace as E
>>> events = [E(outcome="fetched", kind="manifest", upstream=("manifest GET",), quota_remaining=99),
...           E(outcome="fetched", kind="blob", upstream=("blob GET",), quota_remaining=99),
...           E(outcome="hit", kind="manifest", upstream=(), quota_remaining=None),
...           E(outcome="hit", kind="blob", upstream=(), quota_remaining=None)]
>>> series = mirror_series(events)
>>> series["hits"], series["fetched"], series["quota"], series["pulls"]
([0, 0, 1, 2], [1, 2, 2, 2], [99, 99, 99, 99], [1, 1, 1, 1])
>>> fig = draw_mirror(events, quota_limit=100)
>>> [ax.get_title() for ax in fig.axes]
['mirror: 2 served from its store, 2 fetched', 'upstream quota: 99 of 100 pulls left']
"""

from __future__ import annotations

import collections.abc
import threading
from typing import Any, Callable, Iterable, Protocol, cast

from matplotlib.figure import Figure

from ..errors import InvalidArgument, expect

from .style import OKABE_ITO

__all__ = ["mirror_series", "draw_mirror", "MirrorLiveView"]

#: outcome -> (colour, label) for the request strip
OUTCOMES = {
    "hit": (OKABE_ITO["bluish green"], "served from the store"),
    "revalidated": (OKABE_ITO["orange"], "revalidated (HEAD), served from the store"),
    "fetched": (OKABE_ITO["vermillion"], "fetched from the upstream"),
    "stale": (OKABE_ITO["sky blue"], "stale copy (upstream failed)"),
    "passed": (OKABE_ITO["reddish purple"], "upstream's answer passed on"),
    "refused": (OKABE_ITO["black"], "refused (a push)"),
}


def _field(event: Any, name: str) -> Any:
    return event.get(name) if isinstance(event, dict) else getattr(event, name)


def mirror_series(events: Iterable[Any]) -> dict[str, list[Any]]:
    """Per event: cumulative ``hits`` (store) and ``fetched``, the ``quota`` left upstream (the
    last value the upstream sent; None before it sent one) and cumulative upstream ``pulls``
    (manifest GETs), plus each event's ``outcome`` and ``kind``."""
    expect("events", events, collections.abc.Iterable, "an iterable of mirror events")
    out: dict[str, list[Any]] = {"outcome": [], "kind": [], "hits": [], "fetched": [], "quota": [], "pulls": []}
    hits = fetched = pulls = 0
    quota = None
    for event in events:
        outcome, kind = _field(event, "outcome"), _field(event, "kind")
        if outcome in ("hit", "revalidated", "stale"):
            hits += 1
        elif outcome == "fetched":
            fetched += 1
        pulls += sum(1 for request in (_field(event, "upstream") or ()) if request == "manifest GET")
        remaining = _field(event, "quota_remaining")
        quota = remaining if remaining is not None else quota
        for key, value in (("outcome", outcome), ("kind", kind), ("hits", hits), ("fetched", fetched),
                           ("quota", quota), ("pulls", pulls)):
            out[key].append(value)
    return out


def draw_mirror(events: Iterable[Any], *, quota_limit: int | None = None,
                figsize: tuple[float, float] = (8.0, 4.6)) -> Figure:
    """Two panels over the requests the mirror answered, in order: above, one mark per request
    (blob or manifest row, coloured by outcome) with the running counts of requests served from
    the store and fetched; below, the upstream quota left (``quota_limit`` draws the limit)."""
    expect("events", events, collections.abc.Iterable, "an iterable of mirror events")
    series = mirror_series(list(events))
    n = len(series["outcome"])
    fig = Figure(figsize=figsize, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    x = list(range(1, n + 1))
    top.step(x, series["hits"], where="post", color=OUTCOMES["hit"][0], linewidth=2, label="served from the store")
    top.step(x, series["fetched"], where="post", color=OUTCOMES["fetched"][0], linewidth=2, label="fetched")
    rows = {"manifest": -0.6, "blob": -1.4}
    seen = set()
    for i, (outcome, kind) in enumerate(zip(series["outcome"], series["kind"]), start=1):
        colour, label = OUTCOMES.get(outcome, ("grey", outcome))
        top.scatter([i], [rows.get(kind, -1.0)], marker="s", s=30, color=colour,
                    label=None if outcome in seen else label)
        seen.add(outcome)
    top.set_yticks([rows["blob"], rows["manifest"], *range(0, max(series["hits"] + series["fetched"] + [1]) + 1)])
    top.set_yticklabels(["blob", "manifest", *[str(t) for t in range(0, max(series["hits"] + series["fetched"]
                                                                           + [1]) + 1)]])
    hits, fetched = (series["hits"][-1], series["fetched"][-1]) if n else (0, 0)
    top.set_title(f"mirror: {hits} served from its store, {fetched} fetched")
    top.legend(loc="upper left", fontsize="small", frameon=False)
    top.set_ylabel("requests")
    quota = [q if q is not None else float("nan") for q in series["quota"]]
    bottom.step(x, quota, where="post", color=OKABE_ITO["blue"], linewidth=2)
    if quota_limit is not None:
        bottom.axhline(quota_limit, color="grey", linestyle="--", linewidth=1)
        bottom.set_ylim(0, quota_limit * 1.08)
    known = [q for q in series["quota"] if q is not None]
    if known:
        of = f" of {quota_limit}" if quota_limit is not None else ""
        bottom.set_title(f"upstream quota: {known[-1]}{of} pulls left")
    else:
        bottom.set_title("upstream quota: not reported (the upstream sends no ratelimit headers)")
    bottom.set_ylabel("pulls left")
    bottom.set_xlabel("request to the mirror, in order")
    return fig


class _QuotaCounters(Protocol):
    @property
    def quota_limit(self) -> int | None: ...


class _FollowedMirror(Protocol):
    """What the live view uses of a :class:`~regsim.server.mirror.Mirror` (viz does not import
    the server)."""

    @property
    def counters(self) -> _QuotaCounters: ...

    @property
    def events(self) -> Iterable[Any]: ...

    def subscribe(self, callback: Callable[[Any], None]) -> None: ...

    def unsubscribe(self, callback: Callable[[Any], None]) -> None: ...


class MirrorLiveView:
    """:func:`draw_mirror` of a running mirror, redrawn when its requests pause.

    ``mirror``: a :class:`~regsim.server.mirror.Mirror` (``server.app.mirror``), or a server
    serving one. ``quiet``: the pause (seconds) after which the picture is redrawn.
    :meth:`refresh` redraws at once; :meth:`close` stops following the mirror.
    """

    def __init__(self, mirror: object, *, quiet: float = 0.3, quota_limit: int | None = None) -> None:
        if not hasattr(getattr(getattr(mirror, "app", None), "mirror", None) or mirror, "subscribe"):
            raise InvalidArgument(f"mirror must be a Mirror or a server of one (serve(..., mirror_of=...)), got {type(mirror).__name__} {mirror!r:.80}")
        import ipywidgets as widgets

        self.mirror = cast(_FollowedMirror, getattr(getattr(mirror, "app", None), "mirror", None) or mirror)
        self.quiet = quiet
        self.quota_limit = quota_limit
        self.image = widgets.Image(format="png")
        self.widget = widgets.VBox([self.image])
        self._timer: threading.Timer | None = None
        self._closed = False
        self.mirror.subscribe(self._on_event)
        self.refresh()

    def _on_event(self, event: object) -> None:
        if self._closed:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.quiet, self.refresh)
        self._timer.daemon = True
        self._timer.start()

    def refresh(self) -> Figure:
        """Redraw now; returns the figure."""
        from .draw import to_png

        limit = self.quota_limit if self.quota_limit is not None else self.mirror.counters.quota_limit
        fig = draw_mirror(list(self.mirror.events), quota_limit=limit)
        self.image.value = to_png(fig)
        return fig

    def close(self) -> None:
        """Stop following the mirror: cancel a pending redraw and unsubscribe from its requests (the
        picture stays as it is).
        """
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
        self.mirror.unsubscribe(self._on_event)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle: dict[str, Any] | None = self.widget._repr_mimebundle_(**kwargs)
        return bundle
