"""Every backend gives the answers the local one gives: the service on its own worker pool ("local") and
the service in front of a SPARQL endpoint holding the same data (``Settings(endpoint=...)``, so
``graph.store.RemoteStore`` for /api and ``api.execution.relay.ProxyExecutor`` for /sparql): `oxigraph serve`
("remote"), and Virtuoso ("virtuoso"), which keeps the data in a graph beside its own system graphs.

Every GET route of the JSON API, as the app's OpenAPI schema lists them, is asked of both servers with
every id the list routes name and every filter value the data holds; the answers must have the same status
and the same JSON. The competency questions (``tests/competency/*.rq``) go through /sparql to both and
must get the same sets of bindings. Nothing here names an id: a new route or a new resource is compared
without touching this file.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import pytest

from stancegraph.api.app import create_app
from stancegraph.api.execution.relay import PARSED_ON_LOOP
from stancegraph.api.limits import ROW_LIMIT, TRUNCATED
from stancegraph.api.negotiation import SOLUTIONS
from stancegraph.api.settings import Settings
from tests.competency_questions import CompetencyQuestion, competency_questions
from tests.conftest import REMOTE_BACKENDS
from tests.servers import BUNDLED_GRAPH, PART_GRAPHS

SPEC: dict[str, Any] = create_app(Settings()).openapi()
#: Every GET route of the JSON API, e.g. ``/api/actors/{id}``.
ROUTES = sorted(
    path for path, operations in SPEC["paths"].items() if path.startswith("/api/") and "get" in operations
)
JSON = dict[str, Any]


@dataclass
class Servers:
    """The two servers under comparison and a way to ask both the same thing."""

    local: str
    remote: str
    client: httpx.Client
    #: whether the remote is another engine, whose order differs where the API promises only "the store's order"
    other_engine: bool = False

    def both(
        self, requests: list[tuple[str, str, dict[str, Any]]]
    ) -> list[tuple[httpx.Response, httpx.Response]]:
        """Send each ``(method, path, options)`` to both servers, a few at a time; answers in request order."""

        def send(base: str, request: tuple[str, str, dict[str, Any]]) -> httpx.Response:
            method, path, options = request
            return self.client.request(method, f"{base}{path}", **options)

        with ThreadPoolExecutor(max_workers=4) as pool:
            local = pool.map(lambda request: send(self.local, request), requests)
            remote = pool.map(lambda request: send(self.remote, request), requests)
            return list(zip(local, remote, strict=True))


@pytest.fixture(scope="module", params=REMOTE_BACKENDS)
def servers(request: pytest.FixtureRequest, local_url: str) -> Iterator[Servers]:
    """The local backend, and one remote backend to compare with it."""
    remote = str(request.getfixturevalue(f"{request.param}_url"))
    with httpx.Client(timeout=60) as client:
        yield Servers(local_url, remote, client, other_engine=request.param != "remote")


# ---------------------------------------------------------------- what to ask: every route, filled from the data


def _list_routes() -> list[str]:
    """The routes that answer a page of ``items`` (they take ``limit`` and ``offset``)."""
    return [
        route
        for route in ROUTES
        if {"limit", "offset"} <= {p["name"] for p in SPEC["paths"][route]["get"].get("parameters", [])}
    ]


@pytest.fixture(scope="module")
def catalog(servers: Servers) -> dict[str, list[JSON]]:
    """Every item of every list route (from the local server): where ids and filter values come from."""
    limit = max(
        p["schema"].get("default", 1)
        for route in _list_routes()
        for p in SPEC["paths"][route]["get"]["parameters"]
        if p["name"] == "limit"
    )
    items: dict[str, list[JSON]] = {}
    for route in _list_routes():
        url: str | None = f"{servers.local}{route}?limit={limit}"
        items[route] = []
        while url is not None:
            page = servers.client.get(url).json()
            items[route].extend(page["items"])
            url = page["next"]
    return items


def _enum(schema: JSON) -> list[str]:
    """The values an enum parameter takes (through ``anyOf`` and ``$ref``)."""
    if "$ref" in schema:
        return _enum(SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    return [
        *schema.get("enum", []),
        *(value for option in schema.get("anyOf", []) for value in _enum(option)),
    ]


def _values_under(items: list[JSON], key: str) -> set[str]:
    """Every value the items hold under ``key``: itself if a string, else the ``id`` of what it refers to."""
    found: set[str] = set()
    for item in items:
        value = item.get(key)
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, str):
                found.add(one)
            elif isinstance(one, dict) and isinstance(one.get("id"), str):
                found.add(one["id"])
    return found


def _ids(catalog: dict[str, list[JSON]], route: str, name: str) -> list[str]:
    """The ids a path parameter takes: those of ``/api/{x}s`` for ``{x_id}``, else of the route's own list."""
    listed = f"/api/{name.removesuffix('_id')}s" if name.endswith("_id") else route.split("/{", 1)[0]
    assert listed in catalog, (
        f"{route}: no list route names the ids for {{{name}}}; teach tests/test_backends.py"
    )
    return [str(item["id"]) for item in catalog[listed]]


