"""Model versus reality: one scenario, run by the simulated :class:`~regsim.client.host.Host`
against the model and by real ``docker`` against ``regsim serve``, compared layer by layer.

The scenario (:data:`STEPS`), on a laptop and a clean machine:

1. ``push the base``: build the busybox base, push it as ``library/busybox:1``;
2. ``build``: ``demo/app:1.0`` ``FROM`` it, with a ``RUN`` layer and a ``COPY`` layer;
3. ``push``: the base layer is mounted from ``library/busybox``, the others are uploaded;
4. ``push again``: every layer already exists;
5. ``push to a sibling``: ``demo/other:1.0``, every layer mounted from ``demo/app``;
6. ``pull on a clean machine``: every layer downloaded;
7. ``move a tag``: ``stable`` points at 1.0, then at a rebuilt 2.0 (new ``COPY`` layer);
8. ``pull the moved tag``: on the clean machine, base and ``RUN`` layers already local.

:func:`run_model` and :func:`run_docker` return one :class:`Run` each: per step and layer
(``busybox``, ``RUN``, ``COPY``), the outcome -- ``uploaded``, ``exists``, ``mounted``,
``downloaded`` or ``local`` -- and the lines printed, with addresses, digests, sizes and layer ids
replaced by stable names (``REGISTRY``, ``<digest>``, ``<RUN>``) so the two runs can be compared.
:func:`compare` lines them up (:class:`Comparison`, a table in a notebook).
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..client.host import Host
from ..errors import InvalidArgument, expect
from ..events import Event
from ..oci.image import Image, Layer
from ..registry import Registry
from .docker import DockerClient, EngineOutput, blob_outcomes, layer_statuses

if TYPE_CHECKING:  # pragma: no cover - the real run is given a running server
    from ..server.runner import RegistryServer
    from .daemon import DockerDaemon

__all__ = ["STEPS", "LAYERS", "Run", "Row", "Comparison", "run_model", "run_docker", "compare", "outcome_of",
           "APP_DOCKERFILE", "BASE_DOCKERFILE", "DockerSession", "busybox_context"]

STEPS = ("push the base", "build", "push", "push again", "push to a sibling", "pull on a clean machine",
         "move a tag", "pull the moved tag")

#: the app's layers, in order
LAYERS = ("busybox", "RUN", "COPY")

BASE_DOCKERFILE = 'FROM scratch\nCOPY bin /bin\nCMD ["/bin/sh"]\n'
APP_DOCKERFILE = 'FROM {base}\nRUN echo built > /built\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n'
HELLO = {"1.0": b"hello from version 1.0\n", "2.0": b"hello from version 2.0\n"}

_STATUS = {"Pushed": "uploaded", "Layer already exists": "exists", "Pull complete": "downloaded",
           "Already exists": "local"}


def outcome_of(status: str) -> str:
    """``Pushed`` -> ``uploaded``, ``Mounted from x`` -> ``mounted``, ``Layer already exists`` ->
    ``exists``, ``Pull complete`` -> ``downloaded``, ``Already exists`` -> ``local``."""
    expect("status", status, str)
    if status.startswith("Mounted from "):
        return "mounted"
    try:
        return _STATUS[status]
    except KeyError:
        raise InvalidArgument(f"not a final layer status of docker push or pull: {status!r}") from None


@dataclass
class Run:
    """One run of the scenario: ``outcomes[step][layer]`` and ``lines[step]`` (normalised)."""

    client: str
    outcomes: dict[str, dict[str, str]] = field(default_factory=dict)
    lines: dict[str, list[str]] = field(default_factory=dict)
    #: for the real run: what the server's events say per step and layer (``local``: not fetched)
    server: dict[str, dict[str, str]] = field(default_factory=dict)

    def show(self, step: str) -> str:
        """The normalised lines of ``step``, per-layer lines in layer order (docker prints them in
        the order its transfers finish, which varies from run to run)."""
        lines = self.lines[step]
        rank = {f"<{role}>": i for i, role in enumerate(LAYERS)}
        layered = sorted((line for line in lines if line.split(":", 1)[0] in rank),
                         key=lambda line: rank[line.split(":", 1)[0]])
        out, pending = [], iter(layered)
        for line in lines:
            out.append(next(pending) if line.split(":", 1)[0] in rank else line)
        return "\n".join(out)

    def table(self) -> str:
        """One line per step: what happened to each layer."""
        rows = [(f"{'step':<24} " + " ".join(f"{layer:<11}" for layer in LAYERS)).rstrip()]
        for step in STEPS:
            outcomes = self.outcomes.get(step, {})
            if outcomes:
                rows.append((f"{step:<24} " + " ".join(f"{outcomes.get(layer, '-'):<11}" for layer in LAYERS)).rstrip())
        return "\n".join(rows)

    def record(self, step: str, lines: tuple[str, ...] | list[str], names: dict[str, str], address: str) -> None:
        """Keep the final per-layer statuses and the normalised lines of one command."""
        statuses = layer_statuses(lines)
        self.outcomes[step] = {names[short].split(" by ")[0]: outcome_of(status)
                               for short, status in statuses.items() if short in names}
        self.lines[step] = normalise(lines, names, address)


_PROGRESS = re.compile(r"^[0-9a-f]{12}: (Preparing|Waiting|Pushing|Pulling fs layer|Downloading|Verifying Checksum"
                       r"|Download complete|Extracting)")


def normalise(lines: Iterable[str], names: dict[str, str], address: str) -> list[str]:
    """Lines without progress, with ``REGISTRY``, ``<digest>``, ``<size>`` and ``<layer>`` names."""
    out = []
    for line in lines:
        if _PROGRESS.match(line):
            continue
        line = line.replace(address, "REGISTRY")
        line = re.sub(r"^([0-9a-f]{12}):", lambda m: f"<{names.get(m.group(1), '?')}>:", line)
        line = re.sub(r"sha256:[0-9a-f]{64}", "<digest>", line)
        line = re.sub(r"size: \d+", "size: <size>", line)
        out.append(line)
    return out


def _short_names(image_layers: Iterable[Layer], command: str) -> dict[str, str]:
    """``{12-digit id: role}``: docker names a layer by its diff ID (uncompressed) in ``push`` and
    by its blob digest (compressed) in ``pull``; the other id maps to a role that says which it is,
    so a client naming layers the other way shows up in the lines."""
    names: dict[str, str] = {}
    for role, layer in zip(LAYERS, image_layers):
        right, wrong = ((layer.diff_id, layer.digest) if command == "push" else (layer.digest, layer.diff_id))
        names[wrong.id12] = f"{role} by its {'blob digest' if command == 'push' else 'diff ID'}"
        names[right.id12] = role
    return names


def busybox_context() -> dict[str, bytes]:
    """The base image's build context for the simulated docker: ``bin/busybox`` (this machine's
    busybox when installed, else a few stand-in bytes)."""
    busybox = shutil.which("busybox")
    return {"bin/busybox": Path(busybox).read_bytes() if busybox else b"busybox stand-in\n"}


# -- the simulated run ------------------------------------------------------------------------------


def run_model() -> Run:
    """The scenario with the simulated docker client against the model."""
    registry = Registry("localhost:5000")
    laptop = Host("laptop", [registry], quiet=True)
    clean = Host("clean", [registry], quiet=True)
    run = Run("model")
    reg = "localhost:5000"

    def image_names(host: Host, reference: str, command: str = "push") -> dict[str, str]:
        image = host.image(reference)
        if not isinstance(image, Image):  # the scenario builds images, never an index
            raise RuntimeError(f"{reference} is an index, not an image")
        return _short_names(image.layers, command)

    laptop.build(BASE_DOCKERFILE, f"{reg}/library/busybox:1", context=busybox_context())
    out = laptop.push(f"{reg}/library/busybox:1")
    run.record("push the base", out.lines, image_names(laptop, f"{reg}/library/busybox:1"), reg)

    app = f"{reg}/demo/app:1.0"
    laptop.build(APP_DOCKERFILE.format(base=f"{reg}/library/busybox:1"), app, context={"hello.txt": HELLO["1.0"]})
    names = image_names(laptop, app)
    run.outcomes["build"], run.lines["build"] = {}, []
    run.record("push", laptop.push(app).lines, names, reg)
    run.record("push again", laptop.push(app).lines, names, reg)
    laptop.tag(app, f"{reg}/demo/other:1.0")
    run.record("push to a sibling", laptop.push(f"{reg}/demo/other:1.0").lines, names, reg)
    run.record("pull on a clean machine", clean.pull(app).lines, image_names(laptop, app, "pull"), reg)

    laptop.tag(app, f"{reg}/demo/app:stable")
    laptop.push(f"{reg}/demo/app:stable")
    laptop.build(APP_DOCKERFILE.format(base=f"{reg}/library/busybox:1"), f"{reg}/demo/app:2.0",
                 context={"hello.txt": HELLO["2.0"]})
    laptop.tag(f"{reg}/demo/app:2.0", f"{reg}/demo/app:stable")
    run.record("move a tag", laptop.push(f"{reg}/demo/app:stable").lines,
               image_names(laptop, f"{reg}/demo/app:2.0"), reg)
    run.record("pull the moved tag", clean.pull(f"{reg}/demo/app:stable").lines,
               image_names(laptop, f"{reg}/demo/app:2.0", "pull"), reg)
    return run


# -- the real run -----------------------------------------------------------------------------------


def _served_names(registry: Registry, repository: str, tag: str, command: str) -> dict[str, str]:
    """Roles of the stored image's layers: blob digests (pull lines) and diff IDs (push lines)."""
    from ..oci.manifest import Manifest

    stored = registry.resolve(repository, tag)
    manifest = stored.parsed
    if not isinstance(manifest, Manifest):  # the scenario pushes images, never an index
        raise RuntimeError(f"{repository}:{tag} is an index, not an image manifest")
    config = registry.get_blob(repository, manifest.config.digest)
    blobs = [registry.get_blob(repository, d.digest) for d in manifest.layers]
    image = Image.from_parts(stored.data, config, blobs, stored.media_type)
    return _short_names(image.layers, command)


