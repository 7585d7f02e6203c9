"""The append-only event log shared by registries and hosts."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar, overload

from ..display import MAX_ROWS, table
from ..errors import InvalidArgument
from ..units import plural
from .base import Event, light as _light
from .jsonl import read_events, write_events

__all__ = ["EventLog"]

E = TypeVar("E", bound=Event)


class EventLog(Sequence[Event]):
    """An append-only, ordered list of events shared by registries and hosts.

    * ``log.append(event)`` stamps ``seq`` and returns the stamped event;
    * ``log.since(mark)`` / ``log.mark()`` slice out what one operation did;
    * ``log.of(BlobUploaded, BlobMounted)`` filters by type;
    * ``log.subscribe(callback)`` calls ``callback(event)`` on every append (widgets, servers);
    * ``log.save("session.jsonl")`` and ``EventLog.load("session.jsonl")``: JSON Lines, with the
      bytes the events carry stored by digest in ``session.blobs/`` (:mod:`regsim.events.jsonl`);
      ``World.replay(EventLog.load(path))`` rebuilds the world, in this process or another.
    """

    def __init__(self, events: Iterable[Event] = (), *, recording: bool = True, maxlen: int | None = None) -> None:
        if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 1):
            raise InvalidArgument(f"maxlen must be a positive integer or None, got {maxlen!r}")
        self._events: list[Event] = []
        #: With ``maxlen``, a ring: only the newest ``maxlen`` events are kept (a long-running
        #: server's log); ``seq`` keeps counting and ``dropped`` says how many were forgotten.
        #: A ring stores events without their payloads (blob bytes, manifests, password hashes:
        #: what only a replay needs), so gc frees memory; subscribers still get them whole.
        self.maxlen = maxlen
        self.dropped = 0
        self._subscribers: list[Callable[[Event], None]] = []
        #: When False, registries and hosts skip building events at all (for benchmarks of
        #: millions of blobs). On by default. Off, the log is no longer the whole history:
        #: ``Registry.replay`` and ``World.replay`` cannot rebuild the state from it.
        self.recording = recording
        for event in events:
            self.append(event)

    def append(self, event: E) -> E:
        """Append ``event`` and return it stamped with its ``seq``.

        Events are frozen: one built with ``seq=log.mark()`` is stored as it is (what registries
        and hosts do); any other gets a stamped copy, and the event passed in never changes.
        """
        seq = self.dropped + len(self._events)
        if event.seq == seq:
            stamped = event
        else:
            stamped = dataclasses.replace(event, seq=seq)
        # a ring cannot rebuild a state anyway (its oldest events are gone): it keeps events
        # without their payloads (blob bytes, manifests), so a swept blob's bytes are freed;
        # subscribers (a store's journal) still get the whole event
        self._events.append(_light(stamped) if self.maxlen is not None else stamped)
        if self.maxlen is not None and len(self._events) > self.maxlen:  # a memmove of maxlen pointers
            del self._events[0]
            self.dropped += 1
        if self._subscribers:
            for callback in list(self._subscribers):
                callback(stamped)
        return stamped

    def extend(self, events: Iterable[Event]) -> list[Event]:
        """Append each event (see :meth:`append`) and return them stamped, in order."""
        return [self.append(e) for e in events]

    def mark(self) -> int:
        """The sequence number the next event will get."""
        return self.dropped + len(self._events)

    def since(self, mark: int) -> list[Event]:
        """Events with ``seq >= mark`` (in a ring, those still kept)."""
        return self._events[max(mark - self.dropped, 0):]

    def of(self, *types: type[E]) -> list[E]:
        """The events that are instances of any of ``types``, oldest first.

        >>> from regsim import Registry
        >>> from regsim.events import BlobUploaded, RepositoryCreated
        >>> reg = Registry("localhost:5000")
        >>> _ = reg.push_blob("team/app", b"hello")
        >>> [e.kind for e in reg.events]
        ['RegistryCreated', 'RepositoryCreated', 'BlobUploaded']
        >>> [e.repository for e in reg.events.of(RepositoryCreated, BlobUploaded)]
        ['team/app', 'team/app']
        """
        return [e for e in self._events if isinstance(e, types)]

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback`` for every new event; returns a function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def move_subscribers(self, other: "EventLog") -> None:
        """Subscribe every callback of this log to ``other`` instead (a registry joining a world's
        log takes its listeners along: a store's journal, a widget)."""
        for callback in list(self._subscribers):
            other.subscribe(callback)
        self._subscribers.clear()

    def save(self, path: str | os.PathLike[str], *, blobs: str | os.PathLike[str] | None = None) -> Path:
        """Write the log to ``path`` as JSON Lines, and the bytes its events carry (blobs,
        manifests, chunks) by digest into ``blobs`` (default: ``<path stem>.blobs`` beside it).
        A ring is saved as it is (without payloads, so it still cannot be replayed)."""
        header = {"maxlen": self.maxlen, "dropped": self.dropped, "recording": self.recording}
        return write_events(path, self._events, blobs=blobs, header=header)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, blobs: str | os.PathLike[str] | None = None) -> "EventLog":
        """A log saved by :meth:`save` (bytes from ``blobs``: the directory it wrote, a registry
        directory such as ``regsim serve --data DIR``, or an OCI image layout). Each event keeps
        its ``seq``; every byte string is checked against its digest."""
        header, events = read_events(path, blobs=blobs)
        log = cls(recording=bool(header.get("recording", True)), maxlen=header.get("maxlen"))
        log.dropped = int(header.get("dropped") or 0)
        for event in events:
            log.append(event)
        return log

    def to_records(self) -> list[dict[str, Any]]:
        """Events as dicts (``pandas.DataFrame(log.to_records())``)."""
        return [e.to_dict() for e in self._events]

    @overload
    def __getitem__(self, i: int) -> Event: ...
    @overload
    def __getitem__(self, i: slice) -> list[Event]: ...
    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        return self._events[i]

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __repr__(self) -> str:
        if self.maxlen is not None:
            return f"EventLog({len(self._events)} events, ring of {self.maxlen}, {self.dropped} dropped)"
        return f"EventLog({len(self._events)} events)"

    def __str__(self) -> str:
        return "\n".join(f"#{e.seq:<4} {e.describe()}" for e in self._events)

    def _repr_html_(self) -> str:
        rows = [[e.seq, e.kind, e.describe()] for e in self._events]
        if len(rows) > MAX_ROWS:
            rows = rows[-MAX_ROWS:]
        return table(rows, header=["#", "event", "what happened"], caption=f"Event log: {plural(len(self), 'event')} (latest shown)")

