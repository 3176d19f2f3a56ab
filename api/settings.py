"""How the service is configured: one frozen object, from options and ``STANCEGRAPH_*`` variables.

Options given on the command line (or in Python) win over the environment, so
a container can set defaults that one run still overrides.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from stancegraph.graph.endpoint_address import EndpointAddress
from stancegraph.graph.errors import StancegraphError

#: How queries run: in worker processes that a deadline can kill, or (opt-in, no deadline) in threads.
EXECUTORS = ("processes", "threads")


class SettingsError(StancegraphError):
    """An environment variable or option with a value the service cannot use."""


def _origins(text: str) -> tuple[str, ...]:
    """A comma-separated list (origins, endpoint IRIs)."""
    return tuple(origin.strip() for origin in text.split(",") if origin.strip())


def _iris(text: str) -> tuple[str, ...]:
    """A comma-separated list of absolute IRIs (the data's graphs on an endpoint)."""
    iris = _origins(text)
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise ValueError(f"{iri!r} is not an absolute IRI") from None
    return iris


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise ValueError("must be between 0 and 65535 (0: any free port)")
    return value


def _executor(text: str) -> str:
    if text not in EXECUTORS:
        raise ValueError(f"must be one of {', '.join(EXECUTORS)}")
    return text


def _seconds(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError("must be more than 0")
    return value


def _seconds_or_none(text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError("must be 0 (off) or more")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the service can be told. Each field has an env var ``STANCEGRAPH_<FIELD>``."""

    host: str = field(default="127.0.0.1", metadata={"env": "HOST", "parse": str})
    port: int = field(default=8000, metadata={"env": "PORT", "parse": _port})
    store: Path | None = field(default=None, metadata={"env": "STORE", "parse": Path})
    endpoint: str | None = field(default=None, metadata={"env": "ENDPOINT", "parse": str})
    cors_origins: tuple[str, ...] = field(default=("*",), metadata={"env": "CORS_ORIGINS", "parse": _origins})
    max_page_size: int = field(default=500, metadata={"env": "MAX_PAGE_SIZE", "parse": _positive_int})
    # The graphs that hold the data on the endpoint (one, or one per source): every query the service
    # sends sees their merge as its default graph and only them as named graphs. None: the endpoint's own
    # default dataset, which on Virtuoso is every graph it holds, its system graphs included.
    graphs: tuple[str, ...] = field(default=(), metadata={"env": "GRAPHS", "parse": _iris})
    endpoint_timeout: float = field(default=30.0, metadata={"env": "ENDPOINT_TIMEOUT", "parse": _seconds})
    query_workers: int = field(default=4, metadata={"env": "QUERY_WORKERS", "parse": _positive_int})
    query_timeout: float = field(default=10.0, metadata={"env": "QUERY_TIMEOUT", "parse": _seconds})
    query_executor: str = field(default="processes", metadata={"env": "QUERY_EXECUTOR", "parse": _executor})
    max_queued_queries: int = field(
        default=64, metadata={"env": "MAX_QUEUED_QUERIES", "parse": _non_negative_int}
    )
    max_query_length: int = field(
        default=100_000, metadata={"env": "MAX_QUERY_LENGTH", "parse": _positive_int}
    )
    max_body_bytes: int = field(
        default=10 * 1024 * 1024, metadata={"env": "MAX_BODY_BYTES", "parse": _positive_int}
    )
    # 0: no row limit. A limit is checked before the first byte (the worker reads one row more than
    # the limit), so an unlimited answer is the one that starts streaming at once, whatever its length.
    max_result_rows: int = field(
        default=10_000, metadata={"env": "MAX_RESULT_ROWS", "parse": _non_negative_int}
    )
    allowed_services: tuple[str, ...] = field(
        default=(), metadata={"env": "ALLOWED_SERVICES", "parse": _origins}
    )
    write_token: str | None = field(default=None, repr=False, metadata={"env": "WRITE_TOKEN", "parse": str})
    cache_bytes: int = field(
        default=64 * 1024 * 1024, metadata={"env": "CACHE_BYTES", "parse": _non_negative_int}
    )
    cache_control: str = field(default="no-cache", metadata={"env": "CACHE_CONTROL", "parse": str})
    # Behind an endpoint, answers may be served from the cache for up to this many seconds (0: no cache).
    endpoint_cache_seconds: float = field(
        default=0.0, metadata={"env": "ENDPOINT_CACHE_SECONDS", "parse": _seconds_or_none}
    )

    def __post_init__(self) -> None:
        if self.store is not None and self.endpoint:
            raise SettingsError("give a store directory or an endpoint URL, not both")
        if self.endpoint:  # a URL no request could go to stops the start, not every request
            EndpointAddress.of(self.endpoint)
        if self.graphs and not self.endpoint:
            raise SettingsError("graphs name where the data is on an endpoint: give the endpoint URL too")
        try:
            _iris(",".join(self.graphs))
        except ValueError as error:
            raise SettingsError(f"graphs: {error}") from None
        if self.query_executor not in EXECUTORS:
            raise SettingsError(f"query_executor must be one of {', '.join(EXECUTORS)}")
        if self.write_token is not None and len(self.write_token) < 16:
            raise SettingsError(
                "the write token must be at least 16 characters (e.g. `openssl rand -hex 32`)"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``STANCEGRAPH_*`` variables, then ``overrides`` (``None`` overrides are ignored).

        >>> Settings.from_env({"STANCEGRAPH_PORT": "9000"}, host="0.0.0.0").port
        9000
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            name = f"STANCEGRAPH_{item.metadata['env']}"
            text = environ.get(name, "").strip()
            if text:
                parse: Callable[[str], Any] = item.metadata["parse"]
                try:
                    values[item.name] = parse(text)
                except ValueError as error:
                    raise SettingsError(f"{name}={text!r}: {error}") from None
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    @staticmethod
    def env_vars() -> dict[str, str]:
        """Field name -> environment variable, for documentation and its drift test."""
        return {item.name: f"STANCEGRAPH_{item.metadata['env']}" for item in dataclasses.fields(Settings)}
