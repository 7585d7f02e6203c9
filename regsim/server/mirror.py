"""A pull-through cache: ``regsim serve --mirror-of URL``.

Pulls are served from the registry's own store; what it lacks is fetched from the upstream.

* **Blobs** are fetched once: the bytes stream to the client while they are stored, and the
  blob is stored only when its digest checks out (distribution's proxy fetches a missed blob
  twice, once to store and once to send). A client that hangs up does not stop the fetch, so
  its retry is a hit. Two clients asking for the same missing blob cause one fetch: the second
  waits for the first and is served from the store.
* **Manifests by digest** never change: once stored, they are served locally.
* **Manifests by tag** are trusted for ``ttl`` seconds after they were fetched or revalidated.
  After that, ``revalidate="head"`` (HEAD-first, the default) asks the upstream with a
  ``HEAD``, which costs no pull on Docker Hub, and fetches the manifest only when the tag moved;
  ``revalidate="get"`` asks with a ``GET``, which spends a pull each time. A tag never seen is
  fetched with one ``GET``. When the upstream cannot be reached, or answers 429 or 5xx, a
  stale local copy is served (counted as ``stale``).
* One-component names are Docker Hub's ``library/`` images (``busybox`` is
  ``library/busybox``), as Docker Hub maps them (``library=True``).
* Pushes, uploads and deletes are refused with ``405 UNSUPPORTED``, as distribution's proxy does.
* Upstream credentials (``username``, ``password``) answer the upstream's ``Basic`` or
  ``Bearer`` challenge (a token per repository, from the realm the challenge names).

The counters (:class:`MirrorCounters`: hits, misses, stale, upstream requests by kind, the
upstream quota when it sends Docker Hub's ``ratelimit-*`` headers) are served at
``GET /mirror/stats``, and each decision is a :class:`MirrorEvent` in ``mirror.events``
(subscribe with :meth:`Mirror.subscribe`), which :func:`regsim.viz.draw_mirror` draws.

>>> mirror = Mirror("http://127.0.0.1:5001", ttl=60)
>>> mirror.name_of("busybox"), mirror.name_of("team/app")
('library/busybox', 'team/app')
>>> mirror.counters.to_dict()["upstream"]
{'manifest_get': 0, 'manifest_head': 0, 'blob_get': 0, 'blob_head': 0}
"""

from __future__ import annotations

import asyncio
import base64
import re
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..errors import InvalidArgument, RegistryError, Unsupported, expect
from ..oci.blob import Content
from ..oci.digest import Digest
from ..oci.manifest import StoredManifest
from ..registry import Registry
from . import blobs as blob_handlers
from . import manifests as manifest_handlers
from .context import Context, Handler, Routes, json_reply, reply
from .protocol import media_type_of
from .ratelimit import LIMIT_HEADER, REMAINING_HEADER
from .staging import Staged

if TYPE_CHECKING:  # pragma: no cover - httpx is imported when a mirror first fetches
    import httpx

__all__ = ["Mirror", "MirrorCounters", "MirrorEvent", "UpstreamUnavailable", "UPSTREAM_KINDS", "DEFAULT_TTL"]

#: How long a tag is trusted without asking the upstream, by default (seconds).
DEFAULT_TTL = 60.0
#: The kinds of upstream request the counters keep apart.
UPSTREAM_KINDS = ("manifest_get", "manifest_head", "blob_get", "blob_head")
#: Docker Hub's registry (``docker.io`` in an image reference).
HUB_URL = "https://registry-1.docker.io"

_ACCEPT_ALL = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json"])
#: Upstream reply headers passed on with an error (Docker Hub's quota, when to retry).
_PASSED_ON = ("retry-after", LIMIT_HEADER, REMAINING_HEADER)


class UpstreamUnavailable(RegistryError):
    """The upstream could not be reached and nothing stored can answer instead (503)."""

    code, status, default_message = "UNAVAILABLE", 503, "the upstream registry is unavailable"


