"""The bundled sample trace (``data/traces/`` at the top of the repository), and how it was generated.

``data/traces/regsim-sample-ibm.json`` is a **generated** trace in the IBM registry trace format
(see :mod:`regsim.sim.traces`): no real requests are in it. :func:`generate_sample` makes it,
and a test checks that the bundled file is exactly what it makes, so the two cannot drift.
"""

from __future__ import annotations

from pathlib import Path

from ..deprecation import keyword_only
from .network import GBIT, Link, transfer_time
from .streams import merge, pull_stream, push_stream, registry_trace
from ._util import PATH, expect
from .traces import Trace, read_ibm, write_ibm
from .workloads import generate_catalog

__all__ = ["SAMPLE_FILE", "generate_sample", "write_sample", "load_sample"]

SAMPLE_FILE = "traces/regsim-sample-ibm.json"


@keyword_only("seed", "pulls")
def generate_sample(*, seed: int = 2018, pulls: int = 150) -> Trace:
    """The sample: a week of a small registry (3 bases, 8 families, 3 versions, ``pulls`` pulls).

    Clients get addresses ``10.0.<k>.<n>:<port>``; each request's duration is the time to send its
    bytes over a 1 Gbit/s link with 1 ms latency (:func:`regsim.sim.network.transfer_time`).
    """
    catalogue = generate_catalog(bases=3, families=8, versions=3, days=7.0, seed=seed)
    stream = merge(push_stream(catalogue), pull_stream(catalogue, pulls, clients=12, seed=seed))
    frame = registry_trace(stream, catalogue, seconds_per_request=0.002).frame
    links = {"lan": Link("lan", GBIT, 0.001)}
    frame["duration"] = [round(transfer_time(size, ["lan"], links), 6) for size in frame["size"]]
    addresses = {c: f"10.0.{i // 250}.{i % 250 + 1}:{40000 + i}" for i, c in enumerate(sorted(set(frame["client"])))}
    frame["client"] = frame["client"].map(addresses)
    frame["time"] = frame["time"].round(3)
    return Trace(frame)


def write_sample(directory: str | Path) -> Path:
    """Write the sample into ``directory`` (what produced the bundled file)."""
    expect("directory", directory, PATH, "a path")
    path = Path(directory) / Path(SAMPLE_FILE).name
    return write_ibm(generate_sample(), path)


def load_sample() -> Trace:
    """Read the bundled sample with :func:`regsim.sim.traces.read_ibm` (GET and PUT requests)."""
    from importlib.resources import as_file

    from ..data.datasets import data_path

    with as_file(data_path(SAMPLE_FILE)) as path:  # a real file even if the package is zipped
        return read_ibm(path, methods=("GET", "PUT"))
