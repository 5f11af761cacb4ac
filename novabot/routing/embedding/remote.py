"""Sentence vectors from any OpenAI-compatible `/v1/embeddings` endpoint.

For when a hosted or local embedding model (OpenAI, Ollama, llama.cpp, vLLM) should stand
in for the shipped MiniLM. Retries on 429, 5xx and dropped connections are the `openai`
client's own; a final failure becomes one EmbeddingError line naming the endpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import openai

from novabot.llm.errors import Hints, explain_api_error
from novabot.routing.embedding.base import EmbeddingError, normalize_rows

BATCH_SIZE = 256  # inputs per request: well under every known server's limit (OpenAI: 2048)


class OpenAIEmbedder:
    """Embeds through `embeddings.create`; `dimension` is 0 until the first answer."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        timeout_s: float = 30.0,
        max_retries: int = 2,
    ) -> None:
        self.endpoint = base_url
        self.model = model
        self.name = f"openai:{model}"
        self.dimension = 0
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        # Sync client: embedding runs at start-up and in worker threads, not in the event loop.
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key, timeout=timeout_s, max_retries=max_retries
        )

    def close(self) -> None:
        self._client.close()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        batches = [
            self._embed_batch(list(texts[start : start + BATCH_SIZE]))
            for start in range(0, len(texts), BATCH_SIZE)
        ]
        if not batches:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return normalize_rows(np.concatenate(batches))

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        try:
            # "float" rather than the SDK's default base64: every compatible server speaks it.
            response = self._client.embeddings.create(
                model=self.model, input=texts, encoding_format="float"
            )
        except openai.APIError as exc:
            raise self._explain(exc) from exc
        return self._vectors(response.data, len(texts))

    def _vectors(self, data: Sequence[Any], expected: int) -> np.ndarray:
        """Rows in input order (servers may reorder), checked for count and width."""
        rows = [item.embedding for item in sorted(data, key=lambda item: item.index)]
        widths = {len(row) for row in rows}
        if len(rows) != expected or len(widths) != 1 or 0 in widths:
            raise EmbeddingError(
                f"the embedding endpoint {self.endpoint} sent {len(rows)} vectors of widths "
                f"{sorted(widths)} for {expected} texts"
            )
        width = widths.pop()
        if self.dimension and width != self.dimension:
            raise EmbeddingError(
                f"the embedding endpoint {self.endpoint} switched from {self.dimension}- to "
                f"{width}-dimensional vectors for model '{self.model}'"
            )
        self.dimension = width
        return np.asarray(rows, dtype=np.float32)

    def _explain(self, exc: openai.APIError) -> EmbeddingError:
        """One line naming the endpoint and what went wrong."""
        return EmbeddingError(
            explain_api_error(
                exc,
                where=f"the embedding endpoint {self.endpoint}",
                model=self.model,
                timeout_s=self.timeout_s,
                max_retries=self.max_retries,
                hints=Hints(),
            )
        )
