"""The low-memory stand-ins give faster-whisper exactly the numbers its own code gives."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from faster_whisper.feature_extractor import FeatureExtractor

from voiceloop.transcribe.lowmem import (
    BLOCK_FRAMES,
    BlockFeatureExtractor,
    _BatchedSession,
    _malloc_trim,
    release_free_memory,
)


def _signal(seconds: float, seed: int = 0) -> np.ndarray:
    """Noise with a gliding tone and silent stretches: varied frames, like speech."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16_000)) / 16_000
    y = 0.05 * rng.standard_normal(len(t)) + 0.3 * np.sin(2 * np.pi * (150 + 40 * t) * t)
    y[(t % 7) > 5.5] = 0.0
    return y.astype(np.float32)


def test_block_features_equal_faster_whispers_bit_for_bit() -> None:
    # lengths around the block size, a 95 s answer, and a sliver
    for seconds in (0.02, 0.5, BLOCK_FRAMES / 100 - 0.01, BLOCK_FRAMES / 100 + 0.01, 95.3):
        y = _signal(seconds)
        want = FeatureExtractor()(y)
        got = BlockFeatureExtractor()(y)
        assert got.shape == want.shape and got.dtype == want.dtype, seconds
        assert np.array_equal(got, want), seconds


def test_block_features_hold_less_memory() -> None:
    y = _signal(95.0)
    peaks = []
    for extractor in (FeatureExtractor(), BlockFeatureExtractor()):
        tracemalloc.start()
        extractor(y)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 0.6 * peaks[0]


def test_batched_vad_gives_the_same_speech_probabilities() -> None:
    from faster_whisper.vad import get_vad_model

    model = get_vad_model()
    original = plain = model.session
    while isinstance(plain, _BatchedSession):  # voiceloop may have wrapped it already
        plain = plain.session
    y = _signal(70.0, seed=1)
    y = y[: len(y) - len(y) % 512]
    try:
        model.session = plain
        want = model(y)
        model.session = _BatchedSession(plain, rows=300)
        got = model(y)
    finally:
        model.session = original
    assert got.shape == want.shape == (len(y) // 512,)
    assert np.array_equal(got, want)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(
    not Path("/proc/self/status").exists() or _malloc_trim() is None,
    reason="needs Linux with glibc",
)
def test_free_heap_memory_goes_back_to_the_system() -> None:
    # 150 MB in 100 kB blocks (under glibc's mmap threshold, so they live on the heap), freed
    # while one block allocated last keeps the heap's top: glibc keeps the rest unless trimmed
    blocks = [bytearray(100_000) for _ in range(1500)]
    keep = bytearray(100_000)
    del blocks
    held = _rss_mb()
    release_free_memory()
    assert held - _rss_mb() > 100, (held, _rss_mb())
    assert len(keep) == 100_000
