"""What a request handler may use of the server: :class:`ServerState`, a small protocol.

Handlers (:mod:`~regsim.server.blobs`, :mod:`~regsim.server.uploads`,
:mod:`~regsim.server.manifests`, :mod:`~regsim.server.discovery`, :mod:`~regsim.server.mirror`)
get it as ``ctx.app``; :class:`~regsim.server.app.RegistryApp` is one. They never import the app,
so the app imports its handlers and nothing imports its way back.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..oci.digest import Digest
from ..registry import Registry
from .auth import Authenticator
from .gate import ModelGate
from .limits import UploadTracker

__all__ = ["ServerState"]


class ServerState(Protocol):
    """The server's state, as its request handlers see it."""

    #: the model served (a :class:`~regsim.registry.Registry`)
    registry: Registry
    #: the model lock: every model call goes through it
    gate: ModelGate
    #: the authentication scheme, token issuer and login throttle
    auth: Authenticator
    #: largest request body, in bytes
    max_body_size: int
    #: upload sessions per client and their ages
    uploads: UploadTracker
    #: answer a mount without ``from`` by searching the repositories the caller may pull
    auto_mount: bool
    #: largest page of ``/v2/_catalog``
    catalog_max_entries: int
    #: seconds a blob just uploaded or mounted is safe from ``POST /admin/gc``
    gc_grace: float
    #: users who may run ``POST /admin/gc``
    admin_users: frozenset[str]
    #: the pull-through cache this server is (a :class:`~regsim.server.mirror.Mirror`), or None
    #: (Any: naming Mirror here would close an import cycle, mirror -> context -> state -> mirror)
    mirror: Any

    def recent_blobs(self) -> set[Digest]:
        """Blobs uploaded or mounted within the last ``gc_grace`` seconds."""
        ...
