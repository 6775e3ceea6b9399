"""Small building blocks shared by teamkit's widgets: labelled controls, framed sections, HTML panes."""

from __future__ import annotations

from typing import Any, Final

import ipywidgets as w

__all__ = ["DESCRIPTION_WIDTH", "WidgetView", "control_style", "html_pane", "section"]

DESCRIPTION_WIDTH: Final = "78px"


def control_style() -> dict[str, str]:
    """The style every labelled control gets, so that the labels line up."""
    return {"description_width": DESCRIPTION_WIDTH}


def full_width() -> w.Layout:
    return w.Layout(width="100%")


def section(title: str, *children: w.Widget, css_class: str = "") -> w.VBox:
    """A framed group of controls under a bold title."""
    head = w.HTML(f"<div style='font-weight:600;margin:0 0 2px 2px'>{title}</div>")
    box = w.VBox([head, *children], layout=w.Layout(border="1px solid var(--jp-border-color2, #ddd)",
                                                    padding="4px 8px 6px 6px", margin="0 0 8px 0",
                                                    width="100%"))
    if css_class:
        box.add_class(css_class)
    return box


def html_pane(css_class: str, *, min_height: str = "0") -> w.HTML:
    """An HTML widget that fills its column; the class lets browser tests find it."""
    pane = w.HTML(layout=w.Layout(width="100%", min_height=min_height, overflow="auto"))
    pane.add_class(css_class)
    return pane


class WidgetView:
    """Shows as its root ``widget`` in a notebook, with a short plain-text stand-in for non-widget front ends."""

    widget: w.Widget

    def summary(self) -> str:
        return type(self).__name__

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{self.summary()} (run the notebook to use the controls)"
        return bundle
