"""Query execution: a :class:`~.job.QueryJob` in, an :class:`~.answer.Answer` out, whoever runs it.

Only the service uses it, so it lives in ``api/``; the library's stores do not
know it exists. One module a job:

* ``job`` and ``errors``: what is asked, and the domain errors of running it;
* ``messages``: what a producer (a worker process or a thread) says while it
  answers, as typed messages, and ``answering`` the producer's side that says it;
* ``answer``: the one answer type, and the one loop that reads a producer's
  messages into it; ``response`` turns an answer into an HTTP response;
* ``executor``: the interface the routes use, with three implementations:
  ``processes`` (worker processes over a disk store, each query stopped at its
  deadline), ``threads`` (threads over an in-memory or disk store) and
  ``relay`` (a remote SPARQL endpoint; ``transcoding`` rewrites its formats,
  ``endpoint_client`` is its HTTP client);
* ``worker``, ``lease`` and ``pool``: the worker processes, one query's hold on
  one of them, and the pool that hands them out; ``pooled_store`` is the pool
  as a library :class:`~stancegraph.graph.store.Store`, for the JSON API.

This file imports nothing, so that a worker process (which imports
``worker``) loads no more than it needs.
"""
