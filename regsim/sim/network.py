"""Time: links with bandwidth and latency, and concurrent transfers sharing them fairly.

A :class:`Link` has a bandwidth (bytes per second) and a one-way latency (seconds). A transfer
crosses a *path* of links; every link's bandwidth is shared max-min fairly among the transfers
crossing it (progressive filling: the most contended link sets its transfers' rate first, the
capacity they leave is shared by the others), as TCP flows roughly do. Rates are recomputed
whenever a transfer starts or finishes (a fluid model: no packets, no slow start).

:class:`FlowSim` is the engine, driven step by step; :func:`transfer_time` is the time of one
transfer alone. :mod:`regsim.sim.rollout` uses the engine to turn pulls into seconds.

>>> links = {"wan": Link("wan", bandwidth=100e6, latency=0.02)}
>>> round(transfer_time(50e6, ["wan"], links), 3)   # 2 x 20 ms round trip + 0.5 s
0.54
>>> sim = FlowSim(links)
>>> sim.add("a", 50e6, ["wan"]); sim.add("b", 50e6, ["wan"])
>>> [(k, round(t, 3)) for k, t in sim.run()]        # two at once: each gets half
[('a', 1.0), ('b', 1.0)]
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Hashable, Iterable, Mapping, Sequence

from ._util import ITERABLE, MAPPING, NUMBER, SEQUENCE, check_positive, expect
from .errors import InvalidParameter

__all__ = ["Link", "FlowSim", "transfer_time", "round_trip", "GBIT"]

GBIT = 1e9 / 8   # bytes per second


@dataclass(frozen=True)
class Link:
    """A network link: ``bandwidth`` bytes/s shared by the transfers on it, ``latency`` s one way."""

    name: str
    bandwidth: float
    latency: float = 0.0

    def __post_init__(self) -> None:
        check_positive(f"bandwidth of link {self.name!r}", self.bandwidth)
        check_positive(f"latency of link {self.name!r}", self.latency, allow_zero=True)


def round_trip(path: Sequence[str], links: Mapping[str, Link]) -> float:
    """Twice the one-way latency along ``path`` (a request goes out, the data comes back)."""
    expect("path", path, SEQUENCE, "a sequence of link names")
    expect("links", links, MAPPING, "a mapping of link name to Link (from site_links())")
    return 2.0 * sum(_link(links, name).latency for name in path)


def transfer_time(size: float, path: Sequence[str], links: Mapping[str, Link]) -> float:
    """Seconds for one transfer alone: a round trip, then ``size`` at the slowest link's rate."""
    expect("size", size, NUMBER, "a number of bytes")
    expect("path", path, SEQUENCE, "a sequence of link names")
    expect("links", links, MAPPING, "a mapping of link name to Link (from site_links())")
    if not path:
        raise InvalidParameter(f"path: a transfer needs a path of at least one link, got {path!r:.80}")
    rate = min(_link(links, name).bandwidth for name in path)
    return round_trip(path, links) + size / rate


def _link(links: Mapping[str, Link], name: str) -> Link:
    try:
        return links[name]
    except KeyError:
        raise InvalidParameter(f"unknown link {name!r} (links: {', '.join(sorted(links))})") from None


class _Flow:
    __slots__ = ("key", "remaining", "path", "rate", "order")

    def __init__(self, key: Hashable, size: float, path: tuple[str, ...], order: int) -> None:
        self.key, self.remaining, self.path, self.rate, self.order = key, float(size), path, 0.0, order


