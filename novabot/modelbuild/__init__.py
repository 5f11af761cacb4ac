"""Building Nova's optional sentence encoders: `nova models build`.

Torch-free: a graph writer turns a model's safetensors weights into an ONNX graph op by
op, and onnxruntime's quantiser makes it int8. Only `manifest` is imported at run time
(by the embedders and `nova models list`); the rest needs the `models` extra (onnx,
safetensors).
"""
