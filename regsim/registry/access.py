"""Users, logins and who may pull or push which repository.

Three policies cover the registries people meet:

* ``"open"`` -- a plain ``registry:2``: anyone may pull and push anything.
* ``"htpasswd"`` -- ``registry:2`` with basic auth: every request needs a login; any user who
  logged in may pull and push everything.
* ``"namespaces"`` -- Docker Hub: repositories live in namespaces (``library/``, ``alice/``,
  ``acme/``). Anyone may pull a **public** repository, anonymously too. A **private** repository
  needs a login (``UNAUTHORIZED`` without one) and a grant (``DENIED`` without one). Only the
  namespace owner, and users granted ``push`` on the namespace or repository, may push.

Rules that are checked, in order: an anonymous request that needs a user is ``UNAUTHORIZED``; a
user without the right is ``DENIED``. As on Docker Hub, a repository that does not exist looks
like a private one, so that its existence is not leaked.

>>> policy = AccessPolicy("namespaces")
>>> policy.add_user("alice", "s3cret")
>>> policy.allowed("alice", "alice/app", "push", visibility=None)
True
>>> policy.allowed(None, "alice/app", "pull", visibility="private")
False
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from ..errors import Denied, InvalidArgument, Unauthorized

__all__ = ["AccessPolicy", "Token", "ACTIONS", "MODES", "PUBLIC", "PRIVATE"]

PULL, PUSH, DELETE = "pull", "push", "delete"
#: Actions a grant can give. ``push`` implies ``pull``; ``delete`` implies both.
ACTIONS = (PULL, PUSH, DELETE)
MODES = ("open", "htpasswd", "namespaces")
PUBLIC, PRIVATE = "public", "private"
_IMPLIED = {PULL: {PULL}, PUSH: {PULL, PUSH}, DELETE: {PULL, PUSH, DELETE}}


@dataclass(frozen=True)
class Token:
    """Proof of a login to one registry, passed as ``auth=`` to registry operations."""

    registry: str
    user: str
    value: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Token(registry={self.registry!r}, user={self.user!r})"


def _hash_password(user: str, password: str) -> str:
    return hashlib.sha256(f"regsim:{user}:{password}".encode()).hexdigest()


class AccessPolicy:
    """Users and permissions of one registry (see module docs for the three modes).

    A policy on its own is changed with :meth:`add_user`, :meth:`grant` and :meth:`revoke`. Given to
    a :class:`~regsim.registry.Registry`, it is copied into one the registry owns, which is
    read-only from outside: those methods then raise, and ``registry.add_user`` / ``grant`` /
    ``revoke`` change it by recording an event (so a replay of the log rebuilds it).
    """

    def __init__(self, mode: str = "open", *, default_visibility: str = PUBLIC, secret: str = "") -> None:
        if mode not in MODES:
            raise InvalidArgument(f"unknown access mode {mode!r}: expected one of {MODES}")
        if default_visibility not in (PUBLIC, PRIVATE):
            raise InvalidArgument(f"visibility must be 'public' or 'private', got {default_visibility!r}")
        self.mode = mode
        self.default_visibility = default_visibility
        # the key that signs tokens: random unless given, so a token cannot be forged from names
        self._secret = secret.encode() if secret else secrets.token_bytes(32)
        self._users: dict[str, str] = {}
        # pattern ("acme/app" or "acme/*") -> user -> set of actions
        self._grants: dict[str, dict[str, set[str]]] = {}
        #: The registry that owns this policy (None: a free-standing policy, changed directly).
        self._owner: str | None = None

    def copy_for(self, registry: str) -> "AccessPolicy":
        """An empty policy with this one's mode, default visibility and token key, owned by
        ``registry`` (read-only from outside; its users and grants enter it as events)."""
        return self._keyed(self.mode, self.default_visibility, self._secret, registry)

    @classmethod
    def _keyed(cls, mode: str, default_visibility: str, key: bytes, owner: str | None) -> "AccessPolicy":
        policy = cls.__new__(cls)
        policy.__init__(mode, default_visibility=default_visibility)  # type: ignore[misc]
        policy._secret, policy._owner = key, owner
        return policy

    def _reset(self, mode: str, default_visibility: str) -> "AccessPolicy":
        """An empty policy of ``mode`` with this one's token key and owner (``AccessReset``)."""
        return self._keyed(mode, default_visibility, self._secret, self._owner)

    def _free(self, what: str) -> None:
        if self._owner is not None:
            raise InvalidArgument(f"the access policy of registry {self._owner!r} is read-only: call "
                                  f"registry.{what}(...) instead, which records an event")

    # -- users and logins ----------------------------------------------------------------------

    @property
    def users(self) -> list[str]:
        """The account names, sorted."""
        return sorted(self._users)

    def add_user(self, user: str, password: str) -> None:
        """Create the account ``user`` with ``password`` (stored as a hash).

        The name must be lowercase letters, digits, ``-`` and ``_``, and not taken, and the password
        not empty; otherwise :class:`~regsim.errors.InvalidArgument`. A policy that a registry owns is
        read-only: call :meth:`Registry.add_user <regsim.registry.Registry.add_user>` instead.

        >>> policy = AccessPolicy("htpasswd")
        >>> policy.add_user("alice", "s3cret")
        >>> policy.users, policy.check_password("alice", "s3cret"), policy.check_password("alice", "guess")
        (['alice'], True, False)
        """
        self._free("add_user")
        self._add_user(user, self.new_user_hash(user, password))

    def new_user_hash(self, user: str, password: str) -> str:
        """Check a new account (name, not taken, password) and return its password hash; no change."""
        if not isinstance(user, str) or not user or not user.replace("-", "").replace("_", "").isalnum() or user.lower() != user:
            raise InvalidArgument(f"invalid user name {user!r}: use lowercase letters, digits, '-' and '_'")
        if user in self._users:
            raise InvalidArgument(f"user {user!r} already exists")
        if not isinstance(password, str) or not password:
            raise InvalidArgument(f"password for {user!r} must be a non-empty string")
        return _hash_password(user, password)

    def password_hash(self, user: str) -> str:
        """The stored hash of ``user``'s password (what a user event carries for replay)."""
        return self._users[user]

    def restore_user(self, user: str, password_hash: str) -> None:
        """Re-create an account from its stored hash; the name was checked when added."""
        self._free("add_user")
        self._add_user(user, password_hash)

    def _add_user(self, user: str, password_hash: str) -> None:
        if user in self._users:
            raise InvalidArgument(f"user {user!r} already exists")
        self._users[user] = password_hash

    def check_password(self, user: str, password: str) -> bool:
        """Whether ``password`` is ``user``'s (False for an unknown user), compared in constant time."""
        stored = self._users.get(user)
        return stored is not None and hmac.compare_digest(stored, _hash_password(user, password))

    def issue(self, registry: str, user: str) -> Token:
        """A login :class:`Token` for ``user`` on ``registry``, signed with this policy's key (the same
        user and registry always get the same token; :meth:`user_of` checks it). It does not check a
        password: a registry's ``login`` does that first.
        """
        value = hmac.new(self._secret, f"{registry}\0{user}".encode(), hashlib.sha256).hexdigest()
        return Token(registry, user, value)

    def user_of(self, registry: str, auth: "Token | None") -> str | None:
        """The user a token proves, or None for anonymous; a bad token is UNAUTHORIZED."""
        if auth is None:
            return None
        if not isinstance(auth, Token):
            raise Unauthorized(f"expected a Token from login(), got {type(auth).__name__}")
        if auth.registry != registry or auth.user not in self._users or not hmac.compare_digest(
            auth.value, self.issue(registry, auth.user).value
        ):
            raise Unauthorized(f"token for {auth.user!r} is not valid on {registry}", detail=auth.user)
        return auth.user

    # -- grants ---------------------------------------------------------------------------------

    def grant(self, user: str, pattern: str, action: str = PULL) -> None:
        """Give ``user`` ``action`` on a repository (``acme/app``) or namespace (``acme/*``)."""
        self._free("grant")
        self.check_grant(user, pattern, action)
        self._grant(user, pattern, action)

    def check_grant(self, user: str, pattern: str, action: str) -> None:
        """Raise unless :meth:`grant` could give ``user`` ``action`` on ``pattern``; no change."""
        if not isinstance(pattern, str) or not pattern:
            raise InvalidArgument(f"a grant needs a repository or namespace pattern, got {pattern!r}")
        if action not in ACTIONS:
            raise InvalidArgument(f"unknown action {action!r}: expected one of {ACTIONS}")
        if user not in self._users:
            raise InvalidArgument(f"unknown user {user!r}: add_user() first")

    def _grant(self, user: str, pattern: str, action: str) -> None:
        self._grants.setdefault(pattern, {}).setdefault(user, set()).update(_IMPLIED[action])

    def revoke(self, user: str, pattern: str) -> None:
        """Take back every action ``user`` was granted on ``pattern`` (a repository or ``namespace/*``).

        A policy that a registry owns is read-only: call :meth:`Registry.revoke <regsim.registry.Registry.revoke>` instead.
        """
        self._free("revoke")
        self._revoke(user, pattern)

    def _revoke(self, user: str, pattern: str) -> None:
        self._grants.get(pattern, {}).pop(user, None)

    def grants(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """Every grant: pattern -> user -> the actions given (implied ones included), sorted.

        >>> policy = AccessPolicy("namespaces")
        >>> policy.add_user("bob", "pw")
        >>> policy.grant("bob", "acme/*", "push")
        >>> policy.grants()
        {'acme/*': {'bob': ('pull', 'push')}}
        """
        return {
            p: {u: tuple(a for a in ACTIONS if a in acts) for u, acts in sorted(users.items())}
            for p, users in sorted(self._grants.items())
        }

    def _granted(self, user: str, repository: str, action: str) -> bool:
        namespace = repository.split("/", 1)[0]
        for pattern in (repository, f"{namespace}/*", "*"):
            if action in self._grants.get(pattern, {}).get(user, ()):
                return True
        return False

    # -- decisions ------------------------------------------------------------------------------

    def allowed(self, user: str | None, repository: str, action: str, visibility: str | None) -> bool:
        """May ``user`` (None: anonymous) do ``action`` on ``repository``?

        ``visibility`` is the repository's (None when it does not exist yet).
        """
        if self.mode == "open":
            return True
        if user is None:
            return self.mode == "namespaces" and action == PULL and visibility == PUBLIC
        if self.mode == "htpasswd":
            return True
        if action == PULL and visibility == PUBLIC:
            return True
        namespace = repository.split("/", 1)[0] if "/" in repository else None
        if namespace == user:
            return True
        return self._granted(user, repository, action)

    def check(self, registry: str, user: str | None, repository: str, action: str,
              visibility: str | None) -> None:
        """Raise ``UNAUTHORIZED`` or ``DENIED`` unless :meth:`allowed`."""
        if self.allowed(user, repository, action, visibility):
            return
        if user is None:
            what = "pull from" if action == PULL else f"{action} to"
            raise Unauthorized(
                f"authentication required to {what} {registry}/{repository}: log in first",
                detail={"repository": repository, "action": action},
            )
        if action == PULL:
            message = (f"pull access denied for {repository}, repository does not exist or may "
                       f"require 'docker login': requested access to the resource is denied")
        else:
            message = f"{user} may not {action} {registry}/{repository}: requested access to the resource is denied"
        raise Denied(message, detail={"repository": repository, "action": action, "user": user})

    def __repr__(self) -> str:
        return (f"AccessPolicy({self.mode!r}, users={len(self._users)}, grants={len(self._grants)}, "
                f"default_visibility={self.default_visibility!r})")

    def snapshot(self) -> dict[str, object]:
        """The policy as plain data (mode, users with their password hashes, grants, default
        visibility): what a saved or compared registry state holds.
        """
        return {"mode": self.mode, "users": dict(sorted(self._users.items())), "grants": self.grants(),
                "default_visibility": self.default_visibility}
