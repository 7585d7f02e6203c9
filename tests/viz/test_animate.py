"""Step-through animations: recorded frames, one stable layout, the Play + slider widget, exports."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from regsim.viz import Animation, is_step, Record
from regsim.viz.animate import frame_highlight


def test_a_recording_has_start_one_frame_per_step_and_end(push_recording):
    teaching, rec, start, _ = push_recording
    kinds = [f.event.kind if f.event else f.caption for f in rec.frames]
    assert kinds[0] == "start" and kinds[-1] == "end"
    steps = [e for e in teaching.world.events.since(start) if is_step(e)]
    assert steps and [e.seq for e in rec.events] == [e.seq for e in steps]
    assert "BlobUploaded" in kinds and "BlobMounted" in kinds and "TagUpdated" in kinds
    # each frame holds the graph right after its event: the manifest appears with ManifestPushed
    manifest_frame = next(i for i, k in enumerate(kinds) if k == "ManifestPushed")
    n_manifests = [sum(1 for _, t in f.graph.nodes(data="type") if t == "manifest") for f in rec.frames]
    assert n_manifests[manifest_frame - 1] + 1 == n_manifests[manifest_frame]


def test_recording_stops_listening_when_the_block_ends(teaching):
    with Record(teaching.registry) as rec:
        teaching.laptop.push("localhost:5000/myapp:1.0")
    before = len(rec.frames)
    teaching.laptop.push("localhost:5000/base:1.0")
    assert len(rec.frames) == before


def test_frames_share_one_layout_and_size(push_recording):
    _, rec, _, anim = push_recording
    sizes = {Image.open(io.BytesIO(f.png)).size for f in anim.frames}
    assert len(anim) <= len(rec.frames) and len(sizes) == 1
    for frame in rec.frames:
        for n in frame.graph:
            assert n in anim.layout  # a node sits at one place in every frame
    assert anim.frames[-1].sent == sum(e.size for e in rec.events if e.kind == "BlobUploaded")


def test_running_totals_count_every_event_up_to_a_frame_shown_or_not(teaching):
    from regsim import events as ev

    tags_only = (ev.ManifestPushed, ev.TagUpdated)
    with Record(teaching.world, steps=lambda e: isinstance(e, tags_only)) as rec:
        pushed = teaching.laptop.push("localhost:5000/myapp:1.0")
        pulled = teaching.prod.pull("localhost:5000/myapp:1.0")
    assert not any(e.kind == "BlobUploaded" for e in rec.events)  # no upload has a frame
    assert pushed.bytes_sent > 0 and pulled.bytes_received > 0
    anim = Animation(rec)
    assert anim.frames[0].sent == 0
    # the manifest is stored after every blob of the push: all of them are counted by then
    manifest = next(f for f in anim.frames if "stored as myapp:1.0" in f.caption)
    assert (manifest.sent, manifest.received) == (pushed.bytes_sent, 0)
    assert (anim.frames[-1].sent, anim.frames[-1].received) == (pushed.bytes_sent, pulled.bytes_received)


def test_a_run_of_already_there_checks_is_one_frame(teaching):
    teaching.laptop.push("localhost:5000/myapp:1.0")
    teaching.laptop.tag("localhost:5000/myapp:1.0", "localhost:5000/myapp:1.1")
    with Record(teaching.registry) as rec:
        teaching.laptop.push("localhost:5000/myapp:1.1")
    checks = [e for e in rec.events if e.kind == "BlobChecked"]
    assert len(checks) == 5  # four layers and the config
    anim = Animation(rec)
    merged = [f.caption for f in anim.frames if "already in" in f.caption]
    assert len(merged) == 1 and "5 blobs already in myapp: skipped" in merged[0]
    assert len(anim) == len(rec.frames) - 4 - 1  # and the tag shares its manifest's frame


def test_a_manifest_pushed_by_tag_shares_its_frame_with_the_tag(push_recording):
    _, rec, _, anim = push_recording
    kinds = [f.event.kind if f.event else f.caption for f in rec.frames]
    assert kinds[-3:] == ["ManifestPushed", "TagUpdated", "end"]
    assert len(anim) == len(rec.frames) - 1  # the manifest's frame and the tag's are one step
    assert anim.frames[-2].caption.endswith("stored as myapp:1.0")
    # no frame shows the manifest untagged, so the legend does not explain an untagged edge
    assert "untagged" not in {k for *_, k in anim.graph.edges(data="kind")}


def test_a_tag_moved_by_a_push_says_where_it_was(teaching):
    laptop = teaching.laptop
    laptop.tag("localhost:5000/myapp:1.0", "localhost:5000/myapp:latest")
    laptop.push("localhost:5000/myapp:latest")
    old = teaching.registry.resolve("myapp", "latest").digest
    laptop.build("FROM localhost:5000/base:1.0\nCOPY app.py /app/\n", "localhost:5000/myapp:latest",
                 context={"app.py": b"print('v2')"})
    with Record(teaching.registry, repositories=["myapp"]) as rec:
        laptop.push("localhost:5000/myapp:latest")
    anim = Animation(rec)
    assert anim.frames[-2].caption.endswith(f"stored as myapp:latest (the tag moved from {old.short})")
    # the old manifest is untagged now, truly: that edge stays, worded for a newcomer
    assert "untagged" in {k for *_, k in anim.graph.edges(data="kind")}


def test_the_legend_says_what_an_untagged_manifest_is(small):
    from regsim.viz import draw

    for tag in ("1.0", "latest"):
        small.registry.delete_tag("team/app", tag)
    labels = [t.get_text() for t in draw(small.registry).figure.legends[0].get_texts()]
    assert "untagged manifest (no tag points here)" in labels


def test_pushing_a_stored_manifest_again_is_not_new(teaching):
    teaching.laptop.push("localhost:5000/myapp:1.0")
    digest = teaching.registry.resolve("myapp", "1.0").digest
    with Record(teaching.registry) as rec:
        teaching.registry.tag("myapp", "stable", digest)
    pushed = next(i for i, f in enumerate(rec.frames) if f.event and f.event.kind == "ManifestPushed")
    _, statuses, _ = frame_highlight(rec.frames[pushed].event, rec.frames[pushed].graph, rec.frames[pushed - 1].graph)
    assert set(statuses.values()) == {"skipped"}


def test_removals_are_shown_marked_on_the_graph_before(small):
    small.registry.delete_manifest("team/app", small.image.digest)
    with Record(small.registry) as rec:
        small.registry.garbage_collect()
    gc = next(f for f in rec.frames if f.event is not None)
    shown, statuses, _ = frame_highlight(gc.event, gc.graph, rec.frames[0].graph)
    assert shown is rec.frames[0].graph
    assert set(statuses.values()) == {"swept"} and len(statuses) == len(gc.event.swept)


def test_the_slider_shows_precomputed_frames(push_recording):
    anim = push_recording[3]
    w = anim.widget()
    assert w.image.value == anim.frames[0].png and "start" in w.caption.value
    w.slider.value = 3
    assert w.image.value == anim.frames[3].png
    assert anim.frames[3].caption.split(": ", 1)[1][:3] in w.caption.value
    w.show(len(anim) - 1)
    assert w.slider.value == len(anim) - 1
    with pytest.raises(IndexError, match="0..%d" % (len(anim) - 1)):
        w.show(len(anim))
    assert (w.play.min, w.play.max) == (w.slider.min, w.slider.max)


def test_gif_and_html_exports(push_recording, tmp_path):
    anim = push_recording[3]
    data = anim.to_gif(tmp_path / "push.gif")
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.n_frames == len(anim)
    assert (tmp_path / "push.gif").read_bytes() == data
    assert anim.to_gif() == data  # deterministic
    page = anim.to_html(tmp_path / "push.html")
    assert page.count("iVBOR") == len(anim)  # every frame embedded once
    assert "<title>docker push</title>" in page


def test_an_empty_recording_is_refused():
    from regsim.viz import Recording

    with pytest.raises(ValueError, match="no frames"):
        Animation(Recording())


def test_reprs_are_short_and_deterministic(push_recording):
    from regsim.viz import plan, to_graph

    teaching, rec, _, anim = push_recording
    texts = [repr(rec), repr(rec.frames[0]), repr(rec.frames[1]), repr(anim), repr(anim.frames[1]),
             repr(plan(to_graph(teaching.registry)))]
    assert not [t for t in texts if "0x" in t or len(t) > 400]
    assert repr(anim.frames[0]) == "RenderedFrame(caption='step 0/%d: start', sent=0, received=0)" % (len(anim) - 1)


def test_static_copies_get_the_frames_and_a_live_kernel_the_widget(push_recording):
    """An Animation's mimebundle: text/plain, a self-contained HTML player (every frame embedded,
    no ids, no external files) and the widget view; the HTML is the same every time."""
    import re

    anim = push_recording[3]
    bundle = anim._repr_mimebundle_()
    assert bundle["text/plain"] == repr(anim)
    assert "application/vnd.jupyter.widget-view+json" in bundle  # the Play + slider widget
    page = bundle["text/html"]
    assert page.count('<figure class="regsim-frame"') == len(anim)
    assert page.count("data:image/png;base64,") == len(anim)
    assert not re.search(r"\sid=|https?://|src=\"(?!data:)", page)  # self-contained, no ids
    assert "step 0/" in page and "<script>" in page
    assert anim.html() == page  # deterministic: nbval compares text/html (with the images masked)
    for frame in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page):
        import base64

        assert Image.open(io.BytesIO(base64.b64decode(frame))).format == "PNG"


def test_nbvals_sanitiser_masks_the_embedded_frames(push_recording):
    """notebooks/sanitize.cfg turns the embedded pictures into a fixed word (nbval compares
    text/html but, like image/png, the pixels are not what a notebook test should compare)."""
    import configparser
    import re
    from pathlib import Path

    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).resolve().parents[2] / "notebooks" / "sanitize.cfg")
    rules = [(cfg[s]["regex"], cfg[s]["replace"]) for s in cfg.sections()]
    page = push_recording[3].html()
    for regex, replace in rules:
        page = re.sub(regex, replace, page)
    assert "iVBOR" not in page and not re.search(r"base64,[A-Za-z0-9+/=]{20,}", page)


def test_the_footer_counts_only_what_moved_to_or_from_the_recorded_registry():
    """Recording localhost:5000 while the laptop builds FROM alpine (a pull from Docker Hub)
    and pushes: the bytes received from Docker Hub are not the recorded registry's."""
    import regsim
    from regsim import events as ev

    world = regsim.World.standard(quiet=True)
    laptop, private = world.hosts["laptop"], world.registries["localhost:5000"]
    start = world.events.mark()
    with Record(private) as rec:
        laptop.build("FROM alpine:3.17\nCOPY a /a\n", "localhost:5000/app:1", context={"a": b"a"})
        laptop.push("localhost:5000/app:1")
    events = world.events.since(start)
    assert any(isinstance(e, ev.BlobFetched) and e.registry == "docker.io" for e in events)  # the base came in
    uploaded = sum(e.size for e in events if isinstance(e, ev.BlobUploaded) and e.registry == "localhost:5000")
    anim = Animation(rec)
    assert (anim.frames[-1].sent, anim.frames[-1].received) == (uploaded, 0)

    # a recorded host counts what it pulled, from any registry
    with Record(world.hosts["prod-server"]) as rec:
        world.hosts["prod-server"].pull("alpine:3.17")
    fetched = sum(e.size for e in world.events.since(start) if isinstance(e, ev.BlobFetched)
                  and e.registry == "docker.io") - sum(e.size for e in events if isinstance(e, ev.BlobFetched))
    assert Animation(rec).frames[-1].received == fetched > 0
