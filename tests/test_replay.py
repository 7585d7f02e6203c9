"""The event log is the source of truth (issue 12): replaying it rebuilds an equal state."""

import dataclasses
import json

import pytest

from regsim import Descriptor, Digest, EventLog, Manifest, Registry
from regsim import events as ev
from regsim.oci.mediatypes import OCI_EMPTY


def busy_registry() -> Registry:
    """Every kind of change: users, grants, revokes, chunked and cancelled uploads, mounts,
    manifests (model-made and raw bytes), tags, deletes, a referrer, visibility, pulls, gc."""
    reg = Registry.hub("docker.io")
    reg.add_user("alice", "pw")
    reg.add_user("bob", "pw")
    alice = reg.login("alice", "pw")
    reg.grant("bob", "alice/*", "push")
    reg.grant("bob", "alice/app", "pull")
    reg.revoke("bob", "alice/app")
    layer = reg.push_blob("alice/app", b"layer bytes", auth=alice)
    config = reg.push_blob("alice/app", b"{}", auth=alice)
    session = reg.start_upload("alice/app", auth=alice)
    reg.upload_chunk(session.id, b"chunk one ", auth=alice)
    big = reg.finish_upload(session.id, Digest.of(b"chunk one chunk two"), b"chunk two", auth=alice)
    dropped = reg.start_upload("alice/app", auth=alice)
    reg.upload_chunk(dropped.id, b"never finished", auth=alice)
    reg.cancel_upload(dropped.id, auth=alice)
    pending = reg.start_upload("alice/app", auth=alice)
    reg.upload_chunk(pending.id, b"still open", auth=alice)
    reg.mount_blob("alice/tool", layer.digest, "alice/app", auth=alice)
    m1 = Manifest(config=Descriptor("application/vnd.oci.image.config.v1+json", config.digest, 2),
                  layers=(Descriptor("application/vnd.oci.image.layer.v1.tar", layer.digest, layer.size),))
    m2 = Manifest(config=Descriptor("application/vnd.oci.image.config.v1+json", config.digest, 2),
                  layers=(Descriptor("application/vnd.oci.image.layer.v1.tar", big.digest, big.size),))
    reg.put_manifest("alice/app", "1.0", m1, auth=alice)
    raw = json.dumps(m2.to_dict(), indent=3).encode()  # valid, not canonical
    reg.put_manifest("alice/app", "2.0", raw, auth=alice)
    reg.tag("alice/app", "latest", Digest.of(raw), auth=alice)
    reg.push_blob("alice/app", b"sig", auth=alice)
    empty = reg.push_blob("alice/app", b"{}", auth=alice)
    sig = Manifest(config=Descriptor(OCI_EMPTY, empty.digest, 2),
                   layers=(Descriptor("application/octet-stream", Digest.of(b"sig"), 3),),
                   subject=Descriptor(m1.media_type, m1.digest, len(m1.to_bytes())), artifact_type="x/sig")
    reg.put_manifest("alice/app", sig.digest, sig, auth=alice)
    reg.get_manifest("alice/app", "1.0")
    reg.stat_blob("alice/app", layer.digest)
    reg.describe("alice/app", "the app", stars=3, auth=alice)
    reg.set_visibility("alice/tool", "private", auth=alice)
    reg.delete_tag("alice/app", "1.0", auth=alice)
    reg.garbage_collect(dry_run=True)
    reg.garbage_collect(delete_untagged=True)
    reg.push_blob("alice/app", b"orphan", auth=alice)
    reg.delete_blob("alice/app", Digest.of(b"orphan"), auth=alice)
    reg.garbage_collect()
    return reg


def test_replay_rebuilds_an_equal_registry():
    reg = busy_registry()
    again = Registry.replay(reg.events)
    assert again.snapshot() == reg.snapshot()
    assert [e.kind for e in again.events] == [e.kind for e in reg.events]
    assert again.resolve("alice/app", "2.0").data == reg.resolve("alice/app", "2.0").data


def test_replay_shares_bytes_by_reference():
    reg = Registry()
    reg.push_blob("team/app", b"x" * 1000)
    (uploaded,) = reg.events.of(ev.BlobUploaded)
    again = Registry.replay(reg.events)
    assert again.blobs[uploaded.digest] is uploaded.content is reg.blobs[uploaded.digest]