def _server_outcomes(events: Iterable[Event], names: dict[str, str], pulled: bool) -> dict[str, str]:
    seen = blob_outcomes(events)
    by_digest: dict[str, str] = {}
    for digest, outcome in seen.items():
        role = names.get(digest.id12)
        if role is not None:
            by_digest[role.split(" by ")[0]] = outcome
    if pulled:
        return {role: by_digest.get(role, "local") for role in LAYERS if role in names.values()}
    return by_digest


def run_docker(server: RegistryServer, laptop: DockerClient, clean: DockerClient, base: str) -> Run:
    """The scenario with real docker: ``laptop`` builds and pushes, ``clean`` (an engine with no
    images of it) pulls. ``base`` is the busybox base's local tag
    (:func:`~regsim.engines.daemon.base_image`). Images it tags are removed again at the end."""
    if not hasattr(server, "registry"):
        raise InvalidArgument(f"server must be a RegistryServer, got {type(server).__name__} {server!r:.80}")
    registry = server.registry
    address = server.address
    run = Run("docker")

    def step(name: str, out: EngineOutput, repository: str, tag: str, pulled: bool = False) -> None:
        names = _served_names(registry, repository, tag, "pull" if pulled else "push")
        run.record(name, out.lines, names, address)
        run.server[name] = _server_outcomes(out.events, names, pulled)

    busybox = laptop.reference("library/busybox", "1")
    laptop.tag(base, busybox)
    step("push the base", laptop.push("library/busybox", "1"), "library/busybox", "1")
    app = laptop.reference("demo/app", "1.0")
    made = [busybox, app]
    try:
        laptop.build(APP_DOCKERFILE.format(base=busybox), app, {"hello.txt": HELLO["1.0"]})
        run.outcomes["build"], run.lines["build"] = {}, []
        step("push", laptop.push("demo/app", "1.0"), "demo/app", "1.0")
        step("push again", laptop.push("demo/app", "1.0"), "demo/app", "1.0")
        made.append(laptop.reference("demo/other", "1.0"))
        laptop.tag(app, made[-1])
        step("push to a sibling", laptop.push("demo/other", "1.0"), "demo/other", "1.0")
        step("pull on a clean machine", clean.pull("demo/app", "1.0"), "demo/app", "1.0", pulled=True)

        made += [laptop.reference("demo/app", "stable"), laptop.reference("demo/app", "2.0")]
        laptop.tag(app, made[-2])
        laptop.push("demo/app", "stable")
        laptop.build(APP_DOCKERFILE.format(base=busybox), made[-1], {"hello.txt": HELLO["2.0"]})
        laptop.tag(made[-1], made[-2])
        step("move a tag", laptop.push("demo/app", "stable"), "demo/app", "stable")
        step("pull the moved tag", clean.pull("demo/app", "stable"), "demo/app", "stable", pulled=True)
    finally:
        laptop.rmi(*made, force=True)
        pulled = [clean.reference("demo/app", "1.0"), clean.reference("demo/app", "stable")]
        present = clean.image_ids()
        if any(p in present for p in pulled):
            clean.rmi(*(p for p in pulled if p in present), force=True)
    return run


