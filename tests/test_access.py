"""Public and private repositories, logins and permissions (UNAUTHORIZED vs DENIED)."""

import pytest

from helpers import push_image
from regsim import Registry
from regsim.registry.access import AccessPolicy, Token
from regsim.errors import Denied, NameUnknown, Unauthorized


def test_open_registry_needs_no_login(registry, image):
    push_image(registry, "anyone/app", image, "1")
    assert registry.get_manifest("anyone/app", "1").digest == image.digest


def test_login(hub):
    token = hub.login("alice", "alice-pw")
    assert token.user == "alice" and token.registry == "docker.io"
    with pytest.raises(Unauthorized) as info:
        hub.login("alice", "wrong")
    assert "incorrect username or password" in info.value.message
    with pytest.raises(Unauthorized):
        hub.login("mallory", "x")


def test_hub_namespace_owner_pushes_others_are_denied(hub, image):
    alice = hub.login("alice", "alice-pw")
    bob = hub.login("bob", "bob-pw")
    push_image(hub, "alice/app", image, "1.0", auth=alice)
    before = hub.snapshot()
    with pytest.raises(Denied) as info:
        push_image(hub, "alice/app", image, "2.0", auth=bob)
    assert info.value.code == "DENIED" and info.value.status == 403
    with pytest.raises(Unauthorized) as info:
        push_image(hub, "alice/app", image, "2.0")
    assert info.value.code == "UNAUTHORIZED" and info.value.status == 401
    assert hub.snapshot() == before


def test_anonymous_pull_of_public_works_private_is_unauthorized(hub, image):
    alice = hub.login("alice", "alice-pw")
    push_image(hub, "alice/public", image, "1", auth=alice)
    hub.create_repository("alice/secret", private=True, auth=alice)
    push_image(hub, "alice/secret", image, "1", auth=alice)
    assert hub.get_manifest("alice/public", "1").digest == image.digest
    with pytest.raises(Unauthorized):
        hub.get_manifest("alice/secret", "1")
    with pytest.raises(Denied) as info:
        hub.get_manifest("alice/secret", "1", auth=hub.login("bob", "bob-pw"))
    assert "pull access denied for alice/secret" in info.value.message
    assert hub.get_manifest("alice/secret", "1", auth=alice).digest == image.digest


def test_missing_repository_looks_private_on_the_hub(hub):
    with pytest.raises(Unauthorized):
        hub.get_manifest("ghost/app", "latest")
    with pytest.raises(Denied):
        hub.get_manifest("ghost/app", "latest", auth=hub.login("bob", "bob-pw"))
    with pytest.raises(NameUnknown):  # the owner may know it is missing
        hub.get_manifest("alice/nothing", "latest", auth=hub.login("alice", "alice-pw"))


def test_grants_give_collaborators_access(hub, image):
    alice = hub.login("alice", "alice-pw")
    hub.create_repository("alice/team-app", private=True, auth=alice)
    push_image(hub, "alice/team-app", image, "1", auth=alice)
    bob = hub.login("bob", "bob-pw")
    with pytest.raises(Denied):
        hub.get_manifest("alice/team-app", "1", auth=bob)
    hub.grant("bob", "alice/*", "pull")
    assert hub.get_manifest("alice/team-app", "1", auth=bob).digest == image.digest
    with pytest.raises(Denied):
        push_image(hub, "alice/team-app", image, "2", auth=bob)
    hub.grant("bob", "alice/team-app", "push")
    push_image(hub, "alice/team-app", image, "2", auth=bob)


def test_private_visibility_hides_from_catalog(hub, image):
    alice = hub.login("alice", "alice-pw")
    push_image(hub, "alice/open", image, "1", auth=alice)
    hub.create_repository("alice/closed", private=True, auth=alice)
    assert hub.catalog() == ["alice/open"]
    assert hub.catalog(auth=alice) == ["alice/closed", "alice/open"]
    hub.set_visibility("alice/closed", "public", auth=alice)
    assert hub.catalog() == ["alice/closed", "alice/open"]


def test_htpasswd_registry_requires_login_for_everything(image):
    reg = Registry.private("localhost:5000", users={"ci": "ci-pw"})
    with pytest.raises(Unauthorized):
        push_image(reg, "team/app", image, "1")
    token = reg.login("ci", "ci-pw")
    push_image(reg, "team/app", image, "1", auth=token)
    with pytest.raises(Unauthorized):
        reg.get_manifest("team/app", "1")
    assert reg.get_manifest("team/app", "1", auth=token).digest == image.digest


def test_forged_or_foreign_tokens_are_unauthorized(hub):
    other = Registry.hub("other.io")
    other.add_user("alice", "alice-pw")
    foreign = other.login("alice", "alice-pw")
    with pytest.raises(Unauthorized):
        hub.push_blob("alice/app", b"x", auth=foreign)
    forged = Token("docker.io", "alice", "0" * 64)
    with pytest.raises(Unauthorized):
        hub.push_blob("alice/app", b"x", auth=forged)
    with pytest.raises(Unauthorized):
        hub.push_blob("alice/app", b"x", auth="alice")  # type: ignore[arg-type]


def test_can_and_authorize(hub):
    alice = hub.login("alice", "alice-pw")
    assert hub.can("alice/app", "push", auth=alice) and not hub.can("alice/app", "push", auth=None)
    assert hub.authorize("alice/app", "push", auth=alice) == "alice"
    with pytest.raises(Unauthorized):
        hub.authorize("alice/app", "push")


@pytest.mark.parametrize("bad", ["", "Alice", "a b", "x!"])
def test_user_names_are_checked(bad):
    with pytest.raises(ValueError):
        AccessPolicy("htpasswd").add_user(bad, "pw")


def test_unknown_mode_and_action():
    with pytest.raises(ValueError):
        AccessPolicy("everyone")
    policy = AccessPolicy("namespaces")
    policy.add_user("a", "pw")
    with pytest.raises(ValueError):
        policy.grant("a", "x/*", "own")
    with pytest.raises(ValueError):
        policy.grant("ghost", "x/*", "pull")