@dataclass(frozen=True)
class MirrorEvent:
    """One decision of the mirror.

    ``outcome`` is ``hit`` (served from the store), ``revalidated`` (a stale tag the upstream
    confirmed, then served from the store), ``fetched`` (from the upstream, now stored), ``stale``
    (the upstream failed; an old copy was served), ``passed`` (the upstream's error passed on)
    or ``refused`` (a push). ``upstream`` lists the upstream requests it cost;
    ``quota_remaining`` is the upstream's ``ratelimit-remaining`` when it sent one.
    """

    seq: int
    time: float
    outcome: str
    kind: str                 # "manifest" or "blob"
    repository: str
    reference: str
    size: int | None = None
    upstream: tuple[str, ...] = ()
    status: int = 200
    quota_remaining: int | None = None

    def describe(self) -> str:
        """One line for a person: the outcome, what was asked, its size, and what it cost upstream."""
        cost = f" (upstream: {', '.join(self.upstream)})" if self.upstream else " (no upstream request)"
        size = f", {self.size} bytes" if self.size is not None else ""
        quota = f"; upstream quota left {self.quota_remaining}" if self.quota_remaining is not None else ""
        ref = self.reference if ":" not in self.reference else self.reference[:19]
        sep = "@" if ":" in self.reference else ":"
        return f"mirror {self.outcome}: {self.kind} {self.repository}{sep}{ref}{size}{cost}{quota}"

    def to_dict(self) -> dict[str, Any]:
        """The event's fields as a dict (one row of a DataFrame, one line of a JSON log)."""
        return asdict(self)