def _filter_values(catalog: dict[str, list[JSON]], route: str, parameter: JSON) -> list[str]:
    """The values worth sending for an optional filter: its enum, what the items hold under its name, and
    the ids of the list route named after it (``clause`` -> ``/api/clauses``)."""
    name = parameter["name"]
    values = set(_enum(parameter["schema"])) | _values_under(catalog.get(route, []), name)
    values |= {str(item["id"]) for item in catalog.get(f"/api/{name}s", [])}
    return sorted(values)


def _dates(catalog: dict[str, list[JSON]]) -> list[str]:
    """Every day the data names (positions, claims, documents) and the day before each: the values a date
    parameter is asked with."""
    days = {
        value
        for items in catalog.values()
        for item in items
        for value in item.values()
        if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-" and value[:4].isdigit()
    }
    assert days, "the data names no day: nothing to ask a date parameter with"
    before = {str(dt.date.fromisoformat(day) - dt.timedelta(days=1)) for day in days}
    return sorted(days | before)


def _queries(
    catalog: dict[str, list[JSON]], route: str, parameters: list[JSON]
) -> list[dict[str, str | list[str]]]:
    """The query strings to ask ``route`` with: required parameters filled in every way the data allows,
    then each optional parameter alone: a filter with each of its values (a repeatable one also with all
    of them), a boolean set, a cap at each of its ten smallest values; one page past the first, and one far past the end."""
    required: list[list[tuple[tuple[str, str], ...]]] = []
    optional: list[dict[str, str | list[str]]] = []
    names = {p["name"] for p in parameters}
    for parameter in parameters:
        name, schema = parameter["name"], parameter["schema"]
        if parameter.get("required") and schema.get("format") == "date":
            required.append([((name, day),) for day in _dates(catalog)])
        elif parameter.get("required"):
            continue  # filled together below
        elif name in ("limit", "offset"):
            continue
        elif schema.get("type") == "boolean":
            optional.append({name: "true"})
        elif schema.get("type") == "integer":
            lowest = schema.get("minimum", 0)
            optional.extend({name: str(cap)} for cap in range(lowest, lowest + 10))
        else:
            values = _filter_values(catalog, route, parameter)
            optional.extend({name: value} for value in values)
            if schema.get("type") == "array":
                optional.append({name: values})
    if {
        "limit",
        "offset",
    } <= names:  # a page past the first, and one far past the end (engines bound sorting)
        optional.extend([{"limit": "2", "offset": "1"}, {"offset": "10643"}])
    bases: list[dict[str, str | list[str]]] = [
        dict(pair for choice in combination for pair in choice)
        for combination in itertools.product(*required)
    ]
    return [base | extra for base in bases for extra in [{}, *optional]]


def _together(
    catalog: dict[str, list[JSON]], route: str, names: list[str]
) -> list[tuple[tuple[str, str], ...]]:
    """Required parameters that name things (``actor`` and ``target`` of a matrix cell), filled together
    from the items of a list that holds them all (the positions), so every request names something real."""
    for items in catalog.values():
        if items and all(name in items[0] for name in names):
            rows = {tuple(sorted(_values_under([item], name))[0] for name in names) for item in items}
            return [tuple(zip(names, row, strict=True)) for row in sorted(rows)]
    raise AssertionError(f"{route}: no list holds {names}; teach tests/test_backends.py to fill them")


