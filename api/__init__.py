"""The FastAPI service: SPARQL 1.1 Protocol, the JSON API and linked-data pages."""