@dataclass
class MirrorCounters:
    """What the mirror did so far (``GET /mirror/stats``)."""

    hits: int = 0
    misses: int = 0
    stale: int = 0
    refused: int = 0
    passed: int = 0
    blob_hits: int = 0
    blob_misses: int = 0
    bytes_served_locally: int = 0
    upstream_bytes: int = 0
    upstream: dict[str, int] = field(default_factory=lambda: dict.fromkeys(UPSTREAM_KINDS, 0))
    upstream_errors: int = 0
    rate_limited: int = 0
    quota_limit: int | None = None
    quota_remaining: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The counters as a dict, with ``upstream_requests``: the upstream requests of every kind, summed."""
        out = asdict(self)
        out["upstream"] = dict(self.upstream)
        out["upstream_requests"] = sum(self.upstream.values())
        return out


def _quota(value: str | None) -> int | None:
    """``76;w=21600`` -> 76."""
    if not value:
        return None
    head = value.split(";", 1)[0].strip()
    return int(head) if head.isdigit() else None


class _Upstream:
    """HTTP to the upstream registry, answering its auth challenges (one client per event loop)."""

    def __init__(self, url: str, username: str | None, password: str | None, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.username, self.password = username, password
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._basic: str | None = None
        self._tokens: dict[str, tuple[str, float]] = {}  # repository -> (bearer token, expiry)

    def client(self) -> httpx.AsyncClient:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=True)
        return self._client

    def _credentials(self) -> str | None:
        if self.username is None:
            return None
        raw = f"{self.username}:{self.password or ''}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def _authorization(self, name: str) -> dict[str, str]:
        token = self._tokens.get(name)
        if token is not None and token[1] > time.monotonic():
            return {"Authorization": f"Bearer {token[0]}"}
        return {"Authorization": self._basic} if self._basic else {}

    async def send(self, method: str, name: str, tail: str,
                   headers: dict[str, str] | None = None) -> httpx.Response:
        """``method /v2/<name>/<tail>``, streamed (close it); a 401 challenge is answered once."""
        client = self.client()
        url = f"{self.url}/v2/{name}/{tail}"
        request = client.build_request(method, url, headers={**(headers or {}), **self._authorization(name)})
        response = await client.send(request, stream=True)
        challenge = response.headers.get("www-authenticate")
        if response.status_code == 401 and challenge and await self._authenticate(challenge, name):
            await response.aclose()
            request = client.build_request(method, url, headers={**(headers or {}), **self._authorization(name)})
            response = await client.send(request, stream=True)
        return response

    async def _authenticate(self, challenge: str, name: str) -> bool:
        scheme, _, rest = challenge.partition(" ")
        params = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if scheme.lower() == "basic":
            self._basic = self._credentials()
            return self._basic is not None
        if scheme.lower() != "bearer" or "realm" not in params:
            return False
        query = {"scope": f"repository:{name}:pull"}
        if "service" in params:
            query["service"] = params["service"]
        credentials = self._credentials()
        answer = await self.client().get(params["realm"], params=query,
                                         headers={"Authorization": credentials} if credentials else {})
        if answer.status_code != 200:
            return False
        body = answer.json()
        token = body.get("token") or body.get("access_token")
        if not token:
            return False
        self._tokens[name] = (token, time.monotonic() + max(float(body.get("expires_in", 60)) - 5, 1))
        return True

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class Mirror:
    """A pull-through cache of the registry at ``upstream`` (see the module docstring).

    Parameters
    ----------
    upstream:
        The upstream's URL (``http://127.0.0.1:5001``; ``docker.io`` means Docker Hub's registry).
    ttl:
        Seconds a tag is trusted after it was fetched or revalidated (0: ask every time).
    revalidate:
        ``"head"`` (HEAD-first: a stale tag costs a HEAD, no pull) or ``"get"`` (a GET: one pull).
    library:
        Map one-component names to ``library/<name>``, as Docker Hub does.
    username, password:
        Credentials for the upstream (its pulls then count for that user).
    timeout:
        Seconds to wait for the upstream.
    history:
        How many :class:`MirrorEvent` records ``events`` keeps.
    """

    def __init__(self, upstream: str, *, ttl: float = DEFAULT_TTL, revalidate: str = "head", library: bool = True,
                 username: str | None = None, password: str | None = None, timeout: float = 60.0,
                 history: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        expect("upstream", upstream, str)
        if revalidate not in ("head", "get"):
            raise InvalidArgument(f"revalidate must be 'head' or 'get', got {revalidate!r}")
        if not (isinstance(ttl, (int, float)) and ttl >= 0 and ttl != float("inf")):
            raise InvalidArgument(f"ttl must be a number of seconds >= 0, got {ttl!r}")
        url = upstream.strip()
        if url in ("docker.io", "index.docker.io", "registry-1.docker.io"):
            url = HUB_URL
        elif "://" not in url:
            url = f"https://{url}"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
            raise InvalidArgument(f"the upstream must be a registry's URL such as http://127.0.0.1:5001 or "
                                  f"docker.io, got {upstream!r}")
        if (username is None) != (password is None):
            raise InvalidArgument("upstream credentials need both a user name and a password")
        self.url = url.rstrip("/")
        self.ttl = float(ttl)
        self.revalidate = revalidate
        self.library = library
        self.clock = clock
        #: what the mirror did so far (served at ``GET /mirror/stats``)
        self.counters = MirrorCounters()
        #: its last ``history`` decisions, oldest first
        self.events: deque[MirrorEvent] = deque(maxlen=history)
        self._upstream = _Upstream(self.url, username, password, timeout)
        self._subscribers: list[Callable[[MirrorEvent], None]] = []
        self._checked: dict[tuple[str, str], float] = {}  # (repository, tag) -> when last confirmed
        self._expected: dict[tuple[str, str], set[str]] = {}  # (repository, digest) -> tags said to be it
        #: blobs being fetched now: a second request for one waits for the first
        self.inflight: dict[Digest, asyncio.Event] = {}
        self._lock = threading.Lock()
        self._seq = 0

    def __repr__(self) -> str:
        return f"Mirror({self.url!r}, ttl={self.ttl:g}, revalidate={self.revalidate!r})"

    # -- names, freshness, records ---------------------------------------------------------------

    def name_of(self, name: str) -> str:
        """The upstream (and stored) name of ``name``: ``busybox`` is ``library/busybox``."""
        return f"library/{name}" if self.library and "/" not in name else name

    def fresh(self, repository: str, tag: str) -> bool:
        """True while ``repository:tag`` is within its TTL."""
        checked = self._checked.get((repository, tag))
        return checked is not None and self.clock() - checked < self.ttl

    def confirm(self, repository: str, tag: str) -> None:
        """``repository:tag`` is as the upstream has it now: trust it for ``ttl`` seconds."""
        self._checked[(repository, tag)] = self.clock()

    def expect(self, repository: str, digest: str, tag: str) -> None:
        """The upstream said ``repository:tag`` is ``digest`` (a HEAD): when that digest is
        fetched, tag it here too, so the next pull of the tag asks the upstream nothing."""
        with self._lock:
            self._expected.setdefault((repository, digest), set()).add(tag)
            while len(self._expected) > 1000:
                del self._expected[next(iter(self._expected))]

    def expected(self, repository: str, digest: str) -> set[str]:
        """The tags :meth:`expect` noted for ``repository@digest`` (forgotten once asked)."""
        with self._lock:
            return self._expected.pop((repository, digest), set())

    def count_bytes(self, size: int) -> None:
        """``size`` bytes came from the upstream."""
        with self._lock:
            self.counters.upstream_bytes += size

    def subscribe(self, callback: Callable[[MirrorEvent], None]) -> None:
        """Call ``callback(event)`` for every new :class:`MirrorEvent`."""
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[MirrorEvent], None]) -> None:
        """Stop calling ``callback`` (no error when it was not subscribed)."""
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def stats(self) -> dict[str, Any]:
        """The counters and settings, as ``GET /mirror/stats`` answers."""
        with self._lock:
            counters = self.counters.to_dict()
        return {"upstream_url": self.url, "ttl": self.ttl, "revalidate": self.revalidate, **counters}

    def record(self, outcome: str, kind: str, repository: str, reference: str, *, size: int | None = None,
                upstream: tuple[str, ...] = (), status: int = 200) -> MirrorEvent:
        """Count one decision (``outcome`` as :class:`MirrorEvent` lists them, ``kind`` ``"manifest"``
        or ``"blob"``), append it to :attr:`events` and tell the subscribers; returns the event.
        The mirror's request handlers call it; it is public so a test or a lesson can feed a
        picture (:func:`regsim.viz.draw_mirror`) without a network.

        >>> mirror = Mirror("http://127.0.0.1:5001")
        >>> mirror.record("fetched", "blob", "library/busybox", "sha256:" + "ab" * 32, size=100, upstream=("blob",)).describe()
        'mirror fetched: blob library/busybox@sha256:abababababab, 100 bytes (upstream: blob)'
        >>> mirror.counters.misses, mirror.counters.blob_misses
        (1, 1)
        """
        c = self.counters
        with self._lock:
            if outcome in ("hit", "revalidated"):
                c.hits += 1
                if kind == "blob":
                    c.blob_hits += 1
                c.bytes_served_locally += size or 0
            elif outcome == "fetched":
                c.misses += 1
                if kind == "blob":
                    c.blob_misses += 1
            elif outcome == "stale":
                c.stale += 1
            elif outcome == "refused":
                c.refused += 1
            elif outcome == "passed":
                c.passed += 1
            self._seq += 1
            event = MirrorEvent(self._seq, time.time(), outcome, kind, repository, reference, size, upstream,
                                status, c.quota_remaining if upstream else None)
            self.events.append(event)
        for callback in list(self._subscribers):
            callback(event)
        return event

    def _upstream_seen(self, kind: str, response: httpx.Response) -> None:
        with self._lock:
            self.counters.upstream[kind] += 1
            limit = _quota(response.headers.get(LIMIT_HEADER))
            remaining = _quota(response.headers.get(REMAINING_HEADER))
            if limit is not None:
                self.counters.quota_limit = limit
            if remaining is not None:
                self.counters.quota_remaining = remaining
            if response.status_code == 429:
                self.counters.rate_limited += 1

    async def ask(self, kind: str, method: str, name: str, tail: str,
                  headers: dict[str, str] | None = None) -> httpx.Response:
        """One upstream request, counted; :class:`UpstreamUnavailable` when it cannot be made."""
        import httpx

        try:
            response = await self._upstream.send(method, name, tail, headers)
        except httpx.HTTPError as exc:
            with self._lock:
                self.counters.upstream_errors += 1
            raise UpstreamUnavailable(f"the upstream {self.url} cannot be reached: {type(exc).__name__}",
                                      detail=self.url) from None
        self._upstream_seen(kind, response)
        return response

    # -- routes ----------------------------------------------------------------------------------

    def routes(self, base: Routes) -> Routes:
        """The app's route table with pulls served through this mirror and pushes refused."""
        replaced: dict[Handler, Handler] = {manifest_handlers.get_manifest: get_manifest, manifest_handlers.head_manifest: head_manifest,
                    blob_handlers.get_blob: get_blob, blob_handlers.head_blob: head_blob}
        out: Routes = []
        for pattern, methods in base:
            table: dict[str, tuple[Handler, str | None]] = {}
            for method, (handler, action) in methods.items():
                if handler in replaced:
                    table[method] = (replaced[handler], action)
                elif method in ("PUT", "PATCH", "POST", "DELETE") and "/v2/" in pattern.pattern:
                    table[method] = (refuse, None)
                else:
                    table[method] = (handler, action)
            out.append((pattern, table))
        out.append((re.compile(r"^/mirror/stats$"), {"GET": (stats, None)}))
        return out


