"""The classroom registry: one served registry for a workshop, a user and a namespace per
participant, and a shared team namespace.

``students.csv`` has a header and one participant a line::

    name,password
    alice,correct-horse
    bob,battery-staple

:class:`Classroom` makes a Docker-Hub-like registry (:mod:`access mode "namespaces"
<regsim.registry.access>`): every participant logs in, pushes to their own namespace
(``alice/app``) and to the team's (``team/app``), and pulls anything public. ``regsim serve
--classroom students.csv`` does the same from the command line. Once served
(:meth:`Classroom.serve`), the server remembers who made each request, so
:meth:`Classroom.activity` can say who pushed what, how many bytes each participant uploaded
and how many the registry deduplicated (a blob it already stored, sent again or mounted from
another repository). :class:`~regsim.server.dashboard.ClassroomDashboard` shows it live.

>>> room = Classroom([Participant("alice", "pw-a"), Participant("bob", "pw-b")])
>>> room.registry.can("team/app", "push", auth=room.registry.login("bob", "pw-b"))
True
>>> room.registry.can("alice/app", "push", auth=room.registry.login("bob", "pw-b"))
False
"""

from __future__ import annotations

import os
import collections.abc
import base64
import contextvars
import csv
import html
import json
import threading
import time
from collections import deque
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable
from urllib.parse import parse_qs

from .. import events as ev
from ..errors import InvalidArgument, NameInvalid, UnknownKey, expect
from ..oci.reference import validate_repository
from ..registry import Registry
from ..registry.access import PUSH, AccessPolicy
from ..units import human_size
from .dashboard_web import DASHBOARD_PATH, WebDashboard

if TYPE_CHECKING:  # pragma: no cover - serve() imports them when a classroom is served
    from starlette.types import Message, Receive, Scope, Send

    from .app import RegistryApp, RequestRecord
    from .auth import Authenticator
    from .gate import ModelGate
    from .runner import RegistryServer

__all__ = ["Participant", "Classroom", "Activity", "ParticipantActivity", "read_participants", "setup_access",
           "RequestLedger", "LedgerEntry", "Journal", "JournalLine", "ClassroomApp", "activity_of", "request_user",
           "DASHBOARD_PATH"]


@dataclass(frozen=True)
class Participant:
    """A workshop participant: their user name (also their namespace) and password."""

    name: str
    password: str = field(repr=False)


def read_participants(path: str | Path) -> list[Participant]:
    """The participants of a CSV file with ``name`` and ``password`` columns (a header line first),
    as written by hand or saved by a spreadsheet as "CSV UTF-8" (a byte-order mark, CRLF).

    ``ValueError`` naming the file, the line and the value for a missing column, an empty
    password, a name that cannot be a namespace (lowercase letters, digits, ``.``, ``_``, ``-``)
    or a name given twice.
    """
    expect("path", path, (str, os.PathLike), "a path")
    path = Path(path)
    # utf-8-sig: Excel and Google Sheets save "CSV UTF-8" with a byte-order mark (and CRLF line
    # ends, which the csv module reads as any line end)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        if "name" not in columns or "password" not in columns:
            raise InvalidArgument(f"{path}: the first line must name the columns 'name' and 'password', got {columns}")
        people: list[Participant] = []
        seen: set[str] = set()
        for number, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            name, password = row.get("name", ""), row.get("password", "")
            if not name and not password:
                continue
            _check_name(name, f"{path}, line {number}")
            if not password:
                raise InvalidArgument(f"{path}, line {number}: participant {name!r} has no password")
            if name in seen:
                raise InvalidArgument(f"{path}, line {number}: participant {name!r} is listed twice")
            seen.add(name)
            people.append(Participant(name, password))
    if not people:
        raise InvalidArgument(f"{path}: no participants (expected a header 'name,password' and one line each)")
    return people


def _check_name(name: str, where: str) -> None:
    if "/" in name:
        raise InvalidArgument(f"{where}: participant name {name!r} must be one path component (it becomes a namespace)")
    try:
        validate_repository(name)
    except NameInvalid as exc:
        raise InvalidArgument(f"{where}: participant name {name!r} cannot be a namespace: {exc.message}") from None


