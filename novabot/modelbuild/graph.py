"""ONNX building blocks shared by Nova's encoder exporters (MiniLM in scripts/, MPNet here).

Each graph takes one tokenised text (`ids`, int64[n], no batch) and returns the mean of
the last layer's token vectors (`pooled`, float[hidden], not normalised).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

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

    def op(self, op_type: str, inputs: Sequence[str], output: str, **attributes: Any) -> str:
        node = helper.make_node(op_type, list(inputs), [output], name=output, **attributes)
        self.nodes.append(node)
        return output

    def model(self, name: str, hidden: int, extra_outputs: Sequence[str] = ()) -> onnx.ModelProto:
        """The finished, checked model; `extra_outputs` expose intermediate fp32 tensors."""
        ids = helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"])
        outputs = [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [hidden])]
        outputs += [
            helper.make_tensor_value_info(o, TensorProto.FLOAT, ["n", None]) for o in extra_outputs
        ]
        body = helper.make_graph(self.nodes, name, [ids], outputs, self.initializers)
        model = helper.make_model(
            body, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="nova-export"
        )
        model.ir_version = IR_VERSION
        onnx.checker.check_model(model)
        return model


def word_rows(graph: GraphBuilder, table: np.ndarray, kind: str) -> str:
    """The `ids` rows of the word-embedding table, stored as fp32, fp16 or int8 rows."""
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


def leading_rows(graph: GraphBuilder, table: np.ndarray, name: str, output: str) -> str:
    """The first n rows of `table` for an n-token text: a Slice, no Range op needed."""
    graph.constant(name, table)
    graph.constant("start0", np.array([0], dtype=np.int64))
    graph.op("Shape", ["ids"], "length")
    return graph.op("Slice", [name, "start0", "length"], output)


def dense(graph: GraphBuilder, weight: np.ndarray, bias: np.ndarray, x: str, name: str) -> str:
    """x @ weight.T + bias, with a torch-layout (out, in) weight."""
    kernel = graph.constant(name + "_w", weight.T)
    bias_name = graph.constant(name + "_b", bias)
    return graph.op("Add", [graph.op("MatMul", [x, kernel], name + "_mm"), bias_name], name)


def layer_norm(
    graph: GraphBuilder, gamma: np.ndarray, beta: np.ndarray, x: str, name: str, epsilon: float
) -> str:
    g = graph.constant(name + "_g", gamma)
    b = graph.constant(name + "_b", beta)
    return graph.op("LayerNormalization", [x, g, b], name, axis=-1, epsilon=epsilon)


def gelu(graph: GraphBuilder, x: str, name: str) -> str:
    """Exact (erf) GELU from opset-13 ops; onnxruntime fuses the pattern into its Gelu kernel."""
    half = graph.constant("gelu_half", np.array(0.5, dtype=np.float32))
    one = graph.constant("gelu_one", np.array(1.0, dtype=np.float32))
    sqrt2 = graph.constant("gelu_sqrt2", np.array(np.sqrt(2.0), dtype=np.float32))
    # Div, not Mul by 1/sqrt(2): the form onnxruntime's GeluFusion recognises.
    erf = graph.op("Erf", [graph.op("Div", [x, sqrt2], name + "_gelu_in")], name + "_gelu_erf")
    shifted = graph.op("Add", [erf, one], name + "_gelu_shifted")
    gated = graph.op("Mul", [x, shifted], name + "_gelu_gated")
    return graph.op("Mul", [gated, half], name + "_gelu")


def attention_heads(
    graph: GraphBuilder, packed: str, layer: int, heads: int, head_dim: int
) -> tuple[str, str, str]:
    """Split a packed [n, 3*hidden] Q/K/V into q, v as [heads, n, d] and k as [heads, d, n]."""
    shape = graph.constant("heads_shape", np.array([0, heads, head_dim], dtype=np.int64))
    q, k, v = (f"l{layer}_{p}" for p in "qkv")
    graph.nodes.append(
        helper.make_node("Split", [packed], [q, k, v], name=f"l{layer}_qkv_split", axis=-1)
    )
    q = graph.op("Transpose", [graph.op("Reshape", [q, shape], q + "_r")], q + "_t", perm=[1, 0, 2])
    k = graph.op("Transpose", [graph.op("Reshape", [k, shape], k + "_r")], k + "_t", perm=[1, 2, 0])
    v = graph.op("Transpose", [graph.op("Reshape", [v, shape], v + "_r")], v + "_t", perm=[1, 0, 2])
    return q, k, v


def merge_heads(graph: GraphBuilder, context: str, layer: int, hidden: int) -> str:
    """[heads, n, d] back to [n, hidden]."""
    context = graph.op("Transpose", [context], f"l{layer}_context_t", perm=[1, 0, 2])
    flat = graph.constant("flat_shape", np.array([0, hidden], dtype=np.int64))
    return graph.op("Reshape", [context, flat], f"l{layer}_context")
