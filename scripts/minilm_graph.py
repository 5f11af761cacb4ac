"""MiniLM-L6 (BERT) as an ONNX graph, written op by op from its safetensors weights.

Used by `export_minilm.py`. One tokenised text in (`ids`, int64[n], no batch), the
mean-pooled last layer out (`pooled`, float[384], not normalised). The word-embedding table
can be fp32, fp16 or int8 rows with a scale each (`table`). The building blocks are
Nova's own (`novabot/modelbuild/graph.py`), shared with the MPNet exporter.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx

# The repository root, so novabot.modelbuild imports without installing Nova's dependencies.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from novabot.modelbuild.graph import (
    IR_VERSION,
    GraphBuilder,
    Weights,
    attention_heads,
    dense,
    gelu,
    layer_norm,
    leading_rows,
    merge_heads,
    word_rows,
)

__all__ = ["IR_VERSION", "Weights", "build_graph"]

HIDDEN, HEADS, LAYERS = 384, 12, 6
HEAD_DIM = HIDDEN // HEADS
EPSILON = 1e-12  # BERT's layer_norm_eps


def build_graph(weights: Weights, table: str) -> onnx.ModelProto:
    """ids int64[n] (one tokenised text, no batch) -> mean-pooled float[384] (not normalised)."""
    graph = GraphBuilder()
    x = _embeddings(graph, weights, table)
    for layer in range(LAYERS):
        x = _encoder_layer(graph, weights, layer, x)
    graph.op("ReduceMean", [x], "pooled", axes=[0], keepdims=0)  # axes is an attribute in 17
    return graph.model("minilm_l6_v2", HIDDEN)


def _embeddings(graph: GraphBuilder, weights: Weights, table: str) -> str:
    words = word_rows(graph, weights["embeddings.word_embeddings.weight"], table)
    # Segment 0 is the only one a single text uses, so it is folded into the positions.
    positions = weights["embeddings.position_embeddings.weight"]
    segment = weights["embeddings.token_type_embeddings.weight"][0]
    rows = leading_rows(graph, positions + segment, "positions", "position_rows")
    summed = graph.op("Add", [words, rows], "embedded")
    return _layer_norm(graph, weights, "embeddings.LayerNorm", summed, "embeddings")


def _encoder_layer(graph: GraphBuilder, weights: Weights, layer: int, x: str) -> str:
    prefix = f"encoder.layer.{layer}."
    context = _self_attention(graph, weights, prefix, layer, x)
    attended = _dense(graph, weights, prefix + "attention.output.dense", context, f"l{layer}_attn")
    residual = graph.op("Add", [x, attended], f"l{layer}_attn_residual")
    x = _layer_norm(
        graph, weights, prefix + "attention.output.LayerNorm", residual, f"l{layer}_ln1"
    )
    hidden = _dense(graph, weights, prefix + "intermediate.dense", x, f"l{layer}_ffn_in")
    hidden = gelu(graph, hidden, f"l{layer}")
    out = _dense(graph, weights, prefix + "output.dense", hidden, f"l{layer}_ffn_out")
    residual = graph.op("Add", [x, out], f"l{layer}_ffn_residual")
    return _layer_norm(graph, weights, prefix + "output.LayerNorm", residual, f"l{layer}_ln2")


def _self_attention(graph: GraphBuilder, weights: Weights, prefix: str, layer: int, x: str) -> str:
    """One packed Q/K/V MatMul; 1/sqrt(head_dim) is folded into the query weights."""
    part = prefix + "attention.self."
    scale = 1.0 / np.sqrt(HEAD_DIM)
    query, key, value = (part + p for p in ("query.", "key.", "value."))
    kernel = np.concatenate(
        [weights[query + "weight"] * scale, weights[key + "weight"], weights[value + "weight"]]
    )
    bias = np.concatenate(
        [weights[query + "bias"] * scale, weights[key + "bias"], weights[value + "bias"]]
    )
    packed = dense(graph, kernel, bias, x, f"l{layer}_qkv")
    q, k, v = attention_heads(graph, packed, layer, HEADS, HEAD_DIM)
    scores = graph.op("MatMul", [q, k], f"l{layer}_scores")
    probs = graph.op("Softmax", [scores], f"l{layer}_probs", axis=-1)
    context = graph.op("MatMul", [probs, v], f"l{layer}_context_heads")
    return merge_heads(graph, context, layer, HIDDEN)


def _dense(graph: GraphBuilder, weights: Weights, prefix: str, x: str, name: str) -> str:
    return dense(graph, weights[prefix + ".weight"], weights[prefix + ".bias"], x, name)


def _layer_norm(graph: GraphBuilder, weights: Weights, prefix: str, x: str, name: str) -> str:
    gamma, beta = weights[prefix + ".weight"], weights[prefix + ".bias"]
    return layer_norm(graph, gamma, beta, x, name, EPSILON)
