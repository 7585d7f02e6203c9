"""Step-through animations of event sequences: precomputed frames, a ``Play`` + slider widget,
and exports to animated GIF and to a standalone HTML page for slides.

:class:`Record` subscribes to the event log while a scenario runs and keeps, for every step event
(a blob uploaded, a layer pulled, a tag moved...), the graph right after it. :class:`Animation`
lays out the union of all those graphs once -- so a node never moves between frames -- and renders
every frame to PNG up front. The widget only swaps precomputed images: no threads, no sleeps, and
it works the same in JupyterLab, Voilà and JupyterLite::

    with viz.Record(world.registries["localhost:5000"], laptop) as rec:
        laptop.push("localhost:5000/myapp:1.0")
    anim = viz.Animation(rec)   # or, from a saved log: Animation(Recording.from_log(events, ...))
    anim.widget()            # Play + slider over the frames
    anim.to_gif("push.gif")  # for slides

Shown in a notebook, an animation is the widget in a live kernel; its mimebundle also carries
:meth:`Animation.html`, a self-contained player of the same frames, so a static copy (nbconvert
HTML, a repository viewer, ``make site``) can still play it.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import networkx as nx

from .. import events as ev
from ..oci.digest import Digest
from ..errors import InvalidArgument, expect
from ..deprecation import moved_names
from ..events import Event
from ..client.host import Host
from ..registry import Registry
from ..units import human_size, plural
from ..world import World
from .draw import draw_panels, legend_figure, plan, to_png
from .graph import common_order, content_nodes, node_id, to_graph
from .layout import layered_layout
from .replayed import can_rebuild, graph_at, source_names
from .style import STATUS_STYLES
from .views import event_logs, transfers

if TYPE_CHECKING:  # widgets imports ipywidgets, which animate loads only when asked for a widget
    from .widgets import StepThrough

__all__ = ["Frame", "Recording", "RenderedFrame", "Record", "is_step", "Animation", "frame_highlight", "STEP_KINDS"]

#: Events that change what a picture shows (checks and reads do not).
STEP_KINDS = frozenset({
    "RepositoryCreated", "BlobUploaded", "BlobMounted", "BlobDeleted", "ManifestPushed", "ManifestDeleted",
    "TagUpdated", "TagDeleted", "GarbageCollected", "LayerPulled", "PullFinished", "ImageBuilt", "ImageTagged",
    "ImageUntagged", "ImageDeleted", "LayerDeleted",
})


def is_step(event: Event) -> bool:
    """True for events worth a frame: state changes, and blobs a push found already there."""
    expect("event", event, Event, "an event")
    if isinstance(event, ev.BlobChecked):
        return event.exists
    return event.kind in STEP_KINDS


@dataclass
class Frame:
    """One step: the event (None for the first and last frames), the graph right after it, and
    how many of the recording's events (steps or not) had happened by then."""

    event: Event | None
    graph: nx.DiGraph[str] = field(repr=False)
    caption: str = ""
    seen: int = 0


