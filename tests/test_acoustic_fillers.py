"""The acoustic filled-pause detector on synthetic sound, and how its events merge."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import transcript_of
from sessionkit import run_cli
from voiceloop.analysis.acoustic_fillers import (
    detect_acoustic_fillers,
    frame_features,
    merge_acoustic,
)
from voiceloop.analysis.filled_pauses import (
    FEATURES,
    Candidate,
    FilledPauseModel,
    candidates,
    decide,
    detect_filled_pauses,
    fit_logistic,
    load_model,
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


# --- the learned decision (voiceloop.analysis.filled_pauses) -------------------------------


def _candidate_on(samples: np.ndarray, words: list[Word], span: tuple[float, float]) -> Candidate:
    """The one candidate run overlapping ``span``."""
    found = [
        c
        for c in candidates(frame_features(samples), words)
        if c.start < span[1] and span[0] < c.end
    ]
    assert len(found) == 1, found
    return found[0]


def feature(c: Candidate, name: str) -> float:
    return c.features[FEATURES.index(name)]


def hand_model(bias: float = 2.0, word_cover: float = -5.0) -> FilledPauseModel:
    """A model that calls a candidate a filled pause unless a word covers it."""
    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("word_cover")] = word_cover
    return FilledPauseModel(
        features=list(FEATURES),
        mean=[0.0] * len(FEATURES),
        scale=[1.0] * len(FEATURES),
        weights=weights,
        bias=bias,
        threshold=0.5,
    )


def test_fit_logistic_learns_which_feature_decides() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2)) * [1.0, 3.0] + [0.0, 10.0]
    y = (x[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(float)
    mean, scale, weights, bias = fit_logistic(x, y, l2=1.0)
    assert weights[0] > 3.0 and abs(weights[1]) < 0.5
    z = (np.array([[2.0, 10.0], [-2.0, 10.0]]) - mean) / scale
    p = 1 / (1 + np.exp(-(z @ weights + bias)))
    assert p[0] > 0.95 and p[1] < 0.05


def test_a_vowel_between_words_is_described_as_one() -> None:
    samples, words, (start, end) = answer(vowel(0.4))
    c = _candidate_on(samples, words, (start, end))
    assert c.start == pytest.approx(start, abs=0.08) and c.end == pytest.approx(end, abs=0.08)
    assert feature(c, "word_cover") == 0.0
    assert feature(c, "gap_s") > 0.5  # "data" ends at 1.2 s, "shipped" starts after 2 s
    assert feature(c, "quiet_around") > 0.5  # silence on both sides
    assert feature(c, "aperiodicity") < 0.2 and feature(c, "pitch_spread") < 0.05
    assert feature(c, "log_duration") == pytest.approx(np.log(c.end - c.start))
    assert feature(c, "word_probability") == 1.0 and feature(c, "word_misheard_kind") == 0.0


def test_a_vowel_under_a_word_carries_that_words_evidence() -> None:
    """Whisper's 'a' (unsure) over a held vowel: the candidate says so."""
    samples, words, (start, end) = answer(vowel(0.4))
    heard = Word(text="a", start=start, end=end, probability=0.3)
    c = _candidate_on(samples, [words[0], heard, words[1]], (start, end))
    assert feature(c, "word_cover") > 0.9
    assert feature(c, "word_probability") == pytest.approx(0.3)
    assert feature(c, "word_misheard_kind") == 1.0
    assert feature(c, "gap_s") == 0.0


def test_a_hesitation_the_transcript_wrote_is_no_candidate() -> None:
    samples, words, (start, end) = answer(vowel(0.4))
    words = [words[0], Word(text="uh,", start=start, end=end), words[1]]
    cands = candidates(frame_features(samples), words)
    assert not [c for c in cands if c.start < end and start < c.end]


def test_the_model_decides_and_the_sound_gives_the_type() -> None:
    samples, words, (start, end) = answer(vowel(0.4))
    (event,) = decide(candidates(frame_features(samples), words), hand_model())
    assert (event.type, event.source, event.word_index) == ("uh", "acoustic", None)
    assert event.start == pytest.approx(start, abs=0.08)
    assert event.end == pytest.approx(end, abs=0.08)
    nasal, words, _ = answer(vowel(0.5, f0=100.0, nasal_from=0.45))
    assert [e.type for e in decide(candidates(frame_features(nasal), words), hand_model())] == [
        "um"
    ]
    # the same vowel under a sure word: the model's word_cover weight keeps it out
    covered = [words[0], Word(text="oh", start=1.5, end=2.0), words[1]]
    assert decide(candidates(frame_features(nasal), covered), hand_model()) == []
    # and a threshold above every probability keeps everything out
    never = hand_model().model_copy(update={"threshold": 1.01})
    assert decide(candidates(frame_features(samples), answer(vowel(0.4))[1]), never) == []


def test_a_model_for_other_features_is_refused() -> None:
    model = hand_model().model_copy(update={"features": list(reversed(FEATURES))})
    with pytest.raises(ValueError, match="other features"):
        model.probabilities(np.zeros((1, len(FEATURES))))


def test_the_shipped_model_was_trained_on_development_clips_only() -> None:
    model = load_model()
    assert model.features == list(FEATURES)
    assert len(model.weights) == len(FEATURES) == len(model.mean) == len(model.scale)
    assert any(name.startswith("speech/") for name in model.trained_on)  # real speech in it
    assert not any("speech-test" in name for name in model.trained_on)


def test_the_shipped_model_hears_nothing_in_silence_and_word_sounds() -> None:
    samples, words, _ = answer(None)
    assert detect_filled_pauses(samples, transcript_of(words, len(samples) / RATE)) == []


@pytest.mark.slow
def test_eval_runs_the_learned_detector(tmp_path: Path) -> None:
    """`voiceloop eval --acoustic-fillers --acoustic-detector learned` on real Whisper output."""
    out = tmp_path / "eval.json"
    eval_mini = Path(__file__).parent / "data" / "eval_mini"
    args = ["eval", str(eval_mini), "--limit", "1", "--json", str(out), "--acoustic-fillers"]
    result = run_cli(tmp_path / "rec", *args, "--acoustic-detector", "learned")
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["acoustic_fillers"] is True
    (clip,) = report["clips"]
    assert clip["error"] is None and clip["acoustic_s"] > 0  # the detector ran on the audio
    bad = run_cli(tmp_path / "rec", *args, "--acoustic-detector", "neural")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "'neural' is not one of 'rules', 'learned'" in bad.stderr


def test_no_audio_or_no_words_gives_no_filled_pause() -> None:
    for n in (0, 10, 800):
        samples = (0.1 * np.sin(np.arange(n) * 2 * np.pi * 120 / RATE)).astype(np.float32)
        assert detect_filled_pauses(samples, transcript_of([], n / RATE)) == []
    samples, _, _ = answer(None)
    assert detect_filled_pauses(samples, transcript_of([], len(samples) / RATE)) == []
