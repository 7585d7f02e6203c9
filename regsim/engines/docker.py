"""Real container engines against a served registry: ``docker`` and ``podman``.

:class:`DockerClient` drives a Docker engine (a :class:`~regsim.engines.daemon.DockerDaemon`),
:class:`PodmanClient` a private ``podman`` (its own storage root, ``vfs``, ``chroot`` isolation
for ``RUN``). Both speak the commands a workshop teaches::

    client = DockerClient(server, daemon)          # server: a running regsim.server.serve(...)
    client.build("FROM scratch\\nCOPY hello /\\n", client.reference("demo/app", "1.0"),
                 context={"hello": b"hi"})
    out = client.push("demo/app", "1.0")           # docker push 127.0.0.1:PORT/demo/app:1.0
    out.lines                                      # what docker printed
    out.events                                     # what the server saw meanwhile
    out.digest                                     # the manifest digest docker reported
    out.layers                                     # {short id: "Pushed" / "Layer already exists" / ...}

Every command returns an :class:`EngineOutput`: the client's own output lines and the server's
events (:mod:`regsim.events`) appended while it ran -- on a busy server, other clients' events
of that time too. ``push(repository, tag)`` and ``pull(repository, reference)`` name the image in
the served registry, like :class:`~regsim.engines.clients.SimpleClient`; ``tag``, ``run`` and
``rmi`` take full references (:meth:`reference` builds one). A command that fails raises
:class:`EngineError` with the client's message, after recording nothing.
"""

from __future__ import annotations

import collections.abc
import json
import os
import re
from abc import ABC, abstractmethod
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Self

from .. import events as ev
from ..errors import InvalidArgument, RegistryError, expect
from ..oci.digest import Digest
from ..events import Event
from ..oci.image import Image
from ..registry import Registry
from .tools import find_tool, registry_address
from .daemon import DockerDaemon

if TYPE_CHECKING:  # pragma: no cover - a client drives a running server; it does not start one
    from ..server.runner import RegistryServer

__all__ = ["EngineOutput", "EngineError", "blob_outcomes", "DockerClient", "PodmanClient", "PROGRESS_STATUSES", "layer_statuses"]

#: per-layer lines that only show progress; :attr:`EngineOutput.layers` keeps the final ones
PROGRESS_STATUSES = ("Preparing", "Waiting", "Pushing", "Pulling fs layer", "Downloading", "Verifying Checksum",
                     "Download complete", "Extracting", "Retrying")

_LAYER_LINE = re.compile(r"^([0-9a-f]{12}): (.+)$")
_DIGEST_LINE = re.compile(r"(?:digest: |Digest: )(sha256:[0-9a-f]{64})")


class EngineError(RegistryError, RuntimeError):
    """A docker or podman command failed; the message has its arguments and its error output. A
    :class:`~regsim.errors.RegistryError` reported by a docker-like client (and a RuntimeError, as
    before)."""

    reporter = "daemon"
    default_message = "the engine's command failed"

    def one_line(self) -> str:
        """The message alone: it already holds the engine's own error output."""
        return self.message