# -- handlers ------------------------------------------------------------------------------------

async def stats(ctx: Context) -> Response:
    """``GET /mirror/stats``: the mirror's counters (regsim's own endpoint)."""
    return json_reply(200, ctx.app.mirror.stats())


async def refuse(ctx: Context) -> Response:
    mirror: Mirror = ctx.app.mirror
    name = ctx.params.get("name", "")
    mirror.record("refused", "blob" if "/blobs/" in ctx.request.url.path else "manifest", name,
                   ctx.params.get("reference", ctx.params.get("digest", "")), status=405)
    raise Unsupported(f"The operation is unsupported: this registry is a pull-through cache of {mirror.url} "
                      f"({ctx.request.method} refused; push to the upstream)", detail=ctx.request.method)


def _local_manifest(registry: Registry, name: str, reference: str) -> StoredManifest | None:
    try:
        repo = registry.repositories.get(name)
        if repo is None:
            return None
        return registry.resolve(name, reference)
    except RegistryError:
        return None


def _store_manifest(registry: Registry, name: str, reference: str, data: bytes,
                    media_type: str | None) -> StoredManifest:
    registry.put_manifest(name, reference, data, media_type=media_type)
    return registry.resolve(name, reference)


def _manifest_reply(stored: StoredManifest, head: bool) -> Response:
    headers = [("Content-Type", stored.media_type), ("Docker-Content-Digest", stored.digest),
               ("Etag", f'"{stored.digest}"')]
    if head:
        return reply(200, headers, content_length=stored.size)
    return reply(200, headers, body=stored.data)


