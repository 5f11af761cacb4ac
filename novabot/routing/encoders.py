"""The offline sentence encoders NOVA_ROUTER_BACKEND can name, alone or joined by '+'.

Names map to "module:constructor" paths rather than to the classes themselves, so the
settings can check a backend's name without loading onnxruntime or numpy models, and a
new encoder plugs in with one line here.
"""

from __future__ import annotations

OFFLINE_ENCODERS: dict[str, str] = {
    "minilm": "novabot.routing.factory:shared_minilm",
    "mpnet": "novabot.routing.embedding.mpnet:shared_mpnet",
    "use": "novabot.routing.embedding.use:UseEmbedder",
}
"""Encoder name → constructor returning an `Embedder` (no arguments, or the models
folder for the encoders in `FOLDER_ENCODERS`)."""
FOLDER_ENCODERS = frozenset({"mpnet", "use"})
"""Encoders whose constructors take the models folder: the models `nova models build`
makes live there, and USE keeps a copy of its embedding table there to map."""

OTHER_BACKENDS = ("openai", "lexical")
JOIN = "+"


def parse_backend(value: str) -> str:
    """The backend in canonical form ("MiniLM + USE" → "minilm+use"), or ValueError."""
    backend = value.strip().lower().replace(" ", "")
    if backend in OTHER_BACKENDS or backend in OFFLINE_ENCODERS:
        return backend
    parts = backend.split(JOIN)
    unknown = [part for part in parts if part not in OFFLINE_ENCODERS]
    if len(parts) < 2 or unknown or len(set(parts)) < len(parts):
        offline = ", ".join(OFFLINE_ENCODERS)
        raise ValueError(
            f"'{value}' is not a router backend: use {offline}, openai or lexical, or offline "
            f"encoders joined by '{JOIN}' (each once), e.g. 'minilm{JOIN}use'"
        )
    return backend


def encoder_names(backend: str) -> list[str]:
    """The offline encoders a parsed backend is made of (none for openai and lexical)."""
    return [] if backend in OTHER_BACKENDS else backend.split(JOIN)