@dataclass
class Recording:
    """Frames recorded by :class:`Record`: the start, one per step event, the end; and every event
    seen while recording (``all_events``), shown or not, for the running byte counts."""

    frames: list[Frame] = field(default_factory=list)
    all_events: list[Event] = field(default_factory=list, repr=False)
    #: the registries and hosts recorded (None: all of a world's), whose transfers the byte counts count
    registries: tuple[str, ...] | None = None
    hosts: tuple[str, ...] | None = None

    @property
    def events(self) -> list[Event]:
        """The events that made a frame (the steps shown), in order; :attr:`all_events` has every event seen."""
        return [f.event for f in self.frames if f.event is not None]

    @classmethod
    def from_log(cls, events: Sequence[Event], *, registries: Iterable[str] = (), hosts: Iterable[str] = (),
                 start: int = 0, stop: int | None = None, steps: Callable[[Event], bool] = is_step,
                 **graph_options: Any) -> "Recording":
        """The frames of events ``start`` to ``stop`` of a log, drawn from the log alone: each is
        ``to_graph`` of the world that ``World.replay(events[:k])`` rebuilds (of the registries
        and hosts named; everything when none is), so a log loaded from a file animates as it
        did live::

            rec = Recording.from_log(EventLog.load("push.jsonl"), registries=["localhost:5000"],
                                     hosts=["laptop"], start=600)
            Animation(rec).to_gif("push.gif")
        """
        if not can_rebuild(events):
            raise InvalidArgument("this log cannot rebuild a world (a ring, or it was not recording): "
                                  "no picture can be drawn from it")
        sources = tuple(("registry", n) for n in registries) + tuple(("host", n) for n in hosts)
        stop = len(events) if stop is None else stop
        if not 0 <= start <= stop <= len(events):
            raise InvalidArgument(f"start and stop must satisfy 0 <= start <= stop <= {len(events)}, "
                                  f"got {start} and {stop}")
        recording = cls(registries=tuple(registries) if sources else None, hosts=tuple(hosts) if sources else None)
        recording.frames.append(Frame(None, graph_at(events, start, sources=sources, **graph_options), "start"))
        for k in range(start, stop):
            event = events[k]
            recording.all_events.append(event)
            if steps(event):
                recording.frames.append(Frame(event, graph_at(events, k + 1, sources=sources, **graph_options),
                                              event.describe(), len(recording.all_events)))
        recording.frames.append(Frame(None, graph_at(events, stop, sources=sources, **graph_options), "end",
                                      len(recording.all_events)))
        return recording

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"Recording({len(self.frames)} frames, {len(self.events)} step events)"


class Record:
    """Record the frames of every step event while the ``with`` block runs.

    The frames are drawn from the log, when the block ends (:meth:`Recording.from_log`: each is
    the graph of the world the log rebuilds up to that event), so what the animation shows is
    what the log says, and the same log saved to a file animates the same way. Sources whose
    log cannot rebuild (a ring, a log not recording, or sources on different logs) are drawn
    live instead, after every step.

    ``steps`` chooses the events that make frames (:func:`is_step` by default); every event is
    kept in ``all_events`` all the same, so the "so far" byte counts miss none. Other keyword
    arguments go to :func:`~regsim.viz.to_graph` (``repositories=``, ``platform=``) to keep the
    pictures small.
    """

    def __init__(self, *sources: Registry | Host | World, steps: Callable[[Event], bool] = is_step,
                 **graph_options: Any) -> None:
        if not sources:
            raise InvalidArgument("sources: Record() needs at least one Registry, Host or World to watch")
        self.sources = sources
        self.steps = steps
        self.options = graph_options
        self._logs = event_logs(sources)
        self._names = source_names(sources)
        self._from_log = len(self._logs) == 1 and can_rebuild(self._logs[0])
        self._start = 0
        self._unsubscribe: list[Callable[[], None]] = []
        self.recording = Recording()
        if self._names:
            self.recording.registries = tuple(n for kind, n in self._names if kind == "registry")
            self.recording.hosts = tuple(n for kind, n in self._names if kind == "host")

    def _graph(self) -> nx.DiGraph[str]:
        return to_graph(*self.sources, **self.options)

    def _on_event(self, event: Event) -> None:
        seen = self.recording.all_events
        seen.append(event)
        if self.steps(event):
            self.recording.frames.append(Frame(event, self._graph(), event.describe(), len(seen)))

    def __enter__(self) -> Recording:
        if self._from_log:
            self._start = self._logs[0].mark()
            return self.recording
        self.recording.frames.append(Frame(None, self._graph(), "start"))
        self._unsubscribe = [log.subscribe(self._on_event) for log in self._logs]
        return self.recording

    def __exit__(self, *exc: Any) -> None:
        if self._from_log:
            log = self._logs[0]
            registries = [n for kind, n in self._names if kind == "registry"]
            hosts = [n for kind, n in self._names if kind == "host"]
            drawn = Recording.from_log(log, registries=registries, hosts=hosts, start=self._start,
                                       stop=log.mark(), steps=self.steps, **self.options)
            self.recording.frames[:] = drawn.frames
            self.recording.all_events[:] = drawn.all_events
            return
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self.recording.frames.append(Frame(None, self._graph(), "end", len(self.recording.all_events)))


