"""Real docker through a pull-through mirror, counted at the upstream (issue 18, items 3 and 4).

A private dockerd started with ``--registry-mirror http://127.0.0.1:PORT`` pulls ``busybox:1``
(the course's offline busybox base, pushed to the upstream by the session's engine) through
``regsim serve --mirror-of``, or through Debian's docker-registry 2.8 in proxy mode, in front of
an upstream ``regsim serve --rate-limit`` that plays Docker Hub. The lab's ``PullThroughMirror``
predicts the same upstream counts.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import httpx
import pytest
from helpers import skip_or_fail

from regsim import Registry
from regsim.server import serve
from regsim.engines.clients import ToolMissing
from regsim.server.mirror import Mirror
from regsim.engines.mirror_reality import MEASURED, KINDS, STEPS, compare, predict, upstream_counts
from regsim.server.ratelimit import HUB_MESSAGE



def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def hub(engine, base: str, limit: str = "100/6h", tags: dict[str, str] | None = None):
    """An upstream playing Docker Hub with ``library/busybox:<tag>`` for each of ``tags``."""
    with serve(Registry("hub"), rate_limit=limit) as upstream:
        for tag, image in (tags or {"1": base}).items():
            engine.docker("tag", image, f"{upstream.address}/library/busybox:{tag}")
            engine.docker("push", f"{upstream.address}/library/busybox:{tag}")
        yield upstream
        for tag in (tags or {"1": base}):
            engine.docker("rmi", f"{upstream.address}/library/busybox:{tag}", check=False)


@pytest.fixture
def puller():
    """A second private engine whose --registry-mirror is 127.0.0.1:<port> (start the mirror there)."""
    from regsim.engines.daemon import start_private_daemon

    port = _free_port()
    try:
        engine = start_private_daemon(registry_mirrors=(f"http://127.0.0.1:{port}",))
    except ToolMissing as exc:
        skip_or_fail(str(exc))
    with engine:
        engine.mirror_port = port
        yield engine


def quota_left(upstream) -> int:
    """The upstream's ratelimit-remaining for this machine (a HEAD: it spends nothing)."""
    answer = httpx.head(f"{upstream.url}/v2/library/busybox/manifests/1")
    return int(answer.headers["ratelimit-remaining"].split(";")[0])


def test_docker_pulls_through_the_mirror_and_a_second_pull_costs_no_quota(docker_engine, base, puller):
    with hub(docker_engine, base) as upstream, \
            serve(Registry("mirror"), port=puller.mirror_port, mirror=Mirror(upstream.url)) as mirror:
        before = upstream_counts(upstream)
        out = puller.docker("pull", "busybox:1").stdout
        assert "Downloaded newer image for busybox:1" in out
        first = upstream_counts(upstream)
        assert {k: first[k] - before[k] for k in KINDS} == MEASURED[("regsim", "first pull")]
        assert quota_left(upstream) == 99  # a HEAD of our own: counted, so count again after it
        first = upstream_counts(upstream)
        puller.docker("rmi", "busybox:1")
        puller.docker("pull", "busybox:1")
        assert upstream_counts(upstream) == first  # not one request: the tag is within its TTL
        assert quota_left(upstream) == 99
        stats = httpx.get(f"{mirror.url}/mirror/stats").json()
        assert stats["blob_misses"] == 2 and stats["blob_hits"] == 2
        assert stats["quota_remaining"] == 99
        assert puller.docker("run", "--rm", "--network", "none", "busybox:1", "echo", "hi").stdout == "hi\n"


def test_when_the_mirror_is_down_docker_goes_to_docker_hub_itself(docker_engine, base, puller):
    with hub(docker_engine, base) as upstream:
        before = upstream_counts(upstream)
        result = puller.docker("pull", "busybox:1", check=False)
        mirror = f"http://127.0.0.1:{puller.mirror_port}/v2/"
        assert f'Attempting next endpoint for pull after error: Get \\"{mirror}\\"' in puller.log()
        # offline, Docker Hub cannot be reached either (online, the pull comes from Docker Hub)
        assert result.returncode == 0 or "registry-1.docker.io" in result.stderr
        assert upstream_counts(upstream) == before