async def _passed_on(mirror: Mirror, response: httpx.Response, kind: str, name: str, reference: str,
                     cost: tuple[str, ...]) -> "_Passed":
    """The upstream's error reply, passed on as it came (Docker Hub's 429 message included)."""
    body = await response.aread()
    await response.aclose()
    mirror.record("passed", kind, name, reference, upstream=cost, status=response.status_code)
    headers = [(k, response.headers[k]) for k in _PASSED_ON if k in response.headers]
    return _Passed(response.status_code, headers, body, response.headers.get("content-type", "application/json"))


class _Passed(Exception):
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes, content_type: str) -> None:
        super().__init__(status)
        self.response = reply(status, [("Content-Type", content_type), *headers], body=body)


def _serve_stale_on(status: int) -> bool:
    return status == 429 or status >= 500


async def _manifest(ctx: Context, head: bool) -> Response:
    mirror: Mirror = ctx.app.mirror
    name, reference = mirror.name_of(ctx.name), ctx.params["reference"]
    by_digest = ":" in reference
    if by_digest:
        Digest(reference)
    else:
        manifest_handlers.readable_reference(ctx, reference)
    registry = ctx.registry
    local = await ctx.model(_local_manifest, registry, name, reference)
    if local is not None and (by_digest or mirror.fresh(name, reference)):
        mirror.record("hit", "manifest", name, reference, size=local.size)
        return _manifest_reply(local, head)
    cost: tuple[str, ...] = ()
    accept = {"Accept": ctx.header("accept") or _ACCEPT_ALL}
    try:
        if head or (local is not None and mirror.revalidate == "head"):  # a HEAD never spends a pull
            answer = await mirror.ask("manifest_head", "HEAD", name, f"manifests/{reference}", accept)
            await answer.aclose()
            cost += ("manifest HEAD",)
            digest = answer.headers.get("docker-content-digest")
            if answer.status_code == 200 and local is not None and digest == local.digest:
                mirror.confirm(name, reference)
                mirror.record("revalidated", "manifest", name, reference, size=local.size, upstream=cost)
                return _manifest_reply(local, head)
            if answer.status_code == 200 and head:
                known = await ctx.model(_local_manifest, registry, name, digest) if digest else None
                if known is not None:  # the tag moved to a manifest stored here: move it too
                    await ctx.model(_store_manifest, registry, name, reference, known.data, known.media_type)
                    mirror.confirm(name, reference)
                    mirror.record("revalidated", "manifest", name, reference, size=known.size, upstream=cost)
                    return _manifest_reply(known, True)
                if digest:  # docker asks for the digest next: that GET will tag it here too
                    mirror.expect(name, digest, reference)
                mirror.record("passed", "manifest", name, reference, upstream=cost)
                headers = [(k, answer.headers[k]) for k in ("content-type", "docker-content-digest", "etag")
                           if k in answer.headers]
                return reply(200, headers, content_length=int(answer.headers.get("content-length", "0") or 0))
            if answer.status_code != 200:
                if local is not None and _serve_stale_on(answer.status_code):
                    mirror.record("stale", "manifest", name, reference, size=local.size, upstream=cost)
                    return _manifest_reply(local, head)
                raise await _passed_on(mirror, answer, "manifest", name, reference, cost)
        answer = await mirror.ask("manifest_get", "GET", name, f"manifests/{reference}", accept)
        cost += ("manifest GET",)
        if answer.status_code != 200:
            if local is not None and _serve_stale_on(answer.status_code):
                await answer.aclose()
                mirror.record("stale", "manifest", name, reference, size=local.size, upstream=cost)
                return _manifest_reply(local, head)
            raise await _passed_on(mirror, answer, "manifest", name, reference, cost)
        data = await answer.aread()
        await answer.aclose()
    except UpstreamUnavailable:
        if local is None:
            mirror.record("passed", "manifest", name, reference, upstream=cost, status=503)
            raise
        mirror.record("stale", "manifest", name, reference, size=local.size, upstream=cost)
        return _manifest_reply(local, head)
    except _Passed as passed:
        return passed.response
    mirror.count_bytes(len(data))
    media_type = media_type_of(answer.headers.get("content-type"))
    stored = await ctx.model(_store_manifest, registry, name, reference, data, media_type)
    if not by_digest:
        mirror.confirm(name, reference)
    for tag in mirror.expected(name, stored.digest):
        await ctx.model(registry.tag, name, tag, stored.digest)
        mirror.confirm(name, tag)
    mirror.record("fetched", "manifest", name, reference, size=stored.size, upstream=cost)
    return _manifest_reply(stored, head)


