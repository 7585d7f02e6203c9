"""The instructor's dashboard: who pushed what, bytes uploaded against bytes deduplicated, and the
shared team graph, refreshed live while participants push (needs the ``viz`` extra). Pictures name
the registry by the address participants push to. To project the dashboard beside the terminal,
open the web dashboard instead (``/-/dashboard``, :mod:`regsim.server.dashboard_web`).

::

    room = Classroom.from_csv("students.csv")
    server = room.serve(port=5000, host="0.0.0.0")
    ClassroomDashboard(room)          # in the instructor's notebook
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..errors import InvalidArgument, expect
from ..units import human_size
from ..viz.live import LiveView
from .classroom import Classroom, JournalLine

__all__ = ["ClassroomDashboard"]


class ClassroomDashboard:
    """A widget over a served :class:`~regsim.server.classroom.Classroom`: the activity table, the
    dedup totals, the latest refused attempts with their reason, and a :class:`~regsim.viz.LiveView`
    of the team namespace (its graph and the last push or pull). :meth:`refresh` redraws at once; pushes refresh it on their own."""

    def __init__(self, classroom: Classroom, *, quiet: float = 0.5) -> None:
        expect("classroom", classroom, Classroom)
        server, journal = classroom.server, classroom.journal  # serve() sets both
        if server is None or journal is None:
            raise InvalidArgument("classroom is not served yet: serve the classroom first (classroom.serve())")
        self.classroom = classroom
        self._address, self._journal = server.address, journal
        self.table = widgets.HTML()
        self.totals = widgets.HTML()
        #: the latest refused attempts (a push into another's namespace, a wrong password), newest first
        self.refusals = widgets.HTML()
        self._refused: list[JournalLine] = []
        self.live = LiveView(server, quiet=quiet, repositories=f"{classroom.team}/*",
                             on_operation=lambda op: self.refresh())
        self.widget = widgets.VBox([widgets.HTML(f"<h4>Classroom registry {html.escape(server.address)}"
                                                 f" &mdash; team namespace {html.escape(classroom.team)}/</h4>"),
                                    self.totals, self.table, self.refusals, self.live.widget])
        self._show_refusals()
        journal.listeners.append(self._on_line)
        self.refresh()

    def _on_line(self, line: JournalLine) -> None:
        """A journal line (from the server's thread): keep and show it if it is a refusal."""
        if line.refused:
            self._refused = [line, *self._refused][:10]
            self._show_refusals()

    def _show_refusals(self) -> None:
        if not self._refused:
            self.refusals.value = "<i>no refused attempts</i>"
            return
        name, address = self.classroom.registry.name, self._address
        items = "".join(f"<li><b>{html.escape(line.who)}</b> refused: {html.escape(line.text.replace(name, address))}</li>"
                        for line in self._refused)
        self.refusals.value = f"<b>Refused, newest first</b><ul style='margin:2px 0'>{items}</ul>"

    def refresh(self) -> None:
        """Recompute the activity and set the table and totals."""
        activity = self.classroom.activity()
        self.table.value = activity._repr_html_()
        active = sum(1 for p in activity.participants if p.pushed)
        sent, dedup = activity.uploaded_bytes, activity.deduplicated_bytes
        share = f"{dedup / (sent + dedup):.0%}" if sent + dedup else "-"
        self.totals.value = (f"<b>{active} of {len(activity.participants)}</b> participants have pushed; "
                             f"<b>{human_size(sent)}</b> uploaded and stored, <b>{human_size(dedup)}</b> "
                             f"deduplicated (sent again or mounted, not stored twice: {share})")

    def close(self) -> None:
        """Stop listening (the widget keeps what it shows)."""
        self.live.close()
        if self._on_line in self._journal.listeners:
            self._journal.listeners.remove(self._on_line)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle: dict[str, Any] | None = self.widget._repr_mimebundle_(**kwargs)
        return bundle

    def __repr__(self) -> str:
        return f"ClassroomDashboard({self.classroom!r})"
