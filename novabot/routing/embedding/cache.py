"""Embedding vectors kept on disk, so a restart does not re-embed every routing example.

The same folder keeps the scope model trained over them (`save_arrays`), so a restart with
unchanged cards does not retrain it either.

Each entry is one .npy file named by a hash of the embedder's name and the texts, so a new
model, new weights or an edited example simply miss and are embedded afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

log = logging.getLogger(__name__)


def cache_key(embedder_name: str, texts: Sequence[str]) -> str:
    """sha256 over the name and texts, each length-prefixed so no two lists can collide."""
    digest = hashlib.sha256()
    for part in (embedder_name, *texts):
        encoded = part.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


class EmbeddingCache:
    """A folder of `<key>.npy` files; a missing or unreadable file is simply a miss.

    The cache only saves time, so a folder Nova cannot write turns it off for the process
    with one warning in the log, rather than stopping a command that works without it.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.writable = True

    def path(self, key: str) -> Path:
        # Hashed again so any key, even one with '/' or '..', is a safe file name.
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.npy"

    def load(self, key: str) -> np.ndarray | None:
        path = self.path(key)
        try:
            vectors = np.load(path, allow_pickle=False)
        except (FileNotFoundError, NotADirectoryError):
            return None  # nothing cached yet (or no usable folder: save() says so, once)
        except (OSError, ValueError, EOFError) as exc:
            log.warning("ignoring unreadable embedding cache file %s: %s", path, exc)
            return None  # the caller re-embeds and save() overwrites it
        # np.load returns an NpzFile for a zip archive: anything but a 2-D float32 is foreign.
        if not isinstance(vectors, np.ndarray) or vectors.ndim != 2 or vectors.dtype != np.float32:
            log.warning("ignoring embedding cache file %s: not a float32 matrix", path)
            return None
        return vectors

    def load_arrays(self, key: str) -> dict[str, np.ndarray] | None:
        """Named arrays saved by `save_arrays` (a trained model), or None on any miss."""
        path = self.path(key).with_suffix(".npz")
        try:
            with np.load(path, allow_pickle=False) as archive:
                return {name: archive[name] for name in archive.files}
        except (FileNotFoundError, NotADirectoryError):
            return None
        except Exception as exc:  # damaged or foreign: a miss, and save_arrays overwrites it
            log.warning("ignoring unreadable cache file %s: %s", path, exc)
            return None

    def save(self, key: str, vectors: np.ndarray) -> None:
        """Write atomically: readers see the old file or the new one, never half of one."""
        array = np.asarray(vectors, dtype=np.float32)
        self._save(key, ".npy", lambda stream: np.save(stream, array, allow_pickle=False))

    def save_arrays(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        self._save(key, ".npz", lambda stream: np.savez(stream, allow_pickle=False, **arrays))

    def _save(self, key: str, suffix: str, write: Callable[[BinaryIO], None]) -> None:
        if not self.writable:
            return
        try:
            self._write(self.path(key).with_suffix(suffix), write)
        except OSError as exc:
            self.writable = False
            is_file = self.folder.exists() and not self.folder.is_dir()
            log.warning(
                "not caching embeddings: cannot write in %s (%s); routing works, but each start "
                "embeds the agents' examples again. Set NOVA_ROUTER_CACHE_DIR to a writable "
                "folder to keep them.",
                self.folder,
                "it is a file" if is_file else exc.strerror or exc,
            )

    def _write(self, target: Path, write: Callable[[BinaryIO], None]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=f"{target.suffix}.tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                write(stream)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