def test_replay_picks_one_registry_from_a_world_log():
    from regsim import World
    world = World()
    world.add_private_registry()
    world.add_registry("registry.example.com")
    world.add_host("laptop", quiet=True).build("FROM scratch\nCOPY a /", "registry.example.com/x/y:1",
                                                context={"a": b"a"})
    world.hosts["laptop"].push("registry.example.com/x/y:1")
    rebuilt = Registry.replay(world.events, name="registry.example.com")
    assert rebuilt.snapshot() == world.registries["registry.example.com"].snapshot()


def test_a_log_without_the_creation_cannot_be_replayed():
    reg = Registry(events=EventLog(recording=False))
    reg.push_blob("team/app", b"x")
    with pytest.raises(ValueError, match="nothing to replay"):
        Registry.replay(reg.events)


def test_append_never_changes_an_event():
    log = EventLog()
    event = ev.TagUpdated(registry="r", repository="a/b", tag="t", digest=Digest.of(b"m"))
    stamped = log.append(event)
    assert event.seq == -1 and stamped.seq == 0 and stamped == event
    with pytest.raises(dataclasses.FrozenInstanceError):
        stamped.seq = 5  # type: ignore[misc]
    other = EventLog()
    other.append(ev.UserLoggedIn(registry="r", user="u"))
    again = other.append(stamped)
    assert again.seq == 1 and stamped.seq == 0


def test_payloads_stay_out_of_records_and_reprs():
    reg = Registry()
    reg.push_blob("team/app", b"secret bytes")
    (event,) = reg.events.of(ev.BlobUploaded)
    assert "content" not in event.to_dict() and "secret" not in repr(event)


def test_a_chunk_event_keeps_its_bytes_after_the_server_discards_its_staged_body():
    """Second review: UploadProgressed held the server's staged body by reference; the server
    then discarded it, and replay read it again (a wrong digest; on disk, FileNotFoundError)."""
    from regsim.server.staging import Staged
    reg = Registry()
    upload = reg.start_upload("a/b")
    staged = Staged(sha256=True)
    staged.append(b"hello ")
    staged.append(b"big ")
    reg.upload_chunk(upload.id, staged)
    staged.discard()
    second = Staged()
    second.append(b"world")
    reg.upload_chunk(upload.id, second)
    second.discard()
    again = Registry.replay(reg.events)
    assert again.snapshot() == reg.snapshot()
    assert again.finish_upload(upload.id, Digest.of(b"hello big world")).digest == Digest.of(b"hello big world")


def test_replay_of_a_chunk_staged_on_disk_is_refused_with_the_way_to_rebuild(tmp_path):
    from regsim.errors import InvalidArgument
    from regsim.server.staging import Staged
    reg = Registry()
    upload = reg.start_upload("a/b")
    staged = Staged(tmp_path, sha256=True)
    staged.append(b"hello ")
    reg.upload_chunk(upload.id, staged)
    staged.discard()
    with pytest.raises(InvalidArgument, match=r"UploadProgressed.*Registry\.open"):
        Registry.replay(reg.events)


@pytest.mark.parametrize("take", [list, lambda ring: ring[:], lambda ring: ring.since(0), EventLog])
def test_events_taken_out_of_a_ring_are_refused(take):
    """Second review: events copied out of a ring passed the ring guard (a ``maxlen`` attribute)
    and replayed wrong: a user without a password hash, an open upload without its bytes."""
    from regsim.errors import InvalidArgument
    ring = EventLog(maxlen=100)
    reg = Registry(events=ring)
    reg.add_user("alice", "pw")
    with pytest.raises(InvalidArgument, match="UserAdded"):
        Registry.replay(take(ring))
    ring = EventLog(maxlen=100)
    reg = Registry(events=ring)
    upload = reg.start_upload("a/b")
    reg.upload_chunk(upload.id, b"hello")
    with pytest.raises(InvalidArgument, match="UploadProgressed"):
        Registry.replay(take(ring))


def test_users_and_grants_set_before_the_registry_is_built_are_replayed():
    """A policy given to the constructor with users and grants already in it: they enter the log
    (UserAdded, AccessGranted right after RegistryCreated), so replay rebuilds them (review)."""
    from regsim import AccessPolicy

    policy = AccessPolicy("htpasswd")
    policy.add_user("ann", "pw12345")
    policy.add_user("bob", "pw67890")
    policy.grant("ann", "team/*", "push")
    policy.grant("bob", "team/app", "pull")
    registry = Registry("x", access=policy)
    assert [type(e).__name__ for e in registry.events][:3] == ["RegistryCreated", "UserAdded", "UserAdded"]
    replayed = Registry.replay(registry.events)
    assert replayed.access.users == ["ann", "bob"]
    assert replayed.access.grants() == registry.access.grants()
    assert replayed.snapshot() == registry.snapshot()
    assert replayed.login("ann", "pw12345").user == "ann"


