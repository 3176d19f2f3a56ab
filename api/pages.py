"""HTML pages: the query editor and the resource pages, rendered with autoescaping Jinja2.

Everything a page shows from the data goes through the template engine's
escaping; the pages load scripts and styles from ``/static`` only, and say so
in their Content-Security-Policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader
from starlette.templating import Jinja2Templates

API_DIR = Path(__file__).resolve().parent
STATIC_DIR = API_DIR / "static"
EXAMPLES_DIR = STATIC_DIR / "examples"
#: Nothing from another origin: no CDN, no fonts, no prefix lookups.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'self'"
)
templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(API_DIR / "templates"), autoescape=True))


@dataclass(frozen=True)
class Example:
    """An example query for the editor: ``api/static/examples/NN-name.rq``, titled by its ``# title:`` line."""

    title: str
    query: str


@cache
def examples() -> list[Example]:
    found = []
    for path in sorted(EXAMPLES_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first, _, rest = text.partition("\n")
        title = first.removeprefix("# title:").strip() if first.startswith("# title:") else path.stem
        found.append(Example(title, rest.lstrip("\n") if first.startswith("# title:") else text))
    return found


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Vary"] = "Accept"
    return response


def editor_page(request: Request) -> HTMLResponse:
    """YASGUI on this endpoint, with the example queries as tabs."""
    return render(
        request,
        "sparql.html",
        {
            "examples": [{"title": e.title, "query": e.query} for e in examples()],
            "endpoint": request.url.path,
        },
    )
