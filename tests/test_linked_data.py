"""/id/{name}: Turtle, JSON-LD and HTML for every resource; data never escapes into the page as markup."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import httpx
import pyoxigraph as ox
import pytest

from stancegraph.graph.loading import bundled_store
from stancegraph.ontology import ID, PREFIXES
from tests.servers import closed_store

# Every test here that uses `server_url` or `http` runs on both backends (tests/conftest.py); the hostile
# data is an in-process app with its store replaced, so that one is local only.
pytestmark = pytest.mark.backends("local", "remote")

AMNESTY = f"{ID}plan-28-amnesty"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "media_type", "fmt"),
    [
        ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("*/*", "text/turtle", ox.RdfFormat.TURTLE),
    ],
)
def test_rdf_by_accept(http: httpx.Client, accept: str, media_type: str, fmt: ox.RdfFormat) -> None:
    response = http.get("/id/plan-28-amnesty", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    triples = list(ox.parse(response.content, format=fmt))
    wording = ox.NamedNode("https://w3id.org/stancegraph/ns#wording")
    assert any(t.subject.value == AMNESTY and t.predicate == wording for t in triples)
    # the neighbours are named: the positions on the clause come with their labels
    opposes = [t.subject for t in triples if t.predicate.value.endswith("#opposes")]
    labels = {t.subject for t in triples if t.predicate.value == PREFIXES["rdfs"] + "label"}
    assert opposes and set(opposes) <= labels


def test_turtle_uses_the_prefixes(http: httpx.Client) -> None:
    text = http.get("/id/europe", headers={"Accept": "text/turtle"}).text
    assert "@prefix sg: <https://w3id.org/stancegraph/ns#>" in text and "sg:StateUnion" in text


def test_json_ld_is_json(http: httpx.Client) -> None:
    document = json.loads(http.get("/id/europe", params={"format": "jsonld"}).text)
    assert any(node.get("@id") == f"{ID}europe" for node in document)


def test_html_page_for_a_browser(http: httpx.Client, server_url: str) -> None:
    response = http.get("/id/plan-28-amnesty", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<h1>28-point plan: full amnesty for all parties</h1>" in page
    assert "clause" in page  # its type
    assert "removes the clause allowing amnesty for war crimes" in page  # a position's quote
    assert 'href="/id/europe"' in page and 'href="/id/plan-28-point"' in page  # neighbours
    assert 'href="/viewer?focus=plan-28-amnesty"' in page
    assert 'href="/api/clauses/plan-28-amnesty"' in page
    assert "default-src 'self'" in response.headers["content-security-policy"]
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith(("/", "?", server_url)), url  # nothing from another origin


def test_every_node_has_a_page(http: httpx.Client) -> None:
    for node in http.get("/api/graph").json()["nodes"]:
        assert http.get(f"/id/{node['id']}", headers={"Accept": BROWSER}).status_code == 200


@pytest.mark.parametrize("name", ["nothing-here", "a b", "%3Cscript%3E"])
def test_unknown_resources_are_404(http: httpx.Client, name: str) -> None:
    response = http.get(f"/id/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "no resource with id" in response.json()["detail"]


def test_unservable_type_is_406(http: httpx.Client) -> None:
    response = http.get("/id/europe", headers={"Accept": "text/csv"})
    assert response.status_code == 406 and response.headers["content-type"] == "application/problem+json"


# ---------------------------------------------------------------- a hostile label, in a store of its own

HOSTILE_LABEL = '<script>alert("label")</script>'
HOSTILE_QUOTE = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def hostile_client(
    serve: Callable[..., str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    """The real service over the bundled data with hostile strings in a label and a quote."""
    label = ox.NamedNode(PREFIXES["rdfs"] + "label")
    quote = ox.NamedNode("https://w3id.org/stancegraph/ns#quote")
    europe, position = ID.term("europe"), ID.term("position-europe-opposes-amnesty")
    replaced = {(europe, label): HOSTILE_LABEL, (position, quote): HOSTILE_QUOTE}
    quads = [
        ox.Quad(q.subject, q.predicate, ox.Literal(replaced[(q.subject, q.predicate)]), q.graph_name)
        if (q.subject, q.predicate) in replaced
        else q
        for q in bundled_store().all_quads()
    ]
    url = serve(store=closed_store(tmp_path_factory.mktemp("hostile") / "store", quads))
    with httpx.Client(base_url=url, timeout=30) as client:
        yield client


@pytest.mark.parametrize("name", ["europe", "plan-28-amnesty", "position-europe-opposes-amnesty"])
def test_hostile_data_is_escaped(hostile_client: httpx.Client, name: str) -> None:
    page = hostile_client.get(f"/id/{name}", headers={"Accept": BROWSER}).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;label&#34;)&lt;/script&gt;" in page
    if name != "europe":
        assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
