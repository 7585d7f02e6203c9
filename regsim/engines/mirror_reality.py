"""Pull-through mirrors, model versus reality: real docker through real mirrors, counted upstream.

One sequence, the one a CI machine repeats all day::

    docker pull busybox:1          # "first pull": nothing cached anywhere
    docker rmi busybox:1
    docker pull busybox:1          # "repeat pull": the mirror has it all

It runs through a private ``dockerd`` started with ``--registry-mirror http://127.0.0.1:PORT``
(docker only asks mirrors about Docker Hub images), with one of two mirrors on that port:

* ``"regsim"``: ``regsim serve --mirror-of`` (:class:`~regsim.server.mirror.Mirror`);
* ``"distribution"``: Debian's ``docker-registry`` 2.8 with ``proxy: remoteurl:`` (the anchor).

Behind the mirror, the upstream plays Docker Hub: a ``regsim serve --rate-limit 100/6h`` holding
``library/busybox:1`` (the course's offline busybox base, pushed by another engine). The upstream's
own request log is counted per step: manifest ``GET`` (a pull on Docker Hub), manifest ``HEAD``
(free) and blob ``GET``.

:func:`predict` replays the same steps through the lab's
:class:`~regsim.sim.mirrors.PullThroughMirror`, configured as each mirror, and
:func:`compare` puts the measured and predicted counts side by side::

    with docker_daemon() as pusher:
        print(compare(pusher))
"""

from __future__ import annotations

import re
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgument, expect
from .tools import find_tool
from .daemon import DockerDaemon, base_image, start_private_daemon

if TYPE_CHECKING:  # pragma: no cover - the server is started when a measurement needs one
    from ..server.runner import RegistryServer

__all__ = ["KINDS", "STEPS", "MIRRORS", "IMAGE", "MEASURED", "DistributionProxy", "upstream_counts", "measure", "predict", "compare",
           "Comparison"]

#: the upstream request kinds counted (a 401 challenge is not counted: no one pays for it)
KINDS = ("manifest_get", "manifest_head", "blob_get")
#: the steps of the sequence
STEPS = ("first pull", "repeat pull")
#: the mirrors compared
MIRRORS = ("distribution", "regsim")
#: the image pulled (docker.io/library/busybox:1 through the mirror)
IMAGE = "busybox:1"

#: What real docker (dockerd 20.10) made the upstream do, per mirror and step, measured with
#: Debian's docker-registry 2.8.2 and regsim's mirror (tag TTL 60 s); the test
#: ``tests/engines/test_mirror_docker.py`` measures it again on every run with an engine.
MEASURED = {
    ("distribution", "first pull"): {"manifest_get": 1, "manifest_head": 1, "blob_get": 4},
    ("distribution", "repeat pull"): {"manifest_get": 0, "manifest_head": 1, "blob_get": 0},
    ("regsim", "first pull"): {"manifest_get": 1, "manifest_head": 1, "blob_get": 2},
    ("regsim", "repeat pull"): {"manifest_get": 0, "manifest_head": 0, "blob_get": 0},
}

_PATH = re.compile(r"^/v2/.+/(manifests|blobs)/[^/]+$")


