"""MiniLM-L6 (BERT) as an ONNX graph, written op by op from its safetensors weights.

Used by `export_minilm.py`. One tokenised text in (`ids`, int64[n], no batch), the
mean-pooled last layer out (`pooled`, float[384], not normalised). The word-embedding table
can be fp32, fp16 or int8 rows with a scale each (`table`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HIDDEN, HEADS, LAYERS = 384, 12, 6
HEAD_DIM = HIDDEN // HEADS
EPSILON = 1e-12  # BERT's layer_norm_eps
OPSET = 17  # LayerNormalization needs 17; Gelu is spelled out so onnxruntime 1.18 runs it
IR_VERSION = 8  # the newest every supported onnxruntime (>= 1.18) reads
Weights = dict[str, np.ndarray]


class GraphBuilder:
    """Collects nodes and initialisers under readable, deterministic names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._names: set[str] = set()

    def constant(self, name: str, value: np.ndarray) -> str:
        """Add an initializer once; layers share small ones (shapes, GELU constants) by name."""
        if name in self._names:
            return name
        self._names.add(name)
        if value.dtype == np.float64:
            value = value.astype(np.float32)  # numpy arithmetic promotes; the graph is fp32
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: Sequence[str], output: str, **attributes: object) -> str:
        node = helper.make_node(op_type, list(inputs), [output], name=output, **attributes)
        self.nodes.append(node)
        return output