# -- what each step highlights ----------------------------------------------------------------------


def frame_highlight(event: Event | None, graph: nx.DiGraph[str], previous: nx.DiGraph[str] | None
                    ) -> tuple[nx.DiGraph[str], dict[str, str], list[tuple[str, str, str]]]:
    """The graph a frame shows, its statuses and ghost edges, for one step event.

    Removals (a tag deleted, a gc sweep) are shown on the graph *before* the event, with the
    removed nodes marked; the next frame shows them gone.
    """
    expect("event", event, (Event, type(None)), "an event or None")
    expect("graph", graph, nx.DiGraph, "a graph from to_graph()")
    expect("previous", previous, (nx.DiGraph, type(None)), "a graph from to_graph() or None")
    if event is None:
        return graph, {}, []
    owner = event.actor
    statuses: dict[str, str] = {}
    ghosts: list[tuple[str, str, str]] = []

    def mark(G: nx.DiGraph[str], digest: str, status: str, types: Iterable[str] = ("config", "layer")) -> None:
        for n in content_nodes(G, owner, digest):
            if G.nodes[n]["type"] in types:
                statuses[n] = status

    if isinstance(event, ev.BlobUploaded):
        mark(graph, event.digest, "uploaded")
    elif isinstance(event, ev.BlobMounted):
        mark(graph, event.digest, "mounted")
    elif isinstance(event, ev.BlobChecked):
        mark(graph, event.digest, "skipped")
    elif isinstance(event, ev.LayerPulled):
        mark(graph, event.digest, "downloaded" if event.status == "downloaded" else "local")
    elif isinstance(event, ev.ManifestPushed):  # the same bytes pushed again (a re-tag) are not new
        stored = previous is not None and any(n in previous for n in content_nodes(graph, owner, event.digest))
        mark(graph, event.digest, "skipped" if stored else "new", ("manifest", "index"))
    elif isinstance(event, ev.RepositoryCreated):
        statuses[node_id("repository", owner, event.repository)] = "new"
    elif isinstance(event, ev.TagUpdated):
        tag = node_id("tag", owner, f"{event.repository}:{event.tag}")
        moved = event.previous is not None and event.previous != event.digest
        statuses[tag] = "moved" if moved else ("new" if event.previous is None else "skipped")
        if moved and event.previous is not None:
            ghosts += [(tag, n, "was") for n in content_nodes(graph, owner, event.previous)]
    elif isinstance(event, (ev.ImageBuilt, ev.PullFinished)):
        image_id = event.image_id
        for n, data in graph.nodes(data=True):
            if data["owner"] == owner and data.get("image_id") == image_id:
                statuses[n] = "new"
        for n, data in graph.nodes(data=True):
            if data["owner"] == owner and data["type"] == "tag" and previous is not None and n not in previous:
                statuses[n] = "new"
    elif isinstance(event, ev.ImageTagged):
        for n, data in graph.nodes(data=True):
            if data["type"] == "tag" and data.get("reference") == event.reference and data["owner"] == owner:
                statuses[n] = "new"
    elif previous is not None:  # removals: show the graph before, with what goes marked
        gone = [n for n in previous if n not in graph and previous.nodes[n]["owner"] == owner]
        verb = "swept" if isinstance(event, ev.GarbageCollected) else "deleted"
        return previous, {n: verb for n in gone}, []
    statuses = {n: s for n, s in statuses.items() if n in graph}
    ghosts = [g for g in ghosts if g[0] in graph and g[1] in graph]
    return graph, statuses, ghosts


