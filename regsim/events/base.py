"""The base of every event: a frozen, keyword-only dataclass stamped with ``seq`` by the log.

Payload fields (:data:`PAYLOAD`) carry what only a replay needs (blob bytes, parsed manifests,
password hashes) by reference; ``repr`` and :meth:`Event.to_dict` leave them out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..oci.digest import Digest

__all__ = ["Event", "PAYLOAD", "event_types"]

E = TypeVar("E", bound="Event")


#: Field metadata of payloads: what replay needs (bytes, parsed manifests), kept out of repr and records.
PAYLOAD = {"payload": True}


def _payload(default: Any = None) -> Any:
    return field(default=default, repr=False, compare=False, metadata=PAYLOAD)


def _short(d: str | None) -> str:
    if d is None:
        return "-"
    return Digest(d).short if ":" in d else d


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """Base of all events. ``seq`` is set by :class:`EventLog` when appended."""

    seq: int = field(default=-1, compare=False)

    @property
    def kind(self) -> str:
        """The event's type name (``"BlobUploaded"``), as :meth:`to_dict` and the JSON Lines records
        write it.
        """
        return type(self).__name__

    @property
    def actor(self) -> str:
        """The registry or host that did this."""
        return str(getattr(self, "host", None) or getattr(self, "registry", ""))

    def to_dict(self) -> dict[str, Any]:
        """Flat, JSON-friendly fields plus ``kind`` (handy for a pandas DataFrame)."""
        out: dict[str, Any] = {"seq": self.seq, "kind": self.kind}
        for f in dataclasses.fields(self):
            if f.name == "seq" or f.metadata.get("payload"):
                continue
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def describe(self) -> str:
        """One human sentence (overridden per kind)."""
        return self.kind

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.name != "seq" and f.repr
        )
        return f"#{self.seq} {self.kind}({fields})"



def event_types(root: type[Event] = Event) -> dict[str, type[Event]]:
    """Every concrete event type under ``root``, by name: the leaves of the subclass tree.

    Derived from the classes themselves (no list kept by hand): a new event type is registered
    by defining it. ``RegistryEvent`` and ``HostEvent`` are bases, not kinds of event.
    """
    found: dict[str, type[Event]] = {}
    stack = [root]
    while stack:
        cls = stack.pop()
        subs = [s for s in cls.__subclasses__() if _is_final(s)]
        if not subs and cls is not root and cls is not Event:
            found[cls.__name__] = cls
        stack.extend(subs)
    return dict(sorted(found.items()))


def _is_final(cls: type) -> bool:
    """False for the class object a ``slots=True`` dataclass decorator replaced (it lingers in
    ``__subclasses__`` until collected): the real class carries its own ``__slots__``."""
    return "__slots__" in cls.__dict__


def _fast_init(cls: type[Event]) -> None:
    """Give a frozen event class an ``__init__`` that sets its slots directly.

    Same keyword-only signature and defaults as the dataclass ``__init__``, about twice as fast: a
    frozen dataclass pays ``object.__setattr__`` per field, and a catalogue of millions of blob
    links builds millions of events. Classes with a ``default_factory`` keep the dataclass one.
    """
    namespace: dict[str, Any] = {}
    params, body = [], []
    for i, f in enumerate(dataclasses.fields(cls)):
        if f.default_factory is not dataclasses.MISSING:
            return
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            namespace[f"_d{i}"] = f.default
            params.append(f"{f.name}=_d{i}")
        namespace[f"_s{i}"] = getattr(cls, f.name).__set__  # the slot's member descriptor
        body.append(f"_s{i}(self, {f.name})")
    exec(f"def __init__(self, *, {', '.join(params)}):\n    " + "\n    ".join(body), namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    setattr(cls, "__init__", init)


def fast_init_all(root: type[Event]) -> None:
    """:func:`_fast_init` for ``root`` and every event class under it (each module calls it once)."""
    stack = [root]
    while stack:
        cls = stack.pop()
        _fast_init(cls)
        stack.extend(s for s in cls.__subclasses__() if _is_final(s))


_PAYLOAD_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


def light(event: E) -> E:
    """``event`` without its payload fields (their defaults instead); itself when it has none."""
    kind = type(event)
    fields_ = _PAYLOAD_FIELDS.get(kind)
    if fields_ is None:
        fields_ = _PAYLOAD_FIELDS[kind] = tuple((f.name, f.default) for f in dataclasses.fields(event)
                                                if f.metadata.get("payload"))
    heavy = {name: default for name, default in fields_ if getattr(event, name) is not default}
    return dataclasses.replace(event, **heavy) if heavy else event


_fast_init(Event)
