"""Fixtures shared by the simulation-lab tests."""

from __future__ import annotations

import pytest

from regsim.sim.streams import merge, pull_stream, push_stream, registry_trace
from regsim.sim.workloads import generate_catalog


@pytest.fixture(scope="session")
def catalogue():
    return generate_catalog(bases=2, families=6, versions=3, days=10.0, seed=11)


@pytest.fixture(scope="session")
def registry_requests(catalogue):
    stream = merge(push_stream(catalogue), pull_stream(catalogue, 400, clients=8, seed=11))
    return registry_trace(stream, catalogue)