def _requests(catalog: dict[str, list[JSON]], route: str) -> list[str]:
    """Every concrete URL (path and query) to ask for one route."""
    parameters = SPEC["paths"][route]["get"].get("parameters", [])
    in_path = [p["name"] for p in parameters if p["in"] == "path"]
    paths = [
        route.format(**dict(zip(in_path, ids, strict=True)))
        for ids in itertools.product(*(_ids(catalog, route, name) for name in in_path))
    ]
    queries = _queries(catalog, route, [p for p in parameters if p["in"] == "query"])
    return [
        f"{path}?{urlencode(query, doseq=True)}" if query else path for path in paths for query in queries
    ]


# ---------------------------------------------------------------- how to compare: parsed JSON, servers' own URLs aside


def _answer(response: httpx.Response, base: str) -> tuple[int, str, Any]:
    """Status, media type and parsed JSON (or the text of another format, CSV say), with the server's own
    base URL (in ``next`` links) taken out."""
    text = response.text.replace(base, "{server}")
    media_type = response.headers["content-type"]
    json_like = media_type.split(";")[0].endswith("json")
    return response.status_code, media_type, json.loads(text) if json_like else text


def _differences(local: Any, remote: Any, where: str = "") -> Iterator[str]:
    """Where two JSON values differ, as ``path: local != remote`` lines.

    >>> list(_differences({"a": [1, 2], "b": 1}, {"a": [1, 3]}))
    ['.a[1]: 2 != 3', '.b: 1 != "<absent>"']
    """
    if isinstance(local, dict) and isinstance(remote, dict):
        for key in sorted(local.keys() | remote.keys()):
            yield from _differences(local.get(key, "<absent>"), remote.get(key, "<absent>"), f"{where}.{key}")
    elif isinstance(local, list) and isinstance(remote, list) and len(local) == len(remote):
        for index, (one, other) in enumerate(zip(local, remote, strict=True)):
            yield from _differences(one, other, f"{where}[{index}]")
    elif local != remote:
        yield f"{where or '.'}: {json.dumps(local)[:200]} != {json.dumps(remote)[:200]}"


def _compare(
    servers: Servers, requests: list[tuple[str, str, dict[str, Any]]], normal: Callable[[Any], Any]
) -> list[str]:
    """Ask both servers; every difference in status, media type or (``normal``-ised) JSON, one per line."""
    report = []
    for (method, path, _), (local, remote) in zip(requests, servers.both(requests), strict=True):
        (status, media_type, body), (status_r, media_type_r, body_r) = (
            _answer(local, servers.local),
            _answer(remote, servers.remote),
        )
        if (status, media_type) != (status_r, media_type_r):
            report.append(f"{method} {path}: local {status} {media_type}, remote {status_r} {media_type_r}")
        report.extend(f"{method} {path} {line}" for line in _differences(normal(body), normal(body_r)))
    return report


# ---------------------------------------------------------------- the JSON API


def test_the_routes_compared_are_the_served_ones(servers: Servers) -> None:
    """Both servers describe the same API, and it is the one the comparison below walks."""
    assert _compare(servers, [("GET", "/openapi.json", {})], lambda body: body) == []
    served = servers.client.get(f"{servers.remote}/openapi.json").json()["paths"]
    assert sorted(path for path in served if path.startswith("/api/") and "get" in served[path]) == ROUTES
    assert len(ROUTES) >= 10 and _list_routes()


def _in_store_order(route: str) -> bool:
    """Whether a list route promises only the store's order (stable, but each engine's own)."""
    return "store's order" in (SPEC["paths"][route]["get"].get("description") or "")


def _as_sets(body: Any, *, top: bool = True, ordered_top: bool = True) -> Any:
    """Lists of resources as sorted lists, except the route's own ordered ``items``: what another engine's
    answer must equal where only the order of a store-order list (positions, claims, revisions) differs."""
    if isinstance(body, dict):
        return {
            key: _as_sets(value, top=False)
            if not (top and key == "items" and ordered_top)
            else [_as_sets(item, top=False) for item in value]
            for key, value in body.items()
        }
    if isinstance(body, list):
        items = [_as_sets(item, top=False) for item in body]
        return (
            sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
            if all(isinstance(item, dict) and "id" in item for item in items)
            else items
        )
    return body


