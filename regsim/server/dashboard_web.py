"""The instructor's web dashboard: a page the classroom server serves at ``/-/dashboard``, to
project beside the terminal while participants push.

It shows, live, who pushed and pulled what (every line names the participant), refused attempts
with their reason (a push into another's namespace, a wrong password), the dedup across the class
(bytes uploaded against bytes the registry did not store twice) and the registry's graph, drawn by
regsim's own views (:func:`regsim.viz.plan`, :func:`regsim.viz.draw_panels`) as SVG. The page
polls the server once a second; it loads nothing from elsewhere (it works offline)::

    GET /-/dashboard                 the page (HTML, its style and script inline)
    GET /-/dashboard/state?after=N   JSON: journal lines numbered N and later, per-participant
                                     activity, totals, and the graph's version
    GET /-/dashboard/graph.svg       the registry's graph (redrawn only when it changed)

The page calls the registry by the address the browser used (its ``Host``), which is the one the
room pushes to, whatever the model's name for it.

Every route asks for the instructor's login (HTTP basic, the password given to ``regsim serve
--instructor`` or to :class:`~regsim.server.classroom.Classroom`); the browser asks once. Failed
logins are throttled as the registry's are (5 a minute per user and client, then 429). The
graph needs the ``viz`` extra; without it the page says so instead of drawing.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import threading
from typing import TYPE_CHECKING, Any, Iterable, Protocol, Sequence

import anyio.to_thread

from ..errors import InvalidArgument
from ..registry import Registry
from ..units import human_size
from .gate import ModelGate
from .limits import LoginThrottle

if TYPE_CHECKING:  # pragma: no cover - matplotlib is imported when a graph is drawn
    from matplotlib.figure import Figure
    from starlette.types import Receive, Scope, Send

#: Where a classroom serves the instructor's web dashboard.
DASHBOARD_PATH = "/-/dashboard"

__all__ = ["WebDashboard", "PAGE"]

#: journal lines the state route returns at most per request (the page keeps the newest 300)
MAX_LINES = 500

#: event kinds the page lists (the terminal prints every event; a projected page keeps to what moved)
SHOWN = frozenset({"BlobUploaded", "BlobMounted", "ManifestPushed", "TagUpdated", "TagDeleted", "ManifestFetched",
                   "BlobFetched", "ManifestDeleted", "BlobDeleted", "GarbageCollected", "UserLoggedIn", "refused"})


# What the dashboard reads of a ClassroomApp, as small protocols (regsim.server.classroom imports this
# module, so naming its classes here would close an import cycle).

class _Login(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def password(self) -> str: ...


class _Line(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...


class _Journal(Protocol):
    def since(self, seq: int) -> Sequence[_Line]: ...


class _Person(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def pushed(self) -> tuple[str, ...]: ...
    @property
    def pulled(self) -> tuple[str, ...]: ...
    @property
    def refused(self) -> tuple[str, ...]: ...
    @property
    def uploaded_bytes(self) -> int: ...
    @property
    def deduplicated_bytes(self) -> int: ...
    @property
    def mounted(self) -> int: ...


class _Activity(Protocol):
    @property
    def participants(self) -> Sequence[_Person]: ...
    @property
    def uploaded_bytes(self) -> int: ...
    @property
    def deduplicated_bytes(self) -> int: ...


class _Room(Protocol):
    @property
    def registry(self) -> Registry: ...
    @property
    def gate(self) -> ModelGate: ...
    @property
    def team(self) -> str: ...
    @property
    def journal(self) -> _Journal: ...
    def activity(self) -> _Activity: ...


class WebDashboard:
    """The ASGI routes under ``/-/dashboard`` of a :class:`~regsim.server.classroom.ClassroomApp`,
    for ``instructor`` (a :class:`~regsim.server.classroom.Participant`) only."""

    def __init__(self, classroom_app: _Room, instructor: _Login) -> None:
        if not hasattr(classroom_app, "journal"):
            raise InvalidArgument(f"classroom_app must be a ClassroomApp, got {type(classroom_app).__name__} {classroom_app!r:.80}")
        if not hasattr(instructor, "password"):
            raise InvalidArgument(f"instructor must be a Participant, got {type(instructor).__name__} {instructor!r:.80}")
        self.room = classroom_app
        self.instructor = instructor
        self._expected = f"{instructor.name}:{instructor.password}".encode()
        #: failed logins per user and client (5 a minute, then 429), as the registry's own
        self.throttle = LoginThrottle()
        self._draw_lock = threading.Lock()
        self._svg: tuple[tuple[int, str], bytes] | None = None  # ((graph version, label), picture)

    # -- answers ----------------------------------------------------------------------------------

    def state(self, after: int, label: str | None = None) -> dict[str, Any]:
        """What the page shows, as JSON-ready data: journal lines from ``after`` on, activity, totals.

        ``label``: what to call the registry (the address the browser used, which is the one the
        room pushes to), whatever its name in the model."""
        registry = self.room.registry
        label = label or registry.name
        new = self.room.journal.since(after)
        prefix = f"{registry.name}: "  # the page names the registry once, in its heading
        lines = [{**line.to_dict(), "text": line.text.removeprefix(prefix).replace(registry.name, label)}
                 for line in new if line.kind in SHOWN]
        with self.room.gate.lock:
            version = registry.events.mark()
        activity = self.room.activity()
        sent, dedup = activity.uploaded_bytes, activity.deduplicated_bytes
        return {
            "registry": label,
            "team": self.room.team,
            "lines": lines[-MAX_LINES:],
            "next": new[-1].seq + 1 if new else after,
            "graph": version,
            "participants": [{"name": p.name, "pushed": list(p.pushed), "pulled": list(p.pulled),
                              "refused": list(p.refused), "uploaded": human_size(p.uploaded_bytes),
                              "deduplicated": human_size(p.deduplicated_bytes), "mounted": p.mounted}
                             for p in activity.participants],
            "totals": {"pushed": sum(1 for p in activity.participants if p.pushed),
                       "participants": len(activity.participants),
                       "uploaded": human_size(sent), "deduplicated": human_size(dedup),
                       "share": f"{dedup / (sent + dedup):.0%}" if sent + dedup else "-",
                       "refused": sum(len(p.refused) for p in activity.participants)},
        }

    def graph_svg(self, label: str | None = None) -> bytes:
        """The registry's graph as SVG, drawn by regsim's views (cached until the registry changes),
        the registry called ``label`` (default: its name)."""
        registry = self.room.registry
        label = label or registry.name
        with self._draw_lock:
            with self.room.gate.lock:
                version = registry.events.mark()
                if self._svg is not None and self._svg[0] == (version, label):
                    return self._svg[1]
                try:
                    from ..viz.graph import to_graph
                except ImportError:
                    return _text_svg("the graph needs the viz extra: pip install 'regsim[viz]'")
                G = to_graph(registry)
            if G.number_of_nodes() <= 1:
                picture = _text_svg(f"{registry.name} is empty: nothing pushed yet")
            else:
                from ..viz.draw import draw_panels, plan

                fig = draw_panels([plan(G, title=f"{registry.name} now")], managed=False)
                picture = _figure_svg(_relabel(fig, registry.name, label))
            self._svg = ((version, label), picture)
            return picture

    def forget_picture(self) -> None:
        """Drop the cached graph picture: the next request draws it again."""
        with self._draw_lock:
            self._svg = None

    # -- ASGI ----------------------------------------------------------------------------------

    def _credentials(self, scope: Scope) -> bytes | None:
        """The ``user:password`` of the request's basic credentials (None: none or unreadable)."""
        header = dict(scope.get("headers") or ()).get(b"authorization", b"")
        kind, _, value = header.partition(b" ")
        if kind.lower() != b"basic":
            return None
        try:
            return base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = self._credentials(scope)
        user = (given or b"").partition(b":")[0].decode(errors="replace")
        client = (scope.get("client") or ("",))[0]
        wait = self.throttle.retry_after(user, client) if given is not None else None
        if wait is not None:  # guessing the instructor's password: as the registry's logins
            await _send(send, 429, "text/plain; charset=utf-8",
                        f"too many failed logins for {user!r}: try again in {wait} s\n".encode(),
                        [(b"retry-after", str(wait).encode())])
            return
        if given is None or not hmac.compare_digest(given, self._expected):
            if given is not None:
                self.throttle.failed(user, client)
            await _send(send, 401, "text/plain; charset=utf-8",
                        b"the dashboard is the instructor's: log in with the instructor's name and password\n",
                        [(b"www-authenticate", b'Basic realm="regsim classroom dashboard", charset="UTF-8"')])
            return
        self.throttle.succeeded(user, client)
        route = scope["path"][len(DASHBOARD_PATH):].strip("/")
        label = _host(scope)
        if scope["method"] != "GET":
            await _send(send, 405, "text/plain; charset=utf-8", b"the dashboard only answers GET\n")
        elif route == "":
            await _send(send, 200, "text/html; charset=utf-8", PAGE.encode())
        elif route == "state":
            after = _after(scope.get("query_string", b"").decode("latin-1"))
            body = json.dumps(await anyio.to_thread.run_sync(self.state, after, label)).encode()
            await _send(send, 200, "application/json", body)
        elif route == "graph.svg":
            await _send(send, 200, "image/svg+xml", await anyio.to_thread.run_sync(self.graph_svg, label))
        else:
            await _send(send, 404, "text/plain; charset=utf-8", f"no dashboard page {route!r}\n".encode())

    def __repr__(self) -> str:
        return f"WebDashboard({self.room.registry.name!r}, instructor {self.instructor.name!r})"


