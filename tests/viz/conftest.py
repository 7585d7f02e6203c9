"""Fixtures for the picture tests: small, deterministic teaching scenarios.

Matplotlib draws off-screen (Agg) here; every figure a test opens is closed after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from regsim import Host, Image, ImageIndex, Layer, Registry, World  # noqa: E402
from regsim.client.remote import write  # noqa: E402

APP_DOCKERFILE = """FROM localhost:5000/base:1.0
COPY app.py /app/
RUN pip install flask
"""


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@dataclass
class Small:
    """``localhost:5000/team/app`` with one two-layer image tagged ``1.0`` and ``latest``."""

    registry: Registry
    image: Image
    base: Layer
    app: Layer


@pytest.fixture
def small() -> Small:
    reg = Registry("localhost:5000")
    base = Layer.from_files([("/etc/base", b"base")])
    app = Layer.from_files([("/app/main.py", b"print('hi')")])
    image = Image.create([base, app])
    write(reg, "team/app", image, tags=["1.0", "latest"])
    return Small(reg, image, base, app)


@pytest.fixture
def shared() -> tuple[Registry, Image, Image, Layer]:
    """Two repositories whose images share their first layer."""
    reg = Registry("localhost:5000")
    base = Layer.from_files([("/etc/os-release", b"debian")])
    one = Image.create([base, Layer.from_files([("/one", b"1")])])
    two = Image.create([base, Layer.from_files([("/two", b"2")])])
    write(reg, "team/one", one, tags=["1"])
    write(reg, "team/two", two, tags=["1"])
    return reg, one, two, base


@pytest.fixture
def multi() -> tuple[Registry, ImageIndex]:
    """An index over an amd64 and an arm64 image, tagged ``latest``."""
    from regsim import ImageConfig

    reg = Registry("localhost:5000")
    images = [Image.create([Layer.from_files([("/arch", arch.encode())])], ImageConfig(architecture=arch))
              for arch in ("amd64", "arm64")]
    index = ImageIndex.create(images)
    write(reg, "team/multi", index, tags=["latest"])
    return reg, index


@dataclass
class Teaching:
    """A private registry and two hosts: base and app images built on the laptop and pushed."""

    world: World
    registry: Registry
    laptop: Host
    prod: Host


def teaching_world() -> Teaching:
    world = World()
    reg = world.add_private_registry()
    laptop = world.add_host("laptop", quiet=True)
    prod = world.add_host("prod-server", quiet=True)
    laptop.build("FROM scratch\nCOPY os.txt /etc/\nRUN apt-get install -y python3\n", "localhost:5000/base:1.0",
                 context={"os.txt": b"debian bookworm"})
    laptop.push("localhost:5000/base:1.0")
    laptop.build(APP_DOCKERFILE, "localhost:5000/myapp:1.0", context={"app.py": b"print('v1')"})
    return Teaching(world, reg, laptop, prod)


@pytest.fixture
def teaching() -> Teaching:
    return teaching_world()


@pytest.fixture
def make_teaching():
    """A function that builds a fresh :class:`Teaching` scenario (for determinism checks)."""
    return teaching_world


@pytest.fixture(scope="session")
def push_recording():
    """A push of myapp recorded step by step, with the log position it started at, and its
    animation (rendered once per session: animations take a moment to draw)."""
    from regsim.viz import Animation, Record

    t = teaching_world()
    start = t.world.events.mark()
    with Record(t.registry) as rec:
        t.laptop.push("localhost:5000/myapp:1.0")
    return t, rec, start, Animation(rec, title="docker push")
