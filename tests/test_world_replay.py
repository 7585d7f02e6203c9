"""World.replay: the world's log alone rebuilds every registry and every host."""

import pytest

from regsim import World
from regsim import events as ev
from regsim.errors import InvalidArgument


def _scenario() -> World:
    world = World.standard(quiet=True)
    laptop, ci, prod = (world.hosts[n] for n in ("laptop", "ci-runner", "prod-server"))
    world.registries["docker.io"].add_user("alice", "secret")
    laptop.login("docker.io", "alice", "secret")
    laptop.build("FROM python:3.11\nRUN pip install flask\nCOPY app.py /app/\n", "localhost:5000/team/app:1.0",
                 context={"app.py": b"print('hi')"})
    laptop.build("FROM scratch\nCOPY app.py /\n", "multi:1", context={"app.py": b"x"},
                 platforms=["linux/amd64", "linux/arm64"])
    laptop.push("localhost:5000/team/app:1.0")
    laptop.tag("localhost:5000/team/app:1.0", "alice/app:1.0")
    laptop.push("alice/app:1.0")
    ci.pull("localhost:5000/team/app:1.0")
    ci.tag("localhost:5000/team/app:1.0", "localhost:5000/team/app:latest")
    ci.push("localhost:5000/team/app:latest")
    prod.pull("node:18")
    prod.pull("python:3.11")
    prod.rmi("node:18")
    laptop.rmi("multi:1")
    laptop.logout("docker.io")
    return world


def test_replaying_a_worlds_log_rebuilds_the_same_world():
    world = _scenario()
    again = World.replay(world.events)
    assert again.snapshot() == world.snapshot()
    assert [type(e) for e in again.events] == [type(e) for e in world.events]
    assert sorted(again.hosts) == sorted(world.hosts) and sorted(again.registries) == sorted(world.registries)
    # the rebuilt hosts work: the ci runner pushes what it pulled, mounting from the rebuilt registry
    out = again.hosts["ci-runner"].push("localhost:5000/team/app:latest", quiet=True)
    assert out.counts == world.hosts["ci-runner"].push("localhost:5000/team/app:latest", quiet=True).counts


def test_a_host_event_carries_what_redoes_it():
    world = World.standard(quiet=True)
    laptop = world.hosts["laptop"]
    laptop.pull("alpine", quiet=True)
    finished = [e for e in world.events if isinstance(e, ev.PullFinished)][-1]
    # what the host keeps travels by reference, out of records and reprs
    assert finished.image is not None and finished.blobs and finished.seen
    assert not {"image", "blobs", "seen"} & set(finished.to_dict()) and "blobs=" not in repr(finished)
    bare = World.standard(quiet=True)
    bare.hosts["laptop"].redo(finished)
    assert bare.hosts["laptop"].snapshot() == laptop.snapshot()


def test_a_host_event_before_its_host_is_refused():
    world = _scenario()
    events = [e for e in world.events if not isinstance(e, ev.HostCreated) or e.host != "ci-runner"]
    with pytest.raises(InvalidArgument, match="'ci-runner'"):
        World.replay(events)


def test_a_world_log_that_did_not_record_is_refused():
    """Second review: World.replay of a log that was not recording returned an empty world."""
    world = World(events=ev.EventLog(recording=False))
    world.add_private_registry()
    world.add_host("laptop", quiet=True)
    with pytest.raises(InvalidArgument, match="recording"):
        World.replay(world.events)


@pytest.mark.parametrize("take", [list, lambda ring: ring[:], ev.EventLog])
def test_host_events_taken_out_of_a_ring_are_refused(take):
    """Second review: events copied out of a ring lost the deltas that redo a host's operations."""
    world = World(events=ev.EventLog(maxlen=10_000))
    world.add_private_registry()
    laptop = world.add_host("laptop", quiet=True)
    laptop.build("FROM scratch\nCOPY app.py /\n", "localhost:5000/team/app:1.0", context={"app.py": b"x"})
    with pytest.raises(InvalidArgument, match="ImageBuilt"):
        World.replay(take(world.events))


def test_a_host_command_that_fails_leaves_the_host_as_it_was_and_the_world_replays():
    """A build that fails at a later step, a push refused for its manifest's size, a pull that fails
    after storing a layer: the host is as before, and the log still rebuilds the world."""
    from regsim.errors import RegistryError

    world = World.standard(quiet=True)
    small = world.add_registry("small:5000", max_manifest_size=100)
    laptop = world.hosts["laptop"]
    laptop.build("FROM scratch\nCOPY a /a\n", "base:1", context={"a": b"a"})
    host_before = laptop.snapshot()
    with pytest.raises(RegistryError):  # the first steps build layers, the last one fails
        laptop.build("FROM scratch\nCOPY a /a\nRUN echo hi\nCOPY missing /m\n", "app:1", context={"a": b"a"})
    assert laptop.snapshot() == host_before
    laptop.tag("base:1", "small:5000/team/base:1")
    host_before = laptop.snapshot()
    with pytest.raises(RegistryError):  # the blobs go up (and are hinted for mounts), the manifest is refused
        laptop.push("small:5000/team/base:1")
    assert laptop.snapshot() == host_before
    assert small.repository("team/base").blobs  # the registry keeps what it received, as a real one does
    assert World.replay(world.events).snapshot() == world.snapshot()


def test_host_events_say_what_happened_not_diffs_of_private_fields():
    """Issue 16: host events carried a ``HostDelta`` keyed by the host's private attribute names,
    and each command copied all eight state dicts twice. Each host event type now has one method
    that applies it (the same for commands and redo), and no event has a ``delta``."""
    import dataclasses

    from regsim.client import host as host_module

    kinds = {c for c in ev.EVENT_TYPES.values() if issubclass(c, ev.HostEvent)}
    assert set(host_module._HOST_APPLY) == kinds
    for kind in kinds:
        assert "delta" not in {f.name for f in dataclasses.fields(kind)}, kind
    assert not hasattr(host_module, "HostDelta") and not hasattr(host_module.Host, "_begin")


def test_every_host_command_replays_step_by_step():
    """After each command (login, build, tag, push, pull, rmi, logout, a failed one), the world's
    log rebuilds the same world."""
    from regsim.errors import RegistryError

    world = World.standard(quiet=True)
    laptop, ci = world.hosts["laptop"], world.hosts["ci-runner"]
    steps = [
        lambda: laptop.pull("alpine"),
        lambda: laptop.build("FROM alpine\nRUN echo hi", "localhost:5000/team/app:1"),
        lambda: laptop.build("FROM scratch\nCOPY a /", "localhost:5000/team/multi:1", context={"a": b"a"},
                             platforms=["linux/amd64", "linux/arm64"]),
        lambda: laptop.tag("localhost:5000/team/app:1", "localhost:5000/team/app:latest"),
        lambda: laptop.push("localhost:5000/team/app:1"),
        lambda: laptop.push("localhost:5000/team/multi:1"),
        lambda: ci.pull("localhost:5000/team/app:latest"),
        lambda: laptop.pull("localhost:5000/nobody/nothing:1"),
        lambda: laptop.rmi("localhost:5000/team/app:latest"),
        lambda: laptop.rmi("localhost:5000/team/multi:1"),
        lambda: laptop.rmi("localhost:5000/team/app:1"),
        lambda: ci.push("localhost:5000/team/app:latest"),
    ]
    for step in steps:
        before = world.snapshot()
        try:
            step()
        except RegistryError:
            assert world.snapshot() == before  # a failed command leaves everything as it was
        assert World.replay(world.events).snapshot() == world.snapshot()
