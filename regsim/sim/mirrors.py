"""Registry-aware caching: pull-through mirrors, prefetching, regional mirrors.

:class:`PullThroughMirror` behaves like the reference registry (``distribution``) run as a
pull-through cache (``proxy:`` in its configuration):

* a **blob** is served from local storage when present; otherwise it is fetched upstream and
  stored, and scheduled for removal ``ttl`` after it was stored (168 h by default, the value
  distribution hard-coded before ``proxy.ttl`` existed; a later access does **not** extend it);
  ``ttl=None`` keeps blobs forever. There is **no size bound**. distribution's proxy fetches a
  missed blob twice from upstream -- once to store it, once to stream it to the client
  (``proxyblobstore.go``) -- which ``double_fetch=True`` counts;
* a **manifest by tag** is always revalidated upstream (a ``HEAD`` that costs a request but no
  body bytes); its body comes from local storage when the digest is known there;
* a **manifest by digest** is served locally when present.

``regsim serve --mirror-of`` differs in three ways, each a parameter: it fetches a blob once
(``double_fetch=False``), trusts a tag for ``tag_ttl`` seconds without asking the upstream, and
may revalidate a stale tag with a ``GET`` (``revalidate="get"``, which Docker Hub counts as a pull)
instead of a ``HEAD``. The upstream requests are counted by kind (``upstream_manifest_heads``,
``upstream_manifest_gets``, ``upstream_blob_gets``), which is what Docker Hub's pull limit counts
and what :mod:`regsim.engines.mirror_reality` compares with real mirrors.

The size-bounded variant (``capacity=`` bytes) keeps blobs in a :mod:`cache <regsim.sim.cache>`
policy (LRU by default), still with the TTL. ``prefetch=True`` is the FAST'18 idea: when a
manifest is requested, fetch the layers it lists that are not stored yet, before the client asks
for them (it needs a ``catalog`` to read manifests).

:func:`simulate_mirror` replays a :class:`~regsim.sim.traces.Trace` through one mirror;
:func:`simulate_regions` puts one mirror in each region in front of one registry.
"""

from __future__ import annotations

import heapq
import warnings
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Callable, Container, Hashable, Mapping, cast

from ..deprecation import moved_names, renamed_keywords
from ._util import check_positive, expect
from .cache import Policy, make_policy
from .errors import InvalidParameter
from .traces import Trace

if TYPE_CHECKING:
    import pandas as pd

    from .workloads import Catalog

__all__ = ["PullThroughMirror", "MirrorReport", "simulate_mirror", "simulate_regions", "HOUR", "DEFAULT_TTL"]

HOUR = 3600.0
DEFAULT_TTL = 168 * HOUR


@dataclass
class MirrorReport:
    """Counters of one mirror (blob and manifest requests from clients, and upstream traffic)."""

    requests: int = 0
    hits: int = 0
    bytes_requested: int = 0
    bytes_hit: int = 0
    blob_requests: int = 0
    blob_hits: int = 0
    blob_bytes: int = 0
    blob_bytes_hit: int = 0
    upstream_requests: int = 0
    upstream_bytes: int = 0
    upstream_manifest_heads: int = 0
    upstream_manifest_gets: int = 0
    upstream_blob_gets: int = 0
    revalidations: int = 0
    expired: int = 0
    prefetched_bytes: int = 0
    prefetch_used_bytes: int = 0
    stored_bytes: int = 0
    peak_bytes: int = 0

    @property
    def hit_ratio(self) -> float:
        """Requests (blobs and manifests) served locally, as a share of all client requests (0.0 for none)."""
        return self.hits / self.requests if self.requests else 0.0

    @property
    def byte_hit_ratio(self) -> float:
        """Bytes served locally, as a share of the bytes clients requested (0.0 for none)."""
        return self.bytes_hit / self.bytes_requested if self.bytes_requested else 0.0

    @property
    def blob_hit_ratio(self) -> float:
        """Blob requests served locally, as a share of blob requests (0.0 for none): the hit ratio of
        the layer cache alone.
        """
        return self.blob_hits / self.blob_requests if self.blob_requests else 0.0

    def summary(self) -> dict[str, Any]:
        """The headline numbers, rounded for a table (as :meth:`RolloutReport.summary`).

        Blob and byte hit ratios (3 decimals), GB and requests sent upstream, and the peak
        bytes stored in GB (1 decimal). :meth:`to_dict` has every counter, unrounded.
        """
        return {"blob_hit_ratio": round(self.blob_hit_ratio, 3), "byte_hit_ratio": round(self.byte_hit_ratio, 3),
                "upstream_GB": round(self.upstream_bytes / 1e9, 1), "upstream_requests": self.upstream_requests,
                "peak_stored_GB": round(self.peak_bytes / 1e9, 1)}

    def to_dict(self) -> dict[str, Any]:
        """Every counter, unrounded, with the three ratios (one row of a DataFrame); :meth:`summary`
        has the headline numbers.
        """
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(hit_ratio=self.hit_ratio, byte_hit_ratio=self.byte_hit_ratio,
                   blob_hit_ratio=self.blob_hit_ratio)
        return out


