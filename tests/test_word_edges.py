"""Word edges moved off silence and onto the sound next to them (transcribe.word_edges)."""

from __future__ import annotations

import numpy as np
import pytest

from voiceloop.audio import SAMPLE_RATE
from voiceloop.models import Word
from voiceloop.transcribe.word_edges import frame_levels_db, speech_threshold_db, tighten_word_edges

RNG = np.random.default_rng(7)


def _clip(bursts: list[tuple[float, float]], seconds: float, noise: float = 1e-4) -> np.ndarray:
    """Room noise with a voiced buzz (150 Hz and harmonics) over each (start, end) burst."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    out = noise * RNG.standard_normal(t.size)
    buzz = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 6))
    for start, end in bursts:
        on = (t >= start) & (t < end)
        out[on] += 0.2 * buzz[on]
    return out.astype(np.float32)


def _word(text: str, start: float, end: float) -> Word:
    return Word(text=text, start=start, end=end, probability=0.9)


def test_a_first_word_timed_from_zero_starts_where_its_sound_starts() -> None:
    samples = _clip([(0.40, 0.80), (0.90, 1.50)], 2.0)
    words = [_word("Go", 0.0, 0.80), _word("forward.", 0.80, 1.50)]
    out = tighten_word_edges(words, samples)
    assert out[0].start == pytest.approx(0.40, abs=0.03)
    assert out[0].end == pytest.approx(0.80, abs=0.03)
    assert out[1].start == pytest.approx(0.90, abs=0.03)  # the pause between them is back


def test_a_last_word_ended_early_is_carried_through_its_sound() -> None:
    samples = _clip([(0.20, 0.60), (0.70, 1.40)], 2.0)
    words = [_word("Ten", 0.20, 0.60), _word("meters.", 0.70, 1.10)]
    out = tighten_word_edges(words, samples)
    assert out[1].end == pytest.approx(1.40, abs=0.03)
    assert out[1].start == pytest.approx(0.70, abs=0.03)


def test_an_edge_is_carried_no_further_than_the_next_word_or_the_limit() -> None:
    samples = _clip([(0.20, 1.80)], 2.0)  # one long sound
    words = [_word("a", 0.50, 0.70), _word("b", 0.75, 0.90)]
    out = tighten_word_edges(words, samples)
    assert out[0].end <= out[1].start + 1e-9
    assert out[0].start == pytest.approx(0.10, abs=0.03) or out[0].start >= 0.10 - 1e-9
    assert out[1].end <= 0.90 + 0.4 + 1e-9


def test_a_short_dip_inside_a_word_does_not_end_it() -> None:
    samples = _clip([(0.30, 0.50), (0.52, 0.90)], 1.5)  # 20 ms closure of a stop
    words = [_word("kept", 0.30, 0.55)]
    out = tighten_word_edges(words, samples)
    assert out[0].end == pytest.approx(0.90, abs=0.03)


def test_a_word_over_silence_only_keeps_its_times() -> None:
    samples = _clip([(1.0, 1.5)], 2.0)
    words = [_word("uh", 0.20, 0.40), _word("yes", 1.0, 1.5)]
    out = tighten_word_edges(words, samples)
    assert (out[0].start, out[0].end) == (0.20, 0.40)


def test_constant_noise_has_no_threshold_and_times_are_left_alone() -> None:
    samples = (0.1 * RNG.standard_normal(SAMPLE_RATE * 2)).astype(np.float32)
    assert speech_threshold_db(frame_levels_db(samples)) is None
    words = [_word("hello", 0.0, 0.5)]
    assert tighten_word_edges(words, samples) == words


def test_digital_silence_does_not_pull_the_threshold_down_to_a_breath() -> None:
    samples = _clip([(0.3, 1.0)], 2.0, noise=0.0)
    samples[1200 * 16 : 1400 * 16] += 1e-3 * RNG.standard_normal(200 * 16).astype(np.float32)
    threshold = speech_threshold_db(frame_levels_db(samples))
    assert threshold is not None
    words = [_word("on", 0.3, 1.0), _word("off", 1.6, 1.9)]
    out = tighten_word_edges(words, samples)
    assert out[0].end == pytest.approx(1.0, abs=0.03)  # not carried into the breath at 1.2 s


def test_levels_of_a_too_short_clip_are_empty() -> None:
    assert frame_levels_db(np.zeros(100, dtype=np.float32)).size == 0
    assert tighten_word_edges([], np.zeros(100, dtype=np.float32)) == []


def test_a_boundary_placed_before_the_neighbours_last_sound_gives_the_pause_back() -> None:
    # "appendix" sounds until 1.0 s, a 0.35 s pause, then "to" from 1.35 s; the recogniser
    # ended "appendix" at 0.9 s and started "to" there, over the pause
    samples = _clip([(0.2, 1.0), (1.35, 1.6)], 2.2)
    words = [_word("appendix.", 0.2, 0.9), _word("To", 0.9, 1.6)]
    out = tighten_word_edges(words, samples)
    assert out[0].end == pytest.approx(1.0, abs=0.03)
    assert out[1].start == pytest.approx(1.35, abs=0.03)
    # ... and the same when the next word's first sound sits inside this word's span
    words = [_word("it,", 0.2, 1.45), _word("I", 1.45, 1.6)]
    out = tighten_word_edges(words, _clip([(0.2, 1.0), (1.35, 1.6)], 2.2))
    assert out[0].end == pytest.approx(1.0, abs=0.03)
    assert out[1].start == pytest.approx(1.35, abs=0.03)
