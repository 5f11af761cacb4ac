"""The shipped MiniLM model, loaded once per test session (it takes a fraction of a second)."""

from __future__ import annotations

import pytest

from novabot.embedding import MiniLMEmbedder


@pytest.fixture(scope="session")
def minilm_embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()
