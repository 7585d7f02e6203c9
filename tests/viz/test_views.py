"""Operation views: statuses from events, bytes summaries that agree with the model, errors."""

from __future__ import annotations

import pytest

from regsim.units import human_size
from regsim.viz import (
    Capture, change_highlight, gc_highlight, highlight, node_id, operation_view, pull_highlight, push_highlight,
    summary, tag_highlight, tag_view,
)

R = "localhost:5000"


def statuses_by_digest(h, G):
    return {G.nodes[n]["digest"]: s for n, s in h.after.items() if "digest" in G.nodes[n]}


def test_push_marks_uploaded_mounted_and_new(teaching):
    with Capture(teaching.world) as op:
        result = teaching.laptop.push("localhost:5000/myapp:1.0")
    assert op.kind == "push"
    h = push_highlight(op)
    assert (h.owner, h.repositories) == (R, ("myapp", "base"))  # the mount source is in the picture
    got = statuses_by_digest(h, op.after)
    for digest, status in result.statuses:
        assert got[digest] == {"pushed": "uploaded", "mounted": "mounted", "exists": "skipped"}[status]
    assert got[result.digest] == "new"
    assert h.after[node_id("tag", R, "myapp:1.0")] == "new"
    assert h.after[node_id("repository", R, "myapp")] == "new"
    mounted = [n for n, s in h.after.items() if s == "mounted"]
    assert mounted and all(h.notes[n].startswith("from base") for n in mounted)  # and, maybe, "; push line <diff ID>"
    s = summary(op)
    assert s.bytes_sent == result.bytes_sent
    assert s.counts["mounted"] == result.counts["mounted"]
    assert "sent" in str(s) and "mounted" in str(s)


def test_pushing_again_skips_everything_and_sends_nothing(teaching):
    teaching.laptop.push("localhost:5000/myapp:1.0")
    teaching.laptop.tag("localhost:5000/myapp:1.0", "localhost:5000/myapp:1.1")
    with Capture(teaching.registry, teaching.laptop) as op:
        teaching.laptop.push("localhost:5000/myapp:1.1")
    h = push_highlight(op)
    blobs = {s for n, s in h.after.items() if op.after.nodes[n]["type"] in ("config", "layer")}
    assert blobs == {"skipped"}
    assert h.after[node_id("tag", R, "myapp:1.1")] == "new"
    assert summary(op).bytes_sent == 0
    assert str(summary(op)).endswith("0B sent")


def test_pull_marks_downloaded_and_already_local_layers(teaching):
    teaching.laptop.push("localhost:5000/myapp:1.0")
    teaching.prod.pull("localhost:5000/base:1.0")
    with Capture(teaching.world) as op:
        result = teaching.prod.pull("localhost:5000/myapp:1.0")
    assert op.kind == "pull"
    h = pull_highlight(op)
    assert h.owner == "prod-server"
    got = statuses_by_digest(h, op.after)
    for digest, status in result.statuses:
        assert got[digest] == {"downloaded": "downloaded", "exists": "local"}[status]
    assert result.counts["exists"] > 0 and result.counts["downloaded"] > 0
    assert got[result.image_id] == "downloaded"  # the config
    assert summary(op).bytes_received == result.bytes_received
    assert h.after[node_id("tag", "prod-server", "localhost:5000/myapp:1.0")] == "new"


def test_a_tag_move_shows_old_and_new_target_and_the_manifest_left_untagged(teaching):
    laptop, reg = teaching.laptop, teaching.registry
    laptop.push("localhost:5000/myapp:1.0")
    laptop.build("FROM localhost:5000/base:1.0\nCOPY app.py /app/\n", "localhost:5000/myapp:2.0",
                 context={"app.py": b"print('v2')"})
    laptop.push("localhost:5000/myapp:2.0")
    old, new = reg.resolve("myapp", "1.0").digest, reg.resolve("myapp", "2.0").digest
    reg.delete_tag("myapp", "2.0")
    with Capture(reg) as op:
        reg.tag("myapp", "1.0", new)
    assert op.kind == "tag"
    h = tag_highlight(op)
    tag = node_id("tag", R, "myapp:1.0")
    assert h.after[tag] == "moved"
    assert h.after[node_id("manifest", R, old)] == "untagged"
    assert h.after[node_id("manifest", R, new)] == "tagged"
    assert (tag, node_id("manifest", R, old), "was") in h.ghost_edges
    assert summary(op).bytes_sent == 0 and "untagged" in str(summary(op))