def _host(scope: Scope) -> str | None:
    """The ``Host`` the browser asked for (``192.168.1.20:5000``): the address the room uses."""
    host = dict(scope.get("headers") or ()).get(b"host", b"").decode("latin-1").strip()
    return host if host and all(c.isalnum() or c in ".:-[]" for c in host) else None


def _relabel(fig: Figure, name: str, label: str) -> Figure:
    """Call the registry ``label`` in every text of ``fig``."""
    if label != name:
        from matplotlib.text import Text

        for text in fig.findobj(Text):
            if name in text.get_text():
                text.set_text(text.get_text().replace(name, label))
    return fig


def _after(query: str) -> int:
    from urllib.parse import parse_qs

    value = parse_qs(query).get("after", ["0"])[0]
    return int(value) if value.isdigit() else 0


async def _send(send: Send, status: int, content_type: str, body: bytes,
                headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), *headers]})
    await send({"type": "http.response.body", "body": body})


def _figure_svg(fig: Figure) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, facecolor="white")
    return buf.getvalue()


def _text_svg(text: str) -> bytes:
    from html import escape

    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="480" height="40">'
            f'<text x="8" y="24" font-family="sans-serif" font-size="14">{escape(text)}</text></svg>').encode()


#: the page: inline style and script, nothing loaded from elsewhere
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>regsim classroom</title>
<style>
body { font-family: system-ui, sans-serif; margin: 12px 18px; color: #111; }
h1 { font-size: 1.3em; margin: 0 0 6px 0; }
#totals { font-size: 1.1em; margin-bottom: 10px; }
.cols { display: flex; gap: 18px; align-items: flex-start; }
.col { flex: 1 1 0; min-width: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #ddd; vertical-align: top; }
#feed { max-height: 46vh; overflow-y: auto; }
tr.refused td { background: #fbe3cf; }
tr.refused td.what::before { content: "REFUSED "; font-weight: bold; color: #D55E00; }
td.who { font-weight: bold; white-space: nowrap; }
td.when { color: #555; white-space: nowrap; }
#graph img { max-width: 100%; border: 1px solid #ccc; }
#status { color: #555; font-size: 0.85em; }
</style></head>
<body>
<h1>Classroom registry <span id="registry"></span> &mdash; team namespace <span id="team"></span>/</h1>
<div id="totals">waiting for the server...</div>
<div class="cols">
 <div class="col"><h2>What happened (newest first)</h2>
  <div id="feed"><table><thead><tr><th>time</th><th>who</th><th>what</th></tr></thead><tbody id="lines"></tbody></table></div>
 </div>
 <div class="col"><h2>Participants</h2>
  <table><thead><tr><th>who</th><th>pushed</th><th>pulled</th><th>uploaded</th><th>dedup</th><th>refused</th></tr></thead>
  <tbody id="people"></tbody></table>
 </div>
</div>
<h2>The registry</h2>
<div id="graph"><img id="graph-img" alt="the registry's graph"></div>
<div id="status"></div>
<script>
"use strict";
let next = 0, graph = -1, lastGraphLoad = 0;
function cell(row, text, cls) { const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls; return td; }
function render(state) {
  document.getElementById("registry").textContent = state.registry;
  document.getElementById("team").textContent = state.team;
  const t = state.totals;
  document.getElementById("totals").textContent =
    t.pushed + " of " + t.participants + " participants have pushed; " + t.uploaded + " uploaded and stored, " +
    t.deduplicated + " deduplicated (sent again or mounted, not stored twice: " + t.share + "); " +
    t.refused + " refused";
  const lines = document.getElementById("lines");
  for (const line of state.lines) {
    const row = lines.insertRow(0);
    row.className = line.refused ? "refused" : "event";
    row.dataset.kind = line.kind;
    cell(row, new Date(line.time * 1000).toLocaleTimeString(), "when");
    cell(row, line.who, "who");
    cell(row, line.text, "what");
  }
  while (lines.rows.length > 300) lines.deleteRow(-1);
  next = state.next;
  const people = document.getElementById("people");
  people.textContent = "";
  for (const p of state.participants) {
    const row = people.insertRow();
    row.dataset.name = p.name;
    cell(row, p.name, "who");
    cell(row, p.pushed.join(", ") || "-");
    cell(row, p.pulled.join(", ") || "-");
    cell(row, p.uploaded);
    cell(row, p.deduplicated);
    const refused = cell(row, p.refused.length ? p.refused.length + ": " +
      p.refused.map(r => r.split(" (")[0]).join(", ") : "-");
    refused.title = p.refused.join("\\n");
  }
  const now = Date.now();
  if (state.graph !== graph && now - lastGraphLoad > 2000) {
    graph = state.graph; lastGraphLoad = now;
    document.getElementById("graph-img").src = "/-/dashboard/graph.svg?v=" + graph;
  }
}
async function poll() {
  try {
    const reply = await fetch("/-/dashboard/state?after=" + next, {cache: "no-store"});
    if (!reply.ok) throw new Error("HTTP " + reply.status);
    render(await reply.json());
    document.getElementById("status").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (err) {
    document.getElementById("status").textContent = "cannot reach the server: " + err.message;
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body></html>
"""
