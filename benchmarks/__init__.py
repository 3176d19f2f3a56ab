"""The benchmark: stancegraph against `oxigraph serve` and `rdflib-endpoint` on the same data.

Run it with ``python -m benchmarks.run`` (``--smoke`` for a one-minute check).
"""