def test_the_upstreams_429_makes_docker_fall_back_to_docker_hub_hiding_the_message(docker_engine, base, puller):
    """The mirror passes the 429 on; docker logs it, then tries Docker Hub itself: the user sees
    Docker Hub's answer (offline: a DNS error), not the rate limit."""
    context = Path(tempfile.mkdtemp(prefix="regsim-label-"))
    (context / "Dockerfile").write_text(f"FROM {base}\nLABEL version=2\n")
    docker_engine.docker("build", "-q", "-t", "regsim/busybox:2", str(context))
    try:
        with hub(docker_engine, base, "1/6h", {"1": base, "2": "regsim/busybox:2"}) as upstream, \
                serve(Registry("mirror"), port=puller.mirror_port, mirror=Mirror(upstream.url)) as mirror:
            puller.docker("pull", "busybox:1")
            refused = puller.docker("pull", "busybox:2", check=False)
            assert refused.returncode != 0
            assert f"Attempting next endpoint for pull after error: toomanyrequests: {HUB_MESSAGE}" in puller.log()
            assert "toomanyrequests" not in refused.stderr
            assert httpx.get(f"{mirror.url}/mirror/stats").json()["rate_limited"] == 1
            # without the mirror in between, docker prints Docker Hub's message
            direct = puller.docker("pull", f"{upstream.address}/library/busybox:2", check=False)
            assert direct.stderr.strip() == f"Error response from daemon: toomanyrequests: {HUB_MESSAGE}"
            # what the mirror has stored still pulls
            puller.docker("rmi", "busybox:1")
            puller.docker("pull", "busybox:1")
    finally:
        docker_engine.docker("rmi", "regsim/busybox:2", check=False)


@pytest.mark.tools
def test_regsims_mirror_and_distributions_proxy_counted_and_predicted(docker_engine, base):
    """The same docker sequence through both mirrors: measured upstream counts, and the model's."""
    try:
        result = compare(docker_engine)
    except ToolMissing as exc:
        skip_or_fail(str(exc))
    measured = {(row["mirror"], row["step"]): row["measured"] for row in result.rows}
    assert measured == MEASURED, str(result)
    assert result.agree(), str(result)
    for step in STEPS:  # never more than distribution asks, of any kind; each blob once
        assert all(measured[("regsim", step)][k] <= measured[("distribution", step)][k] for k in KINDS)
    assert measured[("regsim", "first pull")]["blob_get"] == 2


@pytest.mark.tools
def test_with_no_ttl_regsims_repeat_pull_revalidates_as_distribution_does(docker_engine, base):
    result = compare(docker_engine, ttl=0, mirrors=("regsim",))
    assert result.rows[1]["measured"] == MEASURED[("distribution", "repeat pull")]
    assert result.agree(), str(result)


def test_the_model_alone():
    assert predict("distribution") == {step: MEASURED[("distribution", step)] for step in STEPS}
    assert predict("regsim") == {step: MEASURED[("regsim", step)] for step in STEPS}
    assert predict("regsim", ttl=0.5)["repeat pull"] == {"manifest_get": 0, "manifest_head": 1, "blob_get": 0}


def test_lesson_10s_real_cell_runs_without_an_engine(monkeypatch, capsys):
    """Lesson 10's "Do it for real" cell, on a machine with no Docker engine: the model's side."""
    import nbformat

    from regsim.engines import daemon
    from regsim.engines.daemon import DaemonUnavailable

    def no_engine(**_):
        raise DaemonUnavailable("no Docker engine answers here")

    monkeypatch.setattr(daemon, "docker_daemon", no_engine)
    notebook = nbformat.read(Path(__file__).parents[2] / "notebooks" / "10-rate-limits-and-mirrors.ipynb", 4)
    cell = next(c for c in notebook.cells if "mirror_reality.compare" in c.source)
    exec(cell.source, {})
    out = capsys.readouterr().out
    assert "Not run for real here: no Docker engine answers here" in out
    assert str(predict("regsim")) in out
