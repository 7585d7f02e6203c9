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
