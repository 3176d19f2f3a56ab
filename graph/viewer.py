"""The interactive viewer: the stance graph as one HTML page, served by the API or written to a file.

pyvis builds the network model (vis-network nodes, edges and options, styled
here per kind and per stance); our own Jinja2 template renders it, because
pyvis's template pulls Bootstrap and vis CSS from CDNs and drops data into the
page as raw JavaScript. Ours embeds the data as escaped JSON, links only to
scripts we serve (or inlines them), and pins a Content-Security-Policy that
allows nothing else, so the page never talks to another host and a hostile
label in the data stays text.

>>> html = render_viewer({"nodes": [], "edges": []}, standalone=True)
>>> "<script src=" in html, "graph-data" in html
(False, True)
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pyvis
from markupsafe import Markup
from pyvis.network import Network

from stancegraph.graph.payload import LINEAGE, STANCE_LAYER, STANCES, GraphEdge, GraphNode, StanceGraph
from stancegraph.graph.relations import CLAIMS, DRAFTING, ROLES
from stancegraph.graph.terms import as_date

TEMPLATES = Path(__file__).resolve().parent / "templates"
VIS_JS = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2" / "vis-network.min.js"
STATIC_PREFIX = "/viewer/static/"


@dataclass(frozen=True)
class NodeStyle:
    """How one kind of node looks; the legend is drawn from the same table."""

    shape: str
    colour: str
    size: int = 16


# Shapes tell kinds apart without colour; the colours are Okabe-Ito-like, safe for colour blindness.
ACTOR_STYLES: Mapping[str, NodeStyle] = {
    "State": NodeStyle("hexagon", "#1f4e9a", 22),
    "StateUnion": NodeStyle("hexagon", "#0072b2", 24),
    "InternationalOrganisation": NodeStyle("triangle", "#56b4e9", 20),
    "GovernmentBody": NodeStyle("square", "#4b3f8f", 16),
    "ThinkTank": NodeStyle("triangleDown", "#e69f00", 18),
    "NewsOrganisation": NodeStyle("star", "#8c6d31", 18),
    "Person": NodeStyle("dot", "#cc79a7", 14),
}
OTHER_ACTOR = NodeStyle("dot", "#6b7280", 14)
# Each draft gets a colour; its clauses are diamonds in the same colour.
DRAFT_COLOURS = ("#37474f", "#7b1fa2", "#00838f", "#ad1457", "#5d4037", "#283593", "#827717", "#4e342e")
CLAUSE_SHAPE = "diamond"
DRAFT_SHAPE = "box"
# Colouring by coalition replaces the kind colours of actors (their shapes stay); an actor with no
# stance belongs to no coalition and turns pale grey.
COALITION_COLOURS = ("#e69f00", "#0072b2", "#cc79a7", "#56b4e9", "#009e73", "#d55e00", "#000000", "#f0e442")
NO_COALITION = "#c4c9cf"

RELATION_LABELS: Mapping[str, str] = {
    "supports": "supports",
    "opposes": "opposes",
    "isPartOf": "is part of",
    "wasRevisionOf": "is a revision of",
    "revises": "revises",
    "removes": "removes",
    "adds": "adds",
    "keeps": "keeps",
    # graph.relations; a membership with a role reads "<role> of" instead
    "memberOf": "member of",
    "sonInLawOf": "son-in-law of",
    "familyOf": "family of",
    "foundingMemberOf": "founding member of",
    "formerMemberOf": "former member of",
    "subOrganizationOf": "part of",
    "claimsAbout": "makes a claim about",
    "reported": "reported a claim by",
    "drafted": "drafted",
}
# Stance edges differ by colour, dash pattern and arrow head (an arrow for support, a bar for opposition).
EDGE_STYLES: Mapping[str, Mapping[str, Any]] = {
    "supports": {"color": "#009e73", "width": 2.5, "dashes": False, "arrows": {"to": {"enabled": True}}},
    "opposes": {
        "color": "#d55e00",
        "width": 2.5,
        "dashes": [9, 6],
        "arrows": {"to": {"enabled": True, "type": "bar", "scaleFactor": 0.8}},
    },
    LINEAGE: {
        "color": {"color": "#a3abb5", "highlight": "#59636e", "hover": "#59636e"},
        "width": 1.2,
        "dashes": [2, 5],
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
    },
    # The relation layers: each its own colour, dash pattern and head, thinner than stances.
    ROLES: {
        "color": "#4b3f8f",
        "width": 1.6,
        "dashes": [12, 4, 2, 4],
        "arrows": {"to": {"enabled": True, "type": "diamond", "scaleFactor": 0.6}},
    },
    CLAIMS: {
        "color": "#8c6d31",
        "width": 1.4,
        "dashes": [5, 4],
        "arrows": {"to": {"enabled": True, "type": "vee", "scaleFactor": 0.6}},
    },
    DRAFTING: {
        "color": "#0072b2",
        "width": 1.8,
        "dashes": False,
        "arrows": {"to": {"enabled": True, "type": "circle", "scaleFactor": 0.5}},
    },
}

# Above this many nodes the viewer trades looks for speed: no curved edges, no improved layout,
# fewer stabilisation iterations, edges hidden while dragging or zooming.
BIG_GRAPH = 300


def build_network(payload: StanceGraph) -> Network:
    """A pyvis network for a payload: styled nodes and edges carrying their data, and vis options.

    Node and edge references may be ids or IRIs; they are resolved to node ids.
    """
    nodes = payload["nodes"]
    big = len(nodes) > BIG_GRAPH
    ids = {node["iri"]: node["id"] for node in nodes} | {node["id"]: node["id"] for node in nodes}
    draft_colours = _draft_colours(nodes)
    net = Network(directed=True)
    for node in nodes:
        draft = ids.get(node["draft"] or "")
        style = _node_style(node, draft_colours.get(draft or node["id"]))
        net.add_node(
            node["id"],
            label=node["label"],
            shape=style.shape,
            color=style.colour,
            size=style.size,
            # Our fields; vis ignores them. ``group`` would be a vis style group, hence ``category``.
            category=node["group"],
            kind=node["kind"],
            kind_label=node["kind_label"],
            draft=draft,
            iri=node["iri"],
            # Swapped for ``color`` when the page colours actors by coalition.
            **(
                {"coalition_colour": coalition_colour(node.get("coalition"))}
                if node["group"] == "actor"
                else {}
            ),
            **_label_font(node["group"]),
        )
    for edge in payload["edges"]:
        source, target = (_resolve(ids, edge, end) for end in ("source", "target"))
        relation = edge["relation"]
        stance = relation in STANCES
        layer = edge.get("layer") or (STANCE_LAYER if stance else LINEAGE)
        net.add_edge(
            source,
            target,
            **EDGE_STYLES[relation if stance else layer],
            id=edge["id"],
            relation=relation,
            stance=stance,
            layer=layer,
            role=edge.get("role"),
            claim=edge.get("claim"),
            claim_label=edge.get("claim_label"),
            quote=edge.get("quote"),
            source_document=edge.get("source_document"),
            source_label=edge.get("source_label"),
            date=edge.get("date"),
            day=_first_day(edge.get("date")),
            certainty=edge.get("certainty"),
            document=ids.get(edge.get("document") or "", edge.get("document")),
            position=edge.get("position"),
        )
    _set_options(net, nodes=len(nodes), big=big)
    return net


def _resolve(ids: Mapping[str, str], edge: GraphEdge, end: str) -> str:
    reference = str(edge[end])  # type: ignore[literal-required]
    if reference not in ids:
        raise ValueError(f"edge {edge['id']!r}: its {end} {reference!r} is not a node of the graph")
    return ids[reference]


def coalition_colour(index: int | None) -> str:
    """The colour of a coalition (by its index); like draft colours, they repeat after eight."""
    return NO_COALITION if index is None else COALITION_COLOURS[index % len(COALITION_COLOURS)]


def _first_day(date: str | None) -> str | None:
    """The ISO day a date literal starts on, as :func:`graph.analysis.as_of` reads it: the page
    then compares days as strings, and a month or a year counts from its first day."""
    day = as_date(date)
    return day.isoformat() if day else None


def timeline_days(payload: StanceGraph) -> list[str]:
    """The stops of the "as of" slider: the day before the first dated position, then every day
    on which a position starts to hold. Between two stops nothing changes (claims keep their dates
    but are not stances: the slider leaves them alone)."""
    days = sorted(
        {
            day
            for edge in payload["edges"]
            if edge["relation"] in STANCES and (day := _first_day(edge.get("date")))
        }
    )
    if not days:
        return []
    before = dt.date.fromisoformat(days[0]) - dt.timedelta(days=1)
    return [before.isoformat(), *days]


def _position_dates(payload: StanceGraph) -> dict[str, int]:
    """How many positions there are and how many have no usable date, for the slider's note."""
    days = [_first_day(edge.get("date")) for edge in payload["edges"] if edge["relation"] in STANCES]
    return {"all": len(days), "undated": days.count(None)}


