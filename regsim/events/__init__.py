"""Typed events and the append-only event log.

Everything a user does to a registry or a host appends events here: what moved where, how many
bytes, what was skipped. Pictures, animations, metrics and tests all read the same log; nothing
reads the model's insides.

* :mod:`regsim.events.base`: :class:`Event`, a frozen dataclass with keyword-only fields;
* :mod:`regsim.events.registry`: what a registry did (:class:`RegistryEvent` and its kinds);
* :mod:`regsim.events.host`: what a host did (:class:`HostEvent` and its kinds);
* :mod:`regsim.events.log`: :class:`EventLog`, which stamps each event with its ``seq``.
* :mod:`regsim.events.jsonl`: a log on disk (``log.save(path)``, ``EventLog.load(path)``): JSON
  Lines, with the bytes the events carry stored by digest beside it.

The log gives each event a sequence number (``seq``) as it is appended; ties are impossible, so
the order is deterministic. A registry's events carry what is needed to redo them
(:meth:`Registry.replay <regsim.registry.Registry.replay>`): the bytes of a blob or manifest travel
*by reference* in a payload field, which ``repr`` and :meth:`Event.to_dict` leave out.
:data:`EVENT_TYPES` (name to class) is derived from the subclasses: defining an event type
registers it.

>>> log = EventLog()
>>> e = log.append(TagUpdated(registry="docker.io", repository="library/alpine",
...                           tag="latest", digest="sha256:" + "a" * 64, previous=None))
>>> e.seq, e.kind
(0, 'TagUpdated')
>>> e.describe()
'docker.io: tag library/alpine:latest -> sha256:aaaaaaaa…'
"""

from __future__ import annotations

from . import host as _host_events
from . import registry as _registry_events
from .base import PAYLOAD, Event, event_types
from .host import *  # noqa: F403  (the names of its __all__)
from .log import EventLog
from .registry import *  # noqa: F403

#: Every concrete event type by name (``RegistryEvent`` and ``HostEvent`` are bases, not kinds).
EVENT_TYPES: dict[str, type[Event]] = event_types()

__all__ = ["Event", "EventLog", "EVENT_TYPES", "PAYLOAD", "event_types"]
__all__ += _registry_events.__all__
__all__ += _host_events.__all__
