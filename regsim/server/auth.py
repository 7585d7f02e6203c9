"""HTTP authentication mapped onto the model's users and permissions.

Three schemes, chosen from the registry's :class:`~regsim.registry.access.AccessPolicy` unless given:

* ``"none"`` -- an ``open`` registry: every request is anonymous and nothing is challenged;
* ``"basic"`` -- ``registry:2`` with htpasswd: ``Authorization: Basic`` on every request, a
  ``WWW-Authenticate: Basic realm=...`` challenge without it;
* ``"bearer"`` -- Docker Hub's token flow: a 401 carries
  ``WWW-Authenticate: Bearer realm="<base>/token",service="<registry>",scope="repository:<name>:pull,push"``;
  the client fetches ``GET /token?service=&scope=`` (with basic credentials, or anonymously)
  and retries with ``Authorization: Bearer <token>``.

Both credential kinds are accepted whatever the scheme. A token carries the user and the access
the model granted for each requested scope (:meth:`Registry.can`); a request is checked against
its token's scopes here, then against the user's real permissions by the model itself. Passwords
are checked by :meth:`Registry.login`, once per distinct credential (so a ``UserLoggedIn`` event
marks a login, not every request). Failed logins are throttled per user and client
(:class:`~regsim.server.limits.LoginThrottle`): past the limit, ``429 TOOMANYREQUESTS``.

Credentials are bounded before any work: a user name or password longer than
:data:`~regsim.server.limits.MAX_CREDENTIAL` bytes, or a bearer token longer than
:data:`MAX_TOKEN` characters, is ``401 UNAUTHORIZED`` without being hashed, looked up, stored
or echoed; an error echoes at most 64 characters of what a client sent.

>>> scopes = parse_scopes(["repository:demo/app:pull,push repository:base:pull"])
>>> [(s.name, sorted(s.actions)) for s in scopes]
[('demo/app', ['pull', 'push']), ('base', ['pull'])]
"""

from __future__ import annotations

import collections.abc
import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..registry import Registry
from ..registry.access import ACTIONS, Token
from ..errors import InvalidArgument, TooManyRequests, Unauthorized, expect
from .limits import MAX_CREDENTIAL, LoginThrottle, shown

__all__ = ["SCHEMES", "ANONYMOUS", "Scope", "Grant", "Identity", "TokenIssuer", "Authenticator", "parse_scopes",
           "scheme_for"]

