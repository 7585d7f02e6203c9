"""Cost of a small host command as the host's store grows (issue 16).

Host events used to be diffs of the host's private fields: every command copied all its state
dicts twice (before and after), so ``docker tag`` cost grew with the number of local blobs
(123 us with 2 blobs, 496 us with 128 on the issue's machine). Host events now say what happened
and are applied through one table; ``tag`` should cost the same whatever the store holds.

Prints the median of interleaved rounds, in microseconds per ``tag``::

    .venv/bin/python benchmarks/host_commands.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from regsim import World  # noqa: E402


def host_with(layers: int):
    world = World()
    world.add_registry("localhost:5000")
    host = world.add_host("laptop", quiet=True)
    steps = "\n".join(f"RUN echo {i}" for i in range(max(layers - 1, 0)))
    host.build(f"FROM scratch\nCOPY a /\n{steps}", "localhost:5000/app:1", context={"a": b"a"})
    return host


def tag_cost(host, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        host.tag("localhost:5000/app:1", f"localhost:5000/app:t{i % 50}")
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    sizes = (2, 128, 1024)
    hosts = {size: host_with(size - 1) for size in sizes}  # layers + the config blob
    rounds: dict[int, list[float]] = {size: [] for size in sizes}
    for _ in range(7):  # interleaved: a busy machine slows every size alike
        for size in sizes:
            rounds[size].append(tag_cost(hosts[size], 300))
    for size in sizes:
        print(f"tag with {len(hosts[size].blobs):5d} local blobs: {statistics.median(rounds[size]):8.1f} us "
              "(median of 7 interleaved rounds)")


if __name__ == "__main__":
    main()
