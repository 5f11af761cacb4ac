"""The two integer paths of onnxruntime's quantised MatMul, emulated for `cross_cpu.py`.

A numpy evaluation of the MiniLM graph whose MatMulInteger sums either exactly in int32
(VNNI, AMX, ARM) or with each pair of u8 x s8 products clipped to int16 first (AVX2 and
AVX-512BW without VNNI, `vpmaddubsw`); and the same clipping added to the ONNX graph as a
correction, so onnxruntime itself runs the saturating path on any machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from scipy.special import erf

from novabot.routing.embedding.base import normalize_rows
from novabot.routing.embedding.wordpiece import MAX_LENGTH, WordPieceTokenizer

MODELS = Path(__file__).resolve().parent.parent / "novabot" / "models"
INT16 = (-32768, 32767)
Array = np.ndarray


# The graph in numpy


class NumpyGraph:
    """Evaluates the MiniLM ONNX graph node by node, MatMulInteger exact or saturating."""

    def __init__(self, path: Path, *, saturate: bool) -> None:
        model = onnx.load(str(path))
        self.nodes = list(model.graph.node)
        self.constants = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        self.saturate = saturate
        weights = self._int8_weights()
        self.pairs = {name: _saturable_pairs(w) for name, w in weights.items()}
        # Converted once: float64 products of small integers are exact, and BLAS is fast.
        self.wide = {name: w.astype(np.float64) for name, w in weights.items()}
        self.column_sums = {name: w.sum(axis=0) for name, w in self.wide.items()}
        self.outputs = 0
        self.saturated = 0

    def _int8_weights(self) -> dict[str, Array]:
        names = {n.input[1] for n in self.nodes if n.op_type == "MatMulInteger"}
        return {name: self.constants[name] for name in names}

    def run(self, ids: Array) -> Array:
        values: dict[str, Array] = dict(self.constants, ids=ids)
        for node in self.nodes:
            inputs = [values[name] if name else None for name in node.input]
            attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            results = self._op(node, inputs, attributes)
            values.update(zip(node.output, results, strict=True))
        return values["pooled"]

    def _op(self, node: onnx.NodeProto, inputs: list, attributes: dict) -> Sequence[Array]:
        if node.op_type == "MatMulInteger":
            return [self._matmul_integer(*inputs, weight_name=node.input[1])]
        if node.op_type == "Split":
            return np.split(inputs[0], len(node.output), axis=attributes["axis"])
        if node.op_type == "DynamicQuantizeLinear":
            return _dynamic_quantize(inputs[0])
        return [OPS[node.op_type](*inputs, **attributes)]

    def _matmul_integer(
        self, a: Array, b: Array, a_zero: Array, b_zero: Array, *, weight_name: str
    ):
        wide_a, wide_b = a.astype(np.float64), self.wide[weight_name]
        sums = wide_a @ wide_b
        self.outputs += sums.size
        if self.saturate:
            sums += self._saturation(wide_a, weight_name, sums.shape)
        # The zero points are applied after the raw u8 x s8 sums, as the kernels do.
        b_zero = b_zero.astype(np.float64)
        sums -= float(a_zero) * (self.column_sums[weight_name] - len(wide_b) * b_zero)
        sums -= wide_a.sum(axis=1, keepdims=True) * b_zero
        return sums.astype(np.int32)

    def _saturation(self, a: Array, weight_name: str, shape: tuple[int, ...]) -> Array:
        """What clipping each adjacent pair of products to int16 takes off the exact sums."""
        k, n, b_even, b_odd = self.pairs[weight_name]
        pair = a[:, 2 * k] * b_even + a[:, 2 * k + 1] * b_odd
        lost = np.clip(pair, *INT16) - pair
        self.saturated += int(np.count_nonzero(lost))
        correction = np.zeros(shape)
        np.add.at(correction.T, n, lost.T)
        return correction


def _saturable_pairs(b: Array) -> tuple[Array, Array, Array, Array]:
    """(k, column, b[2k], b[2k+1]) of the pairs whose sum can leave int16 for some u8 input."""
    even, odd = b[0::2].astype(np.float64), b[1::2].astype(np.float64)
    most = 255 * (np.maximum(even, 0) + np.maximum(odd, 0))
    least = -255 * (np.maximum(-even, 0) + np.maximum(-odd, 0))
    k, n = np.nonzero((most > INT16[1]) | (least < INT16[0]))
    return k, n, even[k, n], odd[k, n]


def _layer_norm(x: Array, gamma: Array, beta: Array, axis: int, epsilon: float) -> Array:
    mean = x.mean(axis=axis, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=axis, keepdims=True)
    return ((x - mean) / np.sqrt(variance + epsilon) * gamma + beta).astype(np.float32)


def _dynamic_quantize(x: Array) -> tuple[Array, Array, Array]:
    """ONNX DynamicQuantizeLinear: u8, the range widened to include 0, ties to even."""
    low, high = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    scale = np.float32((high - low) / 255) if high > low else np.float32(1)
    zero = np.clip(np.rint(-low / scale), 0, 255)
    quantized = np.clip(np.rint(x / scale) + zero, 0, 255).astype(np.uint8)
    return quantized, scale, np.uint8(zero)


def _softmax(x: Array, axis: int) -> Array:
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


OPS: dict[str, Callable[..., Array]] = {
    "Shape": lambda x: np.array(x.shape, dtype=np.int64),
    "Gather": lambda table, ids: table[ids],
    "Slice": lambda x, start, end: x[int(start[0]) : int(end[0])],
    "Cast": lambda x, to: x.astype(onnx.helper.tensor_dtype_to_np_dtype(to)),
    "Mul": np.multiply,
    "Add": np.add,
    "Div": np.divide,
    "LayerNormalization": _layer_norm,
    "MatMul": np.matmul,
    "Reshape": lambda x, shape: x.reshape([d or x.shape[i] for i, d in enumerate(shape)]),
    "Transpose": lambda x, perm: x.transpose(perm),
    "Softmax": _softmax,
    "Erf": lambda x: erf(x).astype(np.float32),
    "ReduceMean": lambda x, axes, keepdims: x.mean(axis=tuple(axes), keepdims=bool(keepdims)),
}


# The saturating path in onnxruntime: the exact MatMulInteger plus what saturation takes off


def saturating_graph(path: Path) -> bytes:
    """The graph with each MatMulInteger's int16 pair clipping added back as a correction.

    Only the pairs that can leave int16 for some u8 input (a few per cent) are evaluated:
    Gather their two activations, clip the pair's sum, and scatter-add the difference into
    the product right after its Cast to float. Everything else runs on this machine's
    kernels, so comparing with the plain graph isolates the integer path.
    """
    model = onnx.load(str(path))
    constants = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    products = {n.output[0]: n for n in model.graph.node if n.op_type == "MatMulInteger"}
    nodes = []
    for node in model.graph.node:
        nodes.append(node)
        matmul = products.get(node.input[0]) if node.op_type == "Cast" else None
        if matmul is not None:
            corrected = node.output[0]
            node.output[0] = corrected + "_raw"
            extra, tensors = _correction(matmul.input[0], constants[matmul.input[1]], corrected)
            nodes += extra
            model.graph.initializer.extend(tensors)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model.SerializeToString()


def _correction(a: str, b: Array, cast: str) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    k, n, b_even, b_odd = _saturable_pairs(b)
    name = cast + "_sat"
    constants = {
        name + "_even": (2 * k).astype(np.int64),
        name + "_odd": (2 * k + 1).astype(np.int64),
        name + "_b_even": b_even.astype(np.float32),
        name + "_b_odd": b_odd.astype(np.float32),
        name + "_columns": n.astype(np.int64)[None, :],
        name + "_low": np.array(INT16[0], dtype=np.float32),
        name + "_high": np.array(INT16[1], dtype=np.float32),
    }
    make = onnx.helper.make_node
    nodes = [
        make("Gather", [a, name + "_even"], [name + "_ae_u8"], axis=1),
        make("Gather", [a, name + "_odd"], [name + "_ao_u8"], axis=1),
        make("Cast", [name + "_ae_u8"], [name + "_ae"], to=onnx.TensorProto.FLOAT),
        make("Cast", [name + "_ao_u8"], [name + "_ao"], to=onnx.TensorProto.FLOAT),
        make("Mul", [name + "_ae", name + "_b_even"], [name + "_pe"]),
        make("Mul", [name + "_ao", name + "_b_odd"], [name + "_po"]),
        make("Add", [name + "_pe", name + "_po"], [name + "_pair"]),
        make("Clip", [name + "_pair", name + "_low", name + "_high"], [name + "_clipped"]),
        make("Sub", [name + "_clipped", name + "_pair"], [name + "_lost"]),
        make("Shape", [name + "_lost"], [name + "_shape"]),
        make("Expand", [name + "_columns", name + "_shape"], [name + "_indices"]),
        make(
            "ScatterElements",
            [cast + "_raw", name + "_indices", name + "_lost"],
            [cast],
            axis=1,
            reduction="add",
        ),
    ]
    tensors = [numpy_helper.from_array(value, key) for key, value in constants.items()]
    return nodes, tensors


class NumpyEmbedder:
    """MiniLMEmbedder's interface over the numpy evaluation."""

    dimension = 384

    def __init__(self, path: Path, *, saturate: bool) -> None:
        self.graph = NumpyGraph(path, saturate=saturate)
        self.tokenizer = WordPieceTokenizer.from_file(
            MODELS / "minilm-l6-v2-vocab.txt", max_length=MAX_LENGTH
        )
        self.name = f"numpy:{path.name}:{'saturating' if saturate else 'exact'}"

    def embed(self, texts: Sequence[str]) -> Array:
        rows = [self.graph.run(np.asarray(self.tokenizer.encode(t), dtype=np.int64)) for t in texts]
        return normalize_rows(np.stack(rows).astype(np.float32))
