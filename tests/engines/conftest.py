"""One private Docker engine per test session, shared by every test that drives docker.

The engine is ``regsim.engines.daemon.docker_daemon()``: a running one when it answers, else a
private dockerd (root) that is stopped by PID when the session ends. Without either, the tests
skip and say how to get one (fail under CI=true).
"""

from __future__ import annotations

import pytest
from helpers import skip_or_fail

from regsim.engines.clients import ToolMissing


@pytest.fixture(scope="session")
def docker_engine():
    from regsim.engines.daemon import docker_daemon

    try:
        daemon = docker_daemon()
    except ToolMissing as exc:
        skip_or_fail(str(exc))
    with daemon:
        yield daemon


@pytest.fixture(scope="session")
def base(docker_engine) -> str:
    """The offline busybox base, built once per session; its tag."""
    from regsim.engines.daemon import base_image

    return base_image(docker_engine)


@pytest.fixture
def served():
    """A fresh model served on a free port (its address differs per test, so engine images do not clash)."""
    from regsim import Registry
    from regsim.server import serve

    with serve(Registry("localhost:5000")) as server:
        yield server


@pytest.fixture
def docker(served, docker_engine):
    """A DockerClient on the session's engine, pushing to ``served``."""
    from regsim.engines.docker import DockerClient

    with DockerClient(served, docker_engine) as client:
        yield client


@pytest.fixture(scope="session")
def clean_engine(docker_engine):
    """A second, private engine with no images: the "clean machine" of the model-versus-reality
    scenario (started once per session, stopped by PID)."""
    from regsim.engines.daemon import start_private_daemon

    try:
        daemon = start_private_daemon()
    except ToolMissing as exc:
        skip_or_fail(str(exc))
    with daemon:
        yield daemon
