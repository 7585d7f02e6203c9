"""Live pictures of real docker: the server's events drive the same views a simulated host gets."""

from __future__ import annotations

import time

import pytest

import regsim.viz as viz

pytestmark = pytest.mark.tools

APP = "FROM {base}\nCOPY hello.txt /hello.txt\n"


def test_capture_and_live_view_of_a_real_push_and_pull(docker, served, base):
    registry = served.registry
    busybox = docker.reference("library/busybox", "live")
    docker.tag(base, busybox)
    docker.push("library/busybox", "live")
    app = docker.reference("demo/live", "1.0")
    docker.build(APP.format(base=busybox), app, {"hello.txt": b"live\n"})

    live = viz.LiveView(registry, lock=served.lock, quiet=0.05)
    with viz.Capture(registry) as op:
        docker.push("demo/live", "1.0")
    statuses = sorted(s for n, s in viz.push_highlight(op).after.items() if op.after.nodes[n]["type"] == "layer")
    assert statuses == ["mounted", "uploaded"]
    assert "1 blob mounted" in str(viz.summary(op)) and op.kind == "push"
    fig = viz.push_view(op, managed=False)
    assert fig.axes

    deadline = time.monotonic() + 10  # the view closes the push on its own after a pause
    while not live.operations and time.monotonic() < deadline:
        time.sleep(0.05)
    pushed = live.operations[0]
    assert pushed.kind == "push" and [e.describe() for e in pushed.events] == [e.describe() for e in op.events]
    assert "demo/live" in live.caption.value and bytes(live.view.value).startswith(b"\x89PNG")

    docker.rmi(app)
    docker.pull("demo/live", "1.0")
    pulled = live.flush() or live.operations[-1]
    assert pulled.kind == "pull"
    h = viz.highlight(pulled)
    layers = {s for n, s in h.after.items() if pulled.after.nodes[n]["type"] == "layer"}
    assert layers == {"downloaded"}  # the base layer stayed local: docker never asked for it
    assert "seen by the registry" in h.title and "downloaded" in live.caption.value
    live.close()
    docker.rmi(app, busybox)