class PullThroughMirror:
    """A pull-through cache in front of one upstream registry (see the module docstring).

    Parameters
    ----------
    ttl:
        Seconds a fetched blob or manifest stays (from when it was stored); None: forever.
    capacity:
        None (distribution: no size bound) or a byte budget for blobs, kept by ``policy``.
    policy:
        A policy name or factory (see :func:`regsim.sim.cache.make_policy`), with ``capacity``.
    double_fetch:
        Count two upstream transfers per missed blob, as distribution's proxy does.
    prefetch:
        On a manifest request, fetch its missing layers too (needs ``catalog``).
    catalog:
        A :class:`~regsim.sim.workloads.Catalog` to resolve tags at request time (so a moved
        tag is seen as a new manifest) and to read manifests for prefetching.
    tag_ttl:
        Seconds a tag, once checked upstream, is trusted without asking again (0: every request
        asks, as distribution does).
    revalidate:
        How a stale tag whose manifest is stored is checked: ``"head"`` (free on Docker Hub) or
        ``"get"`` (one pull). A tag never seen costs a HEAD and a GET either way (docker asks
        ``HEAD <tag>``, then ``GET <digest>``).
    """

    @renamed_keywords(catalogue="catalog")
    def __init__(self, *, ttl: float | None = DEFAULT_TTL, capacity: int | None = None,
                 policy: "str | Callable[[int], Policy]" = "lru", double_fetch: bool = True,
                 prefetch: bool = False, catalog: Catalog | None = None, name: str = "mirror", tag_ttl: float = 0.0,
                 revalidate: str = "head") -> None:
        if revalidate not in ("head", "get"):
            raise InvalidParameter(f"revalidate must be 'head' or 'get', got {revalidate!r}")
        if not (isinstance(tag_ttl, (int, float)) and tag_ttl >= 0):
            raise InvalidParameter(f"tag_ttl must be a number of seconds >= 0, got {tag_ttl!r}")
        self.tag_ttl = float(tag_ttl)
        self.revalidate = revalidate
        self._tag_checked: dict[str, float] = {}
        if ttl is not None:
            check_positive("ttl", ttl)
        if prefetch and catalog is None:
            raise InvalidParameter("prefetch=True needs a catalog to read manifests from")
        self.name = name
        self.ttl = ttl
        self.capacity = capacity
        self.double_fetch = double_fetch
        self.prefetch = prefetch
        self.catalog = catalog
        self.stats = MirrorReport()
        self._policy: Policy | None = make_policy(policy, capacity) if capacity is not None else None
        self._blobs: dict[Hashable, int] = {}          # unbounded store: digest -> size
        self._expiry: dict[Hashable, float] = {}       # digest or manifest key -> expiry time
        self._heap: list[tuple[float, int, Hashable]] = []
        self._manifests: dict[Hashable, int] = {}      # manifest digest (or key) -> size
        self._prefetched: set[Hashable] = set()
        self._blob_bytes = 0
        self._manifest_bytes = 0
        self._n = 0

    @property
    def catalogue(self) -> Catalog | None:
        """The old name of :attr:`catalog`: works for one release, with a DeprecationWarning."""
        warnings.warn("PullThroughMirror.catalogue is renamed PullThroughMirror.catalog; the old name goes in "
                      "the next release", DeprecationWarning, stacklevel=2)
        return self.catalog

    # -- storage -------------------------------------------------------------------------------

    @property
    def stored_bytes(self) -> int:
        """Bytes the mirror holds now: its blobs (those its ``policy`` keeps, with a ``capacity``) and
        its manifests.
        """
        blobs = self._policy.used if self._policy is not None else self._blob_bytes
        return blobs + self._manifest_bytes

    def _expire(self, now: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            when, _, key = heapq.heappop(heap)
            if self._expiry.get(key) != when:
                continue  # refreshed since
            del self._expiry[key]
            self.stats.expired += 1
            if key in self._manifests:
                self._manifest_bytes -= self._manifests.pop(key)
            elif self._policy is not None:
                self._policy.discard(key)
            elif key in self._blobs:
                self._blob_bytes -= self._blobs.pop(key)
            self._prefetched.discard(key)

    def _schedule(self, key: Hashable, now: float) -> None:
        if self.ttl is None:
            return
        when = now + self.ttl
        self._expiry[key] = when
        self._n += 1
        heapq.heappush(self._heap, (when, self._n, key))

    def _has_blob(self, digest: Hashable) -> bool:
        if self._policy is not None:
            return self._policy.lookup(digest)
        return digest in self._blobs

    def _store_blob(self, digest: Hashable, size: int, now: float) -> None:
        if self._policy is not None:
            self._policy.request(digest, size)  # a miss: admitted (evicting) if it fits
        else:
            self._blob_bytes += size - self._blobs.get(digest, 0)
            self._blobs[digest] = size
        self._schedule(digest, now)

    def _fetch(self, size: int, copies: int = 1, kind: str = "") -> None:
        self.stats.upstream_requests += copies
        self.stats.upstream_bytes += size * copies
        if kind:
            setattr(self.stats, kind, getattr(self.stats, kind) + copies)

    # -- requests ------------------------------------------------------------------------------

    def get_blob(self, now: float, digest: Hashable, size: int) -> bool:
        """A client's ``GET /v2/<name>/blobs/<digest>``; True when served locally."""
        self._expire(now)
        s = self.stats
        s.requests += 1
        s.blob_requests += 1
        s.bytes_requested += size
        s.blob_bytes += size
        if self._has_blob(digest):
            s.hits += 1
            s.blob_hits += 1
            s.bytes_hit += size
            s.blob_bytes_hit += size
            if digest in self._prefetched:
                self._prefetched.discard(digest)
                s.prefetch_used_bytes += size
            return True
        self._fetch(size, 2 if self.double_fetch else 1, "upstream_blob_gets")
        self._store_blob(digest, size, now)
        self._track()
        return False

    def get_manifest(self, now: float, key: str, size: int, *, repository: str = "") -> bool:
        """A client's ``GET /v2/<name>/manifests/<reference>`` (``key`` is ``repo:reference``)."""
        self._expire(now)
        s = self.stats
        s.requests += 1
        s.bytes_requested += size
        repo, _, ref = key.partition(":")         # repository names never contain ':'
        if not ref:
            repo, ref = repository, key
        by_digest = ":" in ref                     # tags never contain ':', digests always do
        stored_key: Hashable = key
        version = None
        fresh = False
        if not by_digest:
            if self.catalog is not None:
                version = self.catalog.resolve(repo or repository, ref, now)
                stored_key = version.digest
            checked = self._tag_checked.get(key)
            fresh = checked is not None and now - checked < self.tag_ttl and stored_key in self._manifests
            if not fresh:
                self._tag_checked[key] = now
                if self.revalidate == "get" and stored_key in self._manifests:
                    s.revalidations += 1                # GET upstream: the tag's manifest again (a pull)
                    self._fetch(size, kind="upstream_manifest_gets")
                else:
                    s.revalidations += 1                # HEAD upstream: which digest is the tag now?
                    self._fetch(0, kind="upstream_manifest_heads")
        hit = stored_key in self._manifests
        if hit:
            s.hits += 1
            s.bytes_hit += size
        else:
            self._fetch(size, kind="upstream_manifest_gets")
            self._manifests[stored_key] = size
            self._manifest_bytes += size
            self._schedule(stored_key, now)
        if self.prefetch and version is not None:
            config = version.image.config_blob
            for digest, lsize in [(str(config.digest), config.size), *version.layers]:
                if not self._contains_blob(digest):
                    self._fetch(lsize, kind="upstream_blob_gets")
                    self._store_blob(digest, lsize, now)
                    self._prefetched.add(digest)
                    s.prefetched_bytes += lsize
        self._track()
        return hit

    def _contains_blob(self, digest: Hashable) -> bool:
        if self._policy is not None:
            # no recency update: the client did not ask yet (a policy holding keys is a Container of them)
            return digest in cast(Container[Hashable], self._policy)
        return digest in self._blobs

    def _track(self) -> None:
        stored = self.stored_bytes
        self.stats.stored_bytes = stored
        if stored > self.stats.peak_bytes:
            self.stats.peak_bytes = stored

    def handle(self, time: float, kind: str, key: Hashable, size: int, repository: str = "") -> bool:
        """One client request at ``time``: ``kind`` ``"blob"`` (:meth:`get_blob`, ``key`` a digest) or
        ``"manifest"`` (:meth:`get_manifest`, ``key`` ``repo:reference``). True when served locally.

        >>> mirror = PullThroughMirror()
        >>> mirror.handle(0, "blob", "sha256:aa", 100), mirror.handle(1, "blob", "sha256:aa", 100)
        (False, True)
        >>> mirror.stored_bytes, mirror.stats.blob_hit_ratio, mirror.stats.upstream_bytes
        (100, 0.5, 200)

        The miss cost 200 upstream bytes: distribution's proxy fetches a missed blob twice
        (``double_fetch``).
        """
        if kind == "blob":
            return self.get_blob(time, key, size)
        if kind == "manifest":
            return self.get_manifest(time, str(key), size, repository=repository)
        raise InvalidParameter(f"request kind must be 'blob' or 'manifest', got {kind!r}")

    def __repr__(self) -> str:
        bound = "unbounded" if self.capacity is None else f"{self.capacity} B"
        ttl = "no ttl" if self.ttl is None else f"ttl {self.ttl / HOUR:g} h"
        return f"PullThroughMirror({self.name!r}, {bound}, {ttl}, hits {self.stats.hits}/{self.stats.requests})"


def simulate_mirror(trace: Trace, mirror: PullThroughMirror | None = None, **options: Any) -> MirrorReport:
    """Replay the GET requests of ``trace`` through ``mirror`` (or ``PullThroughMirror(**options)``)."""
    expect("trace", trace, Trace, "a Trace")
    if mirror is None:
        mirror = PullThroughMirror(**options)
    elif options:
        raise InvalidParameter("pass either a mirror or options for a new one, not both")
    frame = trace.frame
    frame = frame[frame["method"] == "GET"]
    handle = mirror.handle
    for t, kind, key, size, repo in zip(frame["time"].tolist(), frame["kind"].tolist(), frame["key"].tolist(),
                                        frame["size"].tolist(), frame["repository"].tolist()):
        handle(t, kind, key, size, repo)
    return mirror.stats


def simulate_regions(trace: Trace, regions: "Mapping[str, str] | Callable[[str], str]",
                     **options: Any) -> pd.DataFrame:
    """One mirror per region in front of one registry; a DataFrame with a row per region.

    ``regions`` maps each client to its region (a dict or a function). The last row,
    ``region == "all"``, adds the regions up; ``upstream_bytes`` there is what the registry serves.
    """
    expect("trace", trace, Trace, "a Trace")
    import pandas as pd

    where = regions.get if isinstance(regions, Mapping) else regions
    frame = trace.frame
    frame = frame[frame["method"] == "GET"]
    mirrors: dict[str, PullThroughMirror] = {}
    for t, client, kind, key, size, repo in zip(frame["time"].tolist(), frame["client"].tolist(),
                                                frame["kind"].tolist(), frame["key"].tolist(),
                                                frame["size"].tolist(), frame["repository"].tolist()):
        region = where(client)
        if region is None:
            raise InvalidParameter(f"client {client!r} has no region")
        m = mirrors.get(region)
        if m is None:
            m = mirrors[region] = PullThroughMirror(name=region, **options)
        m.handle(t, kind, key, size, repo)
    rows = [{"region": r, **mirrors[r].stats.to_dict()} for r in sorted(mirrors)]
    total = {k: sum(row[k] for row in rows) for k in rows[0] if k not in ("region",)} if rows else {}
    if rows:
        total["hit_ratio"] = total["hits"] / total["requests"] if total["requests"] else 0.0
        total["byte_hit_ratio"] = total["bytes_hit"] / total["bytes_requested"] if total["bytes_requested"] else 0.0
        total["blob_hit_ratio"] = total["blob_hits"] / total["blob_requests"] if total["blob_requests"] else 0.0
        rows.append({"region": "all", **total})
    return pd.DataFrame(rows)


# Old names, for one release (CONTRIBUTING.md, "Renaming").
__getattr__ = moved_names("regsim.sim.mirrors", {"MirrorStats": "MirrorReport"}, globals())
