"""Widgets shared by the playgrounds: the step-through player and small helpers.

Every widget here is driven by Python callbacks that set widget *values* (``Image.value``,
``HTML.value``), so it can be tested without a browser: construct it, set ``slider.value`` or
call ``button.click()``, and look at the values.
"""

from __future__ import annotations

import collections.abc
import html
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..errors import InvalidArgument, expect
from ..units import human_size

if TYPE_CHECKING:
    from .animate import Animation

__all__ = ["StepThrough", "log_html", "error_html"]

_PRE = "font-family:monospace;font-size:12px;white-space:pre-wrap;margin:0"


def log_html(lines: list[str]) -> str:
    """Docker-like output lines as escaped HTML (newest last)."""
    expect("lines", lines, collections.abc.Iterable, "an iterable of lines")
    return f'<pre style="{_PRE}">{html.escape(chr(10).join(lines))}</pre>'


def error_html(message: str) -> str:
    """An error as docker prints it, in bold (never by colour alone)."""
    expect("message", message, str)
    return f'<pre style="{_PRE};font-weight:bold">Error response from daemon: {html.escape(message)}</pre>'


class StepThrough(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no types: VBox is Any
    """``Play`` + ``IntSlider`` over the precomputed frames of an :class:`~regsim.viz.Animation`.

    ``Play`` drives the slider in the browser (``jslink``); the slider's callback sets the
    ``Image`` and the caption ``HTML``. No threads, no sleeps.
    """

    def __init__(self, animation: "Animation", *, interval: int = 900) -> None:
        if not hasattr(animation, "frames"):
            raise InvalidArgument(f"animation must be an Animation, got {type(animation).__name__} {animation!r:.80}")
        self.animation = animation
        last = len(animation.frames) - 1
        self.play = widgets.Play(value=0, min=0, max=last, step=1, interval=interval, description="play")
        self.slider = widgets.IntSlider(value=0, min=0, max=last, step=1, description="step")
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.image = widgets.Image(value=animation.frames[0].png, format="png")
        self.caption = widgets.HTML()
        self.slider.observe(self._on_slider, names="value")
        super().__init__([widgets.HBox([self.play, self.slider]), self.caption, self.image])
        self.add_class("regsim-step-through")
        self.show(0)

    def _on_slider(self, change: dict[str, Any]) -> None:
        self.show(change["new"])

    def show(self, index: int) -> None:
        """Show frame ``index`` (0 is the start, the last one the end)."""
        frames = self.animation.frames
        if not 0 <= index < len(frames):
            raise IndexError(f"frame {index} does not exist: the animation has frames 0..{len(frames) - 1}")
        frame = frames[index]
        self.image.value = frame.png
        self.caption.value = (f'<span style="font-family:monospace">{html.escape(frame.caption)}</span>'
                              f' <span style="color:#555">({human_size(frame.sent)} sent, '
                              f'{human_size(frame.received)} received so far)</span>')
        if self.slider.value != index:
            self.slider.value = index