class FlowSim:
    """Fluid simulation of transfers over shared links.

    ``add(key, size, path, start=t)`` schedules a transfer whose bytes start flowing at ``t``
    (add the request's round trip yourself, see :func:`round_trip`); :meth:`step` advances to
    the next start or finish and returns the transfers that finished then, as ``(key, time)``.
    Ties are broken by the order transfers were added, so runs are deterministic.
    """

    def __init__(self, links: Mapping[str, Link] | Iterable[Link]) -> None:
        expect("links", links, ITERABLE, "a mapping of name to Link or an iterable of Links")
        self.links: dict[str, Link] = dict(links) if isinstance(links, Mapping) else {l.name: l for l in links}
        self.now = 0.0
        self._scheduled: list[tuple[float, int, _Flow]] = []
        self._active: list[_Flow] = []
        self._order = 0
        self.bytes_on: dict[str, float] = {name: 0.0 for name in self.links}

    def add(self, key: Hashable, size: float, path: Sequence[str], start: float | None = None) -> None:
        """Schedule transfer ``key`` of ``size`` bytes over the links named in ``path``, its bytes
        flowing from ``start`` (default: now). Each link's bandwidth is shared max-min fairly
        by the transfers on it.

        An unknown link, an empty path, a negative size or a start before now raises
        :class:`~regsim.sim.errors.InvalidParameter`.

        >>> sim = FlowSim([Link("uplink", bandwidth=100.0)])
        >>> sim.add("a", 100, ["uplink"])
        >>> sim.add("b", 100, ["uplink"], start=0.5)
        >>> sim.run()
        [('a', 1.5), ('b', 2.0)]
        """
        path = tuple(path)
        if not path:
            raise InvalidParameter(f"transfer {key!r} needs a path of at least one link")
        for name in path:
            _link(self.links, name)
        if size < 0:
            raise InvalidParameter(f"transfer {key!r} has a negative size {size!r}")
        when = self.now if start is None else float(start)
        if when < self.now - 1e-12:
            raise InvalidParameter(f"transfer {key!r} starts at {when} s, before now ({self.now} s)")
        self._order += 1
        heapq.heappush(self._scheduled, (max(when, self.now), self._order, _Flow(key, size, path, self._order)))
        for name in path:
            self.bytes_on[name] += size

    @property
    def idle(self) -> bool:
        """Whether no transfer is scheduled or in flight (:meth:`step` has nothing to do)."""
        return not self._scheduled and not self._active

    def _rates(self) -> None:
        flows = self._active
        cap = {name: self.links[name].bandwidth for name in self.links}
        users: dict[str, list[_Flow]] = {}
        for f in flows:
            f.rate = -1.0
            for name in f.path:
                users.setdefault(name, []).append(f)
        left = {name: len(fs) for name, fs in users.items()}
        unfrozen = len(flows)
        while unfrozen:
            share, bottleneck = min((cap[name] / left[name], name) for name in sorted(left) if left[name] > 0)
            for f in users[bottleneck]:
                if f.rate >= 0:
                    continue
                f.rate = share
                unfrozen -= 1
                for name in f.path:
                    cap[name] -= share
                    left[name] -= 1

    def step(self) -> list[tuple[Hashable, float]]:
        """Advance to the next event; return the transfers finished at that instant."""
        if self.idle:
            return []
        self._rates()
        finish = math.inf
        for f in self._active:
            t = self.now + (f.remaining / f.rate if f.rate > 0 else math.inf)
            finish = min(finish, t)
        start = self._scheduled[0][0] if self._scheduled else math.inf
        target = min(finish, start)
        dt = target - self.now
        for f in self._active:
            f.remaining -= f.rate * dt
        self.now = target
        done = [f for f in self._active if f.remaining <= 1e-6 * max(1.0, f.rate)]
        if done:
            self._active = [f for f in self._active if f not in done]
        while self._scheduled and self._scheduled[0][0] <= self.now:
            _, _, f = heapq.heappop(self._scheduled)
            if f.remaining <= 0:
                done.append(f)
            else:
                self._active.append(f)
        done.sort(key=lambda f: f.order)
        return [(f.key, self.now) for f in done]

    def run(self) -> list[tuple[Hashable, float]]:
        """Step until every transfer finished; all ``(key, finish time)`` in finishing order."""
        out: list[tuple[Hashable, float]] = []
        while not self.idle:
            out.extend(self.step())
        return out
