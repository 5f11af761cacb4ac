"""MPNet (all-mpnet-base-v2) as an ONNX graph, written op by op from its safetensors weights.

What differs from BERT: positions start at 2 (padding_idx + 1), there are no token types,
and every layer adds a relative position bias to its attention scores: T5's bidirectional
buckets of the key-minus-query distance, one learnt value per bucket and head. One text is
embedded per run (no padding), so the bucket of every (query, key) pair is a precomputed
table that the graph slices to [:n, :n] and looks the values up in.

Some FFN output MatMuls can keep a few input channels in fp32 (`outliers`): those channels
carry activations hundreds of times larger than the rest, which would leave every other
channel only a few int8 steps once the activation is quantised per tensor.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx

from novabot.modelbuild.graph import (
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

POSITION_OFFSET = 2  # HF MPNet: padding_idx 1, so a text's first position id is 2
MAX_DISTANCE = 128  # HF MPNet's relative_position_bucket default
Outliers = Mapping[int, np.ndarray]
"""layer -> sorted input channels of its FFN output MatMul kept in fp32."""


@dataclass(frozen=True)
class MPNetConfig:
    """The shape of an MPNet encoder, read from its config.json."""

    hidden: int
    heads: int
    layers: int
    buckets: int
    epsilon: float
    max_length: int  # tokens a text may have, specials included

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @classmethod
    def from_file(cls, path: Path, max_length: int) -> MPNetConfig:
        data = json.loads(path.read_text(encoding="utf-8"))
        positions = int(data["max_position_embeddings"]) - POSITION_OFFSET
        return cls(
            hidden=int(data["hidden_size"]),
            heads=int(data["num_attention_heads"]),
            layers=int(data["num_hidden_layers"]),
            buckets=int(data.get("relative_attention_num_buckets", 32)),
            epsilon=float(data.get("layer_norm_eps", 1e-5)),
            max_length=min(max_length, positions),
        )


def relative_buckets(length: int, buckets: int, max_distance: int = MAX_DISTANCE) -> np.ndarray:
    """bucket[i, j] for query i and key j, as HF MPNet computes it (float32 log included).

    Half the buckets are for keys before the query, half for keys after; within a half,
    distances below a quarter of the buckets are exact and longer ones share log-spaced
    buckets up to max_distance.
    """
    position = np.arange(length, dtype=np.int64)
    n = position[:, None] - position[None, :]  # -(key - query)
    half = buckets // 2
    result = np.where(n < 0, half, 0)
    n = np.abs(n)
    exact = half // 2
    # n == 0 takes the exact branch; 1 stands in for it so the log stays finite.
    ratio = np.log(np.maximum(n, 1).astype(np.float32) / np.float32(exact))
    scale = np.float32(math.log(max_distance / exact))
    large = exact + (ratio / scale * np.float32(half - exact)).astype(np.int64)
    large = np.minimum(large, half - 1)
    return (result + np.where(n < exact, n, large)).astype(np.int64)


def build_graph(
    weights: Weights,
    config: MPNetConfig,
    *,
    table: str = "fp32",
    outliers: Outliers | None = None,
    probe: bool = False,
) -> onnx.ModelProto:
    """ids int64[n] -> mean-pooled float[hidden]; `probe` also outputs each FFN activation."""
    graph = GraphBuilder()
    x = _embeddings(graph, weights, config, table)
    bias = _position_bias(graph, weights, config)
    probes = []
    for layer in range(config.layers):
        x, activation = _layer(graph, weights, config, layer, x, bias, (outliers or {}).get(layer))
        probes.append(activation)
    graph.op("ReduceMean", [x], "pooled", axes=[0], keepdims=0)  # axes is an attribute in 17
    return graph.model("mpnet", config.hidden, probes if probe else ())


def ffn_activation(layer: int) -> str:
    """The graph's name for the input of a layer's FFN output MatMul (`probe` outputs)."""
    return f"l{layer}_gelu"


def _embeddings(graph: GraphBuilder, weights: Weights, config: MPNetConfig, table: str) -> str:
    words = word_rows(graph, weights["embeddings.word_embeddings.weight"], table)
    positions = weights["embeddings.position_embeddings.weight"]
    usable = positions[POSITION_OFFSET : POSITION_OFFSET + config.max_length]
    rows = leading_rows(graph, usable, "positions", "position_rows")
    summed = graph.op("Add", [words, rows], "embedded")
    return _layer_norm(graph, weights, config, "embeddings.LayerNorm", summed, "embeddings")


def _position_bias(graph: GraphBuilder, weights: Weights, config: MPNetConfig) -> str:
    """[heads, n, n], computed once and added to every layer's scores."""
    table = relative_buckets(config.max_length, config.buckets).astype(np.int32)
    graph.constant("relative_buckets", table)
    graph.constant("relative_values", weights["encoder.relative_attention_bias.weight"])
    graph.constant("axes01", np.array([0, 1], dtype=np.int64))
    graph.constant("start00", np.array([0, 0], dtype=np.int64))
    graph.op("Concat", ["length", "length"], "length2", axis=0)
    graph.op("Slice", ["relative_buckets", "start00", "length2", "axes01"], "buckets")
    graph.op("Gather", ["relative_values", "buckets"], "bias_nnh")
    return graph.op("Transpose", ["bias_nnh"], "position_bias", perm=[2, 0, 1])


