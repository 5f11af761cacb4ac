"""Nova: a personal multi-agent AI system that lives in chat."""

import os

# Nova's matrices are small (training the router, scoring a message): BLAS threads only add
# hand-offs, which on a small or busy machine made training the router ten times slower.
# Read by OpenBLAS when numpy loads it, so set before any import of numpy; a value the user
# set wins. (The sentence encoder's ONNX session is single-threaded for the same reason.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
