"""The private dockerd helper and the offline busybox base."""

from __future__ import annotations

import os

import pytest

from regsim.server.daemon import BASE_TAG, BUSYBOX_LINKS, DockerDaemon, base_context

pytestmark = pytest.mark.tools


def test_base_context_is_busybox_and_links():
    dockerfile, context = base_context()
    try:
        assert dockerfile.startswith("FROM scratch\n")
        assert (context / "bin" / "busybox").stat().st_size > 500_000
        for name in BUSYBOX_LINKS:
            assert os.readlink(context / "bin" / name) == "busybox"
    finally:
        import shutil
        shutil.rmtree(context)


def test_engine_answers_and_base_runs_offline(docker_engine, base):
    assert docker_engine.running
    assert base == BASE_TAG
    out = docker_engine.docker("run", "--rm", "--network", "none", base, "echo", "hello from busybox").stdout
    assert out == "hello from busybox\n"


def test_a_second_private_daemon_starts_and_stops_by_pid():
    from regsim.server.clients import ToolMissing
    from regsim.server.daemon import start_private_daemon

    try:
        daemon = start_private_daemon()
    except ToolMissing as exc:
        from helpers import skip_or_fail
        skip_or_fail(str(exc))
    pid, root = daemon.pid, daemon.root
    assert daemon.private and daemon.running and repr(daemon).startswith("DockerDaemon('unix:///tmp/rsd-")
    assert daemon.docker("info", "--format", "{{.Driver}}").stdout.strip() == "vfs"
    daemon.stop()
    assert not os.path.exists(f"/proc/{pid}") and not root.exists()
    daemon.stop()  # twice is fine


def test_an_engine_someone_else_runs_is_left_alone(docker_engine):
    other = DockerDaemon(docker_engine.host)
    other.stop()
    assert not other.private and docker_engine.running
