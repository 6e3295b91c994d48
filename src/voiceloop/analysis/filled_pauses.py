"""A learned decision on filled pauses ("um", "uh") heard in the audio.

The rule detector of :mod:`voiceloop.analysis.acoustic_fillers` asks every stretch of sound
to pass fixed thresholds at once; on real speech that added false alarms and missed the short
hesitations of natural speech. Here the thresholds only propose candidates, loosely, and a
small logistic regression trained on labelled clips decides:

1. **Candidates** (:func:`candidates`): runs of loud, voiced, roughly steady frames of at
   least 80 ms (:func:`~voiceloop.analysis.acoustic_fillers.stable_runs` with
   :data:`CANDIDATE_OPTIONS`), in a gap between words or over a word Whisper may have
   written for a hesitation it misheard ("a", "and", "I"). A run over a hesitation the
   transcript wrote is no candidate: the transcript already counts it.
2. **Features** (:data:`FEATURES`): what the run sounds like (length, periodicity, pitch
   slope and spread, spectral change, a closing nasal, loudness against the speech level
   and against its neighbours, silence on either side) and where it sits in the transcript
   (how much of it a word covers, that word's probability and whether it is one a hesitation
   is misheard as, how stretched the word is, the gap between words around it).
3. **Decision**: a logistic regression over the standardized features
   (:class:`FilledPauseModel`, shipped as ``filled_pauses.json``, trained by
   ``benchmarks/acoustic_study.py``). Runs it calls filled pauses become
   ``FillerEvent(source="acoustic")`` ("um" when the sound closes into a nasal, else "uh"),
   which ``merge_acoustic`` adds to the transcript's fillers.

Pure apart from reading the model file once: the frame features come in, events go out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from voiceloop.analysis.acoustic_fillers import (
    FRAME_S,
    AcousticOptions,
    Frames,
    Run,
    frame_features,
    stable_runs,
    word_spans,
)
from voiceloop.analysis.timeline import norm
from voiceloop.models import FillerEvent, Transcript, Word

MODEL_PATH = Path(__file__).with_name("filled_pauses.json")

# Loose on purpose: these thresholds only propose; the model decides. On the development
# clips their runs overlap 160 of the 180 timed reference hesitations (the rule detector's
# thresholds: 16).
CANDIDATE_OPTIONS = AcousticOptions(
    min_s=0.08,
    aperiodicity_max=0.5,
    pitch_jump_max=0.12,
    spectral_change_max=32.0,
)

# Words Whisper writes for a hesitation it did not recognise as one.
MISHEARD_AS = frozenset({"a", "ah", "and", "an", "i", "the", "on", "oh", "uh", "um", "in", "er"})

FEATURES: tuple[str, ...] = (
    "log_duration",  # log seconds
    "aperiodicity",  # mean YIN dip over the run: 0 periodic .. 1 noise
    "pitch_slope",  # octaves per second over the run (fillers are flat or falling)
    "pitch_spread",  # standard deviation of log2 f0 (octaves)
    "spectral_change",  # mean MFCC distance between frames 30 ms apart
    "nasal_ratio",  # high-band share at the end over the start, at most 4 ("um" closes: low)
    "level_db",  # mean loudness minus the clip's speech level
    "contrast_db",  # mean loudness minus that of the louder 0.2 s beside it
    "quiet_around",  # share of quiet frames in the 0.2 s on either side
    "word_cover",  # share of the run under a (non-hesitation) word's span
    "word_probability",  # Whisper's probability of that word (1 where none)
    "word_misheard_kind",  # 1 when that word is one a hesitation is misheard as
    "word_stretch",  # log of the word's length over the length its letters need
    "gap_s",  # length of the gap between words the run's middle lies in (0 inside a word)
)


@dataclass(frozen=True)
class Candidate:
    """One proposed filled pause: where it is and what describes it (in FEATURES order)."""

    start: float
    end: float
    nasal: bool
    features: tuple[float, ...]


class FilledPauseModel(BaseModel):
    """A logistic regression over standardized candidate features."""

    features: list[str]  # must equal FEATURES, in order
    mean: list[float]  # per feature, subtracted first
    scale: list[float]  # per feature, divided by after
    weights: list[float]  # per feature
    bias: float
    threshold: float  # probability at or above which a candidate is a filled pause (> 1: never)
    trained_on: list[str] = []  # the clips it was fitted on (set/name)
    note: str = ""  # how it was trained

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """P(filled pause) for each row of ``x`` (candidates x features)."""
        if self.features != list(FEATURES):
            raise ValueError("the filled-pause model was trained on other features")
        if len(x) == 0:
            return np.zeros(0)
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = np.clip(z @ np.asarray(self.weights) + self.bias, -50.0, 50.0)
        return np.asarray(1.0 / (1.0 + np.exp(-logit)))


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> FilledPauseModel:
    return FilledPauseModel.model_validate(json.loads(path.read_text(encoding="utf-8")))


def _slice(x: np.ndarray, a: float, b: float) -> np.ndarray:
    lo = min(max(round(a / FRAME_S), 0), len(x))
    hi = min(max(round(b / FRAME_S), lo), len(x))
    return x[lo:hi]


def _expected_word_s(text: str) -> float:
    opts = CANDIDATE_OPTIONS
    return opts.word_s_base + opts.word_s_per_char * sum(ch.isalnum() for ch in text)


def _clip_db(x: float) -> float:
    """Level differences beyond 30 dB say nothing more (and synthetic speech's digital
    silence would otherwise put them at 50 dB, where no recording goes)."""
    return min(max(x, -30.0), 30.0)


def _run_features(
    run: Run,
    feats: Frames,
    words: list[Word],
    starts: np.ndarray,
    ends: np.ndarray,
    speech_db: float,
    quiet: np.ndarray,
) -> tuple[float, ...]:
    """The run's FEATURES; ``starts``/``ends`` are the words' spans (see ``word_spans``)."""
    a, b = run.start, run.end
    db = _slice(feats.db, a, b)
    aper = _slice(feats.aperiodicity, a, b)
    logf = np.log2(np.maximum(_slice(feats.f0, a, b), 1.0))
    change = _slice(feats.change, a, b)
    high = _slice(feats.high_share, a, b)
    n = len(db)
    t = np.arange(n) * FRAME_S - (n - 1) * FRAME_S / 2  # centred: the fit's slope in closed form
    slope = float((t * (logf - logf.mean())).sum() / (t * t).sum()) if n >= 3 else 0.0
    third = max(n // 3, 1)
    head = float(np.median(high[:third])) if n else 0.0
    tail = float(np.median(high[-third:])) if n else 0.0
    finite = change[np.isfinite(change)]
    side = 0.2
    before, after = _slice(feats.db, a - side, a), _slice(feats.db, b, b + side)
    neighbour = max(
        float(before.mean()) if len(before) else -120.0,
        float(after.mean()) if len(after) else -120.0,
    )
    around = np.concatenate([_slice(quiet, a - side, a), _slice(quiet, b, b + side)])

    overlaps = np.maximum(0.0, np.minimum(b, ends) - np.maximum(a, starts))
    cover = float(overlaps.sum())
    probability, misheard, stretch = 1.0, 0.0, 0.0
    if cover > 0:
        word = words[int(np.argmax(overlaps))]
        probability = word.probability
        misheard = 1.0 if norm(word.text) in MISHEARD_AS else 0.0
        stretch = float(np.log(max(word.end - word.start, 0.02) / _expected_word_s(word.text)))
    mid = (a + b) / 2
    gap = 0.0
    if not np.any((starts <= mid) & (mid <= ends)):
        left = ends[ends <= mid]
        right = starts[starts >= mid]
        gap = (float(right.min()) if len(right) else len(feats.db) * FRAME_S) - (
            float(left.max()) if len(left) else 0.0
        )
    return (
        float(np.log(max(b - a, FRAME_S))),
        float(aper.mean()) if n else 1.0,
        slope,
        float(logf.std()) if n else 0.0,
        float(finite.mean()) if len(finite) else 40.0,
        min(tail / head, 4.0) if head > 0 else 1.0,
        _clip_db(float(db.mean()) - speech_db if n else -60.0),
        _clip_db((float(db.mean()) if n else -120.0) - neighbour),
        float(around.mean()) if len(around) else 1.0,
        min(cover / max(b - a, FRAME_S), 1.0),
        probability,
        misheard,
        stretch,
        min(gap, 3.0),
    )


def candidates(feats: Frames, words: list[Word]) -> list[Candidate]:
    """Every candidate run of the clip with its features (see the module docstring)."""
    opts = CANDIDATE_OPTIONS
    runs = stable_runs(feats, opts)
    if not runs:
        return []
    spans = word_spans(words, opts)
    speech_db = float(np.percentile(feats.db, 95))
    quiet = (feats.db < speech_db - opts.loud_below_peak_db).astype(float)
    starts = np.asarray([s[0] for s in spans], dtype=float)
    ends = np.asarray([s[1] for s in spans], dtype=float)
    hesitation = np.asarray([s[2] for s in spans], dtype=bool)
    return [
        Candidate(
            r.start, r.end, r.nasal, _run_features(r, feats, words, starts, ends, speech_db, quiet)
        )
        for r in runs
        # a run on a hesitation the transcript wrote is already counted
        if not np.any(hesitation & (starts < r.end) & (r.start < ends))
    ]


def feature_matrix(cands: list[Candidate]) -> np.ndarray:
    return np.asarray([c.features for c in cands], dtype=float).reshape(len(cands), len(FEATURES))


def decide(cands: list[Candidate], model: FilledPauseModel | None = None) -> list[FillerEvent]:
    """The candidates the model calls filled pauses, as acoustic filler events."""
    m = model or load_model()
    probs = m.probabilities(feature_matrix(cands))
    return [
        FillerEvent(type="um" if c.nasal else "uh", start=c.start, end=c.end, source="acoustic")
        for c, p in zip(cands, probs, strict=True)
        if p >= m.threshold
    ]


def detect_filled_pauses(
    samples: np.ndarray, transcript: Transcript, model: FilledPauseModel | None = None
) -> list[FillerEvent]:
    """Filled pauses heard in ``samples`` (16 kHz mono), decided by the learned model."""
    feats = frame_features(samples, CANDIDATE_OPTIONS)
    return decide(candidates(feats, transcript.words), model)


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    l2: float = 1.0,
    sample_weight: np.ndarray | None = None,
    iterations: int = 50,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Fit a logistic regression by Newton's method: (mean, scale, weights, bias).

    Features are standardized first; ``l2`` penalizes the weights (not the bias), which
    keeps the fit stable on a few hundred positives.
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    sw = np.ones(len(x)) if sample_weight is None else sample_weight
    theta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ theta, -50.0, 50.0)))
        grad = z.T @ (sw * (p - y)) + penalty * theta
        hess = (
            (z * (sw * p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(theta))
        )
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return mean, scale, theta[:-1], float(theta[-1])
