"""What routes share: the settings, the store and the query executor, all held by the app.

``create_app`` puts them on ``app.state`` when the app starts; routes ask for
them through these functions, and tests replace them with
``app.dependency_overrides`` instead of patching globals.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from stancegraph.api.catalog import Catalog
from stancegraph.api.execution.executor import Executor
from stancegraph.api.settings import Settings
from stancegraph.graph.store import Store


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_executor(request: Request) -> Executor:
    executor: Executor = request.app.state.executor
    return executor


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]


async def get_catalog(store: StoreDep) -> Catalog:
    return Catalog(store)


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