def setup_access(policy: AccessPolicy, participants: Iterable[Participant], *, team: str = "team",
                 instructor: Participant | None = None) -> AccessPolicy:
    """Add a user per participant (their namespace is theirs in ``namespaces`` mode), let each push
    to ``team/*``, and let ``instructor`` push anywhere; returns ``policy``."""
    expect("policy", policy, AccessPolicy)
    expect("participants", participants, collections.abc.Iterable, "an iterable of Participants")
    _check_name(team, "team")
    for p in participants:
        if p.name == team:
            raise InvalidArgument(f"the team namespace {team!r} is also a participant's name")
        policy.add_user(p.name, p.password)
        policy.grant(p.name, f"{team}/*", PUSH)
    if instructor is not None:
        policy.add_user(instructor.name, instructor.password)
        policy.grant(instructor.name, "*", PUSH)
    return policy


# -- who made each request ---------------------------------------------------------------------------

#: the user of the request being handled (set by :class:`RequestLedger`); :data:`NO_REQUEST`
#: outside any request (a model call from a notebook, ``--load``)
NO_REQUEST = "-"
_current_user: contextvars.ContextVar[str | None] = contextvars.ContextVar("regsim_request_user", default=NO_REQUEST)

#: statuses that refuse a request whose caller presented credentials
REFUSALS = {401: "unauthorized", 403: "denied", 429: "too many requests"}


@dataclass(frozen=True)
class LedgerEntry:
    """One request: who (None: anonymous), what, and the answer's status; for an error, its
    message (``reason``); ``presented``: the request carried credentials."""

    user: str | None
    method: str
    path: str
    query: str
    status: int
    reason: str = ""
    presented: bool = False

    @property
    def refused(self) -> bool:
        """A caller with credentials was turned away: a wrong password, a push into another's
        namespace, too many failed logins. Not refusals: the challenge every client gets before it
        logs in, and a ``HEAD`` on a blob (a push's probe, whose own refusal follows)."""
        probe = self.method == "HEAD" and "/blobs/" in self.path and self.status != 429
        return self.presented and self.status in REFUSALS and not probe

    @property
    def action(self) -> str:
        """What the request tried, in a participant's words: ``push to bob/app``, ``pull team/app``,
        ``delete bob/app``, ``log in``."""
        if self.path.startswith("/v2/") and ("/blobs/" in self.path or "/manifests/" in self.path):
            name = self.path[4:].rpartition("/manifests/")[0] if "/manifests/" in self.path else \
                self.path[4:].partition("/blobs/")[0]
            if self.method == "DELETE" and "/uploads/" not in self.path:
                return f"delete {name}"
            if self.method in ("POST", "PUT", "PATCH") or "/uploads/" in self.path:
                return f"push to {name}"
            return f"pull {name}"
        return "log in"

    def describe(self) -> str:
        """``push to bob/app (denied: ...)`` for a refusal, else ``METHOD PATH STATUS``."""
        if self.refused:
            return f"{self.action} ({self.reason or REFUSALS[self.status]})"
        return f"{self.method} {self.path} {self.status}"


def _error_reason(status: int, body: bytes) -> str:
    """The first error message of a spec error body (``{"errors": [...]}``), else the status's name."""
    try:
        first = json.loads(body)["errors"][0]
        return f"{str(first['code']).lower()}: {first['message']}"
    except (ValueError, KeyError, IndexError, TypeError):
        return REFUSALS.get(status, f"HTTP {status}")


