"""What one refresh of the instructor's web dashboard costs the classroom server.

    .venv/bin/python benchmarks/dashboard.py [--participants 20] [--pushes 5] [--repeat 7] [--seed 0]

A classroom of ``--participants`` is served on 127.0.0.1; each participant pushes ``--pushes``
images (a shared base layer and one seeded layer of their own) to their namespace and to
``team/``, over HTTP, so the journal, the request ledger and the event log are as a real session
leaves them. Then, in interleaved rounds, it times what the page asks for:

* ``state``: ``GET /-/dashboard/state?after=0`` (every journal line, the per-participant activity,
  the totals), which the page polls once a second (later polls ask only for new lines);
* ``state (new lines)``: the same with ``after`` at the end (a steady poll);
* ``graph.svg``: the registry's graph drawn as SVG, uncached (a push changed the registry).

Medians of ``--repeat`` rounds, with the machine's load (``uptime``), are printed.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import time
import urllib.request

from regsim import Image
from regsim.data.generate import random_layer
from regsim.server.classroom import Classroom, Participant
from regsim.engines.clients import SimpleClient


def _get(url: str, auth: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": auth})
    with urllib.request.urlopen(request) as reply:
        return reply.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--pushes", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    people = [Participant(f"p{i:02d}", f"pw-{i:02d}") for i in range(args.participants)]
    base = random_layer(256 * 1024, seed=args.seed)
    with Classroom(people, instructor=Participant("teacher", "pw-t")) as room:
        server = room.serve()
        for i, person in enumerate(people):
            client = SimpleClient(server.url, username=person.name, password=person.password)
            for j in range(args.pushes):
                image = Image.create([base, random_layer(8 * 1024, seed=args.seed + 1 + i * args.pushes + j)])
                client.push(f"{person.name}/app", f"{j}", image)
                client.push("team/app", f"{person.name}-{j}", image)
        auth = "Basic " + base64.b64encode(b"teacher:pw-t").decode()
        end = len(room.journal.lines)
        times: dict[str, list[float]] = {"state": [], "state (new lines)": [], "graph.svg": []}
        sizes: dict[str, int] = {}
        for _ in range(args.repeat):
            for name, url in (("state", f"{server.url}/-/dashboard/state?after=0"),
                              ("state (new lines)", f"{server.url}/-/dashboard/state?after={end}"),
                              ("graph.svg", f"{server.url}/-/dashboard/graph.svg")):
                if name == "graph.svg":
                    room.app.dashboard.forget_picture()
                start = time.perf_counter()
                sizes[name] = len(_get(url, auth))
                times[name].append(time.perf_counter() - start)
        print(f"load: {os.getloadavg()[0]:.2f} (1-min average; uptime)  -- a shared machine: other work runs too")
        print(f"classroom: {args.participants} participants x {args.pushes} images, pushed twice each: "
              f"{len(room.registry.events)} events, {len(room.ledger.entries)} requests, {end} journal lines")
        for name, values in times.items():
            print(f"  {name:<18} median {statistics.median(values) * 1000:8.1f} ms   ({sizes[name]:,} bytes, "
                  f"{args.repeat} interleaved rounds)")


if __name__ == "__main__":
    main()
