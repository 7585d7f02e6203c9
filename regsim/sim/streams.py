"""Request streams over a catalog: pulls with Zipf popularity, pushes that move tags, bursts.

A *stream* is a pandas DataFrame of client operations, one row each, sorted by time::

    time  client  op    repository          tag
    0.0   ci      push  team3/java-app3     1.1
    12.5  host-7  pull  team3/java-app3     latest

:func:`pull_stream` draws pulls (repositories by Zipf popularity, mostly ``latest``, sometimes an
older version); :func:`push_stream` has one push per released version (the push that moves
``latest``); :func:`rollout` is a deployment burst (one image onto many servers at once);
:func:`merge` puts streams together in time order.

:func:`registry_trace` turns a stream into the HTTP requests a registry sees, as a
:class:`~regsim.sim.traces.Trace`: a pull is ``GET manifest`` by tag, then ``GET blob`` for the
config and every layer the client does not have yet (clients keep a layer store, like docker);
a push is ``PUT blob`` for each new blob and ``PUT manifest``. :func:`trace_from_events` reads
the same requests off a core :class:`~regsim.events.EventLog`, for scenarios run with real
:class:`~regsim.Host` objects.
"""

from __future__ import annotations

import itertools
import random
from typing import TYPE_CHECKING, Iterable

from ..events import (BlobFetched, BlobUploaded, Event, HostEvent, ManifestFetched, ManifestPushed)
from ..deprecation import keyword_only, renamed_keywords
from ._util import ITERABLE, as_random, check_fraction, check_int, check_positive, expect
from .errors import InvalidParameter
from .traces import Trace
from .workloads import DAY, Catalog, zipf_weights

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["pull_stream", "push_stream", "rollout", "merge", "registry_trace", "trace_from_events",
           "STREAM_COLUMNS"]

STREAM_COLUMNS = ("time", "client", "op", "repository", "tag")


