"""The graph viewer in a real browser (Debian's chromium driven by Playwright) against the real server.

Every page records its requests, console errors and dialogs (:mod:`tests.browser`): a test fails if
the page talks to any host but the loopback server (or, opened from disk, to anything at all), logs
an error, or lets data run as code. Screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from click.testing import CliRunner
from playwright.sync_api import Page, expect

from stancegraph.api.server import running
from stancegraph.api.settings import Settings
from stancegraph.cli import main
from stancegraph.graph.loading import bundled_files
from stancegraph.graph.payload import StanceGraph, graph_payload
from stancegraph.graph.projection import WHOLE, stance_graph
from stancegraph.graph.relations import viewer_graph
from stancegraph.graph.store import LocalStore
from stancegraph.graph.viewer import NO_COALITION, render_viewer
from tests.browser import DESCRIBE, LAPTOP, PHONE, OpenPage, Visit, assert_tab_reaches, axe_violations
from tests.hostile import HOSTILE_LABEL, HOSTILE_QUOTE, hostile_turtle

# A state with a hostile label opposing a real clause, through a position whose label and quote
# try to close the script element the data lives in. It conforms to the shapes.
HOSTILE_TURTLE = hostile_turtle(
    label=HOSTILE_LABEL, position_label="</script><script>alert(2)</script>", quote=HOSTILE_QUOTE
)
EUROPEAN = "european-counter-proposal"


# ---------------------------------------------------------------- servers and browser


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The service on a free loopback port, with the bundled data."""
    with running(Settings(port=0)) as url:
        yield url


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service over an on-disk store: the bundled data plus the hostile Turtle above."""
    folder = tmp_path_factory.mktemp("hostile")
    turtle = folder / "hostile.ttl"
    turtle.write_text(HOSTILE_TURTLE, encoding="utf-8")
    # Through the CLI, which lets go of the store before the server's workers open it.
    loaded = CliRunner().invoke(
        main, ["load", "--store", str(folder / "store"), *map(str, bundled_files()), str(turtle)]
    )
    assert loaded.exit_code == 0, loaded.output
    with running(Settings(port=0, store=folder / "store")) as url:
        yield url


@pytest.fixture(scope="module")
def api_graph(server: str) -> StanceGraph:
    graph: StanceGraph = httpx.get(f"{server}/api/graph", timeout=30).json()
    return graph


def dom_point(visit: Visit, script: str, argument: Any) -> tuple[float, float]:
    """Page coordinates of a canvas point that ``script`` computes from the vis network."""
    point = visit.evaluate(
        f"""(argument) => {{
            const network = stancegraph.network;
            const canvasPoint = ({script})(network, argument);
            const dom = network.canvasToDOM(canvasPoint);
            const box = document.getElementById('graph').getBoundingClientRect();
            return [box.left + dom.x, box.top + dom.y];
        }}""",
        argument,
    )
    return point[0], point[1]


def edge_point(visit: Visit, edge_id: str) -> tuple[float, float]:
    # vis draws curved edges; its edge type knows where the curve passes.
    return dom_point(visit, "(network, id) => network.body.edges[id].edgeType.getPoint(0.45)", edge_id)


def node_point(visit: Visit, node_id: str) -> tuple[float, float]:
    return dom_point(visit, "(network, id) => network.getPositions([id])[id]", node_id)


def panel_text(visit: Visit) -> str:
    return visit.page.locator("#panel").inner_text()


# ---------------------------------------------------------------- the served page


@pytest.mark.browser
def test_page_loads_cleanly_from_the_server_alone(open_page: OpenPage, server: str) -> None:
    visit = open_page(f"{server}/viewer")
    visit.assert_clean(allowed_origin=server)
    assert any("/viewer/static/vis-network.min.js" in url for url in visit.requests)
    visit.screenshot("viewer-laptop")


@pytest.mark.browser
def test_it_draws_every_node_and_edge_of_api_graph(
    open_page: OpenPage, server: str, api_graph: StanceGraph
) -> None:
    visit = open_page(f"{server}/viewer")
    counts = visit.evaluate(
        """() => ({
            nodes: stancegraph.nodes.getIds().sort(), edges: stancegraph.edges.getIds().sort(),
            drawnNodes: stancegraph.network.body.nodeIndices.length,
            drawnEdges: stancegraph.network.body.edgeIndices.length,
        })"""
    )
    assert counts["nodes"] == sorted(node["id"] for node in api_graph["nodes"])
    assert counts["edges"] == sorted(edge["id"] for edge in api_graph["edges"])
    assert counts["drawnNodes"] == len(api_graph["nodes"])
    assert counts["drawnEdges"] == len(api_graph["edges"])


@pytest.mark.browser
def test_draft_filter_shows_one_draft_in_place_and_in_the_url(
    open_page: OpenPage, server: str, api_graph: StanceGraph
) -> None:
    visit = open_page(f"{server}/viewer")
    positions = "() => stancegraph.network.getPositions(stancegraph.nodes.getIds())"
    before = visit.evaluate(positions)
    visit.page.get_by_role("checkbox", name="28-point peace plan").uncheck()
    visit.page.get_by_role("checkbox", name="19-point Geneva draft").uncheck()
    shown = visit.visible()

    clauses = {node["id"]: node["draft"] for node in shown["nodes"] if node["category"] == "clause"}
    assert clauses and set(clauses.values()) == {EUROPEAN}
    assert {node["id"] for node in shown["nodes"] if node["category"] == "draft"} == {EUROPEAN}
    expected = {edge["id"] for edge in api_graph["edges"] if edge["document"] == EUROPEAN}
    assert {edge["id"] for edge in shown["edges"] if edge["stance"]} == expected
    assert visit.evaluate(positions) == before  # nothing moved
    assert f"draft={EUROPEAN}" in visit.page.url
    visit.screenshot("viewer-european-only")

    shared = open_page(visit.page.url)
    assert shared.visible() == shown
    assert shared.page.get_by_role("checkbox", name="28-point peace plan").is_checked() is False


def _check(visit: Visit, name: str) -> None:
    visit.page.get_by_role("checkbox", name=name, exact=True).uncheck()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("action", "keeps"),
    [
        (lambda v: v.page.select_option("#filter-actor", "europe"), lambda e: e["from"] == "europe"),
        (lambda v: _check(v, "supports"), lambda e: e["relation"] == "opposes"),
        (lambda v: _check(v, "stated"), lambda e: e["certainty"] != "stated"),
    ],
    ids=["actor", "stance", "certainty"],
)
def test_filters_keep_exactly_the_matching_stances(
    open_page: OpenPage,
    server: str,
    api_graph: StanceGraph,
    action: Callable[[Visit], None],
    keeps: Callable[[dict[str, Any]], bool],
) -> None:
    visit = open_page(f"{server}/viewer")
    action(visit)
    stances = [
        {**e, "from": e["source"]} for e in api_graph["edges"] if e["relation"] in ("supports", "opposes")
    ]
    expected = {edge["id"] for edge in stances if keeps(edge)}
    shown = {edge["id"] for edge in visit.visible()["edges"] if edge["stance"]}
    assert expected and shown == expected
    visit.assert_clean(allowed_origin=server)


@pytest.mark.browser
def test_the_certainty_filter_holds_for_claims_too(
    open_page: OpenPage, server: str, api_graph: StanceGraph
) -> None:
    visit = open_page(f"{server}/viewer")
    _check(visit, "stated")
    claims = {e["id"]: e["certainty"] for e in api_graph["edges"] if e["layer"] == "claims"}
    assert "stated" in claims.values() and set(claims.values()) - {"stated"}
    shown = [claims[e["id"]] for e in visit.visible()["edges"] if e["id"] in claims]
    assert shown and "stated" not in shown
    visit.assert_clean(allowed_origin=server)


@pytest.mark.browser
def test_hovering_and_clicking_an_edge_shows_its_evidence(
    open_page: OpenPage, server: str, api_graph: StanceGraph
) -> None:
    edge = next(e for e in api_graph["edges"] if e["id"] == "position-europe-opposes-amnesty")
    visit = open_page(f"{server}/viewer")
    x, y = edge_point(visit, edge["id"])
    visit.page.mouse.move(x, y)
    card = visit.page.locator("#evidence")
    card.wait_for(state="visible")
    assert edge["quote"] in card.inner_text()
    assert "opposes" in card.inner_text()
    visit.screenshot("viewer-edge-hover")

    visit.page.mouse.click(x, y)
    text = panel_text(visit)
    for expected in (edge["quote"], edge["source_label"], "stated", "Certainty"):
        assert expected in text


@pytest.mark.browser
@pytest.mark.parametrize(
    ("node", "json_path"),
    [
        ("europe", "/api/actors/europe"),
        ("plan-28-amnesty", "/api/clauses/plan-28-amnesty"),
        (EUROPEAN, f"/api/documents/{EUROPEAN}"),
    ],
)
def test_clicking_a_node_opens_its_panel_with_working_links(
    open_page: OpenPage, server: str, node: str, json_path: str
) -> None:
    visit = open_page(f"{server}/viewer")
    panel = visit.page.locator("#panel")
    # vis-network takes a click as a tap only if the button comes up within 250 ms; on a busy machine
    # the browser can stall longer than that between down and up, so a swallowed click is tried again.
    for _attempt in range(3):
        visit.page.mouse.click(*node_point(visit, node))
        try:
            expect(panel.locator(".links a")).to_have_count(2, timeout=3000)
            break
        except AssertionError:
            continue
    hrefs = panel.locator(".links a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert hrefs == [json_path, f"/id/{node}"]
    for href in hrefs:
        assert httpx.get(f"{server}{href}", timeout=30).status_code == 200
    assert f"focus={node}" in visit.page.url


@pytest.mark.browser
def test_focus_parameter_and_search_bring_a_node_into_view(open_page: OpenPage, server: str) -> None:
    visit = open_page(f"{server}/viewer?focus=ukraine")
    assert visit.evaluate("() => stancegraph.network.getSelectedNodes()") == ["ukraine"]
    assert visit.page.locator("#panel h2").inner_text() == "Ukraine"

    visit.page.fill("#search-input", "amnesty")
    visit.page.press("#search-input", "Enter")
    assert "amnesty" in visit.page.locator("#panel h2").inner_text()
    assert visit.evaluate("() => stancegraph.network.getSelectedNodes()") == ["plan-28-amnesty"]


@pytest.mark.browser
def test_phone_width_uses_bottom_sheets(open_page: OpenPage, server: str) -> None:
    visit = open_page(f"{server}/viewer", viewport=PHONE)
    assert visit.page.locator("#controls").is_hidden()
    visit.screenshot("viewer-phone")
    visit.page.get_by_role("button", name="Filters & legend").click()
    assert visit.page.locator("#controls").is_visible()
    visit.screenshot("viewer-phone-filters")
    visit.page.get_by_role("button", name="Filters & legend").click()

    visit.page.fill("#search-input", "Europe")
    visit.page.press("#search-input", "Enter")
    box = visit.page.locator("#panel").bounding_box()
    assert box is not None
    assert box["width"] == PHONE["width"]
    assert box["y"] + box["height"] == pytest.approx(PHONE["height"], abs=1)
    visit.screenshot("viewer-phone-panel")
    visit.assert_clean(allowed_origin=server)


STANCE_EDGES = "() => stancegraph.edges.get({filter: (e) => !e.hidden && e.stance}).map((e) => e.id).sort()"
ACTOR_LOOKS = """() => Object.fromEntries(stancegraph.nodes.get({filter: (n) => n.category === 'actor'})
    .map((n) => [n.id, [n.color, n.shape]]))"""
POSITIONS = "() => stancegraph.network.getPositions(stancegraph.nodes.getIds())"


@pytest.mark.browser
def test_colouring_by_coalition_follows_api_coalitions(open_page: OpenPage, server: str) -> None:
    coalitions = httpx.get(f"{server}/api/coalitions", timeout=30).json()
    groups = [[member["id"] for member in c["members"]] for c in coalitions]
    labels = [", ".join(sorted((m["label"] for m in c["members"]), key=str.casefold)) for c in coalitions]
    visit = open_page(f"{server}/viewer")
    by_kind = visit.evaluate(ACTOR_LOOKS)
    visit.page.get_by_role("checkbox", name="actors by coalition").check()
    looks = visit.evaluate(ACTOR_LOOKS)

    colours = [{looks[member][0] for member in group} for group in groups]
    assert all(len(colour) == 1 for colour in colours)  # one colour per coalition...
    assert len(set.union(*colours)) == len(groups)  # ...and a different one for each
    grouped = {member for group in groups for member in group}
    assert {looks[actor][0] for actor in looks.keys() - grouped} == {NO_COALITION}
    assert {actor: shape for actor, (_, shape) in looks.items()} == {a: s for a, (_, s) in by_kind.items()}
    legend = visit.page.locator("#coalition-legend li").all_inner_texts()
    assert [text.strip() for text in legend] == [*labels, "no stance recorded"]
    assert "colour=coalition" in visit.page.url
    visit.screenshot("viewer-coalitions")

    shared = open_page(visit.page.url)
    assert shared.evaluate(ACTOR_LOOKS) == looks
    shared.page.get_by_role("checkbox", name="actors by coalition").uncheck()
    assert shared.evaluate(ACTOR_LOOKS) == by_kind
    assert shared.page.locator("#coalition-legend").is_hidden()
    visit.assert_clean(allowed_origin=server)


@pytest.mark.browser
def test_as_of_slider_shows_the_stances_that_held_on_a_day(
    open_page: OpenPage, server: str, api_graph: StanceGraph
) -> None:
    dated = sorted(
        e["id"] for e in api_graph["edges"] if e["relation"] in ("supports", "opposes") and e["date"]
    )
    assert len(dated) == 2
    visit = open_page(f"{server}/viewer")
    before = visit.evaluate(POSITIONS)
    assert "12 of 14 positions have no date" in visit.page.locator("#controls").inner_text()
    visit.page.get_by_role("checkbox", name="undated positions").uncheck()
    slider = visit.page.locator("#as-of")

    slider.fill("0")
    assert visit.page.locator("#as-of-day").inner_text() == "2025-11-19"
    assert visit.evaluate(STANCE_EDGES) == []
    slider.fill("1")
    assert visit.page.locator("#as-of-day").inner_text() == "2025-11-20"
    assert visit.evaluate(STANCE_EDGES) == dated
    timeline = httpx.get(f"{server}/api/timeline", params={"as_of": "2025-11-20"}, timeout=30).json()
    assert dated == sorted(e["id"] for e in timeline["edges"] if e["relation"] in ("supports", "opposes"))
    assert visit.evaluate(POSITIONS) == before  # nothing moved
    assert "as_of=2025-11-20" in visit.page.url and "undated=hidden" in visit.page.url
    visit.screenshot("viewer-as-of")

    shared = open_page(visit.page.url)
    assert shared.visible() == visit.visible()
    assert shared.page.get_by_role("checkbox", name="undated positions").is_checked() is False
    assert shared.page.locator("#as-of").input_value() == "1"

    # Any day in the URL is kept as given; undated positions show unless hidden.
    later = open_page(f"{server}/viewer#as_of=2025-06-01")
    assert later.page.locator("#as-of-day").inner_text() == "2025-06-01"
    assert len(later.evaluate(STANCE_EDGES)) == 14 - len(dated)
    later.page.get_by_role("button", name="Show everything").click()
    assert len(later.evaluate(STANCE_EDGES)) == 14
    assert "as_of" not in later.page.url
    visit.assert_clean(allowed_origin=server)


# ---------------------------------------------------------------- relations, gathering aside, refit, export

LAYERS = ("lineage", "roles", "claims", "drafting")
LAYER_NAMES = {
    "lineage": "draft structure",
    "roles": "roles and memberships",
    "claims": "claims",
    "drafting": "who drafted",
}
SHOWN_BY_LAYER = """() => {
    const counts = {};
    for (const e of stancegraph.edges.get({filter: (e) => !e.hidden})) counts[e.layer] = (counts[e.layer] || 0) + 1;
    return counts;
}"""
# What the data holds, counted straight from the triples: every membership, role or family property,
# every (claimant, thing a claim is about) pair and every reporter, every (drafter, draft) pair.
DATA_COUNTS = {
    "roles": """PREFIX sg: <https://w3id.org/stancegraph/ns#> PREFIX org: <http://www.w3.org/ns/org#>
        SELECT (COUNT(*) AS ?n) WHERE { { ?m org:member ?a ; org:organization ?b } UNION {
        VALUES ?p { sg:sonInLawOf sg:familyOf sg:foundingMemberOf sg:formerMemberOf org:memberOf
        org:subOrganizationOf } ?a ?p ?b } }""",
    "claims": """PREFIX sg: <https://w3id.org/stancegraph/ns#>
        SELECT (COUNT(*) AS ?n) WHERE { { ?c sg:claimant ?a ; sg:about ?b } UNION { ?c sg:reportedBy ?r } }""",
    "drafting": """PREFIX sg: <https://w3id.org/stancegraph/ns#> PREFIX dct: <http://purl.org/dc/terms/>
        SELECT (COUNT(*) AS ?n) WHERE { ?d a sg:Draft ; dct:creator ?a }""",
}
FLOATING_BEFORE = {
    "steve-witkoff",
    "jared-kushner",
    "trump",
    "jd-vance",
    "orysia-lutsevych",
    "charlotte-roff",
    "financial-times",
    "chatham-house",
    "nato",
    "g8",
    "kremlin",
    "ukrainian-armed-forces",
    "ukrainian-senior-official",
}


def _count(bundled: LocalStore, query: str) -> int:
    return int(bundled.select(query)[0]["n"].value)  # type: ignore[union-attr]


def _unlinked(visit: Visit) -> list[str]:
    """The shown nodes that no shown edge touches."""
    return visit.evaluate(
        """() => {
            const linked = new Set();
            for (const e of stancegraph.edges.get({filter: (e) => !e.hidden})) linked.add(e.from).add(e.to);
            return stancegraph.nodes.get({filter: (n) => !n.hidden && !linked.has(n.id)}).map((n) => n.id).sort();
        }"""
    )


@pytest.mark.browser
def test_layers_switch_on_and_off_and_hold_what_the_data_holds(
    open_page: OpenPage, server: str, api_graph: StanceGraph, bundled: LocalStore
) -> None:
    in_api = {layer: sum(e["layer"] == layer for e in api_graph["edges"]) for layer in LAYERS}
    for layer, query in DATA_COUNTS.items():
        assert in_api[layer] == _count(bundled, query) > 0, layer
    visit = open_page(f"{server}/viewer")
    everything = visit.evaluate(SHOWN_BY_LAYER)
    assert everything == {**in_api, "stances": 14}
    for layer in LAYERS:
        box = visit.page.get_by_role("checkbox", name=LAYER_NAMES[layer], exact=True)
        box.uncheck()
        assert visit.evaluate(SHOWN_BY_LAYER) == {k: v for k, v in everything.items() if k != layer}
        assert f"layer={layer}" not in visit.page.url and "layer=" in visit.page.url
        box.check()
        assert visit.evaluate(SHOWN_BY_LAYER) == everything
    visit.assert_clean(allowed_origin=server)


@pytest.mark.browser
def test_with_every_layer_on_no_actor_floats(open_page: OpenPage, server: str) -> None:
    visit = open_page(f"{server}/viewer")
    assert _unlinked(visit) == [] and visit.evaluate("() => stancegraph.aside.size") == 0
    linked = visit.evaluate(
        "() => stancegraph.edges.get({filter: (e) => !e.hidden}).flatMap((e) => [e.from, e.to])"
    )
    assert set(linked) >= FLOATING_BEFORE

    visit.evaluate("() => stancegraph.focusNode('steve-witkoff')")
    text = panel_text(visit)
    assert "Roles and memberships" in text and "envoy of" in text and "US envoy Steve Witkoff" in text
    visit.evaluate("() => stancegraph.focusNode('jared-kushner')")
    assert "son-in-law of" in panel_text(visit) and "Trump’s son-in-law Jared Kushner" in panel_text(visit)
    visit.evaluate("() => stancegraph.focusNode('financial-times')")
    assert "reported a claim by" in panel_text(visit)
    # Quotes stay verbatim; one that brings its own quotation marks gets none added around it.
    visit.evaluate("() => stancegraph.focusNode('orysia-lutsevych')")
    quoted = visit.page.locator("#panel blockquote.quoted").first
    assert quoted.inner_text() == "“the 28-point plan looks like a brainchild of the Kremlin.”"
    assert quoted.evaluate("(q) => getComputedStyle(q, '::before').content") == "none"
    visit.screenshot("viewer-relations")
    visit.assert_clean(allowed_origin=server)


@pytest.mark.browser
def test_nodes_left_without_edges_are_gathered_aside_and_go_back(open_page: OpenPage, server: str) -> None:
    visit = open_page(f"{server}/viewer")
    before = visit.evaluate(POSITIONS)
    for layer in ("roles", "claims", "drafting"):
        visit.page.get_by_role("checkbox", name=LAYER_NAMES[layer], exact=True).uncheck()
    alone = _unlinked(visit)
    assert {"steve-witkoff", "charlotte-roff", "financial-times", "nato"} <= set(alone)
    assert sorted(visit.evaluate("() => [...stancegraph.aside]")) == alone
    now = visit.evaluate(POSITIONS)
    placed = {node["id"] for node in visit.visible()["nodes"]} - set(alone)
    right_edge = max(now[n]["x"] for n in placed)
    assert all(now[n]["x"] > right_edge for n in alone)  # aside, at the right
    assert len({(now[n]["x"], now[n]["y"]) for n in alone}) == len(alone)  # in a grid, none on another
    assert all(now[n] == before[n] for n in now if n not in alone)  # the others did not move
    visit.screenshot("viewer-gathered-aside")

    visit.page.get_by_role("button", name="Show everything").click()
    assert visit.evaluate(POSITIONS) == before and _unlinked(visit) == []
    visit.assert_clean(allowed_origin=server)


def _outside(visit: Visit) -> list[str]:
    """The shown nodes whose box (label included) is not wholly inside the graph's area."""
    return visit.evaluate(
        """() => {
            const network = stancegraph.network;
            const box = document.getElementById('graph').getBoundingClientRect();
            return stancegraph.nodes.get({filter: (n) => !n.hidden}).map((n) => n.id).filter((id) => {
                const b = network.getBoundingBox(id);
                const a = network.canvasToDOM({x: b.left, y: b.top});
                const z = network.canvasToDOM({x: b.right, y: b.bottom});
                return a.x < -1 || a.y < -1 || z.x > box.width + 1 || z.y > box.height + 1;
            });
        }"""
    )


