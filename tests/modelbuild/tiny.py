"""A tiny MPNet with random weights, written as the files `nova models build --from` reads,
and a plain-numpy forward pass of the same weights to check the exported graph against."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file
from scipy.special import erf

from novabot.modelbuild.build import CALIBRATION
from novabot.modelbuild.mpnet_graph import MPNetConfig, relative_buckets
from novabot.routing.embedding.wordpiece import normalize, pre_tokenize

HIDDEN, HEADS, LAYERS, FFN, POSITIONS = 32, 4, 2, 64, 66
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "[UNK]"]
OUTLIER = (1, 7)  # (layer, FFN channel) made to dwarf the others, as in the real model


def write_tiny_model(folder: Path, seed: int = 0) -> Path:
    """config.json, vocab.txt (the calibration texts' words) and model.safetensors."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    words = sorted(
        {w for t in texts["calibrate"] + texts["check"] for w in pre_tokenize(normalize(t))}
    )
    vocab = SPECIALS + words
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    config = {
        "hidden_size": HIDDEN,
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "intermediate_size": FFN,
        "max_position_embeddings": POSITIONS,
        "relative_attention_num_buckets": 32,
        "layer_norm_eps": 1e-5,
        "vocab_size": len(vocab),
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    save_file(_weights(len(vocab), np.random.default_rng(seed)), str(folder / "model.safetensors"))
    return folder


def _weights(vocab: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    def normal(*shape: int, std: float = 0.2) -> np.ndarray:
        return (rng.standard_normal(shape) * std).astype(np.float32)

    w = {
        "embeddings.word_embeddings.weight": normal(vocab, HIDDEN, std=1.0),
        "embeddings.position_embeddings.weight": normal(POSITIONS, HIDDEN, std=0.5),
        "embeddings.LayerNorm.weight": 1 + normal(HIDDEN, std=0.1),
        "embeddings.LayerNorm.bias": normal(HIDDEN, std=0.1),
        "encoder.relative_attention_bias.weight": normal(32, HEADS, std=1.0),
    }
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."
        for name in ("q", "k", "v", "o"):
            w[f"{p}attention.attn.{name}.weight"] = normal(HIDDEN, HIDDEN)
            w[f"{p}attention.attn.{name}.bias"] = normal(HIDDEN, std=0.1)
        w[p + "intermediate.dense.weight"] = normal(FFN, HIDDEN)
        w[p + "intermediate.dense.bias"] = normal(FFN, std=0.1)
        w[p + "output.dense.weight"] = normal(HIDDEN, FFN)
        w[p + "output.dense.bias"] = normal(HIDDEN, std=0.1)
        for ln in ("attention.LayerNorm", "output.LayerNorm"):
            w[f"{p}{ln}.weight"] = 1 + normal(HIDDEN, std=0.1)
            w[f"{p}{ln}.bias"] = normal(HIDDEN, std=0.1)
    layer, channel = OUTLIER
    w[f"encoder.layer.{layer}.intermediate.dense.bias"][channel] = 60.0
    w[f"encoder.layer.{layer}.output.dense.weight"][:, channel] *= 0.05
    return w


def reference_forward(folder: Path, ids: list[int]) -> np.ndarray:
    """HF MPNetModel + mean pooling for one unpadded text, in float64 numpy."""
    from safetensors.numpy import load_file

    w = {k: v.astype(np.float64) for k, v in load_file(str(folder / "model.safetensors")).items()}
    config = MPNetConfig.from_file(folder / "config.json", max_length=384)
    n, d = len(ids), HIDDEN // HEADS
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][2 : 2 + n]
    )
    x = _layer_norm(x, w, "embeddings.LayerNorm", config.epsilon)
    buckets = relative_buckets(n, 32)
    bias = w["encoder.relative_attention_bias.weight"][buckets].transpose(2, 0, 1)
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."
        q, k, v = (
            _linear(x, w, f"{p}attention.attn.{name}").reshape(n, HEADS, d).transpose(1, 0, 2)
            for name in "qkv"
        )
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d) + bias
        probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
        x = _layer_norm(
            x + _linear(context, w, f"{p}attention.attn.o"),
            w,
            p + "attention.LayerNorm",
            config.epsilon,
        )
        hidden = _linear(x, w, p + "intermediate.dense")
        hidden = 0.5 * hidden * (1 + erf(hidden / math.sqrt(2)))
        x = _layer_norm(
            x + _linear(hidden, w, p + "output.dense"), w, p + "output.LayerNorm", config.epsilon
        )
    return x.mean(axis=0)


def _linear(x: np.ndarray, w: dict[str, np.ndarray], prefix: str) -> np.ndarray:
    return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]


def _layer_norm(x: np.ndarray, w: dict[str, np.ndarray], prefix: str, eps: float) -> np.ndarray:
    centred = x - x.mean(axis=-1, keepdims=True)
    scaled = centred / np.sqrt((centred**2).mean(axis=-1, keepdims=True) + eps)
    return scaled * w[prefix + ".weight"] + w[prefix + ".bias"]
