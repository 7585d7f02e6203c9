"""The ASGI application: routes the OCI distribution API onto a :class:`~regsim.registry.Registry`.

Routes (``<name>`` may contain ``/``; it is checked against the spec's grammar first, so a bad
name is ``NAME_INVALID`` rather than a 404)::

    GET|HEAD  /v2/                                   ping
    GET       /v2/_catalog?n=&last=                  repositories
    POST      /v2/<name>/blobs/uploads/              open an upload, single-POST upload, mount
    GET|PATCH|PUT|DELETE /v2/<name>/blobs/uploads/<id>   status, chunk, close, cancel
    GET|HEAD|DELETE      /v2/<name>/blobs/<digest>
    GET|HEAD|PUT|DELETE  /v2/<name>/manifests/<tag|digest>
    GET       /v2/<name>/tags/list?n=&last=
    GET       /v2/<name>/referrers/<digest>?artifactType=
    GET       /token?service=&scope=                 bearer tokens (Docker token flow)
    POST      /admin/gc?dry_run=&delete_untagged=    garbage collection (regsim's admin endpoint)

Every response carries ``Docker-Distribution-API-Version: registry/2.0``. Model errors become
the spec's JSON error body with the error's status; a 401 carries the ``WWW-Authenticate``
challenge of the configured scheme (see :mod:`regsim.server.auth`). On a server with
authentication, a request without credentials is challenged whatever it asks for (Docker Hub's
clients then fetch an anonymous token). A bug is a 500 ``UNKNOWN`` whose message says nothing
of the exception (that goes to the log).

Resources are bounded (:mod:`regsim.server.limits`): request heads (64 KiB, 431, while they
arrive), user names and passwords (256 bytes each, refused before any work), request bodies
(``max_body_size``, 413), failed logins per user and client (in a table of at most 8 MiB), open
upload sessions per client, and the age of an upload session (``upload_purge_age``,
distribution's 168 hours by default). An error echoes at most 64 characters of what was sent.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope as ASGIScope, Send

from .. import events as ev
from ..registry import Registry
from ..registry.access import DELETE, PULL, PUSH
from ..errors import Denied, InvalidArgument, RegistryError, TooManyRequests, Unauthorized, Unsupported, expect
from ..oci.digest import Digest
from ..oci.reference import validate_repository
from . import blobs, discovery, manifests, uploads
from .auth import ANONYMOUS, Authenticator, Scope, TokenIssuer, parse_scopes, scheme_for
from .context import Context, ErrorReply, Handler, Routes, json_reply, reply
from .gate import ModelGate
from .limits import DEFAULT_PURGE_AGE, LoginThrottle, UploadTracker
from .protocol import API_VERSION, error_body
from .ratelimit import PullLimit, RateLimiter

if TYPE_CHECKING:  # pragma: no cover - the mirror is passed in (mirror imports no app)
    from .mirror import Mirror

__all__ = ["RegistryApp", "RequestRecord"]

log = logging.getLogger("regsim.server")

#: Largest request body by default: 4 GiB (a blob or one chunk of it).
DEFAULT_MAX_BODY = 4 << 30
#: How long a blob just uploaded or mounted is safe from ``POST /admin/gc``: 10 minutes.
DEFAULT_GC_GRACE = 600.0


class EndpointUnknown(Unsupported):
    """A path that is not part of the API."""

    status = 404


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it (``server.requests``)."""

    method: str
    path: str
    query: str
    status: int

    def __str__(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.path}{query} {self.status}"


async def ping(ctx: Context) -> Response:
    if ctx.app.auth.scheme != "none" and not ctx.identity.presented:
        raise Unauthorized("authentication required: log in to use this registry")
    return json_reply(200, {})


async def token(ctx: Context) -> Response:
    scopes = parse_scopes(ctx.query_list("scope"))
    value, expires_in = await ctx.model(ctx.app.auth.issue, ctx.identity, scopes)
    issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return json_reply(200, {"token": value, "access_token": value, "expires_in": expires_in,
                            "issued_at": issued})


def _gc_report(ctx: Context, dry_run: bool, delete_untagged: bool) -> dict[str, Any]:
    recent = ctx.app.recent_blobs()
    reachable, _ = ctx.registry.reachable(delete_untagged=delete_untagged)  # without the grace
    spared = {d for d in recent if d in ctx.registry.blobs} - reachable
    report = ctx.registry.garbage_collect(dry_run=dry_run, delete_untagged=delete_untagged, keep=recent)
    return {"dry_run": report.dry_run, "delete_untagged": report.delete_untagged, "marked": report.marked,
            "swept": list(report.swept), "bytes_freed": report.bytes_freed,
            "deleted_manifests": [f"{name}@{digest}" for name, digest in report.deleted_manifests],
            "kept_recent": len(spared), "gc_grace": ctx.app.gc_grace}


