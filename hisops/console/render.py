"""The page: the view through one Jinja2 template (autoescaped), the stylesheet
(``console.css.j2``, vendored: no CDN) and the drawing inline, so the served page and the snapshot are each one self-contained file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from hisops.console.drawing import DrawingError, render_svg
from hisops.console.model import COLOURS, View

HERE = Path(__file__).parent
LEGEND = ("ok", "down", "drifted", "warning", "isolated", "partial", "held", "cut", "unknown")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(view: View, refresh: int = 0, other_language_href: str = "") -> str:
    """The HTML page; ``refresh`` seconds (0: a static snapshot, no refresh)."""
    svg = ""
    if "topology" not in view.missing:
        try:
            svg = render_svg(view)
        except DrawingError as exc:
            view.missing["drawing"] = str(exc)
    return (
        _environment()
        .get_template("console.html.j2")
        .render(
            v=view,
            l=view.labels,
            svg=svg,
            colours=COLOURS,
            legend=LEGEND,
            refresh=refresh,
            other_language_href=other_language_href,
        )
    )