def _same_check(a: Event | None, b: ev.BlobChecked) -> bool:
    return (isinstance(a, ev.BlobChecked) and a.exists and b.exists
            and (a.registry, a.repository) == (b.registry, b.repository))


def _sets_tag_of(a: ev.ManifestPushed, b: ev.TagUpdated) -> bool:
    """True when ``b`` sets the tag that manifest push ``a`` was made with (``PUT .../manifests/<tag>``)."""
    return (a.tag is not None
            and (a.registry, a.repository, a.tag, a.digest) == (b.registry, b.repository, b.tag, b.digest))


def _stored_and_tagged(pushed: ev.ManifestPushed, tagged: ev.TagUpdated) -> str:
    previous = tagged.previous
    if previous is None or previous == tagged.digest:
        return pushed.describe()
    return pushed.describe() + f" (the tag moved from {Digest(previous).short})"


def _stack(top: bytes, bottom: bytes) -> bytes:
    """Two PNGs of the same width, one above the other, as one PNG."""
    from PIL import Image

    a, b = Image.open(io.BytesIO(top)).convert("RGB"), Image.open(io.BytesIO(bottom)).convert("RGB")
    out = Image.new("RGB", (max(a.width, b.width), a.height + b.height), "white")
    out.paste(a, (0, 0))
    out.paste(b, (0, a.height))
    buf = io.BytesIO()
    out.save(buf, format="PNG")
    return buf.getvalue()


