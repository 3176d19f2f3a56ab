"""``/viewer``: the interactive stance graph, and the scripts it loads from ``/viewer/static/``.

The page embeds the nodes and edges of ``/api/graph`` (both come from
:func:`graph.payload.graph_payload`) and loads vis-network (from the pyvis
wheel) and its own script and stylesheet from this server only; its
Content-Security-Policy forbids everything else.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from stancegraph.api.dependencies import StoreDep
from stancegraph.api.routes.graph import ViewerScope
from stancegraph.graph.errors import NotFoundError
from stancegraph.graph.payload import graph_payload
from stancegraph.graph.relations import viewer_graph
from stancegraph.graph.viewer import assets, content_security_policy, render_viewer

router = APIRouter(tags=["viewer"])

# Read once when the app is built; the files are part of the installed packages.
ASSETS = assets()
# Asset URLs carry a content hash (``?v=``), so a versioned request can be cached for good.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300"


@router.get("/viewer", response_class=HTMLResponse, summary="The interactive graph viewer")
def viewer(store: StoreDep, scope: ViewerScope) -> HTMLResponse:
    """Actors, drafts and clauses with their stances; filters, search and the evidence of every edge.

    ``document``, ``max_nodes`` and ``max_edges`` (as for ``/api/graph``) draw part of a big graph.
    """
    html = render_viewer(graph_payload(viewer_graph(store, scope)), standalone=False)
    policy = content_security_policy(standalone=False) + "; frame-ancestors 'none'"
    return HTMLResponse(html, headers={"Content-Security-Policy": policy, "Cache-Control": "no-cache"})


@router.get("/viewer/static/{name}", summary="A script or stylesheet of the viewer")
def viewer_static(name: str, request: Request) -> Response:
    """vis-network, viewer.js or viewer.css, with an ETag; 304 when the client has it already."""
    asset = ASSETS.get(name)
    if asset is None:
        raise NotFoundError("viewer file", name)
    etag = f'"{asset.digest}"'
    versioned = request.query_params.get("v") == asset.digest[:12]
    headers = {
        "ETag": etag,
        "Cache-Control": IMMUTABLE if versioned else REVALIDATE,
        "X-Content-Type-Options": "nosniff",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