class RequestLedger:
    """An ASGI wrapper around a :class:`~regsim.server.app.RegistryApp` that records who made each
    request (the user of its basic credentials or of its verified bearer token), and for an error
    why. While a request runs, the model's events know its user (:func:`request_user`).
    ``listeners`` are called with each :class:`LedgerEntry`. Everything else (``registry``,
    ``gate``, ``requests``, ``auth``) is the wrapped app's."""

    def __init__(self, app: RegistryApp) -> None:
        if not callable(app):
            raise InvalidArgument(f"app must be an ASGI app (a RegistryApp), got {type(app).__name__} {app!r:.80}")
        self.app = app
        self._entries: list[LedgerEntry] = []
        self._lock = threading.Lock()
        self.listeners: list[Callable[[LedgerEntry], object]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    @property
    def registry(self) -> Registry:
        """The model served (the wrapped app's)."""
        return self.app.registry

    @property
    def gate(self) -> ModelGate:
        """The model lock (the wrapped app's)."""
        return self.app.gate

    @property
    def auth(self) -> Authenticator:
        """The authentication scheme and token issuer (the wrapped app's)."""
        return self.app.auth

    @property
    def requests(self) -> deque[RequestRecord]:
        """The requests served so far, oldest first (the wrapped app's)."""
        return self.app.requests

    @property
    def entries(self) -> list[LedgerEntry]:
        with self._lock:
            return list(self._entries)

    def _user(self, scope: Scope) -> tuple[str | None, bool]:
        """The request's user (None: anonymous or unreadable) and whether it presented credentials."""
        header = dict(scope.get("headers") or ()).get(b"authorization", b"").decode("latin-1")
        kind, _, value = header.partition(" ")
        if kind.lower() == "basic":
            try:
                return base64.b64decode(value).decode().split(":", 1)[0] or None, True
            except (ValueError, UnicodeDecodeError):
                return None, True
        if kind.lower() == "bearer":
            try:
                return self.app.auth.issuer.verify(value).user, True
            except Exception:  # an invalid token: the app itself answers 401
                return None, True
        return None, bool(header)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status, body = 0, b""
        user, presented = self._user(scope)

        async def watch(message: Message) -> None:
            nonlocal status, body
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status >= 400 and len(body) < 4096:
                body += bytes(message.get("body", b""))
            await send(message)

        token = _current_user.set(user)
        try:
            await self.app(scope, receive, watch)
        finally:
            _current_user.reset(token)
            entry = LedgerEntry(user, scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"),
                                status, _error_reason(status, body) if status >= 400 else "", presented)
            with self._lock:
                self._entries.append(entry)
            for listener in list(self.listeners):
                listener(entry)


def request_user() -> str | None:
    """The user of the request being handled (None: anonymous); :data:`NO_REQUEST` outside one."""
    return _current_user.get()


# -- the journal: one line per thing that happened, naming who -------------------------------------


@dataclass(frozen=True)
class JournalLine:
    """One line of the classroom's journal: ``seq`` (its place), ``time`` (epoch seconds),
    ``who`` (a participant, ``anonymous``, or ``-`` for the server itself), ``kind`` (an event's
    kind, or ``refused``) and ``text``."""

    seq: int
    time: float
    who: str
    kind: str
    text: str
    #: the model event's number (None for a refusal)
    event: int | None = None

    @property
    def refused(self) -> bool:
        return self.kind == "refused"

    def __str__(self) -> str:
        number = f"#{self.event:<5}" if self.event is not None else "      "
        return f"{number} {self.who:<12} {'refused: ' if self.refused else ''}{self.text}"

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "time": self.time, "who": self.who, "kind": self.kind, "text": self.text,
                "event": self.event, "refused": self.refused}


def _who(user: str | None) -> str:
    return "anonymous" if user is None else user


class Journal:
    """What happened in a served classroom, one :class:`JournalLine` each, naming who did it:
    every model event (uploads and mounts too) with the user of the request that caused it, and
    every refused request with its reason. ``listeners`` are called with each new line (the
    terminal prints them); :meth:`since` serves the web dashboard.

    A client that is refused retries: the same refusal from the same user within ``repeat``
    seconds makes one line."""

    def __init__(self, registry: Registry, ledger: RequestLedger, *, keep: int = 10_000, repeat: float = 5.0) -> None:
        expect("registry", registry, Registry)
        self.registry = registry
        self.repeat = repeat
        self.listeners: list[Callable[[JournalLine], object]] = []
        self._lines: deque[JournalLine] = deque(maxlen=keep)
        self._seq = 0
        self._lock = threading.Lock()
        self._recent: dict[tuple[str, str], float] = {}
        self._unsubscribe = registry.events.subscribe(self._on_event)
        ledger.listeners.append(self._on_entry)

    def _on_event(self, event: ev.Event) -> None:
        user = request_user()
        who = user if user == NO_REQUEST else _who(user)
        self._add(who, event.kind, event.describe(), getattr(event, "seq", None))

    def _on_entry(self, entry: LedgerEntry) -> None:
        if not entry.refused:
            return
        who, text = _who(entry.user), entry.describe()
        now = time.monotonic()
        with self._lock:
            if len(self._recent) > 1000:  # forget refusals too old to be repeated
                self._recent = {k: t for k, t in self._recent.items() if now - t < self.repeat}
            last = self._recent.get((who, text))
            self._recent[(who, text)] = now
            if last is not None and now - last < self.repeat:
                return
        self._add(who, "refused", text, None)

    def _add(self, who: str, kind: str, text: str, event: int | None) -> None:
        with self._lock:
            line = JournalLine(self._seq, time.time(), who, kind, text, event)
            self._seq += 1
            self._lines.append(line)
        for listener in list(self.listeners):
            listener(line)

    @property
    def lines(self) -> list[JournalLine]:
        with self._lock:
            return list(self._lines)

    def since(self, seq: int) -> list[JournalLine]:
        """The lines numbered ``seq`` and later."""
        with self._lock:
            return [line for line in self._lines if line.seq >= seq]

    def close(self) -> None:
        self._unsubscribe()