@pytest.mark.parametrize("bypass", ["configure", "link_blob", "add_user", "grant", "set_attribute",
                                    "upload_append", "upload_discard", "settings"])
def test_nothing_changes_a_registry_without_an_event(bypass):
    """Issue 16: four calls on a registry's parts changed state with no event, so that afterwards
    ``Registry.replay(r.events).snapshot() != r.snapshot()``. Parts are read-only from outside:
    each call is refused (a clear error) and the state is left exactly as it was."""
    from regsim.errors import InvalidArgument

    reg = Registry.hub("docker.io")
    reg.add_user("alice", "pw")
    alice = reg.login("alice", "pw")
    reg.push_blob("alice/app", b"layer", auth=alice)
    session = reg.start_upload("alice/app", auth=alice)
    reg.upload_chunk(session.id, b"first chunk", auth=alice)
    before = reg.snapshot()
    calls = {
        "configure": lambda: reg.repository("alice/app").configure(visibility="private", stars=5),
        "link_blob": lambda: reg.repository("alice/app").link_blob(Digest.of(b"never pushed")),
        "add_user": lambda: reg.access.add_user("mallory", "pw"),
        "grant": lambda: reg.access.grant("alice", "*", "delete"),
        "set_attribute": lambda: setattr(reg.repository("alice/app"), "visibility", "private"),
        "upload_append": lambda: reg.uploads[session.id].append(b"sneaked in"),
        "upload_discard": lambda: reg.uploads[session.id].discard(),
        "settings": lambda: setattr(reg, "max_manifest_size", 10),
    }
    with pytest.raises((AttributeError, InvalidArgument)):
        calls[bypass]()
    assert reg.snapshot() == before
    assert Registry.replay(reg.events).snapshot() == reg.snapshot()


def test_every_registry_event_type_has_one_apply_function():
    """Issue 16: one write path. Commands and replay apply events through one table; every
    registry event type has an entry, and the separate if/elif of replay is gone."""
    import inspect

    from regsim.registry import apply, registry

    kinds = {c for c in ev.EVENT_TYPES.values() if issubclass(c, ev.RegistryEvent)}
    assert set(apply.APPLY) == kinds
    source = inspect.getsource(registry.Registry)
    assert "elif kind is" not in source and "APPLY[type(event)]" in source


def test_a_durable_sink_that_fails_leaves_memory_and_log_as_they_were():
    """The hook a store on disk plugs into: sinks see each event before it is applied; one that
    raises (OSError: disk full) stops the change, which is neither applied nor logged."""
    import errno

    reg = Registry("x")
    reg.push_blob("a/b", b"first")
    seen = []
    reg.add_sink(seen.append)
    failing = {"on": False}

    def disk(event):
        if failing["on"]:
            raise OSError(errno.ENOSPC, "No space left on device")

    remove = reg.add_sink(disk)
    failing["on"] = True
    before, logged = reg.snapshot(), len(reg.events)
    for change in (lambda: reg.push_blob("a/b", b"second"), lambda: reg.push_blob("c/d", b"third"),
                   lambda: reg.add_user("ann", "pw"), lambda: reg.garbage_collect()):
        with pytest.raises(OSError, match="No space"):
            change()
        assert reg.snapshot() == before and len(reg.events) == logged
    remove()
    blob = reg.push_blob("a/b", b"second")
    assert isinstance(seen[-1], ev.BlobUploaded) and seen[-1].digest == blob.digest == reg.events[-1].digest
    assert Registry.replay(reg.events).snapshot() == reg.snapshot()


def test_reset_access_is_an_event_and_replays():
    """``regsim serve`` seeds its store openly, then serves with its policy: that switch was an
    assignment (``registry.access = policy``) no log recorded. It is an event now."""
    from regsim import AccessPolicy

    reg = Registry("x")
    reg.push_blob("team/app", b"seed")
    policy = AccessPolicy("htpasswd")
    policy.add_user("ann", "pw12345")
    policy.grant("ann", "team/*", "push")
    reg.reset_access(policy)
    assert reg.access.mode == "htpasswd" and reg.access.users == ["ann"]
    replayed = Registry.replay(reg.events)
    assert replayed.snapshot() == reg.snapshot() and replayed.login("ann", "pw12345").user == "ann"
    with pytest.raises(AttributeError):
        reg.access = policy  # type: ignore[misc]
