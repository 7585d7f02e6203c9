"""Reads that run in loops and on every server request: membership and lookups on
``Registry.repositories`` and ``Repository.tags`` (views, sorted once per change, not per access).

    .venv/bin/python benchmarks/lookups.py [--repositories 20000] [--tags 5000]

Prints figures, asserts nothing. Before the registry split each ``in`` built a sorted copy:
29 ms per test at 20,000 repositories.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from regsim import Descriptor, Digest, EventLog, Manifest, Registry  # noqa: E402


def per_call(fn, n: int = 2000) -> float:
    fn(0)  # the first read after a change sorts once
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - start) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=20_000)
    parser.add_argument("--tags", type=int, default=5_000)
    args = parser.parse_args()
    reg = Registry(events=EventLog(recording=False))
    for i in range(args.repositories):
        reg.create_repository(f"ns{i % 100}/repo{i}")
    names = reg.repositories
    t = per_call(lambda i: f"ns{i % 100}/repo{i}" in reg.repositories)
    print(f"'name in registry.repositories' at {args.repositories:,} repositories: {t * 1e6:.1f} us")
    t = per_call(lambda i: names[f"ns{i % 100}/repo{i}"])
    print(f"'registry.repositories[name]':                         {t * 1e6:.1f} us")
    reg.push_blob("team/app", b"{}")
    m = Manifest(config=Descriptor("application/vnd.oci.image.config.v1+json", Digest.of(b"{}"), 2))
    for i in range(args.tags):
        reg.put_manifest("team/app", f"v{i}", m)
    repo = reg.repository("team/app")
    t = per_call(lambda i: f"v{i}" in repo.tags)
    print(f"'tag in repository.tags' at {args.tags:,} tags:             {t * 1e6:.1f} us")


if __name__ == "__main__":
    main()