# -- the classroom -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipantActivity:
    """What one participant did: tags pushed, bytes sent and stored, bytes the registry deduplicated."""

    name: str
    pushed: tuple[str, ...]
    #: bytes sent whose content the registry did not have yet
    uploaded_bytes: int
    #: bytes the registry did not store twice: sent although already stored, or mounted (not sent)
    deduplicated_bytes: int
    mounted: int
    #: images pulled (``repository:tag`` or ``repository@digest``), first pull first
    pulled: tuple[str, ...] = field(default=(), repr=False)
    #: requests refused, with their reason (``push to bob/app (denied: ...)``), each once
    refused: tuple[str, ...] = field(default=(), repr=False)

    def summary(self) -> str:
        """Everything in one line: pushes, pulls, refusals and bytes."""
        refused = "; ".join(self.refused) if self.refused else "none"
        return (f"{self.name}: pushed {', '.join(self.pushed) or 'nothing'}; pulled {', '.join(self.pulled) or 'nothing'}; "
                f"uploaded {human_size(self.uploaded_bytes)}, deduplicated {human_size(self.deduplicated_bytes)}"
                f" ({self.mounted} mounted); refused {len(self.refused)}: {refused}")

    def row(self) -> str:
        pushed = ", ".join(self.pushed) or "-"
        return (f"{self.name:<12} {pushed:<40} {human_size(self.uploaded_bytes):>10} "
                f"{human_size(self.deduplicated_bytes):>10}")


@dataclass(frozen=True)
class Activity:
    """Per participant (in the class list's order), then totals; ``str`` is a table."""

    participants: tuple[ParticipantActivity, ...]
    team: str

    @property
    def uploaded_bytes(self) -> int:
        return sum(p.uploaded_bytes for p in self.participants)

    @property
    def deduplicated_bytes(self) -> int:
        return sum(p.deduplicated_bytes for p in self.participants)

    def by_name(self, name: str) -> ParticipantActivity:
        for p in self.participants:
            if p.name == name:
                return p
        raise UnknownKey(f"no participant {name!r} (there are: {', '.join(p.name for p in self.participants)})")

    def __str__(self) -> str:
        head = f"{'who':<12} {'pushed':<40} {'uploaded':>10} {'dedup':>10}"
        total = (f"{'everyone':<12} {'':<40} {human_size(self.uploaded_bytes):>10} "
                 f"{human_size(self.deduplicated_bytes):>10}")
        return "\n".join([head, *(p.row() for p in self.participants), total])

    def summary(self) -> str:
        """Per participant, one line of everything they did (the instructor's terminal prints it
        when the server stops), then the class's totals."""
        stored_share = (f" ({self.deduplicated_bytes / (self.uploaded_bytes + self.deduplicated_bytes):.0%} of "
                        "what was sent or mounted)" if self.uploaded_bytes + self.deduplicated_bytes else "")
        return "\n".join([*(f"  {p.summary()}" for p in self.participants),
                          f"  everyone: {sum(1 for p in self.participants if p.pushed)} of {len(self.participants)} "
                          f"pushed; uploaded {human_size(self.uploaded_bytes)}, deduplicated "
                          f"{human_size(self.deduplicated_bytes)}{stored_share}; "
                          f"{sum(len(p.refused) for p in self.participants)} refused"])

    def _repr_html_(self) -> str:
        cell = "<td style='padding:2px 8px;text-align:{}'>{}</td>"
        rows = "".join(
            "<tr>" + cell.format("left", html.escape(p.name)) + cell.format("left", html.escape(", ".join(p.pushed) or "-"))
            + cell.format("right", human_size(p.uploaded_bytes)) + cell.format("right", human_size(p.deduplicated_bytes))
            + "</tr>" for p in self.participants)
        total = ("<tr style='font-weight:bold'>" + cell.format("left", "everyone") + cell.format("left", "")
                 + cell.format("right", human_size(self.uploaded_bytes))
                 + cell.format("right", human_size(self.deduplicated_bytes)) + "</tr>")
        head = "".join(f"<th style='padding:2px 8px;text-align:left'>{h}</th>"
                       for h in ("who", "pushed", "uploaded", "deduplicated"))
        return f"<table><tr>{head}</tr>{rows}{total}</table>"


