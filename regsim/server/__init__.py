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
see: a protocol, so no handler imports the app), :mod:`~regsim.server.runner` (the thread),
:mod:`~regsim.server.classroom` (a workshop registry: a namespace per participant, a shared team
namespace, who pushed what), :mod:`~regsim.server.dashboard` (the instructor's live widget),
:mod:`~regsim.server.ratelimit` (Docker Hub's pull accounting, ``serve --rate-limit``) and
:mod:`~regsim.server.mirror` (a pull-through cache, ``serve --mirror-of``).

This package is HTTP only. The programs that talk to it -- ``docker``, ``podman``, ``skopeo``, private
daemons -- and the model-versus-reality comparisons are in :mod:`regsim.engines`, which imports this
package and is never imported by it. Their old paths here (``regsim.server.DockerClient``,
``regsim.server.daemon``, ``regsim.server.engines``...) work for one release, with a
DeprecationWarning naming the new one.
"""

from .app import RegistryApp, RequestRecord
from .classroom import Classroom, Participant
from .runner import RegistryServer, serve
from ..deprecation import moved_names

__all__ = ["Classroom", "Participant", "RegistryApp", "RegistryServer", "RequestRecord", "serve"]

#: names that moved to :mod:`regsim.engines` (issue 18), answered here for one release with a warning
MOVED = {name: f"regsim.engines.{name}" for name in
         ("DockerClient", "DockerDaemon", "PodmanClient", "base_image", "docker_daemon")}
__getattr__ = moved_names("regsim.server", MOVED)