@pytest.mark.browser
def test_the_graph_fits_a_phone_and_refits_when_the_window_changes(open_page: OpenPage, server: str) -> None:
    phone = open_page(f"{server}/viewer", viewport=PHONE)
    assert _outside(phone) == []
    visit = open_page(f"{server}/viewer")
    assert _outside(visit) == []
    scale = visit.evaluate("() => stancegraph.network.getScale()")
    visit.page.set_viewport_size(PHONE)
    visit.page.wait_for_function(f"() => stancegraph.network.getScale() < {scale}")
    visit.page.wait_for_timeout(300)
    assert _outside(visit) == []
    visit.screenshot("viewer-phone-refit")
    visit.page.set_viewport_size(LAPTOP)
    visit.page.wait_for_function(f"() => stancegraph.network.getScale() >= {scale} * 0.99")
    assert _outside(visit) == []
    visit.assert_clean(allowed_origin=server)


def _download(visit: Visit, kind: str) -> bytes:
    with visit.page.expect_download() as info:
        visit.page.get_by_role("button", name=f"Download this view as {kind}").click()
    path = info.value.path()
    return Path(path).read_bytes()


@pytest.mark.browser
def test_the_view_exports_as_png_and_svg(open_page: OpenPage, hostile_server: str) -> None:
    visit = open_page(f"{hostile_server}/viewer")
    visit.page.get_by_role("checkbox", name="claims", exact=True).uncheck()
    png = _download(visit, "PNG")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    size = visit.evaluate(
        "() => { const c = document.querySelector('#graph canvas'); return [c.width, c.height]; }"
    )
    assert [int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")] == size

    svg = ElementTree.fromstring(_download(visit, "SVG"))
    ns = {"svg": "http://www.w3.org/2000/svg"}
    shown = visit.visible()
    assert len(svg.findall(".//svg:g[@class='nodes']/svg:g", ns)) == len(shown["nodes"])
    assert len(svg.findall(".//svg:g[@class='edges']/svg:line", ns)) == len(shown["edges"])
    labels = {text.text for text in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert HOSTILE_LABEL in labels and "Steve Witkoff" in labels  # the hostile label is text, not markup
    assert not svg.findall(".//svg:img", ns) and not svg.findall(".//img")
    visit.assert_clean(allowed_origin=hostile_server)


# ---------------------------------------------------------------- accessibility


def _open_filters(page: Page) -> None:
    page.get_by_role("button", name="Filters & legend").click()


def _run_the_query(page: Page) -> None:
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table tbody tr")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "viewport", "wait_for", "then"),
    [
        ("/viewer", LAPTOP, None, None),
        ("/viewer?focus=steve-witkoff", LAPTOP, None, None),
        ("/viewer", PHONE, None, _open_filters),
        ("/sparql", LAPTOP, ".CodeMirror", _run_the_query),
        ("/sparql", PHONE, ".CodeMirror", None),
    ],
    ids=["viewer", "viewer-panel", "viewer-phone-filters", "sparql-results", "sparql-phone"],
)
def test_no_serious_or_critical_accessibility_violations(
    open_page: OpenPage,
    server: str,
    path: str,
    viewport: dict[str, int],
    wait_for: str | None,
    then: Callable[[Page], None] | None,
) -> None:
    visit = open_page(f"{server}{path}", viewport=viewport, wait_for=wait_for)
    if then:
        then(visit.page)
    assert axe_violations(visit) == []
    visit.assert_clean(allowed_origin=server)


@pytest.mark.browser
def test_tab_reaches_every_viewer_control_with_a_visible_focus(open_page: OpenPage, server: str) -> None:
    visit = open_page(f"{server}/viewer")
    controls = visit.evaluate(
        f"""() => [...document.querySelectorAll('header input, header button, #controls input,'
                + '#controls select, #controls button, #graph .vis-network')]
            .filter((e) => e.getClientRects().length).map({DESCRIBE})"""
    )
    assert_tab_reaches(visit, controls)
    visit.assert_clean(allowed_origin=server)


@pytest.mark.browser
def test_the_viewer_is_usable_from_the_keyboard(open_page: OpenPage, server: str) -> None:
    visit = open_page(f"{server}/viewer")
    page = visit.page
    page.focus("#search-input")
    page.keyboard.type("Steve Witkoff")
    page.keyboard.press("Enter")
    expect(page.locator("#panel h2")).to_have_text("Steve Witkoff")

    page.focus("#panel-close")  # from the panel's first control, on to a node it names
    for _ in range(10):
        page.keyboard.press("Tab")
        if visit.evaluate("() => document.activeElement.textContent") == "United States":
            break
    page.keyboard.press("Enter")
    expect(page.locator("#panel h2")).to_have_text("United States")
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_be_hidden()

    page.focus("input[name=layer][value=claims]")
    page.keyboard.press("Space")
    assert "claims" not in visit.evaluate(SHOWN_BY_LAYER)
    page.focus("#as-of")
    page.keyboard.press("Home")
    assert page.locator("#as-of-day").inner_text() == "2025-11-19"
    assert "as_of=2025-11-19" in page.url
    visit.assert_clean(allowed_origin=server)


# ---------------------------------------------------------------- hostile data


@pytest.mark.browser
def test_hostile_labels_and_quotes_stay_text(open_page: OpenPage, hostile_server: str) -> None:
    html = httpx.get(f"{hostile_server}/viewer", timeout=30).text
    assert "<img src=x" not in html and "<b onmouseover" not in html

    visit = open_page(f"{hostile_server}/viewer")
    x, y = edge_point(visit, "position-hostile-opposes-amnesty")
    visit.page.mouse.move(x, y)
    visit.page.locator("#evidence").wait_for(state="visible")
    assert HOSTILE_QUOTE in visit.page.locator("#evidence").inner_text()
    assert HOSTILE_LABEL in visit.page.locator("#evidence").inner_text()
    visit.page.mouse.click(*node_point(visit, "hostile"))
    assert visit.page.locator("#panel h2").inner_text() == HOSTILE_LABEL
    assert HOSTILE_QUOTE in panel_text(visit)
    assert visit.page.locator("#filter-actor option[value=hostile]").inner_text() == HOSTILE_LABEL
    assert visit.evaluate("() => document.querySelectorAll('img, b, [onerror], [onmouseover]').length") == 0
    visit.page.wait_for_timeout(200)  # let any injected handler fire
    visit.assert_clean(allowed_origin=hostile_server)


# ---------------------------------------------------------------- the standalone file


def hostile_payload(store: LocalStore) -> StanceGraph:
    """The bundled graph with Europe's label and one of its quotes replaced by markup."""
    payload = graph_payload(stance_graph(store))
    next(node for node in payload["nodes"] if node["id"] == "europe")["label"] = HOSTILE_LABEL
    next(edge for edge in payload["edges"] if edge["source"] == "europe")["quote"] = HOSTILE_QUOTE
    return payload


def _offline(visit_file: Callable[[Path], Visit], path: Path) -> Visit:
    visit = visit_file(path)
    visit.assert_clean(allowed_origin=None)
    assert visit.requests == [path.as_uri()]
    return visit


@pytest.fixture
def open_file(open_page: OpenPage) -> Callable[..., Visit]:
    def open_(path: Path, **options: Any) -> Visit:
        return open_page(path.as_uri(), **options)

    return open_


@pytest.mark.browser
def test_standalone_file_opens_offline(
    open_file: Callable[..., Visit], tmp_path: Path, bundled: LocalStore
) -> None:
    out = tmp_path / "stances.html"
    result = CliRunner().invoke(main, ["view", "--out", str(out)])
    assert result.exit_code == 0, result.output
    visit = _offline(open_file, out)
    expected = graph_payload(viewer_graph(bundled, WHOLE))
    assert visit.evaluate("() => [stancegraph.nodes.length, stancegraph.edges.length]") == [
        len(expected["nodes"]),
        len(expected["edges"]),
    ]
    visit.page.fill("#search-input", "Europe")
    visit.page.press("#search-input", "Enter")
    assert (
        visit.page.locator("#panel .links a").get_attribute("href")
        == "https://w3id.org/stancegraph/id/europe"
    )
    visit.screenshot("viewer-standalone")


@pytest.mark.browser
def test_standalone_file_keeps_hostile_labels_as_text(
    open_file: Callable[..., Visit], tmp_path: Path, bundled: LocalStore
) -> None:
    out = tmp_path / "hostile.html"
    out.write_text(render_viewer(hostile_payload(bundled), standalone=True), encoding="utf-8")
    visit = _offline(open_file, out)
    visit.evaluate("() => stancegraph.focusNode('europe')")
    assert visit.page.locator("#panel h2").inner_text() == HOSTILE_LABEL
    assert HOSTILE_QUOTE in panel_text(visit)
    assert visit.evaluate("() => document.querySelectorAll('img, b').length") == 0
    visit.assert_clean(allowed_origin=None)


def synthetic_payload(*, nodes: int, edges: int, drafts: int = 3, seed: int = 1) -> StanceGraph:
    """A random graph of the viewer's shape: every clause in a draft, stances skewed to a few actors."""
    rng = random.Random(seed)
    kinds = [
        ("State", "state"),
        ("Person", "person"),
        ("ThinkTank", "think-tank"),
        ("GovernmentBody", "government body"),
    ]
    actors = nodes // 5
    clauses = nodes - actors - drafts

    def node(
        identifier: str, group: str, kind: str, kind_label: str, draft: str | None = None
    ) -> dict[str, Any]:
        return {
            "id": identifier,
            "iri": f"urn:x:{identifier}",
            "label": f"{kind_label} {identifier}",
            "group": group,
            "kind": kind,
            "kind_label": kind_label,
            "draft": draft,
        }

    def edge(identifier: str, source: str, target: str, relation: str, **evidence: Any) -> dict[str, Any]:
        empty = dict.fromkeys(
            ("quote", "source_document", "source_label", "date", "certainty", "document", "position")
        )
        return {
            "id": identifier,
            "source": source,
            "target": target,
            "relation": relation,
            **empty,
            **evidence,
        }

    graph: dict[str, list[dict[str, Any]]] = {
        "nodes": [node(f"draft-{d}", "draft", "Draft", "draft") for d in range(drafts)]
        + [node(f"actor-{a}", "actor", *rng.choice(kinds)) for a in range(actors)]
        + [node(f"clause-{c}", "clause", "Clause", "clause", f"draft-{c % drafts}") for c in range(clauses)],
        "edges": [
            edge(f"part-{c}", f"clause-{c}", f"draft-{c % drafts}", "isPartOf") for c in range(clauses)
        ],
    }
    for i in range(edges - clauses):
        clause = rng.randrange(clauses)
        actor = i if i < actors else min(int(rng.paretovariate(0.8)), actors) - 1
        graph["edges"].append(
            edge(
                f"position-{i}",
                f"actor-{actor}",
                f"clause-{clause}",
                rng.choice(["supports", "opposes"]),
                quote=f"quote {i}",
                source_document="article",
                source_label="An article",
                certainty=rng.choice(["stated", "reported", "believed"]),
                document=f"draft-{clause % drafts}",
                position=f"position-{i}",
            )
        )
    return graph  # type: ignore[return-value]


@pytest.mark.browser
def test_two_thousand_nodes_and_ten_thousand_edges_render_and_filter(
    open_file: Callable[..., Visit], tmp_path: Path
) -> None:
    payload = synthetic_payload(nodes=2000, edges=10_000)
    out = tmp_path / "big.html"
    started = time.perf_counter()
    out.write_text(render_viewer(payload, standalone=True), encoding="utf-8")
    rendered = time.perf_counter() - started
    started = time.perf_counter()
    visit = open_file(out, timeout_ms=180_000)
    loaded = time.perf_counter() - started
    layout_ms = visit.evaluate("stancegraph.ready")["layoutMs"]
    assert visit.evaluate("() => [stancegraph.nodes.length, stancegraph.edges.length]") == [2000, 10_000]

    filter_ms = visit.evaluate(
        """async () => {
            const started = performance.now();
            const drawn = new Promise((resolve) => stancegraph.network.once('afterDrawing', resolve));
            const box = document.querySelector('input[name=draft][value="draft-0"]');
            box.checked = false;
            box.dispatchEvent(new Event('change', {bubbles: true}));
            await drawn;
            return performance.now() - started;
        }"""
    )
    shown = visit.visible()
    assert not any(node["draft"] == "draft-0" for node in shown["nodes"])
    assert all(edge["document"] != "draft-0" for edge in shown["edges"])
    print(
        f"\n2,000 nodes / 10,000 edges: HTML {rendered:.2f} s, page ready {loaded:.1f} s "
        f"(layout {layout_ms / 1000:.1f} s), draft filter {filter_ms:.0f} ms"
    )
    assert filter_ms < 5_000
    visit.screenshot("viewer-2000-nodes")
    visit.assert_clean(allowed_origin=None)


# ---------------------------------------------------------------- without a browser


def test_static_files_are_typed_versioned_and_cached(server: str) -> None:
    page = httpx.get(f"{server}/viewer", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    urls = re.findall(r'(?:src|href)="(/viewer/static/[^"]+)"', page.text)
    assert len(urls) == 5  # vis-network, shared.js, viewer.js, viewer-export.js, viewer.css
    for url in urls:
        response = httpx.get(f"{server}{url}", timeout=30)
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] in ("text/javascript", "text/css")
        assert "immutable" in response.headers["cache-control"]
        again = httpx.get(f"{server}{url}", headers={"If-None-Match": response.headers["etag"]}, timeout=30)
        assert again.status_code == 304
    missing = httpx.get(f"{server}/viewer/static/nothing.js", timeout=30)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_data_is_escaped_in_the_page(bundled: LocalStore) -> None:
    html = render_viewer(hostile_payload(bundled), standalone=False)
    assert HOSTILE_LABEL not in html
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html  # in the JSON block
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # in the search list and the actor menu


def test_an_edge_to_a_missing_node_is_an_error(bundled: LocalStore) -> None:
    payload = graph_payload(stance_graph(bundled))
    payload["edges"][0]["target"] = "nowhere"
    with pytest.raises(ValueError, match="nowhere"):
        render_viewer(payload, standalone=True)


def test_view_to_an_unwritable_place_is_one_error_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["view", "--out", str(tmp_path / "missing" / "stances.html")])
    assert result.exit_code == 1
    assert "Could not open file" in result.output and "Traceback" not in result.output
