"""A world: registries and hosts on one network, sharing one event log.

>>> world = World()
>>> hub = world.add_docker_hub()
>>> laptop = world.add_host("laptop", quiet=True)
>>> result = laptop.pull("alpine")
>>> result.reference
'docker.io/library/alpine:latest'
>>> result.counts
{'downloaded': 1, 'exists': 0}
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Iterable, Mapping

from .errors import InvalidArgument, RegistryUnreachable
from .events import Event, EventLog, HostCreated, HostEvent, RegistryCreated, RegistryEvent
from .client.host import Host
from .data.library import PLATFORMS, populate
from .oci.platform import Platform
from .registry import Registry
from .registry.access import AccessPolicy

__all__ = ["World"]


class World:
    """Registries and hosts that can reach each other, with one shared :class:`EventLog`.

    ``World.standard()`` builds the course's set-up: Docker Hub with the official images, a
    private ``registry:2`` at ``localhost:5000``, and three hosts (``laptop``, ``ci-runner``,
    ``prod-server``).
    """

    def __init__(self, events: EventLog | None = None) -> None:
        self.events = events if events is not None else EventLog()
        self._registries: dict[str, Registry] = {}
        self._hosts: dict[str, Host] = {}

    @classmethod
    def standard(cls, *, content: str = "placeholder", quiet: bool = False) -> "World":
        """The course's world: Docker Hub with the official images, a private ``registry:2`` at
        ``localhost:5000`` and the hosts ``laptop``, ``ci-runner`` and ``prod-server``.

        ``content`` is how Docker Hub's layers are made (``"placeholder"``: the real digests and sizes,
        no bytes; ``"bytes"``: real tar+gzip, scaled down; see :func:`~regsim.data.library.populate`);
        ``quiet`` hosts print no docker-like lines.

        >>> world = World.standard(quiet=True)
        >>> list(world.registries), list(world.hosts)
        (['docker.io', 'localhost:5000'], ['laptop', 'ci-runner', 'prod-server'])
        """
        world = cls()
        world.add_docker_hub(content=content)
        world.add_private_registry()
        for name in ("laptop", "ci-runner", "prod-server"):
            world.add_host(name, quiet=quiet)
        return world

    # -- registries -------------------------------------------------------------------------------

    def add_registry(self, registry: "Registry | str" = "localhost:5000", **kwargs: Any) -> Registry:
        """Add a registry (an existing one, or a new ``Registry(name, **kwargs)``) to the network.

        The registry writes to the world's event log from then on; one that already recorded
        events in a log of its own is refused (``ValueError``), so no picture misses them.
        """
        if isinstance(registry, str):
            registry = Registry(registry, events=self.events, **kwargs)
        if registry.name in self._registries:
            raise InvalidArgument(f"a registry named {registry.name!r} is already on this network")
        if registry.events is not self.events:
            own = list(registry.events)
            done = [e for e in own if not isinstance(e, RegistryCreated)]
            if done:
                raise InvalidArgument(
                    f"registry {registry.name!r} already has {len(done)} events in its own log; "
                    "a world shares one log: create it with Registry(..., events=world.events)")
            if getattr(registry, "storage_root", None) is not None and not self.events.recording:
                raise InvalidArgument(
                    f"registry {registry.name!r} is kept on disk and writes its links as its events happen: "
                    "add it to a world whose log records (World(events=EventLog(recording=True)))")
            old = registry.events
            registry.events = self.events  # a fresh registry joins the world's log, with its creation
            self.events.extend(own)
            old.move_subscribers(self.events)  # its listeners (a store's journal) come along
        self._registries[registry.name] = registry
        return registry

    def add_docker_hub(self, *, content: str = "placeholder", platforms: Iterable[str] = PLATFORMS,
                       official: bool = True, repos: Iterable[str] | None = None) -> Registry:
        """Docker Hub (``docker.io``): namespaces, public repositories, the official images."""
        hub = Registry.hub("docker.io", events=self.events)
        if official:
            populate(hub, content=content, platforms=platforms, repos=repos)
        return self.add_registry(hub)

    def add_private_registry(self, name: str = "localhost:5000", *,
                             users: Mapping[str, str] | None = None) -> Registry:
        """A private ``registry:2`` (open, or with ``users`` a login for everything)."""
        return self.add_registry(Registry.private(name, users=users, events=self.events))

    def resolve(self, domain: str) -> Registry:
        """The registry at ``domain`` (what a host's DNS lookup finds)."""
        try:
            return self._registries[domain]
        except KeyError:
            raise RegistryUnreachable.no_such_host(domain, self._registries) from None

    @property
    def registries(self) -> Mapping[str, Registry]:
        """The registries on the network by domain (read-only), in the order added."""
        return MappingProxyType(self._registries)

    # -- hosts ------------------------------------------------------------------------------------

    def add_host(self, name: str, *, platform: str | Platform = "linux/amd64", quiet: bool = False) -> Host:
        """Add a new :class:`~regsim.client.host.Host` called ``name`` and return it (a ``HostCreated``
        event). A name already on the network raises :class:`~regsim.errors.InvalidArgument`.

        >>> world = World()
        >>> world.add_host("edge", platform="linux/arm64", quiet=True)
        Host('edge', linux/arm64, images=0, blobs=0, 0B)
        """
        if name in self._hosts:
            raise InvalidArgument(f"a host named {name!r} is already on this network")
        host = Host(name, self, platform=platform, events=self.events, quiet=quiet)
        self._hosts[name] = host
        if self.events.recording:
            self.events.append(HostCreated(host=name, platform=str(host.platform), quiet=quiet,
                                           seq=self.events.mark()))
        return host

    @property
    def hosts(self) -> Mapping[str, Host]:
        """The hosts on the network by name (read-only), in the order added."""
        return MappingProxyType(self._hosts)

    # -- the log is the truth ----------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """A plain, comparable picture of every registry and host (for before/after checks)."""
        return {"registries": {n: r.snapshot() for n, r in sorted(self._registries.items())},
                "hosts": {n: h.snapshot() for n, h in sorted(self._hosts.items())}}

    @classmethod
    def replay(cls, events: Iterable[Event]) -> "World":
        """Rebuild a world from its log: ``World.replay(world.events).snapshot() == world.snapshot()``.

        One pass in the log's order: a :class:`~regsim.events.RegistryCreated` or
        :class:`~regsim.events.HostCreated` adds the registry or host, and every later event is
        redone by its registry (:meth:`Registry.redo`) or host (:meth:`Host.redo`), which record it
        again in the new world's log. Tokens of logins are kept as recorded: the rebuilt registries
        sign with new keys, so hosts log in again before they push or pull what needs a login.
        """
        if getattr(events, "maxlen", None) is not None:
            raise InvalidArgument("a ring (EventLog(maxlen=...)) keeps events without their payloads "
                                  "and forgets the oldest: nothing can be rebuilt from it")
        if getattr(events, "recording", True) is False:
            raise InvalidArgument("this log was not recording (EventLog(recording=False)): it lacks the events, "
                                  "so nothing can be rebuilt from it")
        world = cls()
        for event in events:
            if isinstance(event, RegistryCreated):
                world.add_registry(Registry(
                    event.registry, access=AccessPolicy(event.access, default_visibility=event.default_visibility),
                    title=event.title, max_manifest_size=event.max_manifest_size, events=world.events))
            elif isinstance(event, RegistryEvent):
                world.resolve(event.registry).redo(event)
            elif isinstance(event, HostCreated):
                world.add_host(event.host, platform=event.platform, quiet=event.quiet)
            elif isinstance(event, HostEvent):
                host = world.hosts.get(event.host)
                if host is None:
                    raise InvalidArgument(f"event #{event.seq} of host {event.host!r} comes before its "
                                          "HostCreated: not a world's log")
                host.redo(event)
        return world

    def __getitem__(self, name: str) -> "Registry | Host":
        if name in self._hosts:
            return self._hosts[name]
        return self.resolve(name)

    def __repr__(self) -> str:
        return (f"World(registries={sorted(self._registries)}, hosts={sorted(self._hosts)}, "
                f"events={len(self.events)})")

