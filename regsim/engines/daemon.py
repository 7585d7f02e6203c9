"""A Docker engine to drive: one already running, or a private ``dockerd`` started here.

:func:`docker_daemon` returns a :class:`DockerDaemon`. When a daemon answers at ``DOCKER_HOST``
(or the default ``/var/run/docker.sock``) it is used as it is, and never stopped. Otherwise, as
root, a private one is started, with everything of its own under one short temporary directory::

    dockerd --storage-driver vfs --iptables=false --ip6tables=false --bridge=none
            --data-root D/data --exec-root D/x --pidfile D/pid --host unix://D/s

(no iptables rules, no bridge: containers run with ``--network none``; ``vfs`` works on any
filesystem). :meth:`DockerDaemon.stop` stops it by its PID (SIGTERM, then SIGKILL), then the
``containerd`` it spawned, and removes the directory. It is a context manager::

    with docker_daemon() as daemon:
        daemon.docker("images")

:meth:`DockerDaemon.docker` runs the ``docker`` command line against it, with a private client
configuration (``DOCKER_CONFIG``: logins never touch ``~/.docker``) and the classic builder
(``DOCKER_BUILDKIT=0``, which needs no buildx plugin).

A private daemon never outlives the process that started it: Python's exit stops it
(``atexit``), and a :mod:`~regsim.engines.watchdog` process beside it stops it when that process
dies any other way (a notebook kernel killed, a test run interrupted). Docker reaches registries on
``127.0.0.0/8`` over plain HTTP by default; other plain-HTTP registries are named in
``insecure_registries`` (a private daemon only).

:func:`base_image` builds the offline base image: ``FROM scratch`` and Debian's static busybox
with ``sh``, ``echo``, ``cat`` (and a few more) links, so builds with ``RUN`` steps work with no
network.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Protocol, overload

from ..errors import InvalidArgument, expect
from . import watchdog
from .tools import ToolMissing, find_tool

__all__ = ["DockerDaemon", "DaemonUnavailable", "docker_daemon", "base_image", "base_context",
           "BASE_TAG", "BUSYBOX_LINKS", "START_HINT"]

#: where Docker's client looks when ``DOCKER_HOST`` is unset
DEFAULT_SOCKET = "/var/run/docker.sock"

#: the tag :func:`base_image` gives the busybox base
BASE_TAG = "regsim/busybox:latest"

#: the commands linked to busybox in the base image
BUSYBOX_LINKS = ("sh", "echo", "cat", "ls", "mkdir", "rm", "cp", "true", "sleep", "wc", "sha256sum")

#: how to get a Docker engine, for messages and notebooks
START_HINT = ("start Docker (Docker Desktop; or on Linux `sudo systemctl start docker`), or run as root "
              "with Debian's docker.io installed (`sudo apt-get install docker.io`) so regsim can start "
              "a private dockerd")


class DaemonUnavailable(ToolMissing):
    """No Docker engine answers and none can be started here (the message says how to get one)."""


def _ping_unix(path: str, timeout: float = 2.0) -> bool:
    """True when an HTTP ``GET /_ping`` on the unix socket ``path`` answers ``OK``."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
    except OSError:
        return False
    return reply.startswith(b"HTTP/1.") and reply.rstrip().endswith(b"OK")


