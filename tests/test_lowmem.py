"""The low-memory stand-ins give faster-whisper exactly the numbers its own code gives."""

from __future__ import annotations

import tracemalloc

import numpy as np
from faster_whisper.feature_extractor import FeatureExtractor

from voiceloop.transcribe.lowmem import BLOCK_FRAMES, BlockFeatureExtractor, _BatchedSession


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
