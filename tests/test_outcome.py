"""attempt() keeps a refused operation's error as a value; access_table() asks who may do what."""

import pytest

from regsim import Blob, Registry, World
from regsim.errors import Denied, NameInvalid
from regsim.client.outcome import Outcome, access_table, attempt


def test_attempt_keeps_the_value_of_a_success():
    reg = Registry("localhost:5000")
    outcome = attempt(reg.push_blob, "team/app", b"hello")
    assert outcome.ok and bool(outcome) and outcome.code == "OK" and outcome.status == 200
    assert outcome.value == Blob(b"hello") and outcome.message == ""
    assert repr(outcome) == "✔ ok: Blob(sha256:2cf24dba…, size=5)"


def test_attempt_keeps_the_registry_error_and_changes_nothing():
    reg = Registry("localhost:5000")
    before = reg.snapshot()
    wrong = str(Blob(b"hello").digest)
    outcome = attempt(reg.push_blob, "team/app", b"hellO", wrong)
    assert not outcome and outcome.code == "DIGEST_INVALID" and outcome.status == 400
    assert repr(outcome).startswith("✘ DIGEST_INVALID (400): provided digest did not match")
    assert reg.snapshot() == before


def test_attempt_html_is_escaped():
    outcome = Outcome(error=Denied("<script>"))
    html = outcome._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "DENIED" in html


def test_attempt_lets_bugs_through():
    with pytest.raises(ZeroDivisionError):
        attempt(lambda: 1 / 0)


def test_attempt_passes_keyword_arguments():
    world = World.standard(quiet=True)
    outcome = attempt(world.hosts["laptop"].pull, "alpine", quiet=True)
    assert outcome.ok and outcome.value.counts == {"downloaded": 1, "exists": 0}


def test_access_table_on_a_hub():
    world = World.standard(quiet=True)
    hub = world.registries["docker.io"]
    hub.add_user("alice", "alice-pw")
    hub.add_user("bob", "bob-pw")
    alice, bob = hub.login("alice", "alice-pw"), hub.login("bob", "bob-pw")
    hub.create_repository("alice/secret", private=True, auth=alice)
    events = len(world.events)
    table = access_table(hub, {"anonymous": None, "alice": alice, "bob": bob},
                         ["library/python", "alice/secret", "bob/new"])
    assert [tuple(r.values()) for r in table] == [
        ("library/python", "allowed", "allowed", "allowed"),
        ("alice/secret", "UNAUTHORIZED", "allowed", "DENIED"),
        ("bob/new", "UNAUTHORIZED", "DENIED", "allowed"),
    ]
    assert len(world.events) == events  # asking records nothing
    pushes = access_table(hub, {"alice": alice}, ["library/python", "alice/secret"], "push")
    assert [r["alice"] for r in pushes] == ["DENIED", "allowed"]


def test_access_table_rejects_unknown_actions_and_names_bad_repositories():
    hub = Registry.hub()
    with pytest.raises(ValueError, match="unknown action"):
        access_table(hub, {"anonymous": None}, ["library/python"], "fly")
    table = access_table(hub, {"anonymous": None}, ["Bad Name"])
    assert [r["anonymous"] for r in table] == [NameInvalid.code]