def _normal(servers: Servers, route: str, *, paged: bool) -> Callable[[Any], Any]:
    """How answers are compared: as they are, or (another engine) with store-order lists as sets, and a
    store-order page past the first compared by its size only (another engine pages another order)."""
    if not servers.other_engine:
        return lambda body: body

    def normal(body: Any) -> Any:
        body = _as_sets(body, ordered_top=not _in_store_order(route))
        if paged and isinstance(body, dict) and "items" in body:
            body["items"] = len(body["items"])
        return body

    return normal


@pytest.mark.parametrize("route", ROUTES)
def test_json_api_answers_alike(servers: Servers, catalog: dict[str, list[JSON]], route: str) -> None:
    paths = _requests(catalog, route)
    differences = []
    for paged in (False, True):
        some = [
            ("GET", path, {}) for path in paths if ("offset=" in path and _in_store_order(route)) == paged
        ]
        differences += _compare(servers, some, _normal(servers, route, paged=paged))
    assert not differences, f"{len(differences)} difference(s) in {len(paths)} requests:\n" + "\n".join(
        differences[:40]
    )


# ---------------------------------------------------------------- linked data: the RDF twin of the JSON API


def _triples(body: bytes) -> set[ox.Triple]:
    return {quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}


def test_linked_data_answers_alike(servers: Servers, catalog: dict[str, list[JSON]]) -> None:
    """``/id/{name}`` for everything the list routes name, and ``/store?default``: the same triples."""
    names = sorted({str(item["id"]) for items in catalog.values() for item in items})
    paths = [f"/id/{name}" for name in names] + ["/store?default"]
    requests = [("GET", path, {"headers": {"Accept": "application/n-triples"}}) for path in paths]
    differences = []
    for path, (local, remote) in zip(paths, servers.both(requests), strict=True):
        assert local.status_code == 200, f"{path}: {local.status_code}"
        if remote.status_code != 200:
            differences.append(f"{path}: remote {remote.status_code}")
        elif (missing := _triples(local.content) ^ _triples(remote.content)) != set():
            differences.append(
                f"{path}: {len(missing)} triple(s) in one answer only, e.g. {min(map(str, missing))}"
            )
    assert not differences, "\n".join(differences)


# ---------------------------------------------------------------- SPARQL


def _bindings(body: Any) -> Any:
    """A SPARQL results document with its rows as a set (order is only meaningful with ORDER BY)."""
    if not isinstance(body, dict) or "results" not in body:
        return body
    rows = sorted(json.dumps(row, sort_keys=True) for row in body["results"]["bindings"])
    return {**body, "results": {**body["results"], "bindings": rows}}


@pytest.mark.parametrize("question", competency_questions(), ids=lambda q: q.name)
def test_competency_questions_answer_alike(servers: Servers, question: CompetencyQuestion) -> None:
    request = (
        "POST",
        "/sparql",
        {"data": {"query": question.query}, "headers": {"Accept": "application/sparql-results+json"}},
    )
    assert _compare(servers, [request], _bindings) == []


def test_an_answer_over_the_row_limit_is_cut_alike(servers: Servers) -> None:
    limit = Settings().max_result_rows  # the local server's (a probe's header may come from the cache)
    query = f"SELECT ?a ?b WHERE {{ ?a ?p ?x . ?b ?q ?y }} LIMIT {limit + 5}"
    request = (
        "GET",
        "/sparql",
        {"params": {"query": query}, "headers": {"Accept": "text/tab-separated-values"}},
    )
    [(local, remote)] = servers.both([request])
    assert local.status_code == remote.status_code == 200
    local_cut = (local.text.count("\n") - 1, local.headers.get(TRUNCATED), local.headers.get(ROW_LIMIT))
    assert local_cut == (limit, "true", str(limit))
    assert (
        remote.text.count("\n") - 1,
        remote.headers.get(TRUNCATED),
        remote.headers.get(ROW_LIMIT),
    ) == local_cut