async def get_manifest(ctx: Context) -> Response:
    return await _manifest(ctx, head=False)


async def head_manifest(ctx: Context) -> Response:
    return await _manifest(ctx, head=True)


def _linked(registry: Registry, name: str, digest: Digest) -> Content | None:
    repo = registry.repositories.get(name)
    if repo is None or not repo.has_blob(digest):
        return None
    return registry.blobs.get(digest)


def _store_blob(registry: Registry, name: str, staged: Staged, digest: Digest) -> None:
    registry.push_blob(name, staged.content(), digest)


async def _local_blob(ctx: Context, name: str, head: bool) -> Response:
    ctx.params["name"] = name
    return await (blob_handlers.head_blob(ctx) if head else blob_handlers.get_blob(ctx))


async def _blob(ctx: Context, head: bool) -> Response:
    mirror: Mirror = ctx.app.mirror
    name, digest = mirror.name_of(ctx.name), Digest(ctx.params["digest"])
    while True:
        local = await ctx.model(_linked, ctx.registry, name, digest)
        if local is not None:
            mirror.record("hit", "blob", name, digest, size=local.size)
            return await _local_blob(ctx, name, head)
        waiting = mirror.inflight.get(digest)
        if waiting is None:
            break
        await waiting.wait()  # another request is fetching it: take it from the store when done
        if digest in mirror.inflight and mirror.inflight[digest] is waiting:
            break
    try:
        if head:
            answer = await mirror.ask("blob_head", "HEAD", name, f"blobs/{digest}")
            await answer.aclose()
            if answer.status_code != 200:
                raise await _passed_on(mirror, answer, "blob", name, digest, ("blob HEAD",))
            mirror.record("passed", "blob", name, digest, size=int(answer.headers.get("content-length", 0) or 0),
                           upstream=("blob HEAD",))
            return reply(200, [("Content-Type", "application/octet-stream"), ("Docker-Content-Digest", digest),
                               ("Etag", f'"{digest}"')], content_length=int(answer.headers.get("content-length", 0)))
        done = mirror.inflight[digest] = asyncio.Event()
        try:
            answer = await mirror.ask("blob_get", "GET", name, f"blobs/{digest}")
            if answer.status_code != 200:
                raise await _passed_on(mirror, answer, "blob", name, digest, ("blob GET",))
        except BaseException:
            mirror.inflight.pop(digest, None)
            done.set()
            raise
    except _Passed as passed:
        return passed.response
    root = getattr(ctx.registry, "storage_root", None)
    from pathlib import Path

    staged = Staged(Path(root) / ".regsim-tmp" if root is not None else None, sha256=True)
    return _StreamAndStore(ctx, mirror, name, digest, answer, staged, done)


