"""Widget playgrounds an instructor drives live: push/pull, tags, dedup; and a timeline to go
back and forth over any recorded session (:class:`Timeline`, drawn from the log alone).

Each playground is an ``ipywidgets.VBox``. Its buttons call the public API of the model
(``Host.pull``, ``Registry.tag``, ``Registry.garbage_collect``...) and then set widget values:
the docker-like log (``HTML.value``), the picture (``Image.value``, PNG bytes) and a one-line
status (``HTML.value``). Nothing needs a browser to be tested::

    pg = PushPullPlayground(world)
    pg.image.value = "alpine"
    pg.pull_button.click()
    assert "Pull complete" in pg.terminal.value

Errors the model raises (unknown image, access denied...) are shown in the log as docker shows
them, never raised into the notebook.
"""

from __future__ import annotations

import collections.abc
import html
from typing import Any, Callable

import ipywidgets as widgets

import os
from typing import Iterable, Sequence

from .. import events as ev
from ..errors import InvalidArgument, RegistryError, UnknownKey, expect
from ..events import Event, EventLog
from ..client.host import Host, Output
from ..oci.reference import parse_docker_ref
from ..registry import Registry, Token
from ..world import World
from .animate import Animation, Recording, is_step
from .dedup import dedup_stats, draw_dedup, image_choices
from .draw import draw_panels, plan, to_png
from .graph import familiar, subgraph, to_graph
from .views import Operation, Capture, highlight, operation_view, pull_source_highlight, summary
from .widgets import StepThrough, error_html, log_html

__all__ = ["PushPullPlayground", "TagExplorer", "DedupExplorer", "Timeline", "DEFAULT_DOCKERFILE"]

DEFAULT_DOCKERFILE = """FROM python:3.11
RUN pip install flask
COPY app.py /app/
CMD ["python", "/app/app.py"]
"""
DEFAULT_CONTEXT = {"app.py": b"print('hello from myapp')\n"}
MAX_LOG_LINES = 80


#: events that change nothing (an operation of only these is not a step to undo)
_READS = (ev.BlobChecked, ev.BlobFetched, ev.ManifestChecked, ev.ManifestFetched, ev.UserLoggedIn)


def _picture(css: str) -> tuple[widgets.Image, widgets.Box]:
    """An image shown at its own size (legible text) in a box that scrolls when it is wider."""
    image = widgets.Image(format="png", layout=widgets.Layout(max_width="none"))
    image.add_class(css)
    return image, widgets.Box([image], layout=widgets.Layout(overflow="auto", width="100%"))


def _button(description: str, css: str, tooltip: str) -> widgets.Button:
    button = widgets.Button(description=description, tooltip=tooltip, layout=widgets.Layout(width="auto"))
    button.add_class(css)
    return button