SCHEMES = ("none", "basic", "bearer")
#: Longest bearer token accepted, in characters (ours are a few hundred).
MAX_TOKEN = 16 << 10
#: Longest ``base64(user:password)``: both at their cap, plus the colon.
_MAX_BASIC = 4 * -(-(2 * MAX_CREDENTIAL + 1) // 3)


@dataclass(frozen=True)
class Scope:
    """One ``type:name:actions`` item of a token request (``repository:demo/app:pull,push``)."""

    type: str
    name: str
    actions: frozenset[str]

    def __str__(self) -> str:
        return f"{self.type}:{self.name}:{','.join(a for a in (*ACTIONS, '*') if a in self.actions)}"


def parse_scopes(values: Iterable[str]) -> list[Scope]:
    """Parse ``scope`` query values; each may hold several space-separated scopes."""
    expect("values", values, collections.abc.Iterable, "an iterable of scope strings")
    out: list[Scope] = []
    for value in values:
        for item in value.split():
            kind, sep, rest = item.partition(":")
            name, sep2, actions = rest.rpartition(":")
            if not sep or not sep2 or not kind or not name:
                raise Unauthorized(f"invalid scope {item!r}: expected type:name:actions", detail=item)
            out.append(Scope(kind, name, frozenset(a for a in actions.split(",") if a)))
    return out


def scheme_for(mode: str) -> str:
    """The scheme a registry with access ``mode`` uses, like the registries it models."""
    schemes = {"open": "none", "htpasswd": "basic", "namespaces": "bearer"}
    if not isinstance(mode, str) or mode not in schemes:
        raise InvalidArgument(f"mode must be one of {', '.join(schemes)}, got {mode!r}")
    return schemes[mode]


@dataclass(frozen=True)
class Grant:
    """What a bearer token allows: ``(repository, action)`` pairs, plus catalog access."""

    user: str | None
    access: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def allows(self, repository: str, action: str) -> bool:
        return (repository, action) in self.access


@dataclass(frozen=True)
class Identity:
    """Who made a request: ``token`` for model calls, ``grant`` when a bearer token was used."""

    user: str | None = None
    token: Token | None = None
    grant: Grant | None = None
    presented: bool = False

    def allows(self, repository: str, action: str) -> bool:
        """False only when a bearer token does not cover the scope (the model checks the rest)."""
        return self.grant is None or self.grant.allows(repository, action)


ANONYMOUS = Identity()


class TokenIssuer:
    """Mints and verifies HMAC-signed bearer tokens (``<payload>.<signature>``, base64url).

    The payload holds the registry name, the user, the granted access and an expiry time.
    """

    def __init__(self, registry: str, *, secret: bytes | None = None, ttl: int = 300,
                 clock: Callable[[], float] = time.time) -> None:
        expect("registry", registry, str, "the registry's name")
        self.registry = registry
        self.ttl = ttl
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._clock = clock

    def mint(self, user: str | None, access: Iterable[tuple[str, str]]) -> tuple[str, int]:
        """A token for ``user`` with ``access``; returns ``(token, expires_in)``."""
        payload = {"reg": self.registry, "sub": user, "exp": int(self._clock()) + self.ttl,
                   "access": sorted([list(a) for a in set(access)])}
        body = _b64(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode())
        return f"{body}.{_b64(self._sign(body))}", self.ttl

    def verify(self, token: str) -> Grant:
        """The grant a token carries; ``UNAUTHORIZED`` if forged, expired or for another registry."""
        body, _, signature = token.partition(".")
        try:
            valid = hmac.compare_digest(_unb64(signature), self._sign(body))
            payload = json.loads(_unb64(body)) if valid else None
        except (binascii.Error, ValueError):
            payload = None
        if not isinstance(payload, dict) or payload.get("reg") != self.registry:
            raise Unauthorized("invalid bearer token: not issued by this registry", detail="invalid_token")
        if payload["exp"] <= self._clock():
            raise Unauthorized("bearer token expired: request a new one", detail="invalid_token")
        return Grant(payload["sub"], frozenset((r, a) for r, a in payload["access"]))

    def _sign(self, body: str) -> bytes:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator:
    """Turns ``Authorization`` headers into an :class:`Identity`, and 401s into challenges.

    Every method that touches the registry must be called with the model lock held.
    """

    def __init__(self, registry: Registry, scheme: str, issuer: TokenIssuer, realm: str = "regsim",
                 throttle: LoginThrottle | None = None) -> None:
        if scheme not in SCHEMES:
            raise InvalidArgument(f"unknown auth scheme {scheme!r}: expected one of {SCHEMES}")
        self.registry = registry
        self.scheme = scheme
        self.issuer = issuer
        self.realm = realm
        self.throttle = throttle if throttle is not None else LoginThrottle()
        self._logins: dict[tuple[str, str], Token] = {}

    # -- identifying requests ------------------------------------------------------------------

    def identify(self, authorization: str | None, client: str = "") -> Identity:
        """The identity behind an ``Authorization`` header (anonymous when absent or scheme none).

        ``client`` (the peer address) keys the failed-login throttle.
        """
        if self.scheme == "none" or not authorization:
            return ANONYMOUS
        kind, _, credentials = authorization.strip().partition(" ")
        kind = kind.lower()
        if kind == "basic":
            user, token = self.login(credentials.strip(), client)
            return Identity(user, token, presented=True)
        if kind == "bearer":
            if len(credentials) > MAX_TOKEN:
                raise Unauthorized(f"invalid bearer token: longer than {MAX_TOKEN} characters",
                                   detail="invalid_token")
            grant = self.issuer.verify(credentials.strip())
            issued = self.registry.access.issue(self.registry.name, grant.user) if grant.user else None
            return Identity(grant.user, issued, grant, presented=True)
        raise Unauthorized(f"unsupported Authorization scheme {shown(kind)!r}: use Basic or Bearer",
                           detail=shown(kind))

    def login(self, credentials: str, client: str = "") -> tuple[str, Token]:
        """Check ``base64(user:password)`` with the model (one ``UserLoggedIn`` per credential).

        A user name or password over :data:`~regsim.server.limits.MAX_CREDENTIAL` bytes is
        refused first: it is not decoded further, hashed, throttled or passed to the model.
        """
        too_long = Unauthorized(f"invalid basic credentials: user names and passwords are at most "
                                f"{MAX_CREDENTIAL} bytes each")
        if len(credentials) > _MAX_BASIC:
            raise too_long
        try:  # ValueError: a header with non-ASCII bytes ("Basic \\xff")
            raw_user, sep, raw_password = base64.b64decode(credentials, validate=True).partition(b":")
            user, password = raw_user.decode(), raw_password.decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise Unauthorized("invalid basic credentials: not base64 of user:password") from None
        if not sep:
            raise Unauthorized("invalid basic credentials: expected user:password", detail=shown(user))
        if len(raw_user) > MAX_CREDENTIAL or len(raw_password) > MAX_CREDENTIAL:
            raise too_long
        wait = self.throttle.retry_after(user, client)
        if wait is not None:
            raise TooManyRequests(f"too many failed logins for {user!r}: try again in {wait} s",
                                  detail={"user": user, "retry_after": wait})
        key = (user, hashlib.sha256(f"{user}\0{password}".encode()).hexdigest())
        token = self._logins.get(key)
        if token is None:
            try:
                token = self.registry.login(user, password)
            except Unauthorized:
                self.throttle.failed(user, client)
                raise
            self._logins[key] = token
        self.throttle.succeeded(user, client)
        return user, token

    # -- the token endpoint ------------------------------------------------------------------------

    def issue(self, identity: Identity, scopes: list[Scope]) -> tuple[str, int]:
        """A token granting, of each requested scope, what the model lets ``identity`` do."""
        access: set[tuple[str, str]] = set()
        for scope in scopes:
            if scope.type != "repository":
                continue  # registry:catalog:* needs no grant: the catalog is filtered per user
            wanted = set(ACTIONS) if "*" in scope.actions else set(scope.actions) & set(ACTIONS)
            access.update((scope.name, action) for action in wanted
                          if self.registry.can(scope.name, action, auth=identity.token))
        return self.issuer.mint(identity.user, access)

    # -- challenges ------------------------------------------------------------------------------

    def challenge(self, base_url: str, scopes: list[Scope], *, insufficient: bool = False) -> str | None:
        """The ``WWW-Authenticate`` value for a 401 (None when the scheme is ``none``)."""
        if self.scheme == "none":
            return None
        if self.scheme == "basic":
            return f'Basic realm="{self.realm}"'
        parts = [f'realm="{base_url}/token"', f'service="{self.registry.name}"']
        if scopes:
            parts.append(f'scope="{" ".join(str(s) for s in scopes)}"')
        if insufficient:
            parts.append('error="insufficient_scope"')
        return "Bearer " + ",".join(parts)
