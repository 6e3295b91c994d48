"""The acoustic filled-pause detector on synthetic sound, and how its events merge."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import transcript_of
from voiceloop.analysis.acoustic_fillers import (
    detect_acoustic_fillers,
    frame_features,
    merge_acoustic,
)
from voiceloop.analysis.fillers import detect_fillers
from voiceloop.models import FillerEvent, Word
from voiceloop.options import AnalysisOptions

RATE = 16_000


def vowel(seconds: float, f0: float = 110.0, nasal_from: float | None = None) -> np.ndarray:
    """A held vowel: a harmonic series on a steady pitch with a fixed spectral envelope.

    From ``nasal_from`` (share of the length) on, only the harmonics under 500 Hz remain,
    as when the mouth closes into /m/.
    """
    t = np.arange(int(seconds * RATE)) / RATE
    out = np.zeros_like(t)
    for k in range(1, 30):
        freq = k * f0
        amp = 1.0 / k if freq < 4000 else 0.0
        if freq > 500 and nasal_from is not None:
            amp = amp * (t < nasal_from * seconds)
        out += amp * np.sin(2 * np.pi * freq * t)
    ramp = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02)
    return (0.2 * out / np.max(np.abs(out)) * ramp).astype(np.float32)


def word_sound(seconds: float, seed: int) -> np.ndarray:
    """Something word-like that is never a held vowel: noise, its colour changing fast."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(int(seconds * RATE))
    chunks = np.array_split(noise, max(1, int(seconds / 0.05)))
    shaped = [np.cumsum(c) * 0.02 if i % 2 else c for i, c in enumerate(chunks)]
    y = np.concatenate(shaped)
    return (0.1 * y / np.max(np.abs(y))).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def answer(filler: np.ndarray | None) -> tuple[np.ndarray, list[Word], tuple[float, float]]:
    """A word (0.5-1.2 s), a gap holding the filler (or 0.4 s of silence) from 1.5 s, a word."""
    middle = filler if filler is not None else silence(0.4)
    parts = [silence(0.5), word_sound(0.7, 1), silence(0.3), middle, silence(0.3)]
    second = sum(len(p) for p in parts) / RATE
    parts += [word_sound(0.7, 2), silence(0.5)]
    words = [Word(text="data", start=0.5, end=1.2), Word(text="shipped", start=second,
                                                          end=second + 0.7)]  # fmt: skip
    return np.concatenate(parts), words, (1.5, 1.5 + len(middle) / RATE)


def test_a_held_vowel_between_words_is_a_filled_pause() -> None:
    samples, words, (start, end) = answer(vowel(0.4))
    events = detect_acoustic_fillers(samples, transcript_of(words, len(samples) / RATE))
    assert len(events) == 1
    (found,) = events
    assert found.source == "acoustic" and found.type == "uh" and found.word_index is None
    assert found.start == pytest.approx(start, abs=0.08)
    assert found.end == pytest.approx(end, abs=0.08)


def test_closing_into_a_nasal_makes_it_um() -> None:
    samples, words, _ = answer(vowel(0.5, f0=100.0, nasal_from=0.45))
    events = detect_acoustic_fillers(samples, transcript_of(words, len(samples) / RATE))
    assert [e.type for e in events] == ["um"]


def test_silence_and_word_sounds_give_nothing() -> None:
    samples, words, _ = answer(None)
    assert detect_acoustic_fillers(samples, transcript_of(words, len(samples) / RATE)) == []


def test_too_short_a_vowel_is_not_a_filler() -> None:
    samples, words, _ = answer(vowel(0.08))
    assert detect_acoustic_fillers(samples, transcript_of(words, len(samples) / RATE)) == []


def test_a_vowel_the_transcript_has_a_word_for_is_left_alone() -> None:
    samples, words, (start, end) = answer(vowel(0.4))
    words = [words[0], Word(text="oh", start=start, end=end), words[1]]
    assert detect_acoustic_fillers(samples, transcript_of(words, len(samples) / RATE)) == []


def test_speech_whisper_skipped_is_not_taken_for_fillers() -> None:
    """A long stretch of sound with no words is missed speech: its vowels are not fillers."""
    samples, words, _ = answer(None)
    skipped = np.concatenate(
        [word_sound(0.6, 3), vowel(0.3), word_sound(0.6, 4), vowel(0.3), word_sound(0.5, 5)]
    )
    samples = np.concatenate([samples, skipped, silence(0.3), word_sound(0.6, 6), silence(0.3)])
    end = len(samples) / RATE
    words = [*words, Word(text="done", start=end - 0.9, end=end - 0.3)]
    assert detect_acoustic_fillers(samples, transcript_of(words, end)) == []


def test_features_have_one_row_per_10_ms() -> None:
    feats = frame_features(vowel(1.0))
    assert abs(len(feats.db) - 100) <= 1
    middle = slice(20, 80)
    assert np.all(feats.aperiodicity[middle] < 0.2)
    assert np.allclose(feats.f0[middle], 110.0, rtol=0.03)


# --- merging with the transcript's fillers -------------------------------------------------


def words_of(*items: tuple[str, float, float]) -> list[Word]:
    return [Word(text=t, start=s, end=e) for t, s, e in items]


def test_a_transcript_hesitation_takes_the_heard_times() -> None:
    words = words_of(("We", 0.0, 0.2), ("uh,", 1.5, 1.5), ("shipped", 1.6, 2.0))
    text = detect_fillers(transcript_of(words), AnalysisOptions())
    heard = [FillerEvent(type="uh", start=0.9, end=1.3, source="acoustic")]
    merged = merge_acoustic(text, heard, words)
    assert merged.count == 1
    (event,) = merged.events
    assert (event.type, event.source, event.word_index) == ("uh", "transcript", 1)
    assert (event.start, event.end) == (0.9, 1.3)


def test_a_filler_the_transcript_missed_is_added() -> None:
    words = words_of(("We", 0.0, 0.2), ("shipped", 1.6, 2.0), ("it", 2.0, 2.2))
    text = detect_fillers(transcript_of(words), AnalysisOptions())
    heard = [FillerEvent(type="um", start=0.6, end=1.0, source="acoustic")]
    merged = merge_acoustic(text, heard, words)
    assert [(e.type, e.source) for e in merged.events] == [("um", "acoustic")]
    assert merged.per_minute == pytest.approx(1 / 2.2 * 60)


def test_a_second_hearing_of_a_written_filler_is_not_counted_twice() -> None:
    words = words_of(("We", 0.0, 0.2), ("um,", 0.5, 0.9), ("shipped", 1.6, 2.0))
    text = detect_fillers(transcript_of(words), AnalysisOptions())
    heard = [
        FillerEvent(type="um", start=0.5, end=0.9, source="acoustic"),
        FillerEvent(type="uh", start=0.8, end=1.0, source="acoustic"),
    ]
    merged = merge_acoustic(text, heard, words)
    assert merged.count == 1 and merged.events[0].source == "transcript"