def test_every_view_of_a_build_and_push_that_moves_latest_counts_the_bytes_sent(teaching):
    laptop = teaching.laptop
    laptop.tag("localhost:5000/myapp:1.0", "localhost:5000/myapp:latest")
    laptop.push("localhost:5000/myapp:latest")
    with Capture(teaching.world) as op:
        laptop.build("FROM localhost:5000/base:1.0\nCOPY app.py /app/\n", "localhost:5000/myapp:latest",
                     context={"app.py": b"print('v2')"})
        result = laptop.push("localhost:5000/myapp:latest")
    assert result.bytes_sent > 0
    for h in (push_highlight(op), tag_highlight(op), change_highlight(op)):
        s = summary(op, h)
        assert (s.bytes_sent, s.bytes_received) == (result.bytes_sent, 0), h.kind
        assert s.counts["uploaded"] == sum(1 for e in op.events if e.kind == "BlobUploaded")
        assert "no bytes moved" not in str(s) and str(s).endswith(f"→ {human_size(result.bytes_sent)} sent")
    footer = [t.get_text() for t in tag_view(op).texts][-1]
    assert footer == str(summary(op, tag_highlight(op))) and "untagged" in footer


def test_a_pull_in_a_tag_capture_counts_the_bytes_received(teaching):
    teaching.laptop.push("localhost:5000/myapp:1.0")
    with Capture(teaching.world) as op:
        result = teaching.prod.pull("localhost:5000/myapp:1.0")
        teaching.registry.tag("myapp", "stable", result.digest)
    assert summary(op, tag_highlight(op)).bytes_received == result.bytes_received > 0


def test_deleting_a_tag_marks_it_on_the_picture_before(small):
    with Capture(small.registry) as op:
        small.registry.delete_tag("team/app", "latest")
    h = highlight(op)
    assert h.before == {node_id("tag", R, "team/app:latest"): "deleted"}
    assert h.after == {}  # the manifest still has tag 1.0


def test_gc_marks_exactly_what_it_swept(small):
    reg = small.registry
    reg.delete_manifest("team/app", small.image.digest)
    with Capture(reg) as op:
        report = reg.garbage_collect()
    assert op.kind == "gc"
    h = gc_highlight(op)
    swept = {op.before.nodes[n]["digest"] for n, s in h.before.items() if s == "swept"}
    assert swept == set(report.swept)
    assert summary(op).bytes_freed == report.bytes_freed
    assert summary(op).counts["swept"] == len(report.swept)


def test_views_render_before_and_after_with_a_summary(teaching):
    with Capture(teaching.world) as op:
        teaching.laptop.push("localhost:5000/myapp:1.0")
    fig = operation_view(op)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == ["before: localhost:5000", "after: localhost:5000"]
    texts = [t.get_text() for t in fig.texts]
    assert texts[0] == "docker push localhost:5000/myapp:1.0 (from laptop)"
    assert str(summary(op)) in texts


def test_a_highlight_of_the_wrong_kind_says_what_is_missing(small):
    with Capture(small.registry) as op:
        small.registry.delete_tag("team/app", "latest")
    with pytest.raises(ValueError, match="no push"):
        push_highlight(op)
    with pytest.raises(ValueError, match="no garbage collection"):
        gc_highlight(op)


def test_views_need_a_finished_recording(small):
    cap = Capture(small.registry)
    op = cap.__enter__()
    with pytest.raises(ValueError, match="still being recorded"):
        push_highlight(op)
    cap.__exit__(None, None, None)
    assert op.after is not None


def test_capture_records_even_when_the_operation_fails(teaching):
    from regsim.errors import RegistryError

    with pytest.raises(RegistryError):
        with Capture(teaching.world) as op:
            teaching.laptop.pull("localhost:5000/nothing:here")
    assert op.after is not None and any(e.kind == "PullStarted" for e in op.events)


def test_capture_refuses_things_it_cannot_watch():
    with pytest.raises(TypeError, match="str"):
        Capture("docker.io")


def test_the_registry_side_of_a_pull_shows_which_platform_manifest_was_picked():
    import regsim
    from regsim.viz import pull_source_highlight, pull_view

    world = regsim.World.standard(quiet=True)
    with Capture(world) as op:
        world.hosts["laptop"].pull("alpine")
    h = pull_source_highlight(op)
    assert (h.owner, h.repositories) == ("docker.io", ("library/alpine",))
    index = world.registries["docker.io"].resolve("library/alpine", "latest")
    amd64, arm64 = (d.digest for d in index.parsed.manifests)
    assert h.after[node_id("index", "docker.io", index.digest)] == "fetched"
    assert h.after[node_id("manifest", "docker.io", amd64)] == "fetched"
    assert node_id("manifest", "docker.io", arm64) not in h.after  # the other platform is never read
    fig = pull_view(op, source=True)
    assert [ax.get_title(loc="left") for ax in fig.axes][-1] == "docker.io/library/alpine: what the pull read"


@pytest.mark.parametrize("arrange, side_by_side", [("row", True), ("column", False)])
def test_views_can_be_forced_side_by_side_or_stacked(teaching, arrange, side_by_side):
    with Capture(teaching.world) as op:
        teaching.laptop.push("localhost:5000/myapp:1.0")
    before, after = operation_view(op, arrange=arrange).axes
    bx, ax_ = before.get_position(), after.get_position()
    assert (ax_.x0 > bx.x1) == side_by_side
    with pytest.raises(ValueError, match="'diagonal'"):
        operation_view(op, arrange="diagonal")
