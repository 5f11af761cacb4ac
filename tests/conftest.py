"""Shared fixtures: a fake OpenAI server on 127.0.0.1, isolated settings, a started bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.bot import Bot
from novabot.routing.embedding import MiniLMEmbedder
from novabot.routing.factory import shared_minilm
from tests.fakes.openai_server import FakeOpenAI

MODEL = "fake-model"


@pytest.fixture(scope="session")
def minilm_embedder() -> MiniLMEmbedder:
    """The model Nova ships, loaded once per session (shared with every bot started here)."""
    return shared_minilm()


@pytest.fixture(scope="session")
def embedding_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Card embeddings are cached once for the whole session, as a long-lived install would."""
    return tmp_path_factory.mktemp("embeddings")


@pytest.fixture(autouse=True)
def isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedding_cache_dir: Path
) -> None:
    """No developer setting (or .env in the working directory) leaks into a test."""
    for name in list(os.environ):
        if name.startswith(("NOVA_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NOVA_ROUTER_CACHE_DIR", str(embedding_cache_dir))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=(MODEL,)) as fake:
        yield fake


@pytest.fixture
def settings(tmp_path: Path, fake_openai: FakeOpenAI) -> Settings:
    return Settings(
        db_path=tmp_path / "nova.db",
        llm_base_url=fake_openai.base_url,
        llm_model=MODEL,
        llm_max_retries=0,
        llm_timeout_s=5,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    async with started_app(settings) as started:
        yield started


@pytest.fixture
def bot(app: App) -> Bot:
    return app.bot


def cli_env(tmp_path: Path, fake: FakeOpenAI | None = None, **extra: str) -> dict[str, str]:
    """The environment for a `nova` subprocess: none of the developer's Nova settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOVA_", "OPENAI_"))}
    if "NOVA_ROUTER_CACHE_DIR" in os.environ:
        env["NOVA_ROUTER_CACHE_DIR"] = os.environ["NOVA_ROUTER_CACHE_DIR"]
    env["NOVA_DB_PATH"] = str(tmp_path / "nova.db")
    env["NOVA_LLM_MAX_RETRIES"] = "0"
    if fake is not None:
        env["NOVA_LLM_BASE_URL"] = fake.base_url
        env["NOVA_LLM_MODEL"] = MODEL
    env.update(extra)
    return env
