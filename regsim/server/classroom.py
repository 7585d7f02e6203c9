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

import base64
import csv
import html
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

from .. import events as ev
from ..errors import NameInvalid
from ..oci.reference import validate_repository
from ..registry import Registry
from ..registry.access import PUSH, AccessPolicy
from ..units import human_size

__all__ = ["Participant", "Classroom", "Activity", "ParticipantActivity", "read_participants", "setup_access",
           "RequestLedger"]


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
    path = Path(path)
    # utf-8-sig: Excel and Google Sheets save "CSV UTF-8" with a byte-order mark (and CRLF line
    # ends, which the csv module reads as any line end)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        if "name" not in columns or "password" not in columns:
            raise ValueError(f"{path}: the first line must name the columns 'name' and 'password', got {columns}")
        people: list[Participant] = []
        seen: set[str] = set()
        for number, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            name, password = row.get("name", ""), row.get("password", "")
            if not name and not password:
                continue
            _check_name(name, f"{path}, line {number}")
            if not password:
                raise ValueError(f"{path}, line {number}: participant {name!r} has no password")
            if name in seen:
                raise ValueError(f"{path}, line {number}: participant {name!r} is listed twice")
            seen.add(name)
            people.append(Participant(name, password))
    if not people:
        raise ValueError(f"{path}: no participants (expected a header 'name,password' and one line each)")
    return people


def _check_name(name: str, where: str) -> None:
    if "/" in name:
        raise ValueError(f"{where}: participant name {name!r} must be one path component (it becomes a namespace)")
    try:
        validate_repository(name)
    except NameInvalid as exc:
        raise ValueError(f"{where}: participant name {name!r} cannot be a namespace: {exc.message}") from None


def setup_access(policy: AccessPolicy, participants, team: str = "team",
                 instructor: Participant | None = None) -> AccessPolicy:
    """Add a user per participant (their namespace is theirs in ``namespaces`` mode), let each push
    to ``team/*``, and let ``instructor`` push anywhere; returns ``policy``."""
    _check_name(team, "team")
    for p in participants:
        if p.name == team:
            raise ValueError(f"the team namespace {team!r} is also a participant's name")
        policy.add_user(p.name, p.password)
        policy.grant(p.name, f"{team}/*", PUSH)
    if instructor is not None:
        policy.add_user(instructor.name, instructor.password)
        policy.grant(instructor.name, "*", PUSH)
    return policy


# -- who made each request ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerEntry:
    """One request: who (None: anonymous), what, and the answer's status."""

    user: str | None
    method: str
    path: str
    query: str
    status: int


class RequestLedger:
    """An ASGI wrapper around a :class:`~regsim.server.app.RegistryApp` that records who made each
    request (the user of its basic credentials or of its verified bearer token). Everything else
    (``registry``, ``gate``, ``requests``, ``auth``) is the wrapped app's."""

    def __init__(self, app) -> None:
        self.app = app
        self._entries: list[LedgerEntry] = []
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self.app, name)

    @property
    def entries(self) -> list[LedgerEntry]:
        with self._lock:
            return list(self._entries)

    def _user(self, scope) -> str | None:
        header = dict(scope.get("headers") or ()).get(b"authorization", b"").decode("latin-1")
        kind, _, value = header.partition(" ")
        if kind.lower() == "basic":
            try:
                return base64.b64decode(value).decode().split(":", 1)[0] or None
            except (ValueError, UnicodeDecodeError):
                return None
        if kind.lower() == "bearer":
            try:
                return self.app.auth.issuer.verify(value).user
            except Exception:  # an invalid token: the app itself answers 401
                return None
        return None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0

        async def watch(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            entry = LedgerEntry(self._user(scope), scope["method"], scope["path"],
                                scope.get("query_string", b"").decode("latin-1"), status)
            with self._lock:
                self._entries.append(entry)


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
        raise KeyError(f"no participant {name!r}")

    def __str__(self) -> str:
        head = f"{'who':<12} {'pushed':<40} {'uploaded':>10} {'dedup':>10}"
        total = (f"{'everyone':<12} {'':<40} {human_size(self.uploaded_bytes):>10} "
                 f"{human_size(self.deduplicated_bytes):>10}")
        return "\n".join([head, *(p.row() for p in self.participants), total])

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

    def __init__(self, participants, *, team: str = "team", name: str = "localhost:5000",
                 instructor: Participant | None = None) -> None:
        self.participants = tuple(participants)
        if not self.participants:
            raise ValueError("a classroom needs at least one participant")
        _check_name(team, "team")
        names = [p.name for p in self.participants]
        for p in self.participants:
            _check_name(p.name, "participants")
        if team in names:
            raise ValueError(f"the team namespace {team!r} is also a participant's name")
        if len(set(names)) != len(names):
            raise ValueError(f"participants listed twice: {sorted({n for n in names if names.count(n) > 1})}")
        self.team = team
        self.instructor = instructor
        self.registry = Registry(name, access=setup_access(AccessPolicy("namespaces", secret=name),
                                                           self.participants, team, instructor))
        #: the running server (after :meth:`serve`)
        self.server = None
        self.ledger: RequestLedger | None = None

    @classmethod
    def from_csv(cls, path: str | Path, **options) -> "Classroom":
        """A classroom of the participants in a CSV file (see :func:`read_participants`)."""
        return cls(read_participants(path), **options)

    def serve(self, port: int = 0, *, host: str = "127.0.0.1", **options):
        """Serve the classroom registry in a background thread (``options`` go to
        :class:`~regsim.server.app.RegistryApp`, e.g. ``auth="basic"``; Docker Hub's bearer
        tokens by default). Returns the running server; stop it with ``.stop()``."""
        from .app import RegistryApp
        from .runner import RegistryServer, bind

        if self.server is not None and self.server.running:
            raise RuntimeError(f"this classroom is already served at {self.server.url}")
        self.ledger = RequestLedger(RegistryApp(self.registry, **options))
        self.server = RegistryServer(self.ledger, bind(host, port)).start()
        return self.server

    def activity(self) -> Activity:
        """Who pushed what, and bytes uploaded against bytes deduplicated, per participant."""
        entries = self.ledger.entries if self.ledger is not None else []
        with self._model_lock():
            uploads: dict[tuple[str, str], ev.BlobUploaded] = {}
            mounts: dict[tuple[str, str], ev.BlobMounted] = {}
            for e in self.registry.events:
                if isinstance(e, ev.BlobUploaded):
                    uploads.setdefault((e.repository, str(e.digest)), e)
                elif isinstance(e, ev.BlobMounted):
                    mounts.setdefault((e.repository, str(e.digest)), e)
        pushed: dict[str, list[str]] = {p.name: [] for p in self.participants}
        sent: dict[str, int] = dict.fromkeys(pushed, 0)
        dedup: dict[str, int] = dict.fromkeys(pushed, 0)
        mounted: dict[str, int] = dict.fromkeys(pushed, 0)
        for entry in entries:
            if entry.user not in pushed or not entry.path.startswith("/v2/") or entry.status != 201:
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
        rows = tuple(ParticipantActivity(p.name, tuple(dict.fromkeys(pushed[p.name])), sent[p.name], dedup[p.name],
                                         mounted[p.name]) for p in self.participants)
        return Activity(rows, self.team)

    def _model_lock(self):
        from contextlib import nullcontext

        return self.server.lock if self.server is not None else nullcontext()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> "Classroom":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"served at {self.server.url}" if self.server is not None and self.server.running else "not served"
        return f"Classroom({len(self.participants)} participants, team {self.team!r}, {state})"