def _layer(
    graph: GraphBuilder,
    weights: Weights,
    config: MPNetConfig,
    layer: int,
    x: str,
    bias: str,
    outliers: np.ndarray | None,
) -> tuple[str, str]:
    prefix = f"encoder.layer.{layer}."
    context = _self_attention(graph, weights, config, prefix + "attention.attn.", layer, x, bias)
    attended = _dense(graph, weights, prefix + "attention.attn.o", context, f"l{layer}_attn")
    residual = graph.op("Add", [x, attended], f"l{layer}_attn_residual")
    ln = prefix + "attention.LayerNorm"
    x = _layer_norm(graph, weights, config, ln, residual, f"l{layer}_ln1")
    hidden = _dense(graph, weights, prefix + "intermediate.dense", x, f"l{layer}_ffn_in")
    activation = gelu(graph, hidden, f"l{layer}")
    out = _ffn_out(graph, weights, prefix + "output.dense", activation, layer, outliers)
    residual = graph.op("Add", [x, out], f"l{layer}_ffn_residual")
    ln = prefix + "output.LayerNorm"
    return _layer_norm(graph, weights, config, ln, residual, f"l{layer}_ln2"), activation


def _self_attention(
    graph: GraphBuilder,
    weights: Weights,
    config: MPNetConfig,
    part: str,
    layer: int,
    x: str,
    bias: str,
) -> str:
    """One packed Q/K/V MatMul; 1/sqrt(head_dim) is folded into the query weights."""
    scale = np.float32(1.0 / math.sqrt(config.head_dim))
    kernel = np.concatenate(
        [weights[part + "q.weight"] * scale, weights[part + "k.weight"], weights[part + "v.weight"]]
    )
    packed_bias = np.concatenate(
        [weights[part + "q.bias"] * scale, weights[part + "k.bias"], weights[part + "v.bias"]]
    )
    packed = dense(graph, kernel, packed_bias, x, f"l{layer}_qkv")
    q, k, v = attention_heads(graph, packed, layer, config.heads, config.head_dim)
    scores = graph.op("MatMul", [q, k], f"l{layer}_scores_raw")
    scores = graph.op("Add", [scores, bias], f"l{layer}_scores")
    probs = graph.op("Softmax", [scores], f"l{layer}_probs", axis=-1)
    context = graph.op("MatMul", [probs, v], f"l{layer}_context_heads")
    return merge_heads(graph, context, layer, config.hidden)


def _ffn_out(
    graph: GraphBuilder,
    weights: Weights,
    prefix: str,
    x: str,
    layer: int,
    outliers: np.ndarray | None,
) -> str:
    """The FFN output dense; outlier input channels go through a separate fp32 MatMul.

    The int8 MatMul reads every channel with the outliers multiplied by 0 (and their
    weight rows zeroed), so they cannot stretch its activation scale; a mask costs a
    tenth of gathering the other ~3,060 channels, which took 1 ms of an 8 ms run.
    """
    name = f"l{layer}_ffn_out"
    weight, bias = weights[prefix + ".weight"], weights[prefix + ".bias"]
    if outliers is None or len(outliers) == 0:
        return dense(graph, weight, bias, x, name)
    channels = np.asarray(outliers, dtype=np.int64)
    mask = np.ones(weight.shape[1], dtype=np.float32)
    mask[channels] = 0.0
    rest_in = graph.op("Mul", [x, graph.constant(f"{name}_rest_mask", mask)], f"{name}_rest_in")
    rest_w = weight.T.copy()
    rest_w[channels] = 0.0
    rest = graph.op(
        "MatMul", [rest_in, graph.constant(f"{name}_rest_w", rest_w)], f"{name}_rest_mm"
    )
    index = graph.constant(f"{name}_outliers_index", channels)
    picked = graph.op("Gather", [x, index], f"{name}_outliers_in", axis=1)
    kernel = graph.constant(f"{name}_outliers_w", weight[:, channels].T)
    kept = graph.op("MatMul", [picked, kernel], f"{name}_outliers_mm")
    summed = graph.op("Add", [rest, kept], f"{name}_sum")
    return graph.op("Add", [summed, graph.constant(name + "_b", bias)], name)


def fp32_matmuls(model: onnx.ModelProto) -> list[str]:
    """The MatMul nodes the quantiser must leave alone: the outlier channels'."""
    return [n.name for n in model.graph.node if n.op_type == "MatMul" and "_outliers_" in n.name]


def _dense(graph: GraphBuilder, weights: Weights, prefix: str, x: str, name: str) -> str:
    return dense(graph, weights[prefix + ".weight"], weights[prefix + ".bias"], x, name)


def _layer_norm(
    graph: GraphBuilder, weights: Weights, config: MPNetConfig, prefix: str, x: str, name: str
) -> str:
    gamma, beta = weights[prefix + ".weight"], weights[prefix + ".bias"]
    return layer_norm(graph, gamma, beta, x, name, config.epsilon)
