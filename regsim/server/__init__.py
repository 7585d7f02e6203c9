"""Serve a :class:`~regsim.registry.Registry` over the real OCI distribution API.

Real clients (``docker``, ``skopeo``, ``oras``, ``crane``) push to and pull from the model;
every request becomes model events, so pictures and tables show a real client's push as it
happens. Needs the ``server`` extra (Starlette and uvicorn); the core never imports this package.

>>> from regsim import Registry
>>> registry = Registry("localhost:5000")
>>> server = serve(registry)                  # 127.0.0.1, a free port, background thread
>>> server.stop()

Modules: :mod:`~regsim.server.app` (routing, errors), :mod:`~regsim.server.blobs`,
:mod:`~regsim.server.uploads`, :mod:`~regsim.server.manifests`,
:mod:`~regsim.server.discovery` (handlers), :mod:`~regsim.server.auth` (basic and bearer
tokens), :mod:`~regsim.server.protocol` (ranges, pagination, error bodies),
:mod:`~regsim.server.gate` (the model lock), :mod:`~regsim.server.state` (the server state handlers
see: a protocol, so no handler imports the app), :mod:`~regsim.server.tools` (``find_tool`` and
``ToolMissing``, the leaf every driver of an outside program uses), :mod:`~regsim.server.runner` (the thread),
:mod:`~regsim.server.clients` (skopeo in a private environment, a small pure-Python client, and
:func:`~regsim.server.clients.make_client`, which gives whichever is installed behind one interface),
:mod:`~regsim.server.daemon` (a Docker engine to drive: a running one or a private dockerd, and
:func:`~regsim.server.daemon.base_image`, the offline busybox base),
:mod:`~regsim.server.engines` (``docker`` and ``podman`` against a served registry: every command
returns the client's lines and the server's events), :mod:`~regsim.server.reality` (one scenario
run by the model and by real docker, compared layer by layer), :mod:`~regsim.server.classroom`
(a workshop registry: a namespace per participant, a shared team namespace, who pushed what) and
:mod:`~regsim.server.dashboard` (the instructor's live widget), :mod:`~regsim.server.ratelimit`
(Docker Hub's pull accounting, ``serve --rate-limit``), :mod:`~regsim.server.mirror` (a pull-through
cache, ``serve --mirror-of``) and :mod:`~regsim.server.mirror_reality` (real docker through
distribution's proxy and regsim's mirror, counted upstream and predicted by the lab's model).
"""

from .app import RegistryApp, RequestRecord
from .classroom import Classroom, Participant
from .daemon import DockerDaemon, base_image, docker_daemon
from .engines import DockerClient, PodmanClient
from .runner import RegistryServer, serve

__all__ = ["Classroom", "DockerClient", "DockerDaemon", "Participant", "PodmanClient", "RegistryApp", "RegistryServer", "RequestRecord", "base_image", "docker_daemon", "serve"]