def coalition_legend(payload: StanceGraph) -> list[dict[str, str]]:
    """One legend row per coalition, in the order of :func:`graph.analysis.coalition_groups`: its colour
    and its members' labels."""
    members: dict[int, list[str]] = {}
    for node in payload["nodes"]:
        if node["group"] == "actor" and (index := node.get("coalition")) is not None:
            members.setdefault(index, []).append(node["label"])
    return [
        {"colour": coalition_colour(index), "label": ", ".join(sorted(labels, key=str.casefold))}
        for index, labels in sorted(members.items())
    ]


def _draft_colours(nodes: Sequence[GraphNode]) -> dict[str, str]:
    drafts = sorted((node["label"], node["id"]) for node in nodes if node["group"] == "draft")
    return {draft: DRAFT_COLOURS[i % len(DRAFT_COLOURS)] for i, (_, draft) in enumerate(drafts)}


def _node_style(node: GraphNode, draft_colour: str | None) -> NodeStyle:
    if node["group"] == "actor":
        return ACTOR_STYLES.get(node["kind"], OTHER_ACTOR)
    colour = draft_colour or OTHER_ACTOR.colour
    if node["group"] == "draft":
        return NodeStyle(DRAFT_SHAPE, colour, 20)
    return NodeStyle(CLAUSE_SHAPE, colour, 12)