class _StreamAndStore(Response):
    """Sends the upstream's blob to the client while staging it, then stores it if it checks out."""

    def __init__(self, ctx: Context, mirror: Mirror, name: str, digest: Digest, answer: httpx.Response, staged: Staged,
                 done: asyncio.Event) -> None:
        super().__init__(b"", status_code=200)
        self.ctx, self.mirror, self.name, self.digest = ctx, mirror, name, digest
        self.answer, self.staged, self.done = answer, staged, done
        headers = [("Content-Type", "application/octet-stream"), ("Docker-Content-Digest", digest),
                   ("Etag", f'"{digest}"')]
        length = answer.headers.get("content-length")
        if length is not None and length.isdigit():
            headers.append(("Content-Length", length))
        self.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mirror, answer, staged = self.mirror, self.answer, self.staged
        client_here = True

        async def forward(piece: bytes, more: bool) -> None:
            nonlocal client_here
            if client_here:
                try:
                    await send({"type": "http.response.body", "body": piece, "more_body": more})
                except OSError:  # the client hung up: finish the fetch, so its retry is a hit
                    client_here = False

        try:
            try:
                await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            except OSError:
                client_here = False
            held = b""  # the last piece waits until the blob is stored: a client holding every
            async for piece in answer.aiter_raw():  # byte can count on the next pull being a hit
                if not piece:
                    continue
                staged.append(piece)
                if held:
                    await forward(held, True)
                held = piece
            mirror.count_bytes(staged.size)
            if staged.digest == self.digest:
                await self.ctx.model(_store_blob, self.ctx.registry, self.name, staged, self.digest)
                mirror.record("fetched", "blob", self.name, self.digest, size=staged.size, upstream=("blob GET",))
                await forward(held, False)
            else:  # bytes that do not match their digest: neither stored nor finished (the client fails)
                mirror.record("passed", "blob", self.name, self.digest, size=staged.size, upstream=("blob GET",),
                               status=502)
        finally:
            await answer.aclose()
            staged.discard()
            if mirror.inflight.get(self.digest) is self.done:
                del mirror.inflight[self.digest]
            self.done.set()


async def get_blob(ctx: Context) -> Response:
    return await _blob(ctx, head=False)


async def head_blob(ctx: Context) -> Response:
    return await _blob(ctx, head=True)