class PushPullPlayground(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no types: VBox is Any
    """Choose a host, an image and a registry; build, tag, push and pull; watch the graphs.

    The picture shows the chosen host's local store next to the registry's repositories this
    playground has touched, with the last operation's statuses (uploaded, mounted, downloaded...).

    Parameters
    ----------
    world:
        The registries and hosts to play with (``regsim.World.standard()``).
    host, registry, image, target:
        Initial choices: the host, the registry to draw, the image to pull or push, and the
        name ``build`` and ``tag`` create.
    dockerfile, context:
        What ``build`` builds (``COPY`` reads files from ``context``).
    """

    def __init__(self, world: World, *, host: str | None = None, registry: str | None = None,
                 image: str = "python:3.11", target: str = "localhost:5000/myapp:1.0",
                 dockerfile: str = DEFAULT_DOCKERFILE, context: dict[str, bytes] | None = None,
                 dpi: int = 90) -> None:
        expect("world", world, World)
        if not world.hosts or not world.registries:
            raise InvalidArgument(f"world: the playground needs a world with hosts and registries, got {world!r}")
        self.world = world
        self.context = dict(DEFAULT_CONTEXT if context is None else context)
        self.dpi = dpi
        hosts = list(world.hosts)
        registries = list(world.registries)
        self.host = widgets.Dropdown(options=hosts, value=host or hosts[0], description="host")
        self.registry = widgets.Dropdown(options=registries, value=registry or registries[0], description="registry")
        suggestions = ["alpine", "python:3.11", "node:18", "nginx", target]
        self.image = widgets.Combobox(value=image, options=suggestions, description="image", ensure_option=False)
        self.target = widgets.Text(value=target, description="tag as")
        self.dockerfile = widgets.Textarea(value=dockerfile, description="Dockerfile",
                                           layout=widgets.Layout(width="36em", height="7em"))
        self.pull_button = _button("docker pull", "regsim-pull", "pull the image onto the host")
        self.build_button = _button("docker build", "regsim-build", "build the Dockerfile, tagged with 'tag as'")
        self.tag_button = _button("docker tag", "regsim-tag", "give the image the 'tag as' name")
        self.push_button = _button("docker push", "regsim-push", "push the image to its registry")
        self.terminal = widgets.HTML(log_html([]))
        self.terminal.add_class("regsim-log")
        self.status = widgets.HTML()
        self.status.add_class("regsim-status")
        self.graph, picture = _picture("regsim-graph")
        self.history: list[str] = []
        #: where this playground's session starts in the world's log (:meth:`timeline` shows it)
        self.session_start = world.events.mark()
        self.last: Operation | None = None
        self.touched: dict[str, list[str]] = {}
        self.touched_tags: dict[str, set[str]] = {}
        self.pull_button.on_click(lambda _: self.pull())
        self.build_button.on_click(lambda _: self.build())
        self.tag_button.on_click(lambda _: self.tag())
        self.push_button.on_click(lambda _: self.push())
        self.host.observe(lambda _: self.redraw(), names="value")
        self.registry.observe(lambda _: self.redraw(), names="value")
        controls = widgets.VBox([
            widgets.HBox([self.host, self.registry]),
            widgets.HBox([self.image, self.target]),
            widgets.HBox([self.pull_button, self.build_button, self.tag_button, self.push_button]),
            self.dockerfile,
        ])
        super().__init__([controls, self.status, picture, widgets.HTML("<b>log</b>"), self.terminal])
        self.add_class("regsim-playground")
        self.redraw()

    # -- actions (each is what the button of the same name does) --------------------------------------

    def pull(self) -> Output | None:
        """``docker pull <image>`` on the chosen host."""
        ref = self.image.value.strip()
        return self._run(f"docker pull {ref}", lambda host: host.pull(ref, quiet=True))

    def build(self) -> Output | None:
        """``docker build -t <tag as> .`` of the Dockerfile; the new image becomes the chosen one."""
        target = self.target.value.strip()
        out = self._run(f"docker build -t {target} .",
                        lambda host: host.build(self.dockerfile.value, target, context=self.context, quiet=True))
        if out is not None:
            self.image.value = target
        return out

    def tag(self) -> Output | None:
        """``docker tag <image> <tag as>``; the new name becomes the chosen image."""
        source, target = self.image.value.strip(), self.target.value.strip()

        def run(host: Host) -> Output:
            host.tag(source, target, quiet=True)
            return Output(())

        out = self._run(f"docker tag {source} {target}", run)
        if out is not None:
            self.image.value = target
        return out

    def push(self) -> Output | None:
        """``docker push <image>`` from the chosen host."""
        ref = self.image.value.strip()
        return self._run(f"docker push {ref}", lambda host: host.push(ref, quiet=True))

    def timeline(self, *, dpi: int = 80, interval: int = 900) -> "Timeline":
        """A :class:`Timeline` over this playground's session so far (every step since it was
        made), drawing the chosen host and registry, only the repositories the session used."""
        registry = self.registry.value
        repos = self.touched.get(registry, [])
        names = [n for repo in repos for n in (repo, f"{registry}/{repo}", familiar(f"{registry}/{repo}"))]
        return Timeline(self.world.events, registries=[registry], hosts=[self.host.value], start=self.session_start,
                        title=f"{self.host.value} and {registry}: this session", dpi=dpi, interval=interval,
                        repositories=names, platform=self.world.hosts[self.host.value].platform)

    # -- plumbing ------------------------------------------------------------------------------------

    def _run(self, command: str, action: Callable[[Host], Output]) -> Output | None:
        host = self.world.hosts[self.host.value]
        self.history.append(f"{host.name}$ {command}")
        out: Output | None = None
        error = None
        with Capture(self.world) as op:
            try:
                out = action(host)
            except (RegistryError, ValueError, KeyError) as exc:
                error = str(exc.args[0]) if exc.args else str(exc)
        self.last = op
        if out is not None:
            self.history.extend(out.lines)
        self.history = self.history[-MAX_LOG_LINES:]
        self.terminal.value = log_html(self.history) + (error_html(error) if error else "")
        self._remember(op)
        try:
            domain = parse_docker_ref(self.image.value.strip()).domain
        except RegistryError:
            domain = None
        if op.kind in ("push", "pull") and domain in self.world.registries and self.registry.value != domain:
            self.registry.value = domain  # the observer redraws
        else:
            self.redraw()
        return out

    def _remember(self, op: Operation) -> None:
        """Note the repositories and tags an operation used: the registry picture shows those."""
        for e in op.events:
            registry = getattr(e, "registry", None)
            repo = getattr(e, "repository", None)
            if not isinstance(registry, str) or registry not in self.world.registries or not repo:
                continue
            names = self.touched.setdefault(registry, [])
            if repo not in names:
                names.append(repo)
            tag = getattr(e, "tag", None) or getattr(e, "reference", None)
            if isinstance(tag, str) and ":" not in tag:
                self.touched_tags.setdefault(registry, set()).add(f"{repo}:{tag}")

    def redraw(self) -> None:
        """Draw the host and the registry (with the last operation's statuses) into ``graph``."""
        host = self.world.hosts[self.host.value]
        registry = self.world.registries[self.registry.value]
        repos = list(self.touched.get(registry.name, []))
        tags = set(self.touched_tags.get(registry.name, ()))
        try:
            ref = parse_docker_ref(self.image.value.strip())
            if ref.domain == registry.name and ref.repository in registry.repositories:
                if ref.repository not in repos:
                    repos.append(ref.repository)
                tags.add(f"{ref.repository}:{ref.tag}")
        except RegistryError:
            pass
        G_host = to_graph(host)
        # only the repositories and tags this playground used: library/python alone has 24 tags
        G_reg = subgraph(to_graph(registry, repositories=repos, platform=host.platform), tags=sorted(tags))
        statuses: dict[str, str] = {}
        ghosts: list[tuple[str, str, str]] = []
        notes: dict[str, str] = {}
        text = ""
        if self.last is not None and self.last.events:
            try:
                h = highlight(self.last)
            except ValueError:
                h = None
            if h is not None:
                statuses, ghosts, notes = dict(h.after), h.ghost_edges, h.notes
                if h.kind in ("push", "pull"):
                    text = str(summary(self.last, h))
                if h.kind == "pull":  # the registry side: the manifest the pull picked, the blobs it read
                    statuses.update(pull_source_highlight(self.last).after)
        plans = []
        for G, title in ((G_host, f"host {host.name}: local images"),
                         (G_reg, f"registry {registry.name}" + (": " + ", ".join(repos) if repos else " (nothing used yet)"))):
            mine = {n: s for n, s in statuses.items() if n in G}
            plans.append(plan(G, highlight=mine, ghost_edges=[g for g in ghosts if g[0] in G and g[1] in G],
                              notes={n: t for n, t in notes.items() if n in G}, title=title))
        fig = draw_panels(plans, managed=False, arrange="column")
        self.graph.value = to_png(fig, dpi=self.dpi, close=False)
        counts = f"{host.name}: {G_host.number_of_nodes()} nodes · {registry.name}: {G_reg.number_of_nodes()} nodes"
        self.status.value = (f'<span style="font-family:monospace">{html.escape(text or "ready")}</span>'
                             f' <span style="color:#555">({html.escape(counts)})</span>')


class TagExplorer(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no types: VBox is Any
    """Move a tag between the manifests of one repository, delete tags, run garbage collection.

    The picture is the last operation's before | after view: the tag's old and new target, the
    manifest left untagged, what gc swept. ``untagged`` lists the manifests no tag points at.
    ``undo`` steps back one operation: the registry is rebuilt from its event log up to that
    operation (:meth:`Registry.replay <regsim.registry.Registry.replay>`), so ``registry`` then
    names the rebuilt one (with a log of its own).
    """

    def __init__(self, registry: Registry, repository: str, *, auth: Token | None = None, dpi: int = 90) -> None:
        expect("registry", registry, Registry)
        expect("repository", repository, str)
        self.registry = registry
        self.repository = repository
        self.auth = auth
        self.dpi = dpi
        repo = registry.repository(repository)  # NAME_UNKNOWN names the repository if it is missing
        tags = list(repo.tags)
        self.tag = widgets.Combobox(value="latest" if "latest" in tags else (tags[0] if tags else "latest"),
                                    options=tags, description="tag", ensure_option=False)
        self.target = widgets.Dropdown(description="manifest")
        self.delete_untagged = widgets.Checkbox(value=True, description="--delete-untagged", indent=False)
        self.dry_run = widgets.Checkbox(value=False, description="--dry-run", indent=False)
        self.move_button = _button("point tag here", "regsim-move-tag", "PUT the manifest under this tag")
        self.delete_button = _button("delete tag", "regsim-delete-tag", "DELETE the tag (the manifest stays)")
        self.gc_button = _button("garbage collect", "regsim-gc", "registry garbage-collect")
        self.undo_button = _button("undo", "regsim-undo", "a step back: the registry rebuilt from its events")
        #: how many of the registry's events there were before each operation that changed
        #: something (what undo goes back to)
        self.marks: list[int] = []
        self.untagged = widgets.HTML()
        self.terminal = widgets.HTML(log_html([]))
        self.graph, picture = _picture("regsim-graph")
        self.history: list[str] = []
        self.last: Operation | None = None
        self.move_button.on_click(lambda _: self.move())
        self.delete_button.on_click(lambda _: self.delete())
        self.gc_button.on_click(lambda _: self.collect())
        self.undo_button.on_click(lambda _: self.undo())
        super().__init__([
            widgets.HBox([self.tag, self.target, self.move_button, self.delete_button]),
            widgets.HBox([self.gc_button, self.delete_untagged, self.dry_run, self.undo_button]),
            self.untagged, picture, self.terminal,
        ])
        self.add_class("regsim-tag-explorer")
        self.refresh()

    def move(self) -> None:
        """Point ``tag`` at the chosen manifest (creating the tag if it is new)."""
        tag, digest = self.tag.value.strip(), self.target.value
        self._run(f"tag {self.repository}:{tag} -> {digest.short if digest else None}",
                  lambda: self.registry.tag(self.repository, tag, digest, auth=self.auth))

    def delete(self) -> None:
        """Delete ``tag``; its manifest stays (untagged if no other tag points at it)."""
        tag = self.tag.value.strip()
        self._run(f"delete tag {self.repository}:{tag}",
                  lambda: self.registry.delete_tag(self.repository, tag, auth=self.auth))

    def collect(self) -> None:
        """Run garbage collection with the chosen flags."""
        flags = " ".join(f for f, on in (("--delete-untagged", self.delete_untagged.value),
                                         ("--dry-run", self.dry_run.value)) if on)
        self._run(f"registry garbage-collect {flags}".strip(),
                  lambda: self.registry.garbage_collect(delete_untagged=self.delete_untagged.value,
                                                        dry_run=self.dry_run.value))

    def undo(self) -> bool:
        """Step back one operation: rebuild the registry from its events before it. False when
        there is nothing to undo (or the log cannot rebuild it: not recording, or a ring)."""
        events = self.registry.events
        if not self.marks or not events.recording or events.dropped:
            return False
        mine = self._own_events()
        self.registry = Registry.replay(mine[:self.marks.pop()])
        self.history.append("$ undo (the registry rebuilt from its events before the last operation)")
        self.history = self.history[-MAX_LOG_LINES:]
        self.terminal.value = log_html(self.history)
        self.last = None
        self.refresh()
        return True

    def _own_events(self) -> list[ev.Event]:
        """The registry's events in its log (a world's log holds other actors' too)."""
        name = self.registry.name
        return [e for e in self.registry.events if isinstance(e, ev.RegistryEvent) and e.registry == name]

    def _run(self, command: str, action: Callable[[], Any]) -> None:
        self.history.append(f"$ {command}")
        error = None
        mark = len(self._own_events())
        with Capture(self.registry, repositories=[self.repository]) as op:
            try:
                result = action()
            except (RegistryError, ValueError) as exc:
                error = str(exc.args[0]) if exc.args else str(exc)
                result = None
        if result is not None and not isinstance(result, str):
            self.history.append(str(result))
        self.history.extend(e.describe() for e in op.events)
        self.history = self.history[-MAX_LOG_LINES:]
        self.terminal.value = log_html(self.history) + (error_html(error) if error else "")
        self.last = op if op.events else self.last
        if any(not isinstance(e, _READS) for e in op.events):
            self.marks.append(mark)
        self.refresh()

    def refresh(self) -> None:
        """Update the choices, the untagged list and the picture from the registry."""
        repo = self.registry.repository(self.repository)
        options = []
        for digest in sorted(repo.manifests, key=lambda d: (not repo.tags_of(d), d)):
            tags = repo.tags_of(digest)
            options.append((f"{digest.short} ({', '.join(tags) if tags else 'untagged'})", digest))
        current = self.target.value
        self.target.options = options
        if options:
            self.target.value = current if current in dict((v, k) for k, v in options) else options[0][1]
        self.tag.options = list(repo.tags)
        untagged = repo.untagged()
        self.untagged.value = ("<b>untagged manifests</b>: " + (html.escape(", ".join(d.short for d in untagged))
                               + " — garbage collection with --delete-untagged removes them and the layers "
                                 "only they use" if untagged else "none"))
        if self.last is not None:
            fig = operation_view(self.last, managed=False)
        else:
            G = to_graph(self.registry, repositories=[self.repository])
            fig = draw_panels([plan(G, title=f"{self.registry.name}/{self.repository}")], managed=False)
        self.graph.value = to_png(fig, dpi=self.dpi, close=False)


class DedupExplorer(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no types: VBox is Any
    """Pick images; see how many of their layer bytes they share and what the store really holds."""

    def __init__(self, registry: Registry, images: list[str] | None = None, *,
                 platform: str = "linux/amd64", dpi: int = 90) -> None:
        expect("registry", registry, Registry)
        self.G = to_graph(registry, platform=platform)
        self.platform = platform
        self.dpi = dpi
        choices = image_choices(self.G)
        if not choices:
            raise InvalidArgument(f"registry {registry.name!r} has no tagged images to compare")
        labels = dict(choices)
        picked = [labels.get(i.removeprefix("library/"), i) for i in (images or [choices[0][0]])]
        for p in picked:
            if p not in labels.values():
                raise UnknownKey(f"no image {p!r} in {registry.name} (try names like {choices[0][0]!r})")
        self.images = widgets.SelectMultiple(options=choices, value=tuple(picked), description="images",
                                             rows=min(12, len(choices)))
        self.table = widgets.HTML()
        self.chart, picture = _picture("regsim-graph")
        self.images.observe(lambda _: self.refresh(), names="value")
        super().__init__([self.images, self.table, picture])
        self.add_class("regsim-dedup-explorer")
        self.refresh()

    def refresh(self) -> None:
        """Recompute the shared and unique bytes of the chosen images and redraw."""
        if not self.images.value:
            self.table.value = "<i>choose one or more images</i>"
            self.chart.value = b""
            return
        stats = dedup_stats(self.G, self.images.value, platform=self.platform)
        self.stats = stats
        self.table.value = stats.to_html()
        ax = draw_dedup(stats, managed=False)
        fig = ax.figure  # draw_dedup(managed=False) draws on a Figure of its own, never a SubFigure
        self.chart.value = to_png(fig, dpi=self.dpi, close=False)  # type: ignore[arg-type]  # (see above)


class Timeline(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no types: VBox is Any
    """A timeline over a recorded session: ``Play``, a slider, and back/forward buttons over one
    frame per step event, going back and forth.

    Every frame is drawn from the log alone (:meth:`Recording.from_log
    <regsim.viz.animate.Recording.from_log>`), so a session saved with ``world.events.save(path)``
    plays here in any later kernel: ``Timeline.load(path, registries=[...], hosts=[...])``. The
    frames are precomputed (an :class:`~regsim.viz.Animation`), so moving the slider only swaps
    images: no threads, no sleeps.

    Parameters
    ----------
    events:
        A log (:class:`~regsim.events.EventLog`) or a list of its events, from the first.
    registries, hosts:
        What to draw, by name (everything when neither is given).
    start, stop:
        The events the timeline steps through (the state before ``start`` is the first frame).
    graph_options:
        For :func:`~regsim.viz.to_graph` (``repositories=``, ``platform=``).
    """

    def __init__(self, events: Sequence[Event], *, registries: Iterable[str] = (), hosts: Iterable[str] = (),
                 start: int = 0, stop: int | None = None, steps: Callable[[Event], bool] = is_step,
                 title: str | None = None, dpi: int = 80, interval: int = 900, **graph_options: Any) -> None:
        expect("events", events, collections.abc.Sequence, "a sequence of events (an EventLog, a list)")
        self.events = events
        self.recording = Recording.from_log(events, registries=registries, hosts=hosts, start=start, stop=stop,
                                            steps=steps, **graph_options)
        self.animation = Animation(self.recording, title=title, dpi=dpi)
        self.player = StepThrough(self.animation, interval=interval)
        self.back_button = _button("◀ back", "regsim-back", "one step back")
        self.forward_button = _button("forward ▶", "regsim-forward", "one step forward")
        self.back_button.on_click(lambda _: self.step(-1))
        self.forward_button.on_click(lambda _: self.step(1))
        super().__init__([self.player, widgets.HBox([self.back_button, self.forward_button])])
        self.add_class("regsim-timeline")

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, blobs: str | os.PathLike[str] | None = None,
             **options: Any) -> "Timeline":
        """A timeline over a log saved with :meth:`EventLog.save <regsim.events.EventLog.save>`."""
        return cls(EventLog.load(path, blobs=blobs), **options)

    @property
    def slider(self) -> widgets.IntSlider:
        """The frame slider (an ``ipywidgets.IntSlider``: its ``value`` is the frame shown)."""
        return self.player.slider

    @property
    def play(self) -> widgets.Play:
        """The play button (an ``ipywidgets.Play`` linked to the slider), which steps through the frames."""
        return self.player.play

    @property
    def image(self) -> widgets.Image:
        """The picture of the frame shown (an ``ipywidgets.Image`` holding a PNG)."""
        return self.player.image

    @property
    def caption(self) -> widgets.HTML:
        """The caption above the picture (an ``ipywidgets.HTML``): what the frame's event did."""
        return self.player.caption

    def __len__(self) -> int:
        return len(self.animation.frames)

    def show(self, index: int) -> None:
        """Show frame ``index`` (0: before the first step; ``len(timeline) - 1``: the end)."""
        self.player.show(index)

    def step(self, delta: int) -> int:
        """Move ``delta`` frames (back when negative), stopping at either end; returns the frame shown."""
        index: int = min(max(self.slider.value + delta, 0), len(self) - 1)
        self.show(index)
        return index

    def __repr__(self) -> str:
        return f"Timeline({len(self)} frames, at {self.slider.value})"