def _label_font(group: str) -> dict[str, Any]:
    if group == "draft":
        return {"font": {"color": "#ffffff", "size": 16, "face": "system-ui, sans-serif"}, "margin": 10}
    return {"font": {"size": 13, "face": "system-ui, sans-serif"}, "widthConstraint": {"maximum": 170}}


def _set_options(net: Network, *, nodes: int, big: bool) -> None:
    """Physics that settles quickly and deterministically; the page switches it off once stable."""
    if big:
        net.barnes_hut(
            gravity=-3000, central_gravity=0.6, spring_length=80, spring_strength=0.05, damping=0.5
        )
    else:
        net.force_atlas_2based(
            gravity=-110,
            central_gravity=0.015,
            spring_length=110,
            spring_strength=0.08,
            damping=0.5,
            overlap=0.7,
        )
    options = net.options
    options.physics.stabilization.iterations = 100 if big else 600
    if big:  # a coarser Barnes-Hut tree: repulsion is most of the layout time at 2,000 nodes
        options.physics.barnesHut.theta = 0.9
    options.physics.stabilization.updateInterval = 25
    options.physics.minVelocity = 1.5
    options.edges.smooth.enabled = not big
    options.edges.smooth.type = "continuous"
    options.edges.color.inherit = False
    options.interaction.hover = True
    options.interaction.tooltipDelay = 120
    options.interaction.hideEdgesOnDrag = big
    options.interaction.hideEdgesOnZoom = big
    options.interaction.navigationButtons = False
    options.interaction.keyboard = {"enabled": True, "bindToWindow": False}
    options.layout = {"randomSeed": 7, "improvedLayout": nodes <= 100}
    # Labels appear as one zooms in: at 2,000 nodes, all of them at once are only noise.
    options.nodes = {"scaling": {"label": {"drawThreshold": 10 if big else 6}}}


