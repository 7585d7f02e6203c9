"""Pulls as time: one image rolled out to many servers, directly or through a regional mirror.

The site: ``servers`` servers, each behind its own NIC link (``nic-<i>``), share one WAN link to
the registry (``wan``). A regional mirror sits on the site with its own links (``mirror-in`` from
the WAN, ``mirror-out`` to the servers). Each server pulls like docker: the manifest first (one
round trip; through a mirror the tag is also revalidated upstream), then the config and layers,
at most ``concurrency`` at a time (docker's ``max-concurrent-downloads`` is 3), biggest first.
Layer extraction is not modelled.

``mode`` says how the blobs travel:

* ``"direct"`` -- every server downloads every layer over the WAN;
* ``"mirror"`` -- through a pull-through mirror that behaves like distribution: the first request
  for a blob streams it from upstream *and* stores it with a second upstream fetch; requests that
  arrive while that fetch is in flight go upstream again (no coalescing); once stored, the blob is
  served from the mirror;
* ``"mirror-coalescing"`` -- an ideal mirror: one upstream fetch per blob, later requests wait
  for it and are served from the mirror;
* ``"mirror-warm"`` -- the mirror already holds the image (pre-pulled): only the LAN is used.

:func:`rollout_time` returns a :class:`RolloutReport` with one row per server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence, cast

from ..deprecation import moved_names
from ._util import SEQUENCE, check_int, check_positive, expect
from .errors import InvalidParameter
from .network import GBIT, FlowSim, Link, round_trip

__all__ = ["rollout_time", "RolloutReport", "MODES", "site_links"]

MODES = ("direct", "mirror", "mirror-coalescing", "mirror-warm")


@dataclass(frozen=True)
class RolloutReport:
    """Per-server times (``servers``: server, start, finish, seconds, bytes) and totals.

    ``start`` and ``finish`` count from the rollout's start; ``seconds`` is each server's own pull
    time (``finish - start``).
    """

    mode: str
    servers: Any  # pandas DataFrame
    upstream_bytes: int
    wan_bytes: int

    @property
    def makespan_from_start(self) -> float:
        """Seconds from the rollout's start (the first server's start) until the last server has
        the image: what a deployment waits for."""
        return float(self.servers["finish"].max())

    @property
    def median_per_server(self) -> float:
        """The median of the servers' own pull times, each counted from when that server started
        (with ``start_spread`` they start at different times, so this is not a point on the
        makespan's clock)."""
        return float(self.servers["seconds"].median())

    def summary(self) -> dict[str, Any]:
        """The headline numbers, rounded for a table (as :meth:`MirrorReport.summary
        <regsim.sim.mirrors.MirrorReport.summary>`): mode, servers, the median pull time per server
        and the makespan in seconds (3 decimals), and GB fetched from upstream.
        """
        return {"mode": self.mode, "servers": len(self.servers),
                "median_per_server_s": round(self.median_per_server, 3),
                "makespan_from_start_s": round(self.makespan_from_start, 3),
                "upstream_GB": round(self.upstream_bytes / 1e9, 3)}

    def __repr__(self) -> str:
        return (f"RolloutReport({self.mode}: {len(self.servers)} servers, median per server "
                f"{self.median_per_server:.1f} s, makespan from start {self.makespan_from_start:.1f} s, "
                f"{self.upstream_bytes / 1e9:.2f} GB from upstream)")


def site_links(servers: int, *, wan_bandwidth: float = GBIT, wan_latency: float = 0.040,
               lan_bandwidth: float = 10 * GBIT, lan_latency: float = 0.0005,
               mirror_bandwidth: float = 10 * GBIT) -> dict[str, Link]:
    """The links of the site (see the module docstring)."""
    servers = check_int("servers", servers, 0)
    links = {"wan": Link("wan", wan_bandwidth, wan_latency),
             "mirror-in": Link("mirror-in", mirror_bandwidth, lan_latency),
             "mirror-out": Link("mirror-out", mirror_bandwidth, lan_latency)}
    for i in range(servers):
        links[f"nic-{i}"] = Link(f"nic-{i}", lan_bandwidth, lan_latency)
    return links


def rollout_time(blobs: Sequence[tuple[str, int]], servers: int = 100, *, mode: str = "direct",
                 manifest_size: int = 1_500, concurrency: int = 3, start_spread: float = 0.0,
                 **link_options: float) -> RolloutReport:
    """Seconds for ``servers`` servers to pull an image made of ``blobs`` (``(digest, size)``).

    ``start_spread`` staggers the servers' start times evenly over that many seconds. Link
    options (``wan_bandwidth``, ``wan_latency``, ``lan_bandwidth``, ``lan_latency``,
    ``mirror_bandwidth``, in bytes/s and s) go to :func:`site_links`.
    """
    expect("blobs", blobs, SEQUENCE, "a sequence of (digest, size) pairs")
    import pandas as pd

    servers = check_int("servers", servers, minimum=1)
    concurrency = check_int("concurrency", concurrency, minimum=1)
    check_positive("start_spread", start_spread, allow_zero=True)
    if mode not in MODES:
        raise InvalidParameter(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    blobs = sorted(((str(d), int(s)) for d, s in blobs), key=lambda b: (-b[1], b[0]))
    if not blobs:
        raise InvalidParameter("an image needs at least one blob")
    links = site_links(servers, **link_options)
    sim = FlowSim(links)
    wan_path = ("wan",)
    stored: set[str] = {d for d, _ in blobs} if mode == "mirror-warm" else set()
    inflight: dict[str, list[tuple[int, str]]] = {}   # digest -> servers waiting (coalescing)
    queue = {i: list(blobs) for i in range(servers)}
    running = {i: 0 for i in range(servers)}
    started = {i: (start_spread * i / servers if servers > 1 else 0.0) for i in range(servers)}
    finished: dict[int, float] = {}
    upstream = 0

    def nic(i: int) -> tuple[str, ...]:
        return (f"nic-{i}",)

    def begin(i: int, now: float) -> None:
        """Server i asks for its next blobs while it has free download slots."""
        nonlocal upstream
        while queue[i] and running[i] < concurrency:
            digest, size = queue[i].pop(0)
            running[i] += 1
            if mode == "direct":
                path = wan_path + nic(i)
                sim.add(("blob", i, digest), size, path, start=now + round_trip(path, links))
                upstream += size
            elif digest in stored:
                path = ("mirror-out",) + nic(i)
                sim.add(("blob", i, digest), size, path, start=now + round_trip(path, links))
            elif mode == "mirror-coalescing":
                if digest not in inflight:
                    inflight[digest] = []
                    path = wan_path + ("mirror-in",)
                    sim.add(("store", -1, digest), size, path, start=now + round_trip(path, links))
                    upstream += size
                inflight[digest].append((i, digest))
            else:  # distribution: stream through from upstream; the first one also stores
                path = wan_path + ("mirror-in", "mirror-out") + nic(i)
                sim.add(("blob", i, digest), size, path, start=now + round_trip(path, links))
                upstream += size
                if digest not in inflight:
                    inflight[digest] = []
                    store = wan_path + ("mirror-in",)
                    sim.add(("store", -1, digest), size, store, start=now + round_trip(store, links))
                    upstream += size

    # every server: the manifest request (through a mirror, plus the upstream revalidation)
    for i in range(servers):
        path = (wan_path + nic(i)) if mode == "direct" else (("mirror-out",) + nic(i))
        delay = round_trip(path, links)
        if mode != "direct":
            delay += round_trip(wan_path + ("mirror-in",), links)
        sim.add(("manifest", i, ""), manifest_size, path, start=started[i] + delay)
    sizes = dict(blobs)
    while not sim.idle:
        for key, when in sim.step():
            kind, i, digest = cast(tuple[str, int, str], key)  # the keys added above
            if kind == "manifest":
                begin(i, when)
            elif kind == "store":
                stored.add(digest)
                for j, d in inflight.pop(digest, []):
                    if mode == "mirror-coalescing":
                        path = ("mirror-out",) + nic(j)
                        sim.add(("blob", j, d), sizes[d], path, start=when + round_trip(path, links))
            else:
                running[i] -= 1
                if not queue[i] and running[i] == 0:
                    finished[i] = when
                begin(i, when)
    width = len(str(servers - 1))
    total = sum(sizes.values())
    rows = [{"server": f"server-{i:0{width}d}", "start": started[i], "finish": finished[i],
             "seconds": finished[i] - started[i], "bytes": total} for i in range(servers)]
    return RolloutReport(mode, pd.DataFrame(rows), upstream, int(round(sim.bytes_on["wan"])))


# Old names, for one release (CONTRIBUTING.md, "Renaming").
__getattr__ = moved_names("regsim.sim.rollout", {"RolloutResult": "RolloutReport"}, globals())
