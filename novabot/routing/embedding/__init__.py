"""Sentence embeddings for Nova's semantic router.

`MiniLMEmbedder` runs the all-MiniLM-L6-v2 model that ships with Nova on the CPU;
`MPNetEmbedder` runs all-mpnet-base-v2 once `nova models build` has made it;
`OpenAIEmbedder` asks an OpenAI-compatible `/v1/embeddings` endpoint instead; and
`EmbeddingCache` keeps vectors on disk between runs.
"""

from novabot.routing.embedding.base import Embedder, EmbeddingError, normalize_rows
from novabot.routing.embedding.cache import EmbeddingCache, cache_key
from novabot.routing.embedding.minilm import MiniLMEmbedder
from novabot.routing.embedding.mpnet import MPNetEmbedder, shared_mpnet
from novabot.routing.embedding.remote import OpenAIEmbedder
from novabot.routing.embedding.wordpiece import WordPieceTokenizer

__all__ = [
    "Embedder",
    "EmbeddingCache",
    "EmbeddingError",
    "MPNetEmbedder",
    "MiniLMEmbedder",
    "OpenAIEmbedder",
    "WordPieceTokenizer",
    "cache_key",
    "normalize_rows",
    "shared_mpnet",
]