def legend(payload: StanceGraph) -> list[dict[str, str]]:
    """Legend rows for the kinds in the payload: symbol shape, colour, and what it means."""
    nodes = payload["nodes"]
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for node in sorted(nodes, key=lambda n: n["kind_label"]):
        if node["group"] == "actor" and node["kind"] not in seen:
            seen.add(node["kind"])
            style = ACTOR_STYLES.get(node["kind"], OTHER_ACTOR)
            rows.append({"shape": style.shape, "colour": style.colour, "label": node["kind_label"]})
    colours = _draft_colours(nodes)
    for draft in sorted((n for n in nodes if n["group"] == "draft"), key=lambda n: n["label"]):
        rows.append({"shape": DRAFT_SHAPE, "colour": colours[draft["id"]], "label": draft["label"]})
    if any(node["group"] == "clause" for node in nodes):
        rows.append({"shape": CLAUSE_SHAPE, "colour": "#6b7280", "label": "clause (in its draft's colour)"})
    return rows


EDGE_DESCRIPTIONS: Mapping[str, tuple[str, str]] = {
    "supports": ("supports", "supports (solid, arrow)"),
    "opposes": ("opposes", "opposes (dashed, bar)"),
    LINEAGE: ("draft structure", "part of, revises, keeps, adds, removes (dotted, grey)"),
    ROLES: ("roles and memberships", "envoy of, member of, son-in-law of (dash-dot, diamond)"),
    CLAIMS: ("claims", "claimant to what the claim is about; reporter to claimant (dashed, vee)"),
    DRAFTING: ("who drafted", "an actor drafted a draft (solid blue, dot)"),
}


def edge_legend() -> list[dict[str, Any]]:
    """One row per edge style, drawn as a small SVG line like the one on the canvas.

    ``group`` is ``stance`` for the two stances and ``layer`` for the others: the
    page filters them as two sets of checkboxes (``stance=``, ``layer=``).
    """
    rows = []
    for kind, style in EDGE_STYLES.items():
        colour = style["color"]["color"] if isinstance(style["color"], dict) else style["color"]
        head = style["arrows"]["to"].get("type", "arrow")
        dash = " ".join(map(str, style["dashes"])) if style["dashes"] else "none"
        label, description = EDGE_DESCRIPTIONS[kind]
        rows.append(
            {"id": kind, "label": label, "description": description, "colour": colour}
            | {"width": style["width"], "dash": dash, "head": head}
            | {"group": "stance" if kind in STANCES else "layer"}
        )
    return rows


def filter_choices(payload: StanceGraph) -> dict[str, list[dict[str, str]]]:
    """The options of each filter control, from what the payload holds."""
    nodes, edges = payload["nodes"], payload["edges"]

    def by_label(group: str) -> list[dict[str, str]]:
        return [
            {"id": n["id"], "label": n["label"]}
            for n in sorted(nodes, key=lambda n: n["label"].casefold())
            if n["group"] == group
        ]

    certainties = sorted(
        {
            str(e["certainty"])
            for e in edges
            if (e["relation"] in STANCES or e.get("layer") == CLAIMS) and e["certainty"]
        }
    )
    return {
        "drafts": by_label("draft"),
        "actors": by_label("actor"),
        "certainties": [{"id": c, "label": c} for c in certainties],
    }


