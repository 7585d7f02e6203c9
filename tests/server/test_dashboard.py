"""The notebook dashboard (ClassroomDashboard and the LiveView under it) of a served classroom:
every push gets a picture of what it changed, pictures name the registry by the address clients
push to, and a re-tag is shown as the push it is."""

from __future__ import annotations

import pytest

from regsim import Image, Layer
from regsim.server.classroom import Classroom, Participant
from regsim.engines.clients import SimpleClient
from regsim.viz.graph import node_id

pytest.importorskip("ipywidgets")


@pytest.fixture
def room():
    with Classroom([Participant("alice", "pw-a"), Participant("bob", "pw-b")]) as room:
        room.serve()
        yield room


@pytest.fixture
def image():
    return Image.create([Layer.from_files([("/etc/hello", b"hello")]), Layer.from_files([("/app", b"app")])])


def _texts(fig) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _board(room):
    from regsim.server.dashboard import ClassroomDashboard

    return ClassroomDashboard(room, quiet=60)  # a test flushes by hand


def test_a_push_outside_the_team_namespace_gets_a_picture_of_it(room, image):
    board = _board(room)
    SimpleClient(room.server.url, username="alice", password="pw-a").push("alice/app", "1.0", image)
    op = board.live.flush()
    repository = node_id("repository", room.registry.name, "alice/app")
    # the dashboard's graph shows the team namespace; the push's own picture shows alice/app
    assert repository in op.after and repository not in op.before
    texts = _texts(board.live.picture(op))
    assert any("alice/app" in t for t in texts), texts
    board.close()


def test_pictures_and_captions_name_the_registry_by_its_served_address(room, image):
    board = _board(room)
    address = room.server.address
    assert room.registry.name == "localhost:5000" and not address.endswith(":5000")
    SimpleClient(room.server.url, username="alice", password="pw-a").push("team/app", "1.0", image)
    op = board.live.flush()
    texts = _texts(board.live.picture(op)) + _texts(board.live.graph_picture())
    assert not [t for t in texts if "localhost:5000" in t], texts
    assert any(address in t for t in texts), texts
    assert f"push to {address}/team/app" in board.live.caption.value
    assert "localhost:5000" not in board.live.caption.value
    board.close()


def test_a_retag_is_shown_as_a_push_of_a_new_tag_not_as_n_events(room, image):
    board = _board(room)
    alice = SimpleClient(room.server.url, username="alice", password="pw-a")
    alice.push("team/app", "1.0", image)
    board.live.flush()
    first_view = bytes(board.live.view.value)
    alice.push("team/app", "latest", image)          # docker tag + docker push: every blob already there
    op = board.live.flush()
    caption = board.live.caption.value
    assert "events" not in caption and "change" not in caption, caption
    assert f"push to {room.server.address}/team/app" in caption and "team/app:latest" in caption, caption
    assert "3 blobs already there" in caption, caption
    assert bytes(board.live.view.value) != first_view            # its own picture, not the last push's
    assert any(":latest" in t for t in _texts(board.live.picture(op)))
    board.close()


def test_the_notebook_dashboard_lists_refused_attempts_with_their_reason(room, image):
    board = _board(room)
    assert "no refused attempts" in board.refusals.value
    with pytest.raises(RuntimeError, match="HTTP 403"):
        SimpleClient(room.server.url, username="alice", password="pw-a").push("bob/app", "1.0", image)
    assert "<b>alice</b>" in board.refusals.value and "push to bob/app (denied: alice may not push" in board.refusals.value
    assert "localhost:5000" not in board.refusals.value          # named by the served address
    board.close()
    with pytest.raises(RuntimeError, match="HTTP 401"):
        SimpleClient(room.server.url, username="bob", password="wrong").pull("team/app", "1.0")
    assert "<b>bob</b>" not in board.refusals.value                # closed: it no longer listens
