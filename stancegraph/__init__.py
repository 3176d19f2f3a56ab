"""stancegraph: who supports and who opposes which clause of a negotiated text, with the evidence.

The one import name of the project. Its subpackages are the repository's top-level folders,
linked in here so that the folders a newcomer sees are the packages Python sees:

* ``stancegraph.graph`` (``graph/``): the library: stores, loading, queries, analysis, rendering;
* ``stancegraph.ontology`` (``ontology/``): the vocabulary, its SHACL shapes and their constants;
* ``stancegraph.api`` (``api/``): the FastAPI service, built on the library;
* ``stancegraph.cli``: the ``stancegraph`` command, at the top of the layering.

Layers point one way: ``cli`` and ``api`` import ``graph``; ``graph`` imports neither.
"""