class Classroom:
    """A registry for a class: ``participants`` each get a user and a namespace; all may push to
    the ``team`` namespace; ``instructor`` (optional) may push anywhere.

    ``name`` is the registry's name in the model. Nothing is served until :meth:`serve`.
    """

    def __init__(self, participants: Iterable[Participant], *, team: str = "team", name: str = "localhost:5000",
                 instructor: Participant | None = None) -> None:
        expect("participants", participants, collections.abc.Iterable, "an iterable of Participants")
        self.participants = tuple(participants)
        if not self.participants:
            raise InvalidArgument("participants: a classroom needs at least one participant, got none")
        _check_name(team, "team")
        names = [p.name for p in self.participants]
        for p in self.participants:
            _check_name(p.name, "participants")
        if team in names:
            raise InvalidArgument(f"the team namespace {team!r} is also a participant's name")
        if len(set(names)) != len(names):
            raise InvalidArgument(f"participants listed twice: {sorted({n for n in names if names.count(n) > 1})}")
        self.team = team
        self.instructor = instructor
        self.registry = Registry(name, access=setup_access(AccessPolicy("namespaces", secret=name),
                                                           self.participants, team=team, instructor=instructor))
        #: the running server (after :meth:`serve`), its app, who made each request, what happened
        self.server: RegistryServer | None = None
        self.app: ClassroomApp | None = None
        self.ledger: RequestLedger | None = None
        self.journal: Journal | None = None

    @classmethod
    def from_csv(cls, path: str | Path, **options: Any) -> "Classroom":
        """A classroom of the participants in a CSV file (see :func:`read_participants`)."""
        return cls(read_participants(path), **options)

    def serve(self, port: int = 0, *, host: str = "127.0.0.1", **options: Any) -> RegistryServer:
        """Serve the classroom registry in a background thread (``options`` go to
        :class:`~regsim.server.app.RegistryApp`, e.g. ``auth="basic"``; Docker Hub's bearer
        tokens by default). Returns the running server; stop it with ``.stop()``."""
        from .app import RegistryApp
        from .runner import RegistryServer, bind

        if self.server is not None and self.server.running:
            raise RuntimeError(f"this classroom is already served at {self.server.url}")
        self.app = ClassroomApp(RegistryApp(self.registry, **options), self.participants, team=self.team,
                                instructor=self.instructor)
        self.ledger, self.journal = self.app.ledger, self.app.journal
        server = self.server = RegistryServer(self.app, bind(host, port)).start()
        return server

    def activity(self) -> Activity:
        """Who pushed and pulled what, what was refused, and bytes uploaded against bytes
        deduplicated, per participant."""
        if self.app is not None:
            return self.app.activity()
        return activity_of(self.registry, [], self.participants, self.team)

    def stop(self) -> None:
        """Stop the server (if :meth:`serve` started one) and close the journal. Also what leaving a
        ``with Classroom(...)`` block does; safe to call twice.
        """
        if self.server is not None:
            self.server.stop()
        if self.journal is not None:
            self.journal.close()

    def __enter__(self) -> "Classroom":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"served at {self.server.url}" if self.server is not None and self.server.running else "not served"
        return f"Classroom({len(self.participants)} participants, team {self.team!r}, {state})"