@dataclass(frozen=True)
class Asset:
    """A file the served page loads from ``/viewer/static/``."""

    name: str
    body: bytes
    media_type: str

    @functools.cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def url(self) -> str:
        """Versioned by content, so browsers may cache it for good."""
        return f"{STATIC_PREFIX}{self.name}?v={self.digest[:12]}"

    @property
    def text(self) -> str:
        """The text as an HTML parser sees it when inlined (it turns CR LF and CR into LF),
        so that its CSP hash matches."""
        return self.body.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


#: The stance matrix page's files, and shared.js, which both pages use (the link's parameters, downloads).
MATRIX_ASSETS = {"shared.js": "text/javascript", "matrix.js": "text/javascript", "matrix.css": "text/css"}


@functools.cache
def assets() -> dict[str, Asset]:
    """The viewer's scripts and stylesheet: vis-network from the pyvis wheel, and ours."""
    files = {
        "vis-network.min.js": (VIS_JS, "text/javascript"),
        "viewer.js": (TEMPLATES / "viewer.js", "text/javascript"),
        "viewer-export.js": (TEMPLATES / "viewer-export.js", "text/javascript"),
        "viewer.css": (TEMPLATES / "viewer.css", "text/css"),
        **{name: (TEMPLATES / name, media) for name, media in MATRIX_ASSETS.items()},
    }
    return {name: Asset(name, path.read_bytes(), media) for name, (path, media) in files.items()}


SCRIPTS = ("vis-network.min.js", "shared.js", "viewer.js", "viewer-export.js")  # in loading order
_CLOSING_TAG = re.compile(r"</(script|style)", re.IGNORECASE)


def _inline(asset: Asset) -> Markup:
    """Asset text to paste inside a <script> or <style> element; it must not be able to close it."""
    if _CLOSING_TAG.search(asset.text):
        raise ValueError(f"{asset.name} contains a closing tag and cannot be inlined")
    return Markup(asset.text)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def content_security_policy(*, standalone: bool) -> str:
    """Nothing but our own scripts and styles: in a file, only the inlined ones (by hash)."""
    if standalone:
        scripts = " ".join(_csp_hash(assets()[name].text) for name in SCRIPTS)
        styles = _csp_hash(assets()["viewer.css"].text)
        sources = f"script-src {scripts}; style-src {styles}; img-src data:"
    else:
        sources = "script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"
    return f"default-src 'none'; {sources}; base-uri 'none'; form-action 'none'"


@functools.cache
def template_environment() -> jinja2.Environment:
    """The pages' templates (the viewer's and the matrix's): autoescaped, strict about missing values."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_viewer(payload: StanceGraph, *, standalone: bool) -> str:
    """The viewer page for a payload (the JSON of ``/api/graph``).

    ``standalone=True`` inlines every script and style, so the file opens from
    disk with no network at all; its links point at the nodes' IRIs. Otherwise
    the page loads scripts from ``/viewer/static/`` and links to the API's
    ``/api/...`` and ``/id/...`` pages. The data is inlined either way.
    """
    net = build_network(payload)
    options = json.loads(net.options.to_json())
    data = {
        "nodes": net.nodes,
        "edges": net.edges,
        "options": options,
        "labels": dict(RELATION_LABELS),
        "standalone": standalone,
        "days": timeline_days(payload),
    }
    files = assets()
    return (
        template_environment()
        .get_template("viewer.html")
        .render(
            data=data,
            standalone=standalone,
            csp=content_security_policy(standalone=standalone),
            scripts=[files[name] for name in SCRIPTS],
            stylesheet=files["viewer.css"],
            inline=_inline,
            legend=legend(payload),
            edge_legend=edge_legend(),
            choices=filter_choices(payload),
            coalitions=coalition_legend(payload),
            positions=_position_dates(payload),
            no_coalition=NO_COALITION,
            counts={"nodes": len(net.nodes), "edges": len(net.edges)},
            truncated=payload.get("truncated", False),
        )
    )