#: the open DockerSession, whose engines the next one takes over
_current: "DockerSession | None" = None


class DockerSession:
    """Real docker for a notebook or a workshop, when there is one: ``available`` says so, ``why``
    says how to get one when not.

    ``laptop`` is a :class:`~regsim.engines.docker.DockerClient` on a running engine or a private
    dockerd, with the busybox base built (``base``); ``clean=True`` adds ``clean``, a second
    private engine with no images (the scenario's clean machine). :meth:`close` stops what it
    started. Use it as a context manager, or close it at the end of the notebook.

    One session at a time: a new one (a lesson's set-up cell run again) takes over the engines of
    the one before, which is closed and says so, so re-running never starts a second dockerd.
    Whatever happens, a private engine stops when Python does, or when the kernel is killed
    (:mod:`~regsim.engines.watchdog`).
    """

    def __init__(self, server: RegistryServer, *, clean: bool = False) -> None:
        if not hasattr(server, "url"):
            raise InvalidArgument(f"server must be a RegistryServer, got {type(server).__name__} {server!r:.80}")
        global _current
        from .tools import ToolMissing
        from .daemon import base_image, docker_daemon, start_private_daemon

        self.laptop: DockerClient | None = None
        self.clean: DockerClient | None = None
        self.base = ""
        self.why = ""
        previous, _current = _current, None
        self._daemons = previous.hand_over() if previous is not None else []
        try:
            if not self._daemons or not self._daemons[0].running:
                self._stop_daemons()
                self._daemons.append(docker_daemon())
            self.base = base_image(self._daemons[0])
            self.laptop = DockerClient(server, self._daemons[0])
            if clean:
                if len(self._daemons) < 2 or not self._daemons[1].running:
                    del self._daemons[1:]
                    self._daemons.append(start_private_daemon())
                self.clean = DockerClient(server, self._daemons[1])
            else:
                while len(self._daemons) > 1:
                    self._daemons.pop().stop()
        except ToolMissing as exc:
            self.why = str(exc)
            self.close()
        except BaseException:
            self.close()
            raise
        else:
            _current = self

    def hand_over(self) -> list[DockerDaemon]:
        """Close the clients and give the engines, still running, to the caller (a newer session)."""
        daemons, self._daemons = self._daemons, []
        self._close_clients()
        self.why = "closed: a newer DockerSession took over its Docker engine"
        return daemons

    @property
    def available(self) -> bool:
        """Whether real docker is here: False when a tool was missing (``why`` says which)."""
        return self.laptop is not None

    def _close_clients(self) -> None:
        for client in (self.laptop, self.clean):
            if client is not None:
                client.close()
        self.laptop = self.clean = None

    def _stop_daemons(self) -> None:
        while self._daemons:
            self._daemons.pop().stop()

    def close(self) -> None:
        """Close the clients and stop the engines this session started (safe to call twice)."""
        global _current
        self._close_clients()
        self._stop_daemons()
        if _current is self:
            _current = None

    def __enter__(self) -> "DockerSession":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        laptop = self.laptop
        if laptop is None:  # not available
            return "DockerSession(closed: a newer session took over)" if self.why.startswith("closed:") \
                else "DockerSession(no Docker engine)"
        return f"DockerSession({laptop.daemon!r}, clean engine: {'yes' if self.clean else 'no'})"


