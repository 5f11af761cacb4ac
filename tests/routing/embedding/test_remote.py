"""OpenAIEmbedder against the fake OpenAI server, through the real `openai` client.

The embedder's client is synchronous and the fake serves on this test's event loop, so
every embed runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import openai
import pytest

from novabot.routing.embedding import Embedder, EmbeddingError, OpenAIEmbedder
from tests.conftest import MODEL
from tests.fakes.openai_server import Disconnect, Fail, FakeOpenAI, Slow, Text, fake_embedding


def embedder_for(fake: FakeOpenAI, **options: object) -> OpenAIEmbedder:
    settings: dict[str, object] = {"api_key": "test", "model": MODEL, "max_retries": 0}
    settings.update(options)
    return OpenAIEmbedder(base_url=fake.base_url, **settings)  # type: ignore[arg-type]


async def test_vectors_come_back_normalised_and_in_order(fake_openai: FakeOpenAI) -> None:
    embedder = embedder_for(fake_openai)
    texts = ["book a table for two", "Book a TABLE", "weather in Oslo"]

    vectors = await asyncio.to_thread(embedder.embed, texts)

    assert isinstance(embedder, Embedder)
    assert embedder.name == f"openai:{MODEL}" and embedder.dimension == 64
    assert vectors.shape == (3, 64) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, [fake_embedding(t) for t in texts], atol=1e-6)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    request = fake_openai.embedding_requests[0]
    assert request.headers["authorization"] == "Bearer test"
    assert request.body["input"] == texts and request.body["encoding_format"] == "float"
    assert fake_openai.requests == []  # chat requests are recorded apart


async def test_large_inputs_are_sent_in_batches_of_256(fake_openai: FakeOpenAI) -> None:
    embedder = embedder_for(fake_openai)
    texts = [f"example number {i}" for i in range(600)]

    vectors = await asyncio.to_thread(embedder.embed, texts)

    assert [len(r.body["input"]) for r in fake_openai.embedding_requests] == [256, 256, 88]
    np.testing.assert_allclose(vectors[599], fake_embedding(texts[599]), atol=1e-6)


async def test_no_texts_make_no_request(fake_openai: FakeOpenAI) -> None:
    vectors = await asyncio.to_thread(embedder_for(fake_openai).embed, [])

    assert vectors.shape == (0, 0) and fake_openai.embedding_requests == []


async def test_unknown_model_names_the_model(fake_openai: FakeOpenAI) -> None:
    embedder = embedder_for(fake_openai, model="no-such-model")

    with pytest.raises(EmbeddingError, match="does not serve the model 'no-such-model'"):
        await asyncio.to_thread(embedder.embed, ["hi"])


async def test_rejected_key_is_reported() -> None:
    async with FakeOpenAI(models=(MODEL,), api_key="right") as fake:
        embedder = embedder_for(fake, api_key="wrong")
        with pytest.raises(EmbeddingError, match="rejected the API key"):
            await asyncio.to_thread(embedder.embed, ["hi"])


async def test_server_error_names_the_endpoint_and_status(fake_openai: FakeOpenAI) -> None:
    fake_openai.script_embeddings(Fail(500, "the GPU caught fire"))
    embedder = embedder_for(fake_openai)

    with pytest.raises(EmbeddingError) as caught:
        await asyncio.to_thread(embedder.embed, ["hi"])

    message = str(caught.value)
    assert fake_openai.base_url in message and "HTTP 500" in message and "GPU" in message
    fake_openai.assert_all_consumed()


async def test_retries_recover_from_a_dropped_connection(fake_openai: FakeOpenAI) -> None:
    fake_openai.script_embeddings(Disconnect())
    embedder = embedder_for(fake_openai, max_retries=1)

    vectors = await asyncio.to_thread(embedder.embed, ["hi there"])

    assert len(fake_openai.embedding_requests) == 2
    np.testing.assert_allclose(vectors[0], fake_embedding("hi there"), atol=1e-6)


async def test_slow_server_times_out(fake_openai: FakeOpenAI) -> None:
    fake_openai.script_embeddings(Slow(5.0, then=Text("")))
    embedder = embedder_for(fake_openai, timeout_s=0.2)

    with pytest.raises(EmbeddingError, match=r"did not answer within 0\.2s"):
        await asyncio.to_thread(embedder.embed, ["hi"])


def test_unreachable_endpoint_fails_fast() -> None:
    embedder = OpenAIEmbedder(
        base_url="http://127.0.0.1:1/v1", api_key="test", model=MODEL, max_retries=0
    )
    started = time.monotonic()

    with pytest.raises(EmbeddingError) as caught:
        embedder.embed(["hi"])

    assert time.monotonic() - started < 2.0
    assert "cannot reach the embedding endpoint http://127.0.0.1:1/v1" in str(caught.value)


async def test_fake_answers_the_sdk_default_base64_in_kind(fake_openai: FakeOpenAI) -> None:
    # The SDK asks for base64 unless told otherwise and decodes it itself.
    async with openai.AsyncOpenAI(base_url=fake_openai.base_url, api_key="test") as client:
        response = await client.embeddings.create(model=MODEL, input="good morning")

    assert fake_openai.embedding_requests[0].body["encoding_format"] == "base64"
    np.testing.assert_allclose(
        response.data[0].embedding, fake_embedding("good morning"), atol=1e-6
    )
    assert response.usage.prompt_tokens == 2
