"""The hospital drawn: the view's nodes and links (the spares are listed under it, not drawn) as a Graphviz graph, laid out by ``dot``
into SVG that the page embeds inline (no script, no network: the hospital has none).

Each SVG group carries the node's id (``sw-CORE-1``, ``seg-10``, ``srv-his-db-1``) and its
classes (``switch state-down``, ``segment state-isolated``), so the page's stylesheet and
the browser test find them; the fill and border colours are in the SVG itself, so the
drawing reads the same on its own (a snapshot opened from disk).
"""

from __future__ import annotations

import html
import re

import graphviz  # type: ignore[import-untyped]

from hisops.console.model import COLOURS, Edge, Node, View

FONT = "WenQuanYi Zen Hei,Noto Sans CJK SC,DejaVu Sans,sans-serif"
SHAPES = {
    "core": "box3d",
    "aggregation": "box",
    "access": "box",
    "segment": "tab",
    "db_server": "cylinder",
    "backup_target": "folder",
    "controller": "component",
    "server": "box",
}


# up to this many nodes the drawing is scaled to the page's width (the hospital has 28)
FIT_NODES = 80


class DrawingError(RuntimeError):
    """dot is missing or failed: the page says so instead of the drawing."""


def _label(node: Node) -> str:
    first, *rest = node.lines or [node.name]
    cells = [f"<B>{html.escape(first)}</B>"]
    cells += [f'<FONT POINT-SIZE="10">{html.escape(line)}</FONT>' for line in rest if line]
    return "<" + "<BR/>".join(cells) + ">"


def _node_attrs(node: Node) -> dict[str, str]:
    fill, border = COLOURS.get(node.state, COLOURS["unknown"])
    shape_key = node.role if node.kind in ("switch", "server") else node.kind
    style = "filled,rounded" if node.kind == "switch" and node.role != "core" else "filled"
    attrs = {
        "id": node.id,
        "class": node.css,
        "label": _label(node),
        "shape": SHAPES.get(shape_key, "box"),
        "style": style,
        "fillcolor": fill,
        "color": border,
        "penwidth": "2.5" if node.state in ("down", "isolated", "drifted", "fenced") else "1.2",
        "tooltip": node.tooltip or node.name,
    }
    return attrs


def _edge_attrs(edge: Edge) -> dict[str, str]:
    colour = {"cut": "#c62828", "isolated": "#6a1b9a", "unknown": "#9e9e9e"}.get(
        edge.state, "#455a64"
    )
    attrs = {
        "id": edge.id,
        "class": edge.css,
        "dir": "none",
        "color": colour,
        "penwidth": "2.5" if edge.state in ("cut", "isolated") else "1.4",
        "style": {"cut": "dashed", "isolated": "dashed", "unknown": "dotted"}.get(
            edge.state, "solid"
        ),
        "tooltip": edge.tooltip or edge.id,
    }
    if edge.label:
        attrs.update(label=edge.label, fontcolor=colour, fontsize="10")
    return attrs


def graph(view: View) -> graphviz.Digraph:
    dot = graphviz.Digraph(
        "hospital",
        graph_attr={
            # a big site runs left to right (core, aggregation, access in columns): the page
            # scrolls down it instead of across a row of a hundred access switches
            "rankdir": "TB" if len(view.nodes) <= FIT_NODES else "LR",
            "bgcolor": "transparent",
            "fontname": FONT,
            "nodesep": "0.25",
            "ranksep": "0.55",
            "newrank": "true",
            "id": "hospital",
        },
        node_attr={"fontname": FONT, "fontsize": "12", "margin": "0.12,0.05"},
        edge_attr={"fontname": FONT},
    )
    by_role: dict[str, list[Node]] = {}
    for node in view.nodes:
        by_role.setdefault(node.kind if node.kind != "switch" else node.role, []).append(node)
    # one row per layer of the network: core, aggregation, access
    for role in ("core", "aggregation", "access"):
        with dot.subgraph(name=f"rank_{role}") as row:
            row.attr(rank="same")
            for node in by_role.get(role, []):
                row.node(node.id, **_node_attrs(node))
    with dot.subgraph(name="cluster_servers") as servers:
        servers.attr(
            label=view.labels["segments"].get("SERVERS", "SERVERS"),
            style="rounded,dashed",
            color="#90a4ae",
            fontsize="11",
        )
        for node in by_role.get("server", []):
            servers.node(node.id, **_node_attrs(node))
    with dot.subgraph(name="rank_segments") as row:
        row.attr(rank="same")
        for node in by_role.get("segment", []):
            row.node(node.id, **_node_attrs(node))
    for edge in view.edges:
        # the switch end first, so dot ranks core above aggregation above access above
        # the departments
        tail, head = (edge.b, edge.a) if edge.a.startswith(("seg-", "srv-")) else (edge.a, edge.b)
        dot.edge(tail, head, **_edge_attrs(edge))
    return dot


def render_svg(view: View) -> str:
    """The drawing as an inline ``<svg>`` element (no XML prologue, scalable)."""
    try:
        text = graph(view).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise DrawingError("Graphviz's dot is not installed (Debian package graphviz)") from None
    except Exception as exc:  # a layout that fails is shown as such, the rest of the page stays
        raise DrawingError(f"dot failed: {exc}") from None
    start = text.find("<svg")
    svg = text[start:]
    if len(view.nodes) <= FIT_NODES:
        # the page scales the drawing to its width: dot's fixed size in points goes
        svg = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg class="drawing"', svg, count=1)
    else:
        # a big site keeps dot's size, readable, and its section scrolls
        svg = svg.replace("<svg ", '<svg class="drawing large" ', 1)
    return svg
