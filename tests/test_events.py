import dataclasses

import pytest

from regsim import events as ev
from regsim.events import EventLog


def test_append_stamps_sequence_numbers_and_is_ordered():
    log = EventLog()
    a = log.append(ev.UserLoggedIn(registry="r", user="a"))
    b = log.append(ev.UserLoggedIn(registry="r", user="b"))
    assert (a.seq, b.seq) == (0, 1) and list(log) == [a, b] and log[1] is b
    assert log.since(1) == [b] and log.mark() == 2


def test_events_are_frozen():
    e = ev.UserLoggedIn(registry="r", user="a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.user = "b"  # type: ignore[misc]


def test_subscribe_and_unsubscribe():
    log = EventLog()
    seen = []
    stop = log.subscribe(seen.append)
    log.append(ev.UserLoggedIn(registry="r", user="a"))
    stop()
    log.append(ev.UserLoggedIn(registry="r", user="b"))
    assert [e.user for e in seen] == ["a"]


def test_records_and_filters(world):
    laptop = world.hosts["laptop"]
    mark = world.events.mark()
    laptop.pull("alpine")
    records = [r for r in world.events.to_records() if r["seq"] >= mark]
    assert records[0]["kind"] == "PullStarted" and records[-1]["kind"] == "PullFinished"
    assert all(isinstance(e, ev.LayerPulled) for e in world.events.of(ev.LayerPulled))
    assert "laptop: pulled docker.io/library/alpine:latest" in world.events[-1].describe()


def test_every_event_type_is_registered_and_describes_itself():
    for name, cls in ev.EVENT_TYPES.items():
        assert cls.__name__ == name and issubclass(cls, ev.Event)


def test_repr_is_deterministic(world):
    laptop = world.hosts["laptop"]
    laptop.pull("hello-world")
    text = repr(world.events[-1])
    assert text.startswith(f"#{world.events[-1].seq} PullFinished(") and "0x" not in text


def test_a_ring_keeps_the_newest_events_and_counts_on():
    """Issue 11: a server's log grew by one event per request, for good. A ring keeps the newest."""
    from regsim.events import BlobChecked, EventLog

    log = EventLog(maxlen=3)
    for i in range(5):
        log.append(BlobChecked(registry="r", repository="a/b", digest="sha256:" + f"{i:064x}", exists=False))
    assert len(log) == 3 and log.dropped == 2 and [e.seq for e in log] == [2, 3, 4]
    assert log.mark() == 5 and [e.seq for e in log.since(1)] == [2, 3, 4] and [e.seq for e in log.since(4)] == [4]
    assert repr(log) == "EventLog(3 events, ring of 3, 2 dropped)"
    assert len(EventLog()) == 0 and EventLog().maxlen is None  # the model's own log is unbounded, as before
    with pytest.raises(ValueError, match="maxlen"):
        EventLog(maxlen=0)


def test_a_ring_keeps_events_without_their_payloads_but_subscribers_get_them_whole():
    """Review: in memory mode gc freed nothing: the ring's BlobUploaded events held the bytes."""
    import gc
    import sys

    from regsim import Registry
    from regsim.oci.blob import Blob

    seen: list = []
    log = EventLog(maxlen=100)
    log.subscribe(lambda e: seen.append(e.content if isinstance(e, ev.BlobUploaded) else None))
    registry = Registry("r", events=log)
    blob = Blob(b"x" * 100_000)
    alone = sys.getrefcount(blob)
    registry.push_blob("a/b", blob)
    assert seen[-1] is blob  # the subscriber (a journal on disk) got the whole event
    stored = log.of(ev.BlobUploaded)[-1]
    assert stored.content is None and stored.size == 100_000 and stored.digest == blob.digest
    registry.delete_blob("a/b", blob.digest)
    registry.garbage_collect()
    del stored
    seen.clear()
    gc.collect()
    assert sys.getrefcount(blob) == alone  # nothing but this test holds the swept bytes
    unbounded = EventLog()  # the model's own log keeps payloads: it replays
    Registry("r", events=unbounded).push_blob("a/b", b"y")
    assert unbounded.of(ev.BlobUploaded)[-1].content is not None
    with pytest.raises(ValueError, match="ring"):
        Registry.replay(log)


def test_event_types_come_from_the_subclasses_and_are_all_exported():
    """Issue 16: the set of event types was a list kept by hand. It is derived from the classes."""
    from regsim.events import base, host, registry

    assert set(ev.EVENT_TYPES) == set(base.event_types()) and len(ev.EVENT_TYPES) >= 37
    assert "RegistryEvent" not in ev.EVENT_TYPES and "HostEvent" not in ev.EVENT_TYPES
    assert {n for n, c in ev.EVENT_TYPES.items() if issubclass(c, ev.RegistryEvent)} == set(registry.__all__) - {"RegistryEvent"}
    assert {n for n, c in ev.EVENT_TYPES.items() if issubclass(c, ev.HostEvent)} == set(host.__all__) - {"HostEvent"}
    assert all(getattr(ev, n) is c for n, c in ev.EVENT_TYPES.items()) and set(ev.EVENT_TYPES) <= set(ev.__all__)