def layer_statuses(lines: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``{short id: final status}`` from docker's push or pull lines (progress lines dropped)."""
    expect("lines", lines, collections.abc.Iterable, "an iterable of docker's output lines")
    out: dict[str, str] = {}
    for line in lines:
        match = _LAYER_LINE.match(line)
        if match and not match.group(2).startswith(PROGRESS_STATUSES):
            out[match.group(1)] = match.group(2)
    return out


def blob_outcomes(events: Iterable[Event]) -> dict[Digest, str]:
    """``{digest: outcome}`` of the blobs in some server events: ``uploaded`` (bytes sent; also
    when the registry had them in another repository), ``mounted``, ``exists`` (a ``HEAD`` found it
    and nothing was sent) or ``downloaded``."""
    expect("events", events, collections.abc.Iterable, "an iterable of events")
    out: dict[Digest, str] = {}
    for e in events:
        if isinstance(e, ev.BlobUploaded):
            out[e.digest] = "uploaded"
        elif isinstance(e, ev.BlobMounted):
            out[e.digest] = "mounted"
        elif isinstance(e, ev.BlobChecked) and e.exists:
            out.setdefault(e.digest, "exists")
        elif isinstance(e, ev.BlobFetched):
            out[e.digest] = "downloaded"
    return out


@dataclass(frozen=True)
class EngineOutput:
    """One command: its arguments, the client's output lines (stdout), the server's events
    meanwhile, and its error-stream lines."""

    command: tuple[str, ...]
    lines: tuple[str, ...]
    events: tuple[Event, ...] = field(repr=False)
    #: what the client wrote to its error stream (warnings, podman's progress, "Unable to find image")
    errors: tuple[str, ...] = field(default=(), repr=False)

    @property
    def digest(self) -> Digest | None:
        """The manifest digest the client printed (push and pull), else None."""
        for line in reversed(self.lines):
            match = _DIGEST_LINE.search(line)
            if match:
                return Digest(match.group(1))
        return None

    @property
    def layers(self) -> dict[str, str]:
        """Per layer (docker's 12-digit short id), the last status printed: ``Pushed``,
        ``Layer already exists``, ``Mounted from library/busybox``, ``Already exists``,
        ``Pull complete``."""
        return layer_statuses(self.lines)

    @property
    def blobs(self) -> dict[Digest, str]:
        """What the server did with each blob, from its events: ``uploaded``, ``mounted``,
        ``exists`` (checked and found, nothing sent) or ``downloaded``."""
        return blob_outcomes(self.events)

    @property
    def text(self) -> str:
        """The client's output lines as one string, as the terminal showed them."""
        return "\n".join(self.lines)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"EngineOutput({' '.join(self.command[:2])}: {len(self.lines)} lines, {len(self.events)} server events)"


def _write_context(root: Path, dockerfile: str,
                   context: Mapping[str, bytes | str] | str | os.PathLike[str] | None) -> Path:
    """A build context directory: a copy of ``context`` (a directory) or its files, plus the Dockerfile."""
    if isinstance(context, (str, os.PathLike)):
        source = Path(context)
        if not source.is_dir():
            raise InvalidArgument(f"context must be a directory or a mapping of paths to bytes, got {str(source)!r}")
        shutil.copytree(source, root, symlinks=True, dirs_exist_ok=True)
    else:
        for name, data in (context or {}).items():
            path = (root / name.lstrip("/")).resolve()
            if root.resolve() not in path.parents:
                raise InvalidArgument(f"context path {name!r} leaves the build context")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data.encode() if isinstance(data, str) else data)
    (root / "Dockerfile").write_text(dockerfile)
    return root