# -- the comparison ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    step: str
    layer: str
    model: str
    real: str
    #: what the server's events show for the real run
    server: str

    @property
    def same(self) -> bool:
        return self.model == self.real


@dataclass(frozen=True)
class Comparison:
    """Per step and layer, the model's outcome against the real client's; and the lines."""

    rows: tuple[Row, ...]
    model_lines: dict[str, list[str]] = field(repr=False)
    real_lines: dict[str, list[str]] = field(repr=False)
    real: str = "docker"

    @property
    def differences(self) -> list[Row]:
        return [r for r in self.rows if not r.same]

    def line_differences(self) -> dict[str, tuple[list[str], list[str]]]:
        """Per step, the (sorted) lines only the model printed and those only docker printed.

        Sorted, because docker prints a push's per-layer results in the order they finish."""
        out = {}
        for step in STEPS:
            model, real = sorted(self.model_lines.get(step, [])), sorted(self.real_lines.get(step, []))
            only_model = [line for line in model if line not in real]
            only_real = [line for line in real if line not in model]
            if only_model or only_real:
                out[step] = (only_model, only_real)
        return out

    @property
    def verdict(self) -> str:
        """One sentence: how many layer outcomes agree, and whether the printed lines do."""
        same = len(self.rows) - len(self.differences)
        lines = "the printed lines agree too" if not self.line_differences() else \
            f"the printed lines differ in {len(self.line_differences())} steps"
        return f"{same} of {len(self.rows)} layer outcomes agree; {lines}"

    def __str__(self) -> str:
        head = f"{'step':<24} {'layer':<8} {'model':<11} {self.real:<11} server"
        body = [f"{r.step:<24} {r.layer:<8} {r.model:<11} {r.real:<11} {r.server}"
                + ("" if r.same else "   <- differs") for r in self.rows]
        same = len(self.rows) - len(self.differences)
        return "\n".join([head, *body, f"{same} of {len(self.rows)} layer outcomes agree"])

    def __repr__(self) -> str:
        return f"Comparison({len(self.rows)} layer outcomes, {len(self.differences)} differ)"

    def _repr_html_(self) -> str:
        cells = "".join(
            "<tr>" + "".join(f"<td style='padding:2px 8px'>{html.escape(v)}</td>"
                             for v in (r.step, r.layer, r.model, r.real, r.server, "yes" if r.same else "NO"))
            + "</tr>" for r in self.rows)
        head = "".join(f"<th style='padding:2px 8px;text-align:left'>{h}</th>"
                       for h in ("step", "layer", "model", html.escape(self.real), "server saw", "same?"))
        return f"<table><tr>{head}</tr>{cells}</table>"


def compare(model: Run, real: Run) -> Comparison:
    """Line up two runs: one :class:`Row` per step and layer either run reported."""
    expect("model", model, Run)
    expect("real", real, Run)
    rows = []
    for step in STEPS:
        ours, theirs = model.outcomes.get(step, {}), real.outcomes.get(step, {})
        for layer in LAYERS:
            if layer in ours or layer in theirs:
                rows.append(Row(step, layer, ours.get(layer, "-"), theirs.get(layer, "-"),
                                real.server.get(step, {}).get(layer, "-")))
    return Comparison(tuple(rows), model.lines, real.lines, real.client)
