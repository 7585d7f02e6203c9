"""Try an operation and keep its outcome: what it returned, or the registry error it raised.

A refused operation is often the lesson (a tampered upload, an anonymous pull of a private
repository). :func:`attempt` runs it and returns an :class:`Outcome` that shows the OCI error code
and message, so a notebook cell can show the refusal without failing::

    attempt(prod.pull, "alice/secret")      # ✘ UNAUTHORIZED (401): authentication required ...

:func:`access_table` asks a registry, for several users and repositories, whether each may pull
(or push): the question a docker client's token request asks before the operation itself.

Only :class:`~regsim.errors.RegistryError` is caught; any other exception is a bug and propagates.

>>> from regsim import Registry
>>> reg = Registry("localhost:5000")
>>> attempt(reg.push_blob, "team/app", b"hello")
✔ ok: Blob(sha256:2cf24dba…, size=5)
>>> outcome = attempt(reg.push_blob, "team/app", b"hellO", "sha256:" + "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
>>> outcome.ok, outcome.code, outcome.status
(False, 'DIGEST_INVALID', 400)
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any, Callable, Iterable, Mapping

from ..registry.access import ACTIONS, PULL, Token
from ..errors import InvalidArgument, RegistryError
from .output import Table

__all__ = ["Outcome", "attempt", "access_table"]


@dataclass(frozen=True)
class Outcome:
    """What an attempted operation gave: its ``value``, or the ``error`` it raised."""

    value: Any = None
    error: RegistryError | None = None

    @property
    def ok(self) -> bool:
        """Whether the operation worked (no error); an :class:`Outcome` is also true or false by it."""
        return self.error is None

    @property
    def code(self) -> str:
        """``"OK"``, or the OCI error code (``DENIED``, ``DIGEST_INVALID``...)."""
        return "OK" if self.error is None else self.error.code

    @property
    def status(self) -> int:
        """The HTTP status a registry answers with (200 when it worked)."""
        return 200 if self.error is None else self.error.status

    @property
    def message(self) -> str:
        """The registry error's message, or ``""`` when the operation worked."""
        return "" if self.error is None else self.error.message

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        if self.error is None:
            return f"✔ ok: {self.value!r}"
        return f"✘ {self.code} ({self.status}): {self.message}"

    def _repr_html_(self) -> str:
        if self.error is None:
            return (f'<div style="border-left:4px solid #0072B2;padding:2px 8px;font-family:monospace">'
                    f"<b>✔ ok</b>: {escape(repr(self.value))}</div>")
        return (f'<div style="border-left:4px solid #D55E00;padding:2px 8px;font-family:monospace">'
                f"<b>✘ {escape(self.code)}</b> ({self.status}): {escape(self.message)}</div>")


def attempt(operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Outcome:
    """Call ``operation(*args, **kwargs)``; a :class:`~regsim.errors.RegistryError` becomes the outcome."""
    try:
        return Outcome(value=operation(*args, **kwargs))
    except RegistryError as error:
        return Outcome(error=error)


def access_table(registry: Any, users: Mapping[str, Token | None], repositories: Iterable[str],
                 action: str = PULL) -> Table:
    """May each user ``action`` each repository? ``allowed``, ``UNAUTHORIZED`` or ``DENIED``.

    ``users`` maps a column name to a login token (``registry.login(user, password)``) or None
    for an anonymous client. The answer is the registry's authorization only: whether the
    repository exists is another question (``NAME_UNKNOWN`` when pulling one that does not).
    Asking records no event.

    >>> from regsim import Registry
    >>> hub = Registry.hub()
    >>> hub.add_user("alice", "pw")
    >>> print(access_table(hub, {"anonymous": None, "alice": hub.login("alice", "pw")},
    ...                    ["alice/app", "library/python"], "push"))
    REPOSITORY       anonymous      alice
    alice/app        UNAUTHORIZED   allowed
    library/python   UNAUTHORIZED   DENIED
    """
    if action not in ACTIONS:
        raise InvalidArgument(f"unknown action {action!r}: expected one of {ACTIONS}")
    names = list(users)
    rows = []
    for repository in repositories:
        row = [repository]
        for name in names:
            outcome = attempt(registry.authorize, repository, action, auth=users[name])
            row.append("allowed" if outcome.ok else outcome.code)
        rows.append(tuple(row))
    return Table(("REPOSITORY", *names), rows)
