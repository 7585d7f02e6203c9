"""Pictures of registries: graphs, drawings, operation views, animations and widget playgrounds.

Depends on the core (:mod:`regsim`), never the reverse, and reads the model only through its
public API and its event log.

* :func:`to_graph` -- registries and hosts as typed ``networkx.DiGraph`` objects;
  :func:`subgraph` (owners, repositories, tags), :func:`node_id`, :func:`content_nodes` to find
  your way in them;
* :func:`draw` -- a layered matplotlib drawing (``ax=`` in, ``Axes`` out); :func:`layer_tree`
  -- the aggregated view for big registries (layers grouped by the images that share them);
  long columns fold into ``… N layers`` nodes so that no figure grows beyond
  :data:`MAX_FIGURE_HEIGHT` inches (``aggregate=False`` draws everything);
* :class:`Capture` and the operation views -- :func:`operation_view`, :func:`push_view`,
  :func:`pull_view` (``source=True``: the platform manifest an index pull picked),
  :func:`tag_view`, :func:`gc_view`, :func:`change_view` -- with :func:`summary` of the bytes
  moved; the ``*_highlight`` functions give the same statuses as plain data;
* :func:`dedup_stats` and :func:`draw_dedup` -- shared vs unique bytes of some images;
* :class:`Record` and :class:`Animation` -- step through an event sequence (``Play`` + slider in
  a live kernel, a self-contained HTML player in static copies), export to GIF or HTML;
  :meth:`Recording.from_log` draws the frames of any log, one loaded from a file too
  (:mod:`regsim.viz.replayed`: every picture is ``to_graph`` of ``World.replay(events[:k])``);
* :class:`LiveView` -- the graph and the last push or pull of a *served* registry, redrawn from
  the server's events while real clients (``docker push``, ``skopeo copy``) work;
* :class:`PushPullPlayground`, :class:`TagExplorer`, :class:`DedupExplorer` -- ipywidgets
  playgrounds whose callbacks call the public API and set widget values; :class:`Timeline` --
  a slider back and forth over any recorded session (``PushPullPlayground.timeline()``, or
  ``Timeline.load("session.jsonl", ...)``).

The palette lives in :mod:`regsim.viz.style`: shape tells a node's type, colour (with a hatch
and a badge) what an operation did to it, and a marker's area is proportional to its bytes.
"""

from typing import TYPE_CHECKING, Any

from ..deprecation import moved_names
from .aggregate import image_names, layer_tree
from .animate import Animation, Frame, Recording, is_step, Record
from .dedup import ImageDedupReport, ImageBytes, dedup_stats, draw_dedup, image_choices
from .draw import MAX_DETAIL_NODES, MAX_FIGURE_HEIGHT, Plan, draw, draw_panels, plan, to_png
from .mirror import draw_mirror, mirror_series
from .graph import content_nodes, familiar, node_id, nodes_of_type, subgraph, to_graph
from .views import (
    Highlight,
    Operation,
    TransferReport,
    Capture,
    change_highlight,
    change_view,
    gc_highlight,
    gc_view,
    highlight,
    operation_view,
    pull_highlight,
    pull_source_highlight,
    pull_view,
    push_highlight,
    push_view,
    summary,
    tag_highlight,
    tag_view,
)

# The widgets import ipywidgets: loaded on first use, so `import regsim.viz` stays lighter.
if TYPE_CHECKING:  # for type checkers only: at run time __getattr__ loads them
    from .live import LiveView
    from .mirror import MirrorLiveView
    from .playground import DedupExplorer, PushPullPlayground, TagExplorer, Timeline
    from .widgets import StepThrough

_WIDGETS = {"PushPullPlayground": "playground", "TagExplorer": "playground", "DedupExplorer": "playground",
            "Timeline": "playground",
            "StepThrough": "widgets", "LiveView": "live", "MirrorLiveView": "mirror"}


# Old names work for one release, with a DeprecationWarning (issue 20: one vocabulary).
_renamed = moved_names(__name__, {"capture": "Capture", "record": "Record", "TransferSummary": "TransferReport",
                                  "DedupStats": "ImageDedupReport"}, globals(), stacklevel=3)


def __getattr__(name: str) -> Any:  # a widget class, or what an old name now is
    if name in _WIDGETS:
        from importlib import import_module

        value: type = getattr(import_module(f"{__name__}.{_WIDGETS[name]}"), name)
        globals()[name] = value
        return value
    old: type = _renamed(name)  # every old name is a class
    return old


__all__ = [
    "Animation", "DedupExplorer", "LiveView", "ImageDedupReport", "Frame", "ImageBytes", "PushPullPlayground", "Recording", "Timeline",
    "StepThrough", "TagExplorer", "dedup_stats", "draw_dedup", "draw_mirror", "mirror_series", "MirrorLiveView", "image_choices", "is_step", "Record",
    "MAX_DETAIL_NODES", "MAX_FIGURE_HEIGHT", "Highlight", "Operation", "Plan", "TransferReport", "Capture", "change_highlight",
    "change_view", "content_nodes", "familiar", "draw", "draw_panels", "gc_highlight", "gc_view", "highlight", "image_names",
    "layer_tree", "node_id", "nodes_of_type", "operation_view", "plan", "pull_highlight", "pull_source_highlight", "pull_view",
    "push_highlight", "push_view", "subgraph", "summary", "tag_highlight", "tag_view", "to_graph", "to_png",
]
