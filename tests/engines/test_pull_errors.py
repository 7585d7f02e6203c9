"""The model's client words a refused pull exactly as real docker does against the served model (issue 13)."""

from __future__ import annotations

import pytest

from regsim import World
from regsim.errors import RegistryError
from regsim.server import serve


@pytest.mark.parametrize("registry, reference, served_path", [
    ("docker.io", "pythn", "pythn"),                          # a typo: Hub answers as for a private repository
    ("docker.io", "alice/secret:1.0", "alice/secret:1.0"),
    ("docker.io", "python:9.9", "library/python:9.9"),        # a tag that does not exist
    ("localhost:5000", "localhost:5000/team/nope:1.0", "team/nope:1.0"),  # no such repository on a registry:2
])
def test_real_docker_and_the_model_say_the_same(docker_engine, registry, reference, served_path):
    world = World.standard(quiet=True)
    with serve(world.registries[registry]) as server:
        address = f"127.0.0.1:{server.port}"
        real = docker_engine.docker("pull", f"{address}/{served_path}", check=False)
    assert real.returncode != 0
    with pytest.raises(RegistryError) as model:
        world.hosts["laptop"].pull(reference)
    # the same sentence; only how the registry is addressed differs
    real_line = real.stderr.strip().splitlines()[-1].replace(f"{address}/library/", "").replace(f"{address}/", "")
    assert real_line == model.value.one_line().replace("localhost:5000/", "")