def _compact(png: bytes) -> bytes:
    """The same picture in at most 255 colours (a third of the bytes, for pages and notebooks)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    small.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


# -- the animation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedFrame:
    """One drawn frame: its caption, PNG bytes, and the bytes sent and received up to it."""

    caption: str
    png: bytes = field(repr=False)
    sent: int = 0
    received: int = 0


class Animation:
    """Precomputed PNG frames of a :class:`Recording`, with one layout for all of them.

    A run of consecutive "blob already there" checks of one push becomes a single frame, and so
    does a manifest pushed by tag with the tag it sets: it is one request, and the manifest is
    never untagged in between (a manifest pushed by digest, e.g. for an index, stays a step).

    Parameters
    ----------
    recording:
        From :class:`Record`.
    title:
        Written above every frame.
    dpi:
        Resolution of the frames (80 keeps GIFs small).
    """

    def __init__(self, recording: Recording, *, title: str | None = None, dpi: int = 80) -> None:
        expect("recording", recording, Recording, "a Recording (from `with Record(...) as rec:`)")
        if not recording.frames:
            raise InvalidArgument("recording: the recording has no frames: use it as `with Record(...) as rec:` first")
        self.title = title
        shown: list[tuple[Frame, nx.DiGraph[str], dict[str, str], list[tuple[str, str, str]]]] = []
        prev = None
        for frame in recording.frames:
            G, statuses, ghosts = frame_highlight(frame.event, frame.graph, prev)
            last, event = (shown[-1][0].event if shown else None), frame.event
            # a run of "already there" checks is one step
            if isinstance(event, ev.BlobChecked) and _same_check(last, event):
                merged = {**shown[-1][2], **statuses}
                count = len([s for s in merged.values() if s == "skipped"])
                caption = (f"{event.registry}: {plural(count, 'blob')} already in {event.repository}: "
                           "skipped, nothing sent")
                shown[-1] = (replace(frame, caption=caption), G, merged, ghosts)
            elif isinstance(last, ev.ManifestPushed) and isinstance(event, ev.TagUpdated) and _sets_tag_of(last, event):
                # one PUT stored the manifest and set its tag: one step
                shown[-1] = (replace(frame, caption=_stored_and_tagged(last, event)), G,
                             {**shown[-1][2], **statuses}, ghosts)
            else:
                shown.append((frame, G, statuses, ghosts))
            prev = frame.graph
        union: nx.DiGraph[str] = nx.DiGraph(kind="registry-graph", owners=[])
        order = common_order([g for _, g, _, _ in shown])
        longest: dict[str, str] = {}
        for _, G, statuses, _ in shown:
            for n, data in G.nodes(data=True):
                text = data.get("label", n)
                if n in statuses:
                    text = f"{STATUS_STYLES[statuses[n]].badge}  {text}"
                if len(text) > len(longest.get(n, "")):
                    longest[n] = text
        attrs = {}
        for _, G, _, _ in shown:
            attrs.update({n: d for n, d in G.nodes(data=True)})
            for o in G.graph.get("owners", []):
                if o not in union.graph["owners"]:
                    union.graph["owners"].append(o)
        union.add_nodes_from((n, attrs[n]) for n in order)
        for _, G, _, _ in shown:
            union.add_edges_from(G.edges(data=True))
        self.layout = layered_layout(union, longest, bold=list(longest))
        self.graph = union
        # bytes moved by every event up to each frame, whether or not it made a frame of its own,
        # to or from the recorded registries (or by the recorded hosts) only
        totals = [(0, 0)]
        for sent, received in transfers(recording.all_events, registries=recording.registries,
                                        hosts=recording.hosts):
            totals.append((totals[-1][0] + sent, totals[-1][1] + received))
        self.frames: list[RenderedFrame] = []
        plans = []
        for i, (frame, G, statuses, ghosts) in enumerate(shown):
            caption = f"step {i}/{len(shown) - 1}: {frame.caption}"
            plans.append((plan(G, highlight=statuses, ghost_edges=ghosts, layout=self.layout, aggregate=False,
                               title=caption), *totals[frame.seen]))
        width = max(p.width for p, _, _ in plans)
        height = max(p.height for p, _, _ in plans)
        # The legend is the same for every frame: drawn once, pasted under each frame.
        every = [p for p, _, _ in plans]
        legend = None
        for p, s, r in plans:
            p.width, p.height = width, height
            fig = draw_panels([p], title=title, footer=f"so far: {human_size(s)} sent, {human_size(r)} received",
                              managed=False, legend=False)
            if legend is None:
                legend = to_png(legend_figure(every, fig.get_figwidth()), dpi=dpi, close=False)
            png = _stack(to_png(fig, dpi=dpi, close=False), legend)
            self.frames.append(RenderedFrame(p.title or "", png, s, r))
        self.dpi = dpi

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"Animation({len(self.frames)} frames)"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """What a notebook shows: the step-through widget in a live kernel, and for static copies
        (nbconvert HTML, a repository viewer, the course website) a self-contained HTML player
        of the same frames, which without JavaScript is a strip of all the frames in order."""
        bundle: dict[str, Any] = {"text/plain": repr(self), "text/html": self.html()}
        try:
            player = self.widget()
        except ImportError:  # no ipywidgets: the static player alone
            return bundle
        bundle["application/vnd.jupyter.widget-view+json"] = {
            "version_major": 2, "version_minor": 0, "model_id": player.model_id}
        return bundle

    def html(self, *, interval: int = 900) -> str:
        """The frames as an HTML fragment with its own player (play, previous, next, a slider):
        no ids, no external files, nothing random -- the same animation, the same text. Without
        JavaScript every frame is shown, one under the other, with its caption."""
        figures = "".join(
            f'<figure class="regsim-frame" data-step="{i}" style="margin:0 0 8px 0">'
            f'<img alt="{html.escape(f.caption, quote=True)}" style="max-width:100%" '
            f'src="data:image/png;base64,{base64.b64encode(_compact(f.png)).decode("ascii")}">'
            f'<figcaption style="font-family:monospace;font-size:12px">{html.escape(f.caption)} '
            f'({human_size(f.sent)} sent, {human_size(f.received)} received so far)</figcaption></figure>'
            for i, f in enumerate(self.frames))
        title = f'<div style="font-weight:bold">{html.escape(self.title)}</div>' if self.title else ""
        return (f'<div class="regsim-animation" data-frames="{len(self.frames)}" data-interval="{int(interval)}">'
                f'{title}<div class="regsim-controls" style="display:none;margin:4px 0">'
                '<button type="button" class="regsim-prev" title="previous step">&#9664;</button> '
                '<button type="button" class="regsim-play">play</button> '
                '<button type="button" class="regsim-next" title="next step">&#9654;</button> '
                f'<input class="regsim-step" type="range" min="0" max="{len(self.frames) - 1}" value="0"> '
                '<span class="regsim-at" style="font-family:monospace"></span></div>'
                f'{figures}<script>{_PLAYER_JS}</script></div>')

    def widget(self, *, interval: int = 900) -> StepThrough:
        """A ``Play`` button and a slider over the frames (a :class:`~regsim.viz.widgets.StepThrough`)."""
        from .widgets import StepThrough

        return StepThrough(self, interval=interval)

    def to_gif(self, path: str | Path | None = None, *, duration: int = 900) -> bytes:
        """An animated GIF of the frames (``duration`` ms each; the last one shown 3 times as long)."""
        from PIL import Image

        images = [Image.open(io.BytesIO(f.png)).convert("RGB") for f in self.frames]
        palette = [im.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
                   for im in images]
        buf = io.BytesIO()
        durations = [duration] * (len(palette) - 1) + [duration * 3]
        palette[0].save(buf, format="GIF", save_all=True, append_images=palette[1:], duration=durations,
                        loop=0, optimize=False, disposal=1)
        data = buf.getvalue()
        if path is not None:
            Path(path).write_bytes(data)
        return data

    def to_html(self, path: str | Path | None = None, *, interval: int = 900) -> str:
        """A standalone HTML page for slides: the :meth:`html` player (frames embedded) and nothing else."""
        title = html.escape(self.title or "regsim animation")
        page = _HTML.format(title=title, body=self.html(interval=interval))
        if path is not None:
            Path(path).write_text(page, encoding="utf-8")
        return page


#: The fragment's player: finds its own container, shows one frame at a time.
_PLAYER_JS = """(function (root) {
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "1";
  var frames = root.querySelectorAll(".regsim-frame"), last = frames.length - 1;
  var controls = root.querySelector(".regsim-controls"), step = root.querySelector(".regsim-step");
  var play = root.querySelector(".regsim-play"), at = root.querySelector(".regsim-at"), timer = null;
  function show(i) {
    i = Math.max(0, Math.min(last, i));
    for (var k = 0; k <= last; k++) { frames[k].style.display = k === i ? "" : "none"; }
    step.value = i; root.dataset.step = i; at.textContent = "step " + i + "/" + last;
  }
  function stop() { clearInterval(timer); timer = null; play.textContent = "play"; }
  play.onclick = function () {
    if (timer) { stop(); return; }
    if (+step.value >= last) { show(0); }
    play.textContent = "pause";
    timer = setInterval(function () { if (+step.value >= last) { stop(); } else { show(+step.value + 1); } },
                        +root.dataset.interval);
  };
  root.querySelector(".regsim-prev").onclick = function () { stop(); show(+step.value - 1); };
  root.querySelector(".regsim-next").onclick = function () { stop(); show(+step.value + 1); };
  step.oninput = function () { stop(); show(+step.value); };
  controls.style.display = "";
  show(0);
})(document.currentScript && document.currentScript.parentElement);"""

_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:1em}}</style>
</head><body>
{body}
</body></html>
"""


# Old names work for one release, with a DeprecationWarning (issue 20: one vocabulary).
__getattr__ = moved_names("regsim.viz.animate", {'record': 'Record'}, globals())
