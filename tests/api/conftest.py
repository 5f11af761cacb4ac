"""One Nova with its API on 127.0.0.1 for the tests of the API, called by the official `openai`
client; Nova's own LLM calls go to the fake OpenAI server.

Starting Nova (its store, cards and router) is the slow part, so they share one;
each test uses keys and conversations of its own, and scripts the fake only with replies
it consumes itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import openai
import pytest
import pytest_asyncio

from novabot.adapters.http_server import HttpServer
from novabot.api.adapter import ApiAdapter
from novabot.api.keys import Rate, key_hash, new_key
from novabot.app import App, build_app
from novabot.config import Settings
from tests.conftest import MODEL
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import free_port

SHARED = pytest.mark.asyncio(loop_scope="package")
"""Mark for a module whose tests share the package's Nova (and so its event loop)."""


@dataclass
class RunningApi:
    app: App
    fake: FakeOpenAI
    base_url: str
    keys: dict[str, str] = field(default_factory=dict)

    async def add_key(
        self, name: str, *, models: tuple[str, ...] | None = None, rate: str = "1000/min"
    ) -> str:
        key = new_key()
        limit = Rate.parse(rate)
        await self.app.store.add_api_key(
            name, key_hash(key), models=models, rate_limit=limit.count, rate_period_s=limit.period_s
        )
        self.keys[name] = key
        return key

    def client(self, key: str, **options: object) -> openai.OpenAI:
        """The sync client: call it off the loop (`asyncio.to_thread`), which serves Nova."""
        return openai.OpenAI(base_url=self.base_url, api_key=key, max_retries=0, **options)  # type: ignore[arg-type]

    def aclient(self, key: str, **options: object) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(base_url=self.base_url, api_key=key, max_retries=0, **options)  # type: ignore[arg-type]


def api_settings(db: Path, fake: FakeOpenAI, cache: Path, **changes: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        db_path=db,
        llm_base_url=fake.base_url,
        llm_model=MODEL,
        llm_max_retries=0,
        llm_timeout_s=5,
        router_cache_dir=cache,
        http_port=free_port(),
        **changes,  # type: ignore[arg-type]
    )


@contextlib.asynccontextmanager
async def serving_api(folder: Path, cache: Path, **changes: object) -> AsyncIterator[RunningApi]:
    """A Nova with its API on a free port (and its own fake OpenAI server), stopped after."""
    async with FakeOpenAI(models=(MODEL,)) as fake:
        settings = api_settings(folder / "nova.db", fake, cache, **changes)
        app = await build_app(settings)
        http = HttpServer(settings.http)
        adapter = ApiAdapter(app.bot, settings, http)
        try:
            await adapter.start()
            yield RunningApi(app, fake, f"{http.url}/v1")
        finally:
            await adapter.stop()
            await adapter.close()
            await app.close()


@pytest_asyncio.fixture(loop_scope="package", scope="package")
async def running_api(
    tmp_path_factory: pytest.TempPathFactory, embedding_cache_dir: Path
) -> AsyncIterator[RunningApi]:
    folder = tmp_path_factory.mktemp("api")
    origins = ["https://shop.example"]
    async with serving_api(folder, embedding_cache_dir, api_cors_origins=origins) as api:
        yield api
