"""int8 weights for an exported encoder, with fp32 outlier channels where int8 would fail.

onnxruntime's dynamic quantisation gives each MatMul's activation one uint8 scale per run.
In all-mpnet-base-v2 a few FFN channels of the middle layers reach 30-60 times the typical
channel's largest value (at the `<s>`/`</s>` tokens), so one scale would leave the other
channels a handful of steps: cosine to fp32 fell to about 0.90. Those channels are found on
calibration texts and kept in a separate fp32 MatMul (see `mpnet_graph`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic

from novabot.modelbuild.graph import IR_VERSION

OUTLIER_FACTOR = 5.0
"""A channel is an outlier when its largest |activation| on the calibration texts exceeds
this many times the median, over its layer's channels, of that largest value."""


def outlier_channels(
    channel_max: np.ndarray, factor: float = OUTLIER_FACTOR
) -> dict[int, np.ndarray]:
    """layer -> sorted outlier channels, from a [layers, channels] array of max |activation|."""
    found = {}
    for layer, maxima in enumerate(channel_max):
        channels = np.flatnonzero(maxima > factor * np.median(maxima))
        if len(channels):
            found[layer] = channels
    return found


def quantize(
    model: onnx.ModelProto,
    scratch: Path,
    out: Path,
    *,
    keep_fp32: Sequence[str],
    metadata: Mapping[str, str],
) -> None:
    """int8 MatMul weights, symmetric, one scale per output channel, 7 bits.

    reduce_range keeps the weights in [-64, 64]: onnxruntime's u8 x s8 kernels without VNNI
    (AVX2, AVX-512BW) add two products into an int16 with saturation, and full-range
    weights would make the same text embed differently there than on VNNI, AMX or ARM
    CPUs. With 7 bits no pair reaches int16's limits (255 x 64 x 2 = 32640), so every CPU
    computes the same integers. `keep_fp32` names the MatMuls left in fp32.
    """
    source = scratch / "to_quantize.onnx"
    onnx.save(model, str(source))
    quantize_dynamic(
        str(source),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        reduce_range=True,
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=list(keep_fp32),
    )
    source.unlink()
    quantized = onnx.load(str(out))
    quantized.ir_version = IR_VERSION
    quantized.producer_name = "nova-export"
    quantized.producer_version = ""  # no tool versions: they would make rebuilds differ
    del quantized.metadata_props[:]
    onnx.helper.set_model_props(quantized, dict(metadata))
    onnx.checker.check_model(quantized)
    onnx.save(quantized, str(out))