def upstream_counts(server: RegistryServer) -> dict[str, int]:
    """What ``server`` (a :class:`~regsim.server.runner.RegistryServer`) was asked so far, by kind."""
    if not hasattr(server, "requests"):
        raise InvalidArgument(f"server must be a RegistryServer, got {type(server).__name__} {server!r:.80}")
    counts = dict.fromkeys(KINDS, 0)
    for record in server.requests:
        match = _PATH.match(record.path)
        if match is None or record.status == 401 or record.method not in ("GET", "HEAD"):
            continue
        kind = f"{match.group(1)[:-1]}_{record.method.lower()}"
        if kind in counts:
            counts[kind] += 1
    return counts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(url: str, process: subprocess.Popen[bytes] | None, what: str, timeout: float = 20.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{url}/v2/", timeout=1).read()
            return
        except OSError:
            if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start at {url}") from None
            time.sleep(0.05)


class DistributionProxy:
    """Debian's ``docker-registry`` (distribution 2.8) as a pull-through cache of ``upstream``.

    Its own configuration, storage directory and port on 127.0.0.1; stopped by PID.
    :class:`~regsim.engines.clients.ToolMissing` when ``docker-registry`` is not installed.
    """

    def __init__(self, upstream: str, port: int) -> None:
        expect("upstream", upstream, str)
        expect("port", port, int, "a port number")
        self.binary = find_tool("docker-registry", "docker-registry")
        self.dir = tempfile.TemporaryDirectory(prefix="regsim-proxy-")
        self.url = f"http://127.0.0.1:{port}"
        config = Path(self.dir.name) / "config.yml"
        # not the package's /etc/docker/registry/config.yml (every interface, :5000, htpasswd)
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: error\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.dir.name}/storage\n"
            f"http:\n  addr: 127.0.0.1:{port}\n"
            f"proxy:\n  remoteurl: {upstream}\n")
        self.process = subprocess.Popen([self.binary, "serve", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        try:
            _wait_for(self.url, self.process, "docker-registry (proxy)")
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.dir.cleanup()

    def __enter__(self) -> "DistributionProxy":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _start_mirror(kind: str, upstream_url: str, port: int, ttl: float) -> DistributionProxy | RegistryServer:
    if kind == "distribution":
        return DistributionProxy(upstream_url, port)
    from ..registry import Registry
    from ..server.mirror import Mirror
    from ..server.runner import serve

    return serve(Registry("mirror"), port=port, mirror=Mirror(upstream_url, ttl=ttl))


def measure(pusher: DockerDaemon, kind: str, *, ttl: float = 60.0, base: str | None = None) -> dict[str, dict[str, int]]:
    """Run the sequence through mirror ``kind`` with real docker; the upstream's counts per step.

    ``pusher`` is a Docker engine that has (or builds) the busybox base and pushes it to a fresh
    upstream; the pulls run on a second, private engine whose ``--registry-mirror`` is the mirror.
    ``ttl`` is regsim's tag TTL (distribution has none: it asks about a tag on every pull).
    """
    if kind not in MIRRORS:
        raise InvalidArgument(f"mirror kind must be one of {MIRRORS}, got {kind!r}")
    from ..registry import Registry
    from ..server.runner import serve

    base = base or base_image(pusher)
    port = _free_port()
    with serve(Registry("hub"), rate_limit="100/6h") as upstream:
        pusher.docker("tag", base, f"{upstream.address}/library/busybox:1")
        pusher.docker("push", f"{upstream.address}/library/busybox:1")
        puller = start_private_daemon(registry_mirrors=(f"http://127.0.0.1:{port}",))
        mirror = None
        try:
            mirror = _start_mirror(kind, upstream.url, port, ttl)
            counts: dict[str, dict[str, int]] = {}
            before = upstream_counts(upstream)
            for step in STEPS:
                if step == "repeat pull":
                    puller.docker("rmi", IMAGE)
                puller.docker("pull", IMAGE)
                after = upstream_counts(upstream)
                counts[step] = {k: after[k] - before[k] for k in KINDS}
                before = after
            return counts
        finally:
            if mirror is not None:
                mirror.stop()
            puller.stop()
            pusher.docker("rmi", f"{upstream.address}/library/busybox:1", check=False)


def predict(kind: str, *, blobs: int = 2, ttl: float = 60.0, gap: float = 1.0) -> dict[str, dict[str, int]]:
    """The lab model's upstream counts for the sequence through mirror ``kind``.

    ``blobs`` is the number of blobs the image has (config and layers: 2 for the busybox base);
    the repeat pull comes ``gap`` seconds after the first.
    """
    from ..sim.mirrors import PullThroughMirror

    if kind == "distribution":
        model = PullThroughMirror(double_fetch=True)
    elif kind == "regsim":
        model = PullThroughMirror(double_fetch=False, tag_ttl=ttl, revalidate="head")
    else:
        raise InvalidArgument(f"mirror kind must be one of {MIRRORS}, got {kind!r}")
    counts: dict[str, dict[str, int]] = {}
    names = {"manifest_get": "upstream_manifest_gets", "manifest_head": "upstream_manifest_heads",
             "blob_get": "upstream_blob_gets"}
    before = dict.fromkeys(KINDS, 0)
    for i, step in enumerate(STEPS):
        now = i * gap
        model.get_manifest(now, "library/busybox:1", 500)
        for b in range(blobs):
            model.get_blob(now, f"blob-{b}", 1000)
        after = {k: getattr(model.stats, names[k]) for k in KINDS}
        counts[step] = {k: after[k] - before[k] for k in KINDS}
        before = after
    return counts


@dataclass
class Comparison:
    """Measured and predicted upstream counts per mirror and step (``rows``: one dict each)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def agree(self) -> bool:
        """True when the model predicted every measured count."""
        return all(row["measured"] == row["predicted"] for row in self.rows)

    def __str__(self) -> str:
        head = f"{'mirror':<13}{'step':<13}" + "".join(f"{k:>15}" for k in KINDS) + "   model"
        lines = [head]
        for row in self.rows:
            cells = "".join(f"{row['measured'][k]:>15}" for k in KINDS)
            model = "same" if row["measured"] == row["predicted"] else \
                ",".join(str(row["predicted"][k]) for k in KINDS)
            lines.append(f"{row['mirror']:<13}{row['step']:<13}{cells}   {model}")
        return "\n".join(lines)


def compare(pusher: DockerDaemon, *, ttl: float = 60.0, mirrors: tuple[str, ...] = MIRRORS) -> Comparison:
    """:func:`measure` and :func:`predict` for each mirror, side by side."""
    expect("pusher", pusher, DockerDaemon)
    base = base_image(pusher)
    result = Comparison()
    for kind in mirrors:
        measured = measure(pusher, kind, ttl=ttl, base=base)
        predicted = predict(kind, ttl=ttl)
        for step in STEPS:
            result.rows.append({"mirror": kind, "step": step, "measured": measured[step],
                                "predicted": predicted[step]})
    return result