class _Engine(ABC):
    """What docker and podman share: the served registry, the event window, the commands."""

    tool = "engine"
    #: the flag that lets the client reach a plain-HTTP registry (podman needs one)
    insecure_flags: tuple[str, ...] = ()
    #: True when the client prints its progress report on stderr (podman), which then joins ``lines``
    report_on_stderr = False

    def __init__(self, server_or_url: RegistryServer | str, *, registry: Registry | None = None,
                 timeout: float = 300) -> None:
        if not isinstance(server_or_url, str) and not hasattr(server_or_url, "url"):
            raise InvalidArgument(f"server_or_url must be a RegistryServer or a URL like http://127.0.0.1:5000, "
                                  f"got {type(server_or_url).__name__} {server_or_url!r:.80}")
        url = server_or_url if isinstance(server_or_url, str) else server_or_url.url
        #: ``127.0.0.1:PORT``, the registry part of references
        self.address = registry_address(url)
        self.base_url = url.rstrip("/")
        #: the served model (its events are attached to each output), or None
        self.registry: Registry | None = (registry if registry is not None
                                          else getattr(server_or_url, "registry", None))
        self.timeout = timeout
        self._scratch = tempfile.TemporaryDirectory(prefix=f"regsim-{self.tool}-")
        self.scratch = Path(self._scratch.name)
        self._builds = 0

    # -- what each engine says for itself ----------------------------------------------------------
    @abstractmethod
    def _command(self, *args: str) -> list[str]:
        """The command line that runs ``<tool> <args>``."""

    @abstractmethod
    def _env(self) -> dict[str, str]:
        """The environment the tool runs in."""

    # -- running --------------------------------------------------------------------------------
    def reference(self, repository: str, tag: str) -> str:
        """``127.0.0.1:PORT/<repository>:<tag>``: an image in the served registry."""
        return f"{self.address}/{repository}:{tag}"

    def run_command(self, *args: str, check: bool = True, input: str | None = None) -> EngineOutput:
        """``docker <args>`` (or podman), with the server's events while it ran."""
        log = self.registry.events if self.registry is not None else None
        mark = log.mark() if log is not None else 0
        result = subprocess.run(self._command(*args), env=self._env(), capture_output=True, text=True,
                                timeout=self.timeout, input=input)
        if check and result.returncode != 0:
            raise EngineError(f"{self.tool} {' '.join(args)} failed ({result.returncode}):\n{result.stderr.strip()}")
        events = tuple(log.since(mark)) if log is not None else ()
        lines = tuple(line.rstrip() for line in result.stdout.splitlines() if line.strip())
        errors = tuple(line.rstrip() for line in result.stderr.splitlines() if line.strip())
        if self.report_on_stderr:
            lines, errors = errors + lines, ()
        return EngineOutput((self.tool, *args), lines, events, errors)

    def build(self, dockerfile: str, tag: str,
              context: Mapping[str, bytes | str] | str | os.PathLike[str] | None = None) -> EngineOutput:
        """``build -t TAG`` of a Dockerfile text with a context (``{path: bytes}`` or a directory)."""
        self._builds += 1
        root = _write_context(self.scratch / f"build-{self._builds}", dockerfile, context)
        try:
            return self.run_command("build", *self._build_flags(), "-t", tag, str(root))
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def _build_flags(self) -> tuple[str, ...]:
        return ()

    def login(self, username: str, password: str) -> EngineOutput:
        """``login -u USERNAME --password-stdin`` to the served registry (the client's private
        configuration keeps the credentials)."""
        return self.run_command("login", *self.insecure_flags, "-u", username, "--password-stdin", self.address,
                                input=password)

    def tag(self, source: str, target: str) -> EngineOutput:
        """``tag SOURCE TARGET``: a second name for a local image."""
        return self.run_command("tag", source, target)

    def push(self, repository: str, tag: str, image: Image | None = None) -> EngineOutput:
        """Push the local image ``reference(repository, tag)`` to the served registry."""
        if image is not None:
            raise InvalidArgument(f"{type(self).__name__}.push takes no image (got {type(image).__name__}): it pushes the engine's own image "
                                  f"{self.reference(repository, tag)!r}; build or tag it first "
                                  "(regsim images are pushed by SimpleClient or SkopeoClient)")
        return self.run_command("push", *self.insecure_flags, self.reference(repository, tag))

    def pull(self, repository: str, reference: str) -> EngineOutput:
        """``pull`` ``repository:reference`` (a tag, or ``@digest`` when ``reference`` is a digest) from
        the served registry.
        """
        separator = "@" if ":" in reference else ":"
        return self.run_command("pull", *self.insecure_flags, f"{self.address}/{repository}{separator}{reference}")

    def run(self, reference: str, *command: str) -> EngineOutput:
        """``run --rm --network none REFERENCE COMMAND...`` (pulls it first when missing)."""
        return self.run_command("run", "--rm", "--network", "none", reference, *command)

    def rmi(self, *references: str, force: bool = False) -> EngineOutput:
        """``rmi [--force] REFERENCE...``: remove local images (untag them; the layers go when no image
        uses them).
        """
        return self.run_command("rmi", *(["--force"] if force else []), *references)

    def images(self) -> EngineOutput:
        """``images``: the local images as the tool lists them (for the machine-readable form,
        :meth:`image_ids`).
        """
        return self.run_command("images")

    def image_ids(self) -> dict[str, str]:
        """``{repository:tag: image id}`` of the engine's local images."""
        out = self.run_command("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")
        return dict(line.split(" ", 1) for line in out.lines if not line.startswith("<none>"))

    def close(self) -> None:
        """Remove the client's scratch directory (build contexts). Also what leaving a ``with`` block does."""
        self._scratch.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"


