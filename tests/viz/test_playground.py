"""Widget playgrounds, driven as a user would (set values, click buttons), checked through their
public effects: the model changed, and the log, status and picture widgets say so."""

from __future__ import annotations

import pytest

import regsim
from regsim.viz import DedupExplorer, PushPullPlayground, TagExplorer


@pytest.fixture(scope="module")
def playground():
    world = regsim.World.standard(quiet=True)
    return world, PushPullPlayground(world, image="alpine")


def test_pull_pulls_onto_the_chosen_host_and_updates_log_status_and_picture(playground):
    world, pg = playground
    before = pg.graph.value
    pg.host.value = "laptop"
    pg.pull_button.click()
    assert world.hosts["laptop"].has_image("alpine")
    assert "laptop$ docker pull alpine" in pg.terminal.value and "Pull complete" in pg.terminal.value
    assert "pull: 2 blobs downloaded (3.37MB)" in pg.status.value  # the layer and the config
    assert bytes(pg.graph.value) != bytes(before) and bytes(pg.graph.value).startswith(b"\x89PNG")
    assert pg.registry.value == "docker.io"
    # the registry picture keeps to what was used: alpine:latest, its index, the amd64 manifest
    assert "docker.io: 7 nodes" in pg.status.value


def test_build_tag_and_push_go_through_the_public_api(playground):
    world, pg = playground
    pg.dockerfile.value = "FROM alpine\nCOPY app.py /app/\n"
    pg.target.value = "localhost:5000/myapp:1.0"
    pg.build_button.click()
    assert world.hosts["laptop"].has_image("localhost:5000/myapp:1.0")
    assert pg.image.value == "localhost:5000/myapp:1.0"  # what you built is what you push next
    pg.push_button.click()
    reg = world.registries["localhost:5000"]
    assert list(reg.tags("myapp")) == ["1.0"]
    assert pg.registry.value == "localhost:5000"
    assert "push: 3 blobs uploaded" in pg.status.value
    pg.target.value = "localhost:5000/myapp:latest"
    pg.tag_button.click()
    assert world.hosts["laptop"].tags["localhost:5000/myapp:latest"] == world.hosts["laptop"].tags[
        "localhost:5000/myapp:1.0"]
    pg.push_button.click()
    assert "already there" in pg.status.value and "0B sent" in pg.status.value


def test_another_host_pulls_what_was_pushed(playground):
    world, pg = playground
    pg.host.value = "prod-server"
    pg.image.value = "localhost:5000/myapp:1.0"
    pg.pull_button.click()
    assert world.hosts["prod-server"].has_image("localhost:5000/myapp:1.0")
    assert "prod-server:" in pg.status.value


def test_errors_are_shown_like_docker_and_change_nothing(playground):
    world, pg = playground
    events = len(world.events)
    pg.image.value = "localhost:5000/nothing:here"
    pg.pull_button.click()
    assert ("Error response from daemon: repository localhost:5000/nothing not found: name unknown: "
            "repository name not known to registry") in pg.terminal.value
    assert not world.hosts[pg.host.value].has_image("localhost:5000/nothing:here")
    assert all(e.kind in ("PullStarted",) for e in world.events[events:])
    pg.image.value = "not a reference!"
    pg.push_button.click()
    assert "Error response from daemon" in pg.terminal.value


@pytest.fixture
def tagged(teaching):
    laptop, reg = teaching.laptop, teaching.registry
    laptop.push("localhost:5000/myapp:1.0")
    laptop.build("FROM localhost:5000/base:1.0\nCOPY app.py /app/\n", "localhost:5000/myapp:2.0",
                 context={"app.py": b"print('v2')"})
    laptop.push("localhost:5000/myapp:2.0")
    laptop.tag("localhost:5000/myapp:1.0", "localhost:5000/myapp:latest")
    laptop.push("localhost:5000/myapp:latest")
    return reg


def test_tag_explorer_moves_latest_shows_untagged_and_collects(tagged):
    reg = tagged
    te = TagExplorer(reg, "myapp")
    first = te.graph.value
    v1, v2 = reg.resolve("myapp", "1.0").digest, reg.resolve("myapp", "2.0").digest
    assert te.tag.value == "latest" and "none" in te.untagged.value
    te.target.value = v2
    te.move_button.click()
    assert reg.resolve("myapp", "latest").digest == v2
    assert te.graph.value != first
    te.tag.value = "1.0"
    te.delete_button.click()
    assert "1.0" not in reg.tags("myapp")
    assert v1.short in te.untagged.value
    te.gc_button.click()
    assert v1 not in reg.repository("myapp").manifests
    assert "garbage collection freed" in te.terminal.value and "untagged manifests</b>: none" in te.untagged.value


def test_tag_explorer_dry_run_removes_nothing(tagged):
    reg = tagged
    reg.delete_tag("myapp", "1.0")
    reg.delete_tag("myapp", "latest")
    te = TagExplorer(reg, "myapp")
    te.dry_run.value = True
    te.gc_button.click()
    assert len(reg.repository("myapp").manifests) == 2
    assert "would free" in te.terminal.value


def test_tag_explorer_reports_errors_and_unknown_repositories(tagged):
    te = TagExplorer(tagged, "myapp")
    te.tag.value = "no-such-tag"
    te.delete_button.click()
    assert "Error response from daemon: manifest unknown" in te.terminal.value
    with pytest.raises(regsim.errors.NameUnknown, match="'nothing'"):
        TagExplorer(tagged, "nothing")


def test_dedup_explorer_shows_shared_and_unique_bytes():
    hub = regsim.World.standard(quiet=True).registries["docker.io"]
    de = DedupExplorer(hub, ["python:3.11", "node:18"])
    assert de.stats.saved_bytes > 0
    assert "python:3.11" in de.table.value and "shared" in de.table.value
    chart = de.chart.value
    de.images.value = ("tag:docker.io/library/alpine:latest",)
    assert de.stats.saved_bytes == 0 and de.chart.value != chart
    de.images.value = ()
    assert "choose" in de.table.value
    with pytest.raises(KeyError, match="'no-such:image'"):
        DedupExplorer(hub, ["no-such:image"])


def test_tag_explorer_undo_steps_back_by_replaying_the_events(tagged):
    """Undo rebuilds the registry from its events up to the step before the last one."""
    te = TagExplorer(tagged, "myapp")
    start = tagged.snapshot()
    assert not te.undo()  # nothing to undo yet
    te.tag.value = "2.0"  # its manifest's only tag: gc then removes the manifest
    te.delete_button.click()
    after_delete = te.registry.snapshot()
    te.gc_button.click()
    assert te.registry.snapshot() != after_delete
    te.undo_button.click()
    assert te.registry.snapshot() == after_delete and "undo" in te.terminal.value
    assert te.undo() and te.registry.snapshot() == start
    assert "2.0" in te.registry.tags("myapp") and "2.0" in te.tag.options
    assert not te.undo()
