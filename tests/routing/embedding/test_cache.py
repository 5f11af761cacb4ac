"""EmbeddingCache: .npy files keyed by embedder name and texts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from novabot.routing.embedding import EmbeddingCache, cache_key


def vectors(rows: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((rows, 8)).astype(np.float32)


def test_round_trip(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache")
    key = cache_key("minilm:abc", ["hello", "world"])
    saved = vectors()

    assert cache.load(key) is None
    cache.save(key, saved)

    np.testing.assert_array_equal(cache.load(key), saved)
    assert [p.suffix for p in (tmp_path / "cache").iterdir()] == [".npy"]  # no temp file left


def test_save_replaces_an_entry(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    cache.save("k", vectors(seed=1))
    cache.save("k", vectors(seed=2))

    np.testing.assert_array_equal(cache.load("k"), vectors(seed=2))


def test_corrupt_file_is_a_miss_and_is_overwritten(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    cache.save("k", vectors())
    path = cache.path("k")
    path.write_bytes(path.read_bytes()[:100])  # cut short, as by a crash mid-copy

    assert cache.load("k") is None
    cache.save("k", vectors(seed=3))
    np.testing.assert_array_equal(cache.load("k"), vectors(seed=3))


def test_foreign_files_are_misses(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    cache.path("garbage").write_bytes(b"not numpy at all")
    np.save(cache.path("vector"), np.ones(4, dtype=np.float32))  # 1-D, not a matrix
    np.savez(tmp_path / "archive.npz", a=np.ones(2))
    (tmp_path / "archive.npz").rename(cache.path("zip"))

    assert cache.load("garbage") is None
    assert cache.load("vector") is None
    assert cache.load("zip") is None


def test_key_depends_on_name_texts_and_their_boundaries() -> None:
    key = cache_key("minilm:abc", ["ab", "c"])

    assert len(key) == 64 and key == cache_key("minilm:abc", ["ab", "c"])
    assert key != cache_key("minilm:abd", ["ab", "c"])
    assert key != cache_key("minilm:abc", ["ab", "d"])
    assert key != cache_key("minilm:abc", ["a", "bc"])
    assert key != cache_key("minilm:abc", ["c", "ab"])
    assert key != cache_key("minilm:abcab", ["c"])
    assert cache_key("x", []) != cache_key("x", [""])


def test_odd_keys_make_safe_file_names(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)

    cache.save("../../escape", vectors())

    assert cache.path("../../escape").parent == tmp_path
    np.testing.assert_array_equal(cache.load("../../escape"), vectors())


def test_a_folder_nova_cannot_write_turns_caching_off_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "cache").write_text("a file where the folder should be")
    cache = EmbeddingCache(tmp_path / "cache")

    assert cache.load("k") is None
    cache.save("k", vectors())  # no error: routing works without the cache
    cache.save("k2", vectors())
    assert cache.load("k") is None

    [warning] = [r for r in caplog.records if r.name == "novabot.routing.embedding.cache"]
    assert warning.levelname == "WARNING"
    assert f"cannot write in {tmp_path / 'cache'} (it is a file)" in warning.getMessage()
    assert "NOVA_ROUTER_CACHE_DIR" in warning.getMessage()


def test_a_folder_under_proc_is_no_cache_either(caplog: pytest.LogCaptureFixture) -> None:
    if not Path("/proc/self").is_dir():
        pytest.skip("no /proc here")
    cache = EmbeddingCache(Path("/proc/nova-test-cache"))
    cache.save("k", vectors())
    assert cache.load("k") is None
    assert not cache.writable
    assert "not caching embeddings" in caplog.text
