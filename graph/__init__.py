"""stancegraph: the knowledge graph library (store, loading, queries, analysis, rendering, CLI)."""