def _frame(rows: list[tuple[float, str, str, str, str]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(STREAM_COLUMNS))
    frame["time"] = frame["time"].astype(float)
    return frame


@renamed_keywords(catalogue="catalog")
def pull_stream(catalog: Catalog, pulls: int = 1000, *, clients: int = 20, alpha: float = 1.0,
                latest_share: float = 0.8, start: float | None = None, end: float | None = None,
                seed: "int | random.Random | None" = 0) -> pd.DataFrame:
    """``pulls`` pulls at uniformly random times between ``start`` and ``end`` (seconds).

    Repositories are ranked by a seeded shuffle and chosen with Zipf(``alpha``) popularity among
    those with a version released by then; clients ``host-0``.. are chosen uniformly. A pull asks
    for ``latest`` with probability ``latest_share``, else a random older version tag.
    By default the stream spans from the first release to the last one plus 10%.
    """
    expect("catalog", catalog, Catalog, "a Catalog (from generate_catalog())")
    pulls = check_int("pulls", pulls, minimum=0)
    clients = check_int("clients", clients, minimum=1)
    check_fraction("latest_share", latest_share, inclusive_zero=True)
    if not alpha >= 0:
        raise InvalidParameter(f"alpha must be >= 0, got {alpha!r}")
    rng = as_random(seed=seed)
    releases = [v.released for v in catalog]
    lo = min(releases) if start is None else float(start)
    hi = (max(releases) + 0.1 * max(DAY, max(releases) - lo)) if end is None else float(end)
    if hi < lo:
        raise InvalidParameter(f"end ({hi}) is before start ({lo})")
    repos = catalog.repositories()
    rng.shuffle(repos)
    cumulative = list(itertools.accumulate(zipf_weights(len(repos), alpha)))
    first = {r: min(v.released for v in catalog.versions_of(r)) for r in repos}
    earliest = min(first.values())
    versions = {r: catalog.versions_of(r) for r in repos}
    times = sorted(max(earliest, rng.uniform(lo, hi)) for _ in range(pulls))
    rows: list[tuple[float, str, str, str, str]] = []
    for t in times:
        while True:  # Zipf over the repositories released by t (rejection keeps the weights)
            repo = rng.choices(repos, cum_weights=cumulative)[0]
            if first[repo] <= t:
                break
        tag = "latest"
        if rng.random() >= latest_share:
            older = [v for v in versions[repo] if v.released <= t]
            tag = rng.choice(older).tags[0]
        rows.append((t, f"host-{rng.randrange(clients)}", "pull", repo, tag))
    return _frame(rows)


@renamed_keywords(catalogue="catalog")
def push_stream(catalog: Catalog, *, client: str = "ci") -> pd.DataFrame:
    """One push per version at its release time, with its first tag (``latest`` moves with it)."""
    expect("catalog", catalog, Catalog, "a Catalog (from generate_catalog())")
    rows = [(v.released, client, "push", v.repository, v.tags[0]) for v in catalog]
    return _frame(rows)


@keyword_only("servers")
def rollout(repository: str, tag: str = "latest", *, servers: int = 100, at: float = 0.0,
            spread: float = 0.0, prefix: str = "server-", seed: "int | random.Random | None" = 0) -> pd.DataFrame:
    """A deployment: ``servers`` servers pull ``repository:tag`` at ``at`` (within ``spread`` s)."""
    expect("repository", repository, str, "a repository name")
    servers = check_int("servers", servers, minimum=1)
    check_positive("spread", spread, allow_zero=True)
    rng = as_random(seed=seed)
    times = sorted(at + (rng.uniform(0, spread) if spread else 0.0) for _ in range(servers))
    width = len(str(servers - 1))
    return _frame([(t, f"{prefix}{i:0{width}d}", "pull", repository, tag) for i, t in enumerate(times)])


def merge(*streams: pd.DataFrame) -> pd.DataFrame:
    """Streams together, sorted by time (pushes before pulls at the same instant)."""
    import pandas as pd

    if not streams:
        raise InvalidParameter("streams: merge() needs at least one stream")
    for stream in streams:
        expect("streams", stream, pd.DataFrame, "DataFrames (from pull_stream(), push_stream(), rollout())")

    frame = pd.concat(streams, ignore_index=True)
    frame["_order"] = (frame["op"] != "push").astype(int)
    frame = frame.sort_values(["time", "_order"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)


@renamed_keywords(catalogue="catalog")
def registry_trace(stream: pd.DataFrame, catalog: Catalog, *, host_cache: bool = True,
                   seconds_per_request: float = 0.0) -> Trace:
    """The registry-side requests of a stream, resolved against ``catalog`` at each time.

    ``host_cache=True`` models docker's layer store (a client never downloads a layer twice);
    ``False`` models ephemeral clients (CI runners, fresh VMs) that download everything each
    time. Requests of one operation get times ``t, t + seconds_per_request, ...``.
    """
    expect("catalog", catalog, Catalog, "a Catalog (from generate_catalog())")
    held: dict[str, set[str]] = {}
    pushed: set[str] = set()
    rows = []
    step = float(seconds_per_request)
    for op in stream.itertuples(index=False):
        version = catalog.resolve(op.repository, op.tag, op.time)
        t = float(op.time)
        repo = op.repository
        if op.op == "pull":
            have = held.setdefault(op.client, set()) if host_cache else set()
            rows.append((t, op.client, "GET", "manifest", repo, f"{repo}:{op.tag}", version.manifest_size))
            config = version.image.config_blob
            wanted = [(str(config.digest), config.size), *version.layers]
            for digest, size in wanted:
                if digest in have:
                    continue
                t += step
                have.add(digest)
                rows.append((t, op.client, "GET", "blob", repo, digest, size))
        elif op.op == "push":
            config = version.image.config_blob
            for digest, size in [*version.layers, (str(config.digest), config.size)]:
                if digest in pushed:
                    continue
                pushed.add(digest)
                rows.append((t, op.client, "PUT", "blob", repo, digest, size))
                t += step
            rows.append((t, op.client, "PUT", "manifest", repo, f"{repo}:{op.tag}", version.manifest_size))
        else:
            raise InvalidParameter(f"stream op must be 'pull' or 'push', got {op.op!r}")
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["time", "client", "method", "kind", "repository", "key", "size"])
    frame = frame.sort_values("time", kind="stable")
    return Trace(frame)


def trace_from_events(events: Iterable[Event], *, registry: str | None = None) -> Trace:
    """Registry requests read off a core event log (``world.events``).

    ``ManifestFetched`` and ``BlobFetched`` become GETs, ``BlobUploaded`` and ``ManifestPushed``
    PUTs. Registry events do not name the client, so each request is attributed to the host of
    the latest host event before it. Time is the event's sequence number. With ``registry``,
    only that registry's requests are kept.
    """
    expect("events", events, ITERABLE, "an iterable of events")
    rows = []
    client = ""
    for e in events:
        if isinstance(e, HostEvent):
            client = e.host
            continue
        if registry is not None and getattr(e, "registry", None) != registry:
            continue
        if isinstance(e, ManifestFetched):
            rows.append((float(e.seq), client, "GET", "manifest", e.repository, f"{e.repository}:{e.reference}", e.size))
        elif isinstance(e, BlobFetched):
            rows.append((float(e.seq), client, "GET", "blob", e.repository, str(e.digest), e.size))
        elif isinstance(e, BlobUploaded):
            rows.append((float(e.seq), client, "PUT", "blob", e.repository, str(e.digest), e.size))
        elif isinstance(e, ManifestPushed):
            ref = e.tag or str(e.digest)
            rows.append((float(e.seq), client, "PUT", "manifest", e.repository, f"{e.repository}:{ref}", e.size))
    import pandas as pd

    return Trace(pd.DataFrame(rows, columns=["time", "client", "method", "kind", "repository", "key", "size"]))