async def admin_gc(ctx: Context) -> Response:
    """``POST /admin/gc?dry_run=1&delete_untagged=1``: garbage-collect (regsim's, not the spec's).

    Runs under the model lock, so no request sees it half done. Unlike distribution (whose
    ``garbage-collect`` must run offline), it is safe while clients push: a blob uploaded or
    mounted within the last ``gc_grace`` seconds (as the server saw it happen; default 10
    minutes, ``regsim serve --gc-grace``) is never swept, and a manifest pushed by digest within
    it is never deleted, so the blobs of a push in flight wait for their manifest and the child
    manifests of an index wait for the index. The reply counts them (``kept_recent``). Allowed for ``admin_users``; on
    a server without authentication, only from the loopback interface.
    """
    app = ctx.app
    if app.auth.scheme == "none":
        host = ctx.request.client.host if ctx.request.client else ""
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise Denied("garbage collection over HTTP is allowed from this machine only", detail=host)
    elif ctx.identity.user is None or ctx.identity.user not in app.admin_users:
        raise Denied("garbage collection needs an admin user (serve with --admin USER)",
                     detail=ctx.identity.user)

    def flag(key: str) -> bool:
        return (ctx.query(key) or "").lower() in ("1", "true", "yes")

    return json_reply(200, await ctx.model(_gc_report, ctx, flag("dry_run"), flag("delete_untagged")))


_NAME = r"(?P<name>.+)"
#: (pattern, {method: (handler, action the caller needs on <name>)})
ROUTES: Routes = [
    (re.compile(r"^/v2/?$"), {"GET": (ping, None), "HEAD": (ping, None)}),
    (re.compile(r"^/v2/_catalog$"), {"GET": (discovery.catalog, None)}),
    (re.compile(rf"^/v2/{_NAME}/blobs/uploads/?$"), {"POST": (uploads.start_upload, PUSH)}),
    (re.compile(rf"^/v2/{_NAME}/blobs/uploads/(?P<upload>[^/]+)$"), {
        "GET": (uploads.upload_status, PUSH), "PATCH": (uploads.patch_upload, PUSH),
        "PUT": (uploads.finish_upload, PUSH), "DELETE": (uploads.cancel_upload, PUSH)}),
    (re.compile(rf"^/v2/{_NAME}/blobs/(?P<digest>[^/]+)$"), {
        "GET": (blobs.get_blob, PULL), "HEAD": (blobs.head_blob, PULL), "DELETE": (blobs.delete_blob, DELETE)}),
    (re.compile(rf"^/v2/{_NAME}/manifests/(?P<reference>[^/]+)$"), {
        "GET": (manifests.get_manifest, PULL), "HEAD": (manifests.head_manifest, PULL),
        "PUT": (manifests.put_manifest, PUSH), "DELETE": (manifests.delete_manifest, DELETE)}),
    (re.compile(rf"^/v2/{_NAME}/tags/list$"), {"GET": (discovery.list_tags, PULL)}),
    (re.compile(rf"^/v2/{_NAME}/referrers/(?P<digest>[^/]+)$"), {"GET": (discovery.referrers, PULL)}),
    (re.compile(r"^/token$"), {"GET": (token, None)}),
    (re.compile(r"^/admin/gc$"), {"POST": (admin_gc, None)}),
]

#: The scope a client asks for to do ``action`` (what a 401 challenge names).
_SCOPE_ACTIONS = {PULL: frozenset({PULL}), PUSH: frozenset({PULL, PUSH}), DELETE: frozenset({DELETE})}