class DockerClient(_Engine):
    """The ``docker`` command line against ``daemon`` (a :class:`DockerDaemon`), pushing to a
    served registry. Docker reaches ``127.0.0.0/8`` over plain HTTP without any setting."""

    tool = "docker"

    def __init__(self, server_or_url: RegistryServer | str, daemon: DockerDaemon | None = None, *,
                 registry: Registry | None = None, timeout: float = 300) -> None:
        super().__init__(server_or_url, registry=registry, timeout=timeout)
        from .daemon import docker_daemon

        self._owns_daemon = daemon is None
        #: the engine (None: :func:`~regsim.engines.daemon.docker_daemon`'s, stopped by :meth:`close`)
        self.daemon = daemon if daemon is not None else docker_daemon()

    def close(self) -> None:
        """Remove the scratch directory and stop the daemon if this client started it (one passed in is
        left running).
        """
        super().close()
        if self._owns_daemon:
            self.daemon.stop()

    def _command(self, *args: str) -> list[str]:
        return [self.daemon.binary, *args]

    def _env(self) -> dict[str, str]:
        return self.daemon.env


class PodmanClient(_Engine):
    """``podman`` with its own storage under a temporary directory (``--root``, ``--runroot``,
    ``vfs``), ``--isolation chroot`` for ``RUN`` and ``--tls-verify=false`` for the plain-HTTP
    registry. Podman keeps its blob-info cache in its storage root, so runs never share what they
    learned. Needs root (or a user namespace set up for rootless podman)."""

    tool = "podman"
    insecure_flags = ("--tls-verify=false",)
    report_on_stderr = True

    def __init__(self, server_or_url: RegistryServer | str, *, registry: Registry | None = None,
                 timeout: float = 300) -> None:
        self.binary = find_tool("podman")
        super().__init__(server_or_url, registry=registry, timeout=timeout)
        # short paths: podman's runroot holds sockets
        self._state = Path(tempfile.mkdtemp(prefix="rsp-", dir="/tmp"))
        for sub in ("root", "run", "home", "config", "tmp"):
            (self._state / sub).mkdir()
        (self._state / "policy.json").write_text(json.dumps({"default": [{"type": "insecureAcceptAnything"}]}))
        (self._state / "auth.json").write_text('{"auths": {}}')
        (self._state / "registries.conf").write_text('unqualified-search-registries = []\n')
        (self._state / "storage.conf").write_text(
            f'[storage]\ndriver = "vfs"\nrunroot = "{self._state / "run"}"\ngraphroot = "{self._state / "root"}"\n')
        (self._state / "containers.conf").write_text('[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\n')

    def _command(self, *args: str) -> list[str]:
        return [self.binary, "--root", str(self._state / "root"), "--runroot", str(self._state / "run"),
                "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none", *args]

    def _env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self._state / "home"),
            "XDG_CONFIG_HOME": str(self._state / "config"),
            "TMPDIR": str(self._state / "tmp"),
            "CONTAINERS_REGISTRIES_CONF": str(self._state / "registries.conf"),
            "CONTAINERS_STORAGE_CONF": str(self._state / "storage.conf"),
            "CONTAINERS_CONF": str(self._state / "containers.conf"),
            "REGISTRY_AUTH_FILE": str(self._state / "auth.json"),
        }

    def _build_flags(self) -> tuple[str, ...]:
        return ("--isolation", "chroot", "--signature-policy", str(self._state / "policy.json"))

    def push(self, repository: str, tag: str, image: Image | None = None) -> EngineOutput:
        if image is not None:
            return super().push(repository, tag, image)
        return self.run_command("push", *self.insecure_flags, "--signature-policy", str(self._state / "policy.json"),
                                self.reference(repository, tag))

    def pull(self, repository: str, reference: str) -> EngineOutput:
        """``pull`` ``repository:reference`` (or ``@digest``) from the served registry, with the client's
        own signature policy.
        """
        separator = "@" if ":" in reference else ":"
        return self.run_command("pull", *self.insecure_flags, "--signature-policy", str(self._state / "policy.json"),
                                f"{self.address}/{repository}{separator}{reference}")

    def run(self, reference: str, *command: str) -> EngineOutput:
        """``run --rm --network none`` with modest file and process limits: podman would raise them
        to its defaults, which a container inside a container may not do (lowering always works)."""
        return self.run_command("run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024",
                                "--ulimit", "nproc=1024:1024", reference, *command)

    def close(self) -> None:
        """Remove the scratch directory and podman's private storage (unmounting what it left mounted)."""
        super().close()
        subprocess.run(["umount", "-R", "-l", str(self._state)], capture_output=True)
        shutil.rmtree(self._state, ignore_errors=True)
