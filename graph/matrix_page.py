"""The stance matrix page: a shell that :file:`templates/matrix.js` fills from ``/api/matrix``.

The page embeds no data but the drafts' names (for the draft filter) and loads
its script and stylesheets from ``/viewer/static/`` like the viewer, under the
same Content-Security-Policy: nothing from another host, labels only as text.
"""

from __future__ import annotations

from stancegraph.graph.matrix import CERTAINTY_MARKS, CERTAINTY_WORDS, drafts_in_lineage
from stancegraph.graph.store import Store
from stancegraph.graph.terms import local_id
from stancegraph.graph.viewer import assets, content_security_policy, template_environment

SCRIPTS = ("shared.js", "matrix.js")  # in loading order
STYLESHEETS = ("viewer.css", "matrix.css")  # the viewer's bar, filters and panel, then the grid


def render_matrix(store: Store) -> str:
    """The matrix page, with the store's drafts (in lineage order) as its draft filter."""
    files = assets()
    certainties = [
        {"word": word, "mark": mark} for word, mark in zip(CERTAINTY_WORDS, CERTAINTY_MARKS, strict=True)
    ]
    return (
        template_environment()
        .get_template("matrix.html")
        .render(
            csp=content_security_policy(standalone=False),
            stylesheets=[files[name] for name in STYLESHEETS],
            scripts=[files[name] for name in SCRIPTS],
            drafts=[{"id": local_id(iri), "label": label} for iri, label, _ in drafts_in_lineage(store)],
            certainties=certainties,
            config={"certainty_marks": list(CERTAINTY_MARKS)},
        )
    )