def activity_of(registry: Registry, entries: Iterable[LedgerEntry], participants: Iterable[Participant], team: str,
                lock: AbstractContextManager[Any] | None = None) -> Activity:
    """The :class:`Activity` of ``participants`` from a ledger's ``entries`` and the registry's
    events (read under ``lock``, the server's model lock)."""
    expect("registry", registry, Registry)
    with lock if lock is not None else nullcontext():
        uploads: dict[tuple[str, str], ev.BlobUploaded] = {}
        mounts: dict[tuple[str, str], ev.BlobMounted] = {}
        for e in registry.events:
            if isinstance(e, ev.BlobUploaded):
                uploads.setdefault((e.repository, str(e.digest)), e)
            elif isinstance(e, ev.BlobMounted):
                mounts.setdefault((e.repository, str(e.digest)), e)
    names = [p.name for p in participants]
    pushed: dict[str, list[str]] = {name: [] for name in names}
    pulled: dict[str, list[str]] = {name: [] for name in names}
    refused: dict[str, list[str]] = {name: [] for name in names}
    sent: dict[str, int] = dict.fromkeys(names, 0)
    dedup: dict[str, int] = dict.fromkeys(names, 0)
    mounted: dict[str, int] = dict.fromkeys(names, 0)
    for entry in entries:
        if entry.user not in pushed:
            continue
        if entry.refused:
            refused[entry.user].append(entry.describe())
            continue
        if not entry.path.startswith("/v2/"):
            continue
        if "/manifests/" in entry.path and entry.method == "GET" and entry.status == 200:
            repository, _, reference = entry.path[4:].rpartition("/manifests/")
            pulled[entry.user].append(f"{repository}{'@' if ':' in reference else ':'}{reference}")
        if entry.status != 201:
            continue
        query = parse_qs(entry.query)
        if "/manifests/" in entry.path and entry.method == "PUT":
            repository, _, reference = entry.path[4:].rpartition("/manifests/")
            if ":" not in reference:
                pushed[entry.user].append(f"{repository}:{reference}")
        elif "/blobs/uploads/" in entry.path and "digest" in query:
            repository = entry.path[4:].partition("/blobs/uploads/")[0]
            upload = uploads.get((repository, query["digest"][0]))
            if upload is not None:
                if upload.deduplicated:
                    dedup[entry.user] += upload.size
                else:
                    sent[entry.user] += upload.size
        elif "/blobs/uploads/" in entry.path and "mount" in query:
            repository = entry.path[4:].partition("/blobs/uploads/")[0]
            mount = mounts.get((repository, query["mount"][0]))
            if mount is not None:
                dedup[entry.user] += mount.size
                mounted[entry.user] += 1
    rows = tuple(ParticipantActivity(n, tuple(dict.fromkeys(pushed[n])), sent[n], dedup[n], mounted[n],
                                     tuple(dict.fromkeys(pulled[n])), tuple(dict.fromkeys(refused[n])))
                 for n in names)
    return Activity(rows, team)


#: where the classroom server serves the instructor's web dashboard


class ClassroomApp:
    """The classroom's ASGI app: the registry API through a :class:`RequestLedger`, a
    :class:`Journal` of who did what, and -- with an ``instructor`` -- the web dashboard at
    :data:`DASHBOARD_PATH` (:class:`~regsim.server.dashboard_web.WebDashboard`, behind the
    instructor's login). Everything else (``registry``, ``gate``, ``auth``...) is the wrapped app's."""

    def __init__(self, app: RegistryApp, participants: Iterable[Participant], *, team: str = "team",
                 instructor: Participant | None = None) -> None:
        self.ledger = RequestLedger(app)
        self.journal = Journal(app.registry, self.ledger)
        self.participants = tuple(participants)
        self.team = team
        self.instructor = instructor
        #: the web dashboard (None without an instructor: nobody could log in to it)
        self.dashboard = WebDashboard(self, instructor) if instructor is not None else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ledger, name)

    @property
    def registry(self) -> Registry:
        """The model served (the wrapped app's)."""
        return self.ledger.registry

    @property
    def gate(self) -> ModelGate:
        """The model lock (the wrapped app's)."""
        return self.ledger.gate

    @property
    def auth(self) -> Authenticator:
        """The authentication scheme and token issuer (the wrapped app's)."""
        return self.ledger.auth

    @property
    def requests(self) -> deque[RequestRecord]:
        """The requests served so far, oldest first (the wrapped app's)."""
        return self.ledger.requests

    def activity(self) -> Activity:
        return activity_of(self.ledger.registry, self.ledger.entries, self.participants, self.team,
                           lock=self.ledger.gate.lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["path"] == DASHBOARD_PATH or scope["path"].startswith(DASHBOARD_PATH + "/")):
            if self.dashboard is not None:
                await self.dashboard(scope, receive, send)
                return
        await self.ledger(scope, receive, send)
