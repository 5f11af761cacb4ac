"""The MPNet graph writer against a plain-numpy MPNet, fp32 and int8 with outlier channels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from safetensors.numpy import load_file

from novabot.modelbuild.build import CALIBRATION
from novabot.modelbuild.mpnet_graph import (
    MPNetConfig,
    build_graph,
    ffn_activation,
    fp32_matmuls,
    relative_buckets,
)
from novabot.modelbuild.quantize import outlier_channels, quantize
from novabot.routing.embedding.wordpiece import MPNET_SPECIALS, WordPieceTokenizer
from tests.modelbuild.tiny import LAYERS, OUTLIER, reference_forward, write_tiny_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def texts(tiny: Path) -> list[list[int]]:
    tokenizer = WordPieceTokenizer.from_file(tiny / "vocab.txt", specials=MPNET_SPECIALS)
    check = json.loads(CALIBRATION.read_text(encoding="utf-8"))["check"][:40]
    return [tokenizer.encode(text) for text in check]


def test_buckets_match_hand_computed_values() -> None:
    buckets = relative_buckets(200, 32)
    # [query, key]: keys after the query use buckets 16-31, keys before it 0-15.
    assert buckets[0, 0] == 0
    assert (buckets[5, 4], buckets[4, 5]) == (1, 17)
    assert (buckets[7, 0], buckets[0, 7]) == (7, 23)
    # 8 and more apart: 8 + floor(log(n/8) / log(16) * 8), capped at 15.
    assert buckets[8, 0] == 8 and buckets[16, 0] == 10 and buckets[0, 16] == 26
    assert buckets[31, 0] == 11 and buckets[32, 0] == 12 and buckets[64, 0] == 14
    assert buckets[127, 0] == 15 and buckets[199, 0] == 15 and buckets[0, 199] == 31
    assert (np.diag(buckets) == 0).all()


def _session(model: onnx.ModelProto | Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    data = model.SerializeToString() if isinstance(model, onnx.ModelProto) else str(model)
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def _cosines(session: ort.InferenceSession, tiny: Path, texts: list[list[int]]) -> np.ndarray:
    found = []
    for ids in texts:
        got = session.run(["pooled"], {"ids": np.asarray(ids, dtype=np.int64)})[0]
        want = reference_forward(tiny, ids)
        found.append(got @ want / np.linalg.norm(got) / np.linalg.norm(want))
    return np.asarray(found)


def test_fp32_graph_is_the_numpy_model(tiny: Path, texts: list[list[int]]) -> None:
    config = MPNetConfig.from_file(tiny / "config.json", max_length=384)
    model = build_graph(load_file(str(tiny / "model.safetensors")), config)

    assert config.max_length == 64  # capped by the position table
    assert _cosines(_session(model), tiny, texts).min() > 0.9999


def test_outlier_channels_are_found_and_int8_keeps_fidelity(
    tiny: Path, texts: list[list[int]], tmp_path: Path
) -> None:
    config = MPNetConfig.from_file(tiny / "config.json", max_length=384)
    weights = load_file(str(tiny / "model.safetensors"))
    probe = _session(build_graph(weights, config, probe=True))
    names = [ffn_activation(layer) for layer in range(LAYERS)]
    maxima = np.max(
        [
            [np.abs(a).max(axis=0) for a in probe.run(names, {"ids": np.asarray(ids)})]
            for ids in texts
        ],
        axis=0,
    )
    outliers = outlier_channels(maxima)
    layer, channel = OUTLIER
    assert channel in outliers[layer]

    model = build_graph(weights, config, table="int8", outliers=outliers)
    assert len(fp32_matmuls(model)) == len(outliers)
    path = tmp_path / "int8.onnx"
    quantize(model, tmp_path, path, keep_fp32=fp32_matmuls(model), metadata={})
    kinds = {node.op_type for node in onnx.load(str(path)).graph.node}

    assert "MatMulInteger" in kinds
    assert _cosines(_session(path), tiny, texts).min() >= 0.99