class DockerDaemon:
    """A Docker engine at ``host`` (``unix:///…``); ``pid`` is set when this object started it.

    Use :func:`docker_daemon` rather than the constructor: it finds a running engine first.
    """

    def __init__(self, host: str, *, pid: int | None = None, root: Path | None = None,
                 process: subprocess.Popen[bytes] | None = None, timeout: float = 300,
                 watcher: subprocess.Popen[bytes] | None = None) -> None:
        expect("host", host, str)
        self.host = host
        #: the PID of the private dockerd (None: an engine someone else runs)
        self.pid = pid
        #: the private daemon's directory (data root, exec root, socket, log), or None
        self.root = root
        self.timeout = timeout
        self._process = process
        self._watcher = watcher
        if pid is not None:
            _STARTED.add(self)
        self._config = tempfile.TemporaryDirectory(prefix="regsim-docker-config-")
        #: the environment every ``docker`` command gets
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "DOCKER_HOST": host,
            "DOCKER_CONFIG": self._config.name,
            "DOCKER_BUILDKIT": "0",
            "DOCKER_CLI_HINTS": "false",
        }
        self.binary = find_tool("docker", "docker.io")

    @property
    def private(self) -> bool:
        """True when this object started the daemon (and :meth:`stop` will stop it)."""
        return self.pid is not None

    @property
    def running(self) -> bool:
        """Whether the daemon answers a ping on its unix socket now."""
        return self.host.startswith("unix://") and _ping_unix(self.host.removeprefix("unix://"))

    @overload
    def docker(self, *args: str, check: bool = True, input: str | None = None,
               timeout: float | None = None) -> subprocess.CompletedProcess[str]: ...

    @overload
    def docker(self, *args: str, check: bool = True, input: bytes,
               timeout: float | None = None) -> subprocess.CompletedProcess[bytes]: ...

    def docker(self, *args: str, check: bool = True, input: str | bytes | None = None,
               timeout: float | None = None) -> subprocess.CompletedProcess[str] | subprocess.CompletedProcess[bytes]:
        """``docker <args>`` against this engine; ``RuntimeError`` with docker's stderr when it fails."""
        result = subprocess.run([self.binary, *args], env=self.env, capture_output=True,
                                text=not isinstance(input, bytes), input=input,
                                timeout=timeout or self.timeout)
        if check and result.returncode != 0:
            stderr = result.stderr if isinstance(result.stderr, str) else result.stderr.decode(errors="replace")
            raise RuntimeError(f"docker {' '.join(args)} failed ({result.returncode}):\n{stderr.strip()}")
        return result

    def log(self) -> str:
        """The private daemon's log so far ('' for an engine someone else runs)."""
        if self.root is None or not (self.root / "dockerd.log").exists():
            return ""
        return (self.root / "dockerd.log").read_text(errors="replace")

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the private daemon by PID (SIGTERM, SIGKILL after ``timeout``) and remove its files.

        An engine someone else runs is left alone. Safe to call twice.
        """
        if self._watcher is not None:  # first, so it does not race us
            watchdog.terminate(self._watcher.pid, self._watcher, timeout=5.0)
            self._watcher = None
        if self.pid is not None:
            watchdog.stop_tree(self.pid, self.root, self._process, timeout=timeout)
            self.pid = None
        _STARTED.discard(self)
        self._config.cleanup()

    def __enter__(self) -> "DockerDaemon":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        kind = f"private, pid {self.pid}" if self.private else "shared"
        return f"DockerDaemon({self.host!r}, {kind})"


#: the private daemons this process started and has not stopped yet (stopped at exit)
_STARTED: "set[DockerDaemon]" = set()


@atexit.register
def _stop_started() -> None:
    for daemon in list(_STARTED):
        daemon.stop()


def _reachable_host() -> str | None:
    """``DOCKER_HOST`` or the default socket, when a daemon answers there."""
    host = os.environ.get("DOCKER_HOST") or f"unix://{DEFAULT_SOCKET}"
    if host.startswith("unix://"):
        return host if _ping_unix(host.removeprefix("unix://")) else None
    docker = shutil.which("docker")
    if docker is None:
        return None
    try:
        probe = subprocess.run([docker, "-H", host, "version", "--format", "{{.Server.Version}}"],
                               capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        return None
    return host if probe.returncode == 0 else None


def start_private_daemon(*, insecure_registries: tuple[str, ...] = (), registry_mirrors: tuple[str, ...] = (),
                         timeout: float = 60.0) -> DockerDaemon:
    """Start a private ``dockerd`` (see the module docstring) and return once it answers.

    ``registry_mirrors`` are its ``--registry-mirror`` URLs: pulls of Docker Hub images
    (``busybox``, ``library/python``) ask them first (``regsim serve --mirror-of``).

    Needs root and Debian's ``docker.io``; :class:`DaemonUnavailable` says so otherwise.
    ``RuntimeError`` with the end of its log when it does not come up within ``timeout`` seconds.
    """
    if os.geteuid() != 0:
        raise DaemonUnavailable("no Docker engine answers, and a private dockerd needs root: " + START_HINT)
    try:
        dockerd = find_tool("dockerd", "docker.io")
        find_tool("docker", "docker.io")
    except ToolMissing as exc:
        raise DaemonUnavailable(f"{exc}; or {START_HINT}") from None
    # unix socket paths are limited to 108 bytes: keep the directory short
    root = Path(tempfile.mkdtemp(prefix="rsd-", dir="/tmp"))
    sock = root / "s"
    command = [dockerd, "--storage-driver", "vfs", "--iptables=false", "--ip6tables=false", "--bridge=none",
               "--data-root", str(root / "data"), "--exec-root", str(root / "x"),
               "--pidfile", str(root / "pid"), "--host", f"unix://{sock}"]
    for registry in insecure_registries:
        command += ["--insecure-registry", registry]
    for mirror in registry_mirrors:
        command += ["--registry-mirror", mirror]
    with open(root / "dockerd.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    # -I: isolated, so the script's folder (regsim/server) cannot shadow a standard module
    watcher = subprocess.Popen([sys.executable, "-I", watchdog.__file__, str(os.getpid()), str(process.pid),
                                str(root)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    daemon = DockerDaemon(f"unix://{sock}", pid=process.pid, root=root, process=process, watcher=watcher)
    deadline = time.monotonic() + timeout
    while not _ping_unix(str(sock)):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = "\n".join(daemon.log().splitlines()[-15:])
            daemon.stop()
            raise RuntimeError(f"the private dockerd did not start ({' '.join(command)}):\n{tail}")
        time.sleep(0.1)
    return daemon


def docker_daemon(*, private: bool = False, insecure_registries: tuple[str, ...] = ()) -> DockerDaemon:
    """A Docker engine: the one answering at ``DOCKER_HOST`` or ``/var/run/docker.sock``, else a
    private ``dockerd`` (``private=True``: always a private one).

    :class:`DaemonUnavailable` (with :data:`START_HINT`) when neither is possible. Stop it with
    ``daemon.stop()`` or a ``with`` block; an engine someone else runs is never stopped.
    """
    if not private:
        host = _reachable_host()
        if host is not None:
            return DockerDaemon(host)
    return start_private_daemon(insecure_registries=insecure_registries)


def base_context() -> tuple[str, Path]:
    """The Dockerfile and a build context directory for the busybox base (a new temporary one).

    The context holds ``bin/busybox`` (Debian's ``busybox-static``) and relative links to it; file
    times are fixed, so the layer's bytes are the same on every build. Remove the directory when
    done (:func:`base_image` does).
    """
    busybox = shutil.which("busybox")
    if busybox is None:
        raise ToolMissing("busybox is not installed: install it with `sudo apt-get install busybox-static` "
                          "(Debian/Ubuntu)")
    with open(busybox, "rb") as binary:
        head = binary.read(4096)
    if b"ld-linux" in head or b"/lib/ld-" in head:  # an ELF interpreter: dynamically linked
        raise ToolMissing(f"{busybox} is dynamically linked: install `busybox-static` (Debian/Ubuntu)")
    context = Path(tempfile.mkdtemp(prefix="regsim-base-"))
    (context / "bin").mkdir()
    shutil.copyfile(busybox, context / "bin" / "busybox")
    (context / "bin" / "busybox").chmod(0o755)
    for name in BUSYBOX_LINKS:
        (context / "bin" / name).symlink_to("busybox")
    for path in [*(context / "bin").iterdir(), context / "bin"]:
        os.utime(path, (946684800, 946684800), follow_symlinks=False)  # 2000-01-01
    dockerfile = 'FROM scratch\nCOPY bin /bin\nCMD ["/bin/sh"]\n'
    (context / "Dockerfile").write_text(dockerfile)
    return dockerfile, context


class _Builder(Protocol):
    """An engine client that builds (:class:`~regsim.engines.docker.DockerClient`, ...)."""

    def build(self, dockerfile: str, tag: str, context: Path) -> object: ...


def base_image(engine: DockerDaemon | _Builder | None = None, *, tag: str = BASE_TAG) -> str:
    """Build the offline busybox base as ``tag`` in ``engine`` and return ``tag``.

    ``engine`` is a :class:`DockerDaemon`, or a client with ``build(dockerfile, tag, context)``
    (:class:`~regsim.engines.docker.DockerClient`, :class:`~regsim.engines.docker.PodmanClient`);
    None: :func:`docker_daemon`'s engine (which must then be stopped by the caller, so prefer
    passing one). One layer: ``/bin`` with busybox and its links.
    """
    if engine is not None and not isinstance(engine, DockerDaemon) and not hasattr(engine, "build"):
        raise InvalidArgument(f"engine must be a DockerDaemon or an engine client (with build()), got "
                              f"{type(engine).__name__} {engine!r:.80}")
    if engine is None:
        engine = docker_daemon()
    dockerfile, context = base_context()
    try:
        if isinstance(engine, DockerDaemon):
            engine.docker("build", "--quiet", "-t", tag, str(context))
        else:
            engine.build(dockerfile, tag, context)
    finally:
        shutil.rmtree(context, ignore_errors=True)
    return tag
