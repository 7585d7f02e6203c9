"""Drivers of outside tools: real clients and engines against a served registry, the private Docker
daemons they need, and the comparisons of the model with what real tools do.

:mod:`regsim.server` is HTTP only (the registry a client talks to); this package is the other end
of the wire: programs regsim starts and drives (``docker``, ``podman``, ``skopeo``, ``dockerd``,
``docker-registry``) and the clients it speaks with (oras-py, a pure-Python one). It builds on the
core and may start a server (:func:`regsim.server.serve`) to compare against; :mod:`regsim.server`
never imports it.

>>> from regsim.engines import ToolMissing, find_tool
>>> try:
...     find_tool("no-such-program-here")
... except ToolMissing as error:
...     print(error)
no-such-program-here is not installed: install it with `sudo apt-get install no-such-program-here` (Debian/Ubuntu)

Modules: :mod:`~regsim.engines.tools` (``find_tool`` and ``ToolMissing``, the leaf every driver
imports), :mod:`~regsim.engines.clients` (skopeo in a private environment, a small pure-Python
client, and :func:`~regsim.engines.clients.make_client`, which gives whichever is installed behind
one interface), :mod:`~regsim.engines.artifacts` (``oras attach`` and ``oras discover`` with
oras-py), :mod:`~regsim.engines.daemon` (a Docker engine to drive: a running one or a private
dockerd, and :func:`~regsim.engines.daemon.base_image`, the offline busybox base) with its
:mod:`~regsim.engines.watchdog` (a private dockerd never outlives the process that started it),
:mod:`~regsim.engines.docker` (``docker`` and ``podman`` against a served registry: every command
returns the client's lines and the server's events), :mod:`~regsim.engines.reality` (one scenario
run by the model and by real docker, compared layer by layer) and
:mod:`~regsim.engines.mirror_reality` (real docker through distribution's proxy and regsim's
mirror, counted upstream and predicted by the lab's model).
"""

from .clients import RegistryRefused, SimpleClient, Skopeo, SkopeoClient, make_client
from .daemon import DaemonUnavailable, DockerDaemon, base_image, docker_daemon
from .docker import DockerClient, EngineError, EngineOutput, PodmanClient
from .reality import DockerSession
from .tools import ToolMissing, find_tool

__all__ = ["DaemonUnavailable", "DockerClient", "DockerDaemon", "DockerSession", "EngineError", "EngineOutput",
           "PodmanClient", "RegistryRefused", "SimpleClient", "Skopeo", "SkopeoClient", "ToolMissing",
           "base_image", "docker_daemon", "find_tool", "make_client"]
