"""Hostile data for escaping tests: an actor and a position whose texts try to run script."""

from __future__ import annotations

import pyoxigraph as ox

#: A label and a quote that try to run script wherever they are put into a page unescaped.
HOSTILE_LABEL = "<img src=x onerror=alert(1)>"
HOSTILE_QUOTE = '<b onmouseover=alert(3)>quote</b> & "</script><script>alert(4)</script>'


def hostile_turtle(*, label: str, position_label: str, quote: str) -> str:
    """A state labelled ``label`` opposing the amnesty clause; conforms to the shapes, so it loads."""
    return f"""\
@prefix : <https://w3id.org/stancegraph/id/> .
@prefix sg: <https://w3id.org/stancegraph/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct: <http://purl.org/dc/terms/> .
:hostile a sg:State ; rdfs:label {ox.Literal(label)}@en .
:position-hostile-opposes-amnesty a sg:Position ;
    rdfs:label {ox.Literal(position_label)}@en ;
    sg:actor :hostile ; sg:stance sg:Opposition ; sg:target :plan-28-amnesty ;
    sg:quote {ox.Literal(quote)}@en ;
    dct:source :roff-us-russian-peace-plan ; sg:certainty sg:Stated .
"""
