import pytest

from regsim import World
from regsim.data.search import image_size, search


@pytest.fixture(scope="module")
def hub():
    world = World.standard(quiet=True)
    hub = world.registries["docker.io"]
    hub.add_user("alice", "pw")
    alice = hub.login("alice", "pw")
    laptop = world.hosts["laptop"]
    laptop.login("docker.io", "alice", "pw")
    laptop.build("FROM python:3.11-slim\nRUN pip install flask", "alice/python-web:1.0")
    laptop.push("alice/python-web:1.0")
    laptop.build("FROM alpine\nRUN apk add bash", "alice/secret:1")
    hub.create_repository("alice/secret", private=True, auth=alice)
    laptop.push("alice/secret:1")
    hub.describe("alice/python-web", "A Flask app on python slim", stars=3, auth=alice)
    return hub


def test_official_first_then_others(hub):
    names = [row["NAME"] for row in search(hub, "python")]
    assert names == ["python", "alice/python-web"]


def test_description_matches_and_private_hidden(hub):
    assert [r["NAME"] for r in search(hub, "flask")] == ["alice/python-web"]
    assert [r["NAME"] for r in search(hub, "secret")] == []
    alice = hub.login("alice", "pw")
    assert [r["NAME"] for r in search(hub, "secret", auth=alice)] == ["alice/secret"]


def test_columns_and_sizes(hub):
    table = search(hub, "alpine", limit=2)
    assert table.columns == ("NAME", "DESCRIPTION", "STARS", "OFFICIAL", "TAGS", "SIZE")
    first = next(iter(table))
    assert first["NAME"] == "alpine" and first["OFFICIAL"] == "[OK]" and first["SIZE"] == "3.37MB"
    assert image_size(hub, "library/alpine", "latest") == 3370628


def test_pulls_count_and_rank(hub):
    before = hub.repository("library/redis").pulls
    hub.get_manifest("library/redis", "latest")
    hub.get_manifest("library/redis", hub.repository("library/redis").tags["latest"])  # by digest: not counted
    assert hub.repository("library/redis").pulls == before + 1


def test_bad_term(hub):
    with pytest.raises(TypeError):
        search(hub, None)  # type: ignore[arg-type]
