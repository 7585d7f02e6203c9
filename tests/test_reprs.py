"""Every model object has a deterministic plain repr: no memory addresses, ids or times."""

import re

import regsim

ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+|object at")


def _objects(world):
    hub = world.registries["docker.io"]
    laptop = world.hosts["laptop"]
    pulled = laptop.pull("alpine", quiet=True)
    repo = hub.repository("library/alpine")
    stored = hub.resolve("library/alpine", "latest")
    return [world, hub, hub.access, world.registries["localhost:5000"].access, repo, stored, stored.parsed,
            stored.parsed.manifests[0], laptop, pulled, laptop.image("alpine"), world.events, world.events[0],
            hub.storage(), hub.garbage_collect(dry_run=True), hub.login("library", "official-images")]


def test_reprs_have_no_addresses_and_repeat_exactly():
    first = [repr(o) for o in _objects(regsim.World.standard(quiet=True))]
    second = [repr(o) for o in _objects(regsim.World.standard(quiet=True))]
    assert [r for r in first if ADDRESS.search(r)] == []
    assert first == second


def test_access_policy_repr_names_mode_and_counts():
    policy = regsim.AccessPolicy("htpasswd")
    policy.add_user("alice", "pw")
    assert repr(policy) == "AccessPolicy('htpasswd', users=1, grants=0, default_visibility='public')"
