"""Issue 16, item 4: pictures come from the log alone.

Finding: ``viz.Capture`` and ``Record`` called ``to_graph`` on live objects at every step, so no
picture could be drawn from a stored log. Now every frame is ``to_graph`` of the world
``World.replay(events[:k])`` rebuilds: the same graphs as the live objects gave, and the same
from a log saved to a file; the playground has a timeline over any recorded session.
"""

from __future__ import annotations

import networkx as nx
import pytest

from regsim import EventLog, World
from regsim.errors import InvalidArgument
from regsim.viz import Animation, Recording, Capture, Record, to_graph
from regsim.viz.animate import is_step
from regsim.viz.playground import PushPullPlayground, Timeline
from regsim.viz.replayed import graph_at


def _world() -> World:
    world = World()
    world.add_registry("localhost:5000")
    laptop = world.add_host("laptop", quiet=True)
    world.add_host("server", quiet=True)
    laptop.build("FROM scratch\nCOPY a /a\n", "localhost:5000/team/base:1", context={"a": b"base"})
    laptop.push("localhost:5000/team/base:1")
    return world


def _scenario(world: World) -> None:
    laptop, server = world.hosts["laptop"], world.hosts["server"]
    laptop.build("FROM localhost:5000/team/base:1\nCOPY b /b\n", "localhost:5000/team/app:1", context={"b": b"app"})
    laptop.push("localhost:5000/team/app:1")
    server.pull("localhost:5000/team/app:1")
    world.registries["localhost:5000"].delete_tag("team/base", "1")
    world.registries["localhost:5000"].garbage_collect()


def test_record_draws_the_same_frames_from_the_log_as_the_live_objects_gave():
    world = _world()
    registry, laptop = world.registries["localhost:5000"], world.hosts["laptop"]
    live = []  # what the old Record() drew: to_graph of the live objects after each step event
    unsubscribe = world.events.subscribe(
        lambda e: live.append(to_graph(registry, laptop)) if is_step(e) else None)
    with Record(registry, laptop) as rec:
        _scenario(world)
    unsubscribe()
    drawn = [f.graph for f in rec.frames[1:-1]]
    assert len(drawn) == len(live) > 10
    for k, (a, b) in enumerate(zip(drawn, live)):
        assert nx.utils.graphs_equal(a, b), f"frame {k + 1} ({rec.frames[k + 1].caption}) differs"
        assert list(a.nodes) == list(b.nodes)  # in the same order: the same layout
    assert nx.utils.graphs_equal(rec.frames[-1].graph, to_graph(registry, laptop))


def test_capture_draws_before_and_after_from_the_log():
    world = _world()
    before = to_graph(world)
    with Capture(world) as op:
        _scenario(world)
    assert nx.utils.graphs_equal(op.before, before) and nx.utils.graphs_equal(op.after, to_graph(world))


def test_an_animation_of_a_saved_log_is_the_animation_of_the_session(tmp_path):
    world = _world()
    mark = world.events.mark()
    with Record(world.registries["localhost:5000"], world.hosts["server"]) as rec:
        _scenario(world)
    loaded = EventLog.load(world.events.save(tmp_path / "s.jsonl"))
    again = Recording.from_log(loaded, registries=["localhost:5000"], hosts=["server"], start=mark)
    assert [f.caption for f in again.frames] == [f.caption for f in rec.frames]
    assert [f.png for f in Animation(again).frames] == [f.png for f in Animation(rec).frames]


def test_graph_at_any_prefix_of_a_loaded_log(tmp_path):
    world = _world()
    _scenario(world)
    loaded = EventLog.load(world.events.save(tmp_path / "s.jsonl"))
    for k in range(0, len(loaded) + 1, 7):
        assert nx.utils.graphs_equal(graph_at(loaded, k), to_graph(World.replay(world.events[:k])))
    assert graph_at(loaded, 0, sources=[("host", "laptop")]).number_of_nodes() == 0  # not created yet


def test_a_ring_cannot_be_drawn_from_and_record_draws_it_live():
    world = World(events=EventLog(maxlen=1000))
    world.add_registry("localhost:5000")
    laptop = world.add_host("laptop", quiet=True)
    with pytest.raises(InvalidArgument, match="cannot rebuild"):
        Recording.from_log(world.events)
    with Record(world) as rec:
        laptop.build("FROM scratch\nCOPY a /a\n", "localhost:5000/team/base:1", context={"a": b"base"})
        laptop.push("localhost:5000/team/base:1")
    assert len(rec.frames) > 3 and nx.utils.graphs_equal(rec.frames[-1].graph, to_graph(world))


def test_the_timeline_goes_back_and_forth_over_a_saved_session(tmp_path):
    world = _world()
    mark = world.events.mark()
    _scenario(world)
    path = world.events.save(tmp_path / "session.jsonl")
    timeline = Timeline.load(path, registries=["localhost:5000"], hosts=["server"], start=mark)
    frames = timeline.animation.frames
    assert len(timeline) == len(frames) > 5 and timeline.slider.max == len(frames) - 1
    assert timeline.image.value == frames[0].png and "start" in timeline.caption.value
    timeline.forward_button.click()
    timeline.forward_button.click()
    assert timeline.slider.value == 2 and timeline.image.value == frames[2].png
    timeline.back_button.click()
    assert timeline.slider.value == 1 and timeline.caption.value.count(frames[1].caption.split(": ", 1)[1][:20]) == 1
    timeline.slider.value = len(frames) - 1  # what dragging the slider (or Play) does
    assert timeline.image.value == frames[-1].png and "end" in timeline.caption.value
    assert timeline.step(5) == len(frames) - 1 and timeline.step(-len(frames) - 3) == 0
    assert timeline.play.max == timeline.slider.max  # Play drives the same slider (jslink)


def test_the_playgrounds_timeline_shows_its_session():
    world = _world()
    pg = PushPullPlayground(world, host="laptop", registry="localhost:5000", image="localhost:5000/team/base:1",
                            target="localhost:5000/team/copy:1")
    pg.tag_button.click()
    pg.push_button.click()
    timeline = pg.timeline()
    captions = [f.caption for f in timeline.animation.frames]
    assert captions[0].startswith("step 0/") and "start" in captions[0]
    assert any("team/copy" in c for c in captions) and captions[-1].endswith("end")
    timeline.step(-1)
    assert timeline.slider.value == 0