def test_a_long_answer_within_the_row_limit_is_rewritten_whole_alike(servers: Servers) -> None:
    """Asked for in XML, shown by its bytes to hold fewer rows than the limit, the answer is rewritten
    as JSON without being cut: every row, no truncation mark (the thread's path: longer than what is
    parsed on the event loop)."""
    query = "SELECT DISTINCT ?s ?p WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"
    xml = servers.client.get(
        f"{servers.local}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert len(xml.content) > PARSED_ON_LOOP
    request = (
        "GET",
        "/sparql",
        {"params": {"query": query}, "headers": {"Accept": "application/sparql-results+json"}},
    )
    assert _compare(servers, [request], _bindings) == []
    [(local, remote)] = servers.both([request])
    rows = len(local.json()["results"]["bindings"])
    assert 0 < rows < Settings().max_result_rows
    assert TRUNCATED not in local.headers and TRUNCATED not in remote.headers


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("CONSTRUCT WHERE { ?s a <https://w3id.org/stancegraph/ns#Draft> }", "text/csv"),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/turtle"),
        ("ASK {}", "application/rdf+xml"),
    ],
)
def test_a_format_the_answer_cannot_take_is_the_same_406(servers: Servers, query: str, accept: str) -> None:
    """The relay reads the query's form before sending it, so it refuses as the local backend does."""
    request = ("GET", "/sparql", {"params": {"query": query}, "headers": {"Accept": accept}})
    [(local, remote)] = servers.both([request])
    assert local.status_code == remote.status_code == 406
    assert local.json()["detail"].startswith("no acceptable format for a")
    assert local.json() == remote.json()


def test_only_the_server_that_owns_its_data_caches_answers(servers: Servers) -> None:
    """Behind --endpoint the data may change without a write through us, so no ETag can be trusted."""
    local = servers.client.get(f"{servers.local}/api/stats")
    remote = servers.client.get(f"{servers.remote}/api/stats")
    assert "etag" in local.headers
    assert "etag" not in remote.headers
    assert local.json() == remote.json()


def test_data_over_several_graphs_answers_as_one(
    serve: Callable[..., str], local_url: str, virtuoso_split_endpoint: str
) -> None:
    """--graph, repeated: the data kept one graph per source reads as the whole, and only the data does
    (Virtuoso's default graph, without --graph, counts its own system graphs too)."""
    split = serve(endpoint=virtuoso_split_endpoint, graphs=PART_GRAPHS)
    unscoped = serve(endpoint=virtuoso_split_endpoint)
    with httpx.Client(timeout=60) as client:
        local = client.get(f"{local_url}/api/stats").json()
        for path in ["/api/stats", "/api/actors?limit=100", "/api/documents", "/api/contested", "/api/graph"]:
            assert client.get(f"{split}{path}").json() == client.get(f"{local_url}{path}").json(), path
        assert client.get(f"{unscoped}/api/stats").json()["triples"] > local["triples"]


@pytest.mark.parametrize("engine", REMOTE_BACKENDS)
@pytest.mark.parametrize("accept", ["text/tab-separated-values", "application/sparql-results+xml"])
def test_without_a_row_limit_a_relayed_answer_streams(
    serve: Callable[..., str], request: pytest.FixtureRequest, engine: str, accept: str
) -> None:
    """No row limit: the endpoint's answer streams through, rewritten (TSV) or as it came (XML)."""
    endpoint = request.getfixturevalue(f"{engine}_endpoint")
    graphs = (BUNDLED_GRAPH,) if engine == "virtuoso" else ()
    url = serve(endpoint=endpoint, graphs=graphs, max_result_rows=0)
    query = "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y } LIMIT 60000"
    with httpx.stream(
        "GET", f"{url}/sparql", params={"query": query}, headers={"Accept": accept}, timeout=120
    ) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers and TRUNCATED not in response.headers
        body = b"".join(response.iter_bytes())
    solutions = ox.parse_query_results(body, format=SOLUTIONS.media_types[accept].format)  # type: ignore[arg-type]
    assert sum(1 for _ in solutions) == 60000  # type: ignore[union-attr]