def build_graph(weights: Weights, table: str) -> onnx.ModelProto:
    """ids int64[n] (one tokenised text, no batch) -> mean-pooled float[384] (not normalised)."""
    graph = GraphBuilder()
    x = _embeddings(graph, weights, table)
    for layer in range(LAYERS):
        x = _encoder_layer(graph, weights, layer, x)
    graph.op("ReduceMean", [x], "pooled", axes=[0], keepdims=0)  # axes is an attribute in 17
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"])
    pooled = helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [HIDDEN])
    body = helper.make_graph(graph.nodes, "minilm_l6_v2", [ids], [pooled], graph.initializers)
    model = helper.make_model(
        body, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="nova-export"
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def _embeddings(graph: GraphBuilder, weights: Weights, table: str) -> str:
    words = _word_rows(graph, weights["embeddings.word_embeddings.weight"], table)
    # Segment 0 is the only one a single text uses, so it is folded into the positions.
    positions = weights["embeddings.position_embeddings.weight"]
    segment = weights["embeddings.token_type_embeddings.weight"][0]
    graph.constant("positions", positions + segment)
    # Positions 0..n-1 are a slice of the table: no second input and no Range op needed.
    graph.constant("start0", np.array([0], dtype=np.int64))
    graph.op("Shape", ["ids"], "length")
    graph.op("Slice", ["positions", "start0", "length"], "position_rows")
    summed = graph.op("Add", [words, "position_rows"], "embedded")
    return _layer_norm(graph, weights, "embeddings.LayerNorm", summed, "embeddings")


def _word_rows(graph: GraphBuilder, table: np.ndarray, kind: str) -> str:
    if kind == "fp32":
        graph.constant("word_table", table)
        return graph.op("Gather", ["word_table", "ids"], "words")
    if kind == "fp16":
        graph.constant("word_table", table.astype(np.float16))
        graph.op("Gather", ["word_table", "ids"], "words_fp16")
        return graph.op("Cast", ["words_fp16"], "words", to=TensorProto.FLOAT)
    rows, scales = quantize_rows(table)
    graph.constant("word_table", rows)
    graph.constant("word_scales", scales[:, None])
    graph.op("Gather", ["word_table", "ids"], "words_int8")
    graph.op("Gather", ["word_scales", "ids"], "word_row_scales")
    graph.op("Cast", ["words_int8"], "words_unscaled", to=TensorProto.FLOAT)
    return graph.op("Mul", ["words_unscaled", "word_row_scales"], "words")


def quantize_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row: row ≈ int8_row * scale; an all-zero row keeps scale 1."""
    scales = np.abs(table).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    rows = np.clip(np.round(table / scales[:, None]), -127, 127).astype(np.int8)
    return rows, scales.astype(np.float32)


def _encoder_layer(graph: GraphBuilder, weights: Weights, layer: int, x: str) -> str:
    prefix = f"encoder.layer.{layer}."
    context = _self_attention(graph, weights, prefix, layer, x)
    attended = _dense(graph, weights, prefix + "attention.output.dense", context, f"l{layer}_attn")
    residual = graph.op("Add", [x, attended], f"l{layer}_attn_residual")
    x = _layer_norm(
        graph, weights, prefix + "attention.output.LayerNorm", residual, f"l{layer}_ln1"
    )
    hidden = _dense(graph, weights, prefix + "intermediate.dense", x, f"l{layer}_ffn_in")
    hidden = _gelu(graph, hidden, f"l{layer}")
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
    ).T
    bias = np.concatenate(
        [weights[query + "bias"] * scale, weights[key + "bias"], weights[value + "bias"]]
    )
    name = f"l{layer}_qkv"
    packed = graph.op("MatMul", [x, graph.constant(name + "_w", kernel)], name + "_mm")
    packed = graph.op("Add", [packed, graph.constant(name + "_b", bias)], name)
    heads = graph.constant("heads_shape", np.array([0, HEADS, HEAD_DIM], dtype=np.int64))
    q, k, v = (f"l{layer}_{p}" for p in "qkv")
    graph.nodes.append(
        helper.make_node("Split", [packed], [q, k, v], name=name + "_split", axis=-1)
    )
    # Heads first: q and v as [heads, n, 32], k as [heads, 32, n] for q @ k.
    q = graph.op("Transpose", [graph.op("Reshape", [q, heads], q + "_r")], q + "_t", perm=[1, 0, 2])
    k = graph.op("Transpose", [graph.op("Reshape", [k, heads], k + "_r")], k + "_t", perm=[1, 2, 0])
    v = graph.op("Transpose", [graph.op("Reshape", [v, heads], v + "_r")], v + "_t", perm=[1, 0, 2])
    scores = graph.op("MatMul", [q, k], f"l{layer}_scores")
    probs = graph.op("Softmax", [scores], f"l{layer}_probs", axis=-1)
    context = graph.op("MatMul", [probs, v], f"l{layer}_context_heads")
    context = graph.op("Transpose", [context], f"l{layer}_context_t", perm=[1, 0, 2])
    flat = graph.constant("flat_shape", np.array([0, HIDDEN], dtype=np.int64))
    return graph.op("Reshape", [context, flat], f"l{layer}_context")


def _dense(graph: GraphBuilder, weights: Weights, prefix: str, x: str, name: str) -> str:
    kernel = graph.constant(name + "_w", weights[prefix + ".weight"].T)
    bias = graph.constant(name + "_b", weights[prefix + ".bias"])
    return graph.op("Add", [graph.op("MatMul", [x, kernel], name + "_mm"), bias], name)


def _layer_norm(graph: GraphBuilder, weights: Weights, prefix: str, x: str, name: str) -> str:
    gamma = graph.constant(name + "_g", weights[prefix + ".weight"])
    beta = graph.constant(name + "_b", weights[prefix + ".bias"])
    return graph.op("LayerNormalization", [x, gamma, beta], name, axis=-1, epsilon=EPSILON)


def _gelu(graph: GraphBuilder, x: str, name: str) -> str:
    """Exact (erf) GELU from opset-13 ops; onnxruntime fuses the pattern into its Gelu kernel."""
    half = graph.constant("gelu_half", np.array(0.5, dtype=np.float32))
    one = graph.constant("gelu_one", np.array(1.0, dtype=np.float32))
    sqrt2 = graph.constant("gelu_sqrt2", np.array(np.sqrt(2.0), dtype=np.float32))
    # Div, not Mul by 1/sqrt(2): the form onnxruntime's GeluFusion recognises.
    erf = graph.op("Erf", [graph.op("Div", [x, sqrt2], name + "_gelu_in")], name + "_gelu_erf")
    shifted = graph.op("Add", [erf, one], name + "_gelu_shifted")
    gated = graph.op("Mul", [x, shifted], name + "_gelu_gated")
    return graph.op("Mul", [gated, half], name + "_gelu")