class RegistryApp:
    """An ASGI app serving ``registry`` over the OCI distribution API.

    Parameters
    ----------
    registry:
        The model to serve.
    auth:
        ``"none"``, ``"basic"`` or ``"bearer"``; by default from the registry's access mode
        (``open`` -> none, ``htpasswd`` -> basic, ``namespaces`` -> bearer).
    auto_mount:
        Answer ``POST ?mount=<digest>`` without ``from`` by mounting from a repository the caller
        may pull (the spec's optional automatic content discovery).
    catalog_max_entries:
        Largest ``n`` for ``/v2/_catalog`` (and the page size without ``n``), as distribution's
        ``maxentries``.
    token_secret, token_ttl:
        Signing key (random by default) and lifetime in seconds of bearer tokens.
    history:
        How many :class:`RequestRecord` entries ``requests`` keeps.
    max_body_size:
        Largest request body (a blob or chunk), in bytes; larger ones get 413 ``SIZE_INVALID``.
    login_attempts, login_window:
        Failed logins allowed per user and client within ``login_window`` seconds (then 429).
    upload_purge_age:
        Seconds after which an unfinished upload session is purged (default 168 hours).
    max_uploads_per_client:
        Upload sessions one client address may hold open at once (then 429).
    admin_users:
        Users allowed to run garbage collection over HTTP (``POST /admin/gc``).
    gc_grace:
        Seconds during which a blob uploaded or mounted through the registry is safe from
        ``POST /admin/gc`` (a push in flight uploads its blobs before its manifest).
    rate_limit:
        Docker Hub's pull accounting (:mod:`regsim.server.ratelimit`): a
        :class:`~regsim.server.ratelimit.PullLimit` or its text (``"100/6h"``); None: unlimited.
    mirror:
        A :class:`~regsim.server.mirror.Mirror`: serve as a pull-through cache of its upstream
        (pulls fetch what the registry lacks; pushes and deletes are refused).
    """

    def __init__(self, registry: Registry, *, auth: str | None = None, auto_mount: bool = True,
                 catalog_max_entries: int = 1000, token_secret: bytes | None = None, token_ttl: int = 300,
                 history: int = 10_000, max_body_size: int = DEFAULT_MAX_BODY, login_attempts: int = 5,
                 login_window: float = 60.0, upload_purge_age: float = DEFAULT_PURGE_AGE,
                 max_uploads_per_client: int = 100, admin_users: frozenset[str] | set[str] = frozenset(),
                 gc_grace: float = DEFAULT_GC_GRACE, rate_limit: "PullLimit | str | None" = None,
                 mirror: Mirror | None = None) -> None:
        expect("registry", registry, Registry)
        self.registry = registry
        if isinstance(rate_limit, str):
            rate_limit = PullLimit.parse(rate_limit)
        #: Docker Hub's pull accounting (None: no limit)
        self.rate_limiter = RateLimiter(rate_limit) if rate_limit is not None else None
        #: the pull-through cache this app serves as (None: a registry of its own)
        self.mirror = mirror
        if mirror is not None:
            if registry.access.mode != "open":
                raise InvalidArgument(f"a mirror stores what it fetches as an open registry does: serve it with "
                                      f"access 'open', not {registry.access.mode!r}")
            registry.sparse = True  # a manifest arrives before its layers
        self._routes = mirror.routes(ROUTES) if mirror is not None else ROUTES
        if not gc_grace >= 0:
            raise InvalidArgument(f"gc_grace must be a number of seconds >= 0, got {gc_grace!r}")
        self.gc_grace = float(gc_grace)
        self._linked: OrderedDict[Digest, float] = OrderedDict()  # digest -> when last uploaded/mounted
        registry.events.subscribe(self._seen)
        self.gate = ModelGate()
        scheme = auth if auth is not None else scheme_for(registry.access.mode)
        self.auth = Authenticator(registry, scheme, TokenIssuer(registry.name, secret=token_secret, ttl=token_ttl),
                                  throttle=LoginThrottle(login_attempts, login_window))
        self.auto_mount = auto_mount
        self.catalog_max_entries = catalog_max_entries
        self.max_body_size = max_body_size
        self.uploads = UploadTracker(upload_purge_age, max_uploads_per_client)
        now = time.time()  # sessions a persistent store kept across a restart expire by their real age
        kept = [(s.started_at, upload_id) for upload_id, s in registry.uploads.items() if s.started_at is not None]
        for started, upload_id in sorted(kept):
            self.uploads.opened(upload_id, "", age=max(now - started, 0.0))
        self.admin_users = frozenset(admin_users)
        self.requests: deque[RequestRecord] = deque(maxlen=history)
        self.aborted = 0

    def _seen(self, event: ev.Event) -> None:
        # what a push in flight has sent so far: its blobs, and its manifests pushed by digest
        # (an index's children, untagged until the index arrives)
        if getattr(event, "registry", None) != self.registry.name:
            return
        if isinstance(event, (ev.BlobUploaded, ev.BlobMounted)) or (
                isinstance(event, ev.ManifestPushed) and event.tag is None):
            self._linked[event.digest] = time.monotonic()
            self._linked.move_to_end(event.digest)
            self._forget_old()

    def _forget_old(self) -> None:
        horizon = time.monotonic() - self.gc_grace
        while self._linked and next(iter(self._linked.values())) < horizon:
            self._linked.popitem(last=False)

    def recent_blobs(self) -> set[Digest]:
        """Blobs uploaded or mounted, and manifests pushed by digest, within the last ``gc_grace``
        seconds (gc keeps them, and what those manifests reference)."""
        self._forget_old()
        return set(self._linked)

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()),
                                                   (b"docker-distribution-api-version", API_VERSION.encode())]}
            await send(message)

        request = Request(scope, receive)
        try:
            response = await self._respond(request)
        except ClientDisconnect:
            self.aborted += 1
            log.info("client disconnected: %s %s", request.method, request.url.path)
            self.requests.append(RequestRecord(request.method, request.url.path, request.url.query, 499))
            return
        self.requests.append(RequestRecord(request.method, request.url.path, request.url.query,
                                           response.status_code))
        await response(scope, receive, send_with_version)

    async def _respond(self, request: Request) -> Response:
        ctx: Context | None = None
        try:
            handler, params, action = self._route(request)
            name = params.get("name")
            if name is not None:
                validate_repository(name)
            ctx = Context(self, request, params, ANONYMOUS, action)
            authorization = request.headers.get("authorization")
            if self.auth.scheme != "none" and authorization:  # a basic login asks the model: under the lock
                client = request.client.host if request.client else ""
                ctx.identity = await self.gate(self.auth.identify, authorization, client)
            elif self.auth.scheme != "none" and handler is not token:
                raise Unauthorized("authentication required: log in to use this registry"
                                   if self.auth.scheme == "basic" else
                                   "authentication required: fetch a token from the realm and retry with it")
            if name is not None and action is not None and not ctx.identity.allows(name, action):
                raise Unauthorized(f"token does not grant {action} on {name}: request a token with that scope",
                                   detail={"repository": name, "action": action})
            if self.rate_limiter is not None and "reference" in params and request.method in ("GET", "HEAD"):
                return await self._counted(ctx, handler)
            return await handler(ctx)
        except ErrorReply as exc:
            return self._error(request, ctx, exc.error, exc.headers)
        except RegistryError as exc:
            return self._error(request, ctx, exc)
        except ClientDisconnect:
            raise
        except OSError as exc:  # the store's disk refused a write (full, read-only, failing)
            log.error("storage error on %s %s: %s", request.method, request.url.path, exc)
            reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
            return self._error(request, ctx, RegistryError(
                f"the registry's storage refused the write ({reason}): nothing was changed"))
        except Exception:  # a bug: the spec's UNKNOWN, no details for the client; keep serving
            log.exception("internal error on %s %s", request.method, request.url.path)
            return self._error(request, ctx, RegistryError("internal error: the server's log has the details"))

    async def _counted(self, ctx: Context, handler: Handler) -> Response:
        """A manifest GET or HEAD under Docker Hub's accounting: a GET answered 200 spends a
        pull (429 past the limit), a HEAD spends none; both say where the caller stands."""
        limiter = self.rate_limiter
        assert limiter is not None
        client = ctx.request.client.host if ctx.request.client else ""
        key = ctx.identity.user or client
        if not ctx.head:
            try:
                limiter.check(key)
            except TooManyRequests as exc:
                raise ErrorReply(exc, limiter.headers(key, 0)) from None
        response = await handler(ctx)
        remaining = limiter.spend(key) if not ctx.head and response.status_code == 200 else None
        response.raw_headers.extend((k.encode("latin-1"), v.encode("latin-1"))
                                    for k, v in limiter.headers(key, remaining))
        return response

    def _route(self, request: Request) -> tuple[Handler, dict[str, str], str | None]:
        path, method = request.url.path, request.method
        for pattern, methods in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            if method not in methods:
                raise ErrorReply(Unsupported(f"method {method} is not supported on {path}", detail=method),
                                 [("Allow", ", ".join(sorted(methods)))])
            handler, action = methods[method]
            return handler, match.groupdict(), action
        raise EndpointUnknown(f"no such endpoint: {method} {path} (the OCI distribution API lives under /v2/)",
                              detail=path)

    def _error(self, request: Request, ctx: Context | None, error: RegistryError,
               headers: list[tuple[str, str]] | tuple[()] = ()) -> Response:
        headers = [("Content-Type", "application/json"), *headers]
        if isinstance(error, TooManyRequests) and isinstance(error.detail, dict) and "retry_after" in error.detail:
            headers.append(("Retry-After", str(error.detail["retry_after"])))
        if isinstance(error, Unauthorized):
            insufficient = ctx is not None and ctx.identity.grant is not None
            challenge = self.auth.challenge(_base_url(request), self._scopes(ctx), insufficient=insufficient)
            if challenge is not None:
                headers.append(("WWW-Authenticate", challenge))
        return reply(error.status, headers, body=error_body(error))

    @staticmethod
    def _scopes(ctx: Context | None) -> list[Scope]:
        if ctx is None or "name" not in ctx.params or ctx.action is None:
            return []
        scopes = [Scope("repository", ctx.params["name"], _SCOPE_ACTIONS[ctx.action])]
        source = ctx.query("from")
        if ctx.request.method == "POST" and source:
            scopes.append(Scope("repository", source, frozenset({PULL})))
        return scopes


def _base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
