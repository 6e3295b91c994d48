"""Filled pauses ("um", "uh") heard in the audio where the transcript has no word for them.

Whisper's decoder drops many hesitations. A filled pause sounds different from words: one
vowel (or a vowel closing into /m/) held for a few hundred milliseconds, voiced, with a flat
or slowly falling pitch and a spectrum that barely changes. Words move from sound to sound
every 50-100 ms. This module finds such stretches:

1. Frame features every 10 ms (:func:`frame_features`): loudness, periodicity and pitch
   (the YIN difference function), and spectral change (distance between MFCC frames 30 ms
   apart).
2. Runs of frames that are loud, voiced, on a steady pitch and spectrally steady
   (:func:`stable_runs`), kept when they last ``min_s``..``max_s``.
3. Each run is set against the transcript's words (:func:`place_runs`). Whisper's word
   starts run about 0.1 s late and squeezed words get zero length, so word spans are
   corrected first (:func:`word_spans`). A run in a gap between words, where the gap holds
   little other sound, becomes a ``FillerEvent(source="acoustic")``; a run inside a word is
   a held vowel and is left alone (so is a filler Whisper hid inside a stretched word: on
   the development clips, reading those back cost more false alarms than it found fillers).
   The type is "um" when the sound closes into a nasal (high frequencies fade while the
   voice goes on), else "uh".

Analysis stays pure: the pipeline calls :func:`detect_acoustic_fillers` with the samples and
passes the events to ``analyze``, which merges them with :func:`merge_acoustic`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pydantic import BaseModel

from voiceloop.analysis.fillers import hesitation_type, summarize
from voiceloop.models import FillerEvent, FillerResult, Transcript, Word

SAMPLE_RATE = 16_000
HOP = 160  # 10 ms
FRAME_S = HOP / SAMPLE_RATE
_YIN_THRESHOLD = 0.2
_YIN_BLOCK = 500  # frames per block (5 s of audio)
YIN_FRAME = 768  # 48 ms: the first half is compared with lags up to 1/60 s


class AcousticOptions(BaseModel):
    """Thresholds of the detector (tuned on the development clips only)."""

    min_s: float = 0.15  # shortest filled pause
    max_s: float = 2.0  # longest
    fmin_hz: float = 60.0
    fmax_hz: float = 400.0
    aperiodicity_max: float = 0.4  # YIN dip: lower is more periodic (voiced)
    pitch_jump_max: float = 0.06  # octaves between frames 10 ms apart
    spectral_change_max: float = 24.0  # MFCC distance between frames 30 ms apart
    loud_below_peak_db: float = 30.0  # frames quieter than the speech level minus this are out
    gap_overlap_max: float = 0.2  # a run may overlap words by this share and still be "in a gap"
    gap_other_sound_max_s: float = 0.4  # sound in the word gap besides the run
    word_lag_s: float = 0.1  # Whisper's word times run this much late
    word_s_per_char: float = 0.075  # a word's expected length: chars * this + word_s_base
    word_s_base: float = 0.12
    nasal_drop: float = 0.45  # high-band share at the end vs the start below this: "um"
    merge_gap_s: float = 0.08  # runs closer than this join


@dataclass(frozen=True)
class Frames:
    """Per-frame features, one value per 10 ms."""

    db: np.ndarray  # loudness, dB relative to full scale
    aperiodicity: np.ndarray  # 0 (periodic) .. 1 (noise)
    f0: np.ndarray  # Hz (meaningful where aperiodic is low)
    change: np.ndarray  # spectral change (MFCC distance to 30 ms earlier)
    high_share: np.ndarray  # share of energy above 1 kHz


def _frames(y: np.ndarray, length: int) -> np.ndarray:
    """Frames of ``length`` samples every HOP, centred: a strided view, nothing copied."""
    pad = np.pad(y, (length // 2, length // 2))
    return np.lib.stride_tricks.sliding_window_view(pad, length)[::HOP]


def _yin(frames: np.ndarray, fmin: float, fmax: float) -> tuple[np.ndarray, np.ndarray]:
    """Aperiodicity (min of the cumulative mean normalized difference) and f0 per frame."""
    length = frames.shape[1]
    win = length // 2
    tau_min = int(SAMPLE_RATE / fmax)
    tau_max = min(int(SAMPLE_RATE / fmin), length - win)
    # no wrap-around: lags up to tau_max of a window of win samples fit in one frame
    size = max(length, win + tau_max + 1)
    spec_a = np.fft.rfft(frames, size)
    spec_b = np.fft.rfft(frames[:, :win], size)
    acf = np.fft.irfft(spec_a * np.conj(spec_b), size)[:, : tau_max + 1]
    sq = np.cumsum(np.pad(frames**2, ((0, 0), (1, 0))), axis=1)
    energy = sq[:, win : win + tau_max + 1] - sq[:, : tau_max + 1]  # sum over [tau, tau+win)
    diff = np.maximum(energy[:, :1] + energy - 2 * acf, 0.0)
    cum = np.cumsum(diff[:, 1:], axis=1)
    taus = np.arange(1, tau_max + 1)
    cmnd = diff[:, 1:] * taus / np.maximum(cum, 1e-12)
    band = cmnd[:, tau_min - 1 :]
    rows = np.arange(len(band))
    best = np.argmin(band, axis=1)
    # YIN's rule against octave errors: the first dip under the threshold, at its local minimum
    below = band < _YIN_THRESHOLD
    first = np.where(below.any(axis=1), np.argmax(below, axis=1), best)
    while True:
        step = (first + 1 < band.shape[1]) & (
            band[rows, np.minimum(first + 1, band.shape[1] - 1)] < band[rows, first]
        )
        if not step.any():
            break
        first = first + step
    aper = band[rows, best]
    f0 = SAMPLE_RATE / (first + tau_min)
    return np.clip(aper, 0.0, 1.0), f0


_N_FFT = 512
_N_MELS = 40
_N_MFCC = 13


def _power_spectrogram(y: np.ndarray) -> np.ndarray:
    """|STFT|^2 (frequencies x frames): 512-point periodic Hann windows every HOP, centred on
    zero padding (librosa's ``stft`` defaults, without importing librosa: its numba-compiled
    paths cost about 200 MB and seconds on first use)."""
    pad = np.pad(y.astype(np.float32), (_N_FFT // 2, _N_FFT // 2))
    frames = np.lib.stride_tricks.sliding_window_view(pad, _N_FFT)[::HOP]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(_N_FFT) / _N_FFT)
    out = np.empty((_N_FFT // 2 + 1, len(frames)), dtype=np.float32)
    for lo in range(0, len(frames), _YIN_BLOCK):  # in blocks: memory stays flat with length
        block = np.fft.rfft(frames[lo : lo + _YIN_BLOCK] * window, axis=1)
        out[:, lo : lo + len(block)] = (block.real**2 + block.imag**2).T
    return out


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear to 1 kHz, logarithmic above (librosa's default)."""
    f = np.asarray(f, dtype=float)
    mel = f / (200.0 / 3)
    log = f >= 1000.0
    mel[log] = 15.0 + np.log(f[log] / 1000.0) / (np.log(6.4) / 27.0)
    return mel


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=float)
    f = m * (200.0 / 3)
    log = m >= 15.0
    f[log] = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m[log] - 15.0))
    return f


@lru_cache(maxsize=1)
def _mel_filters() -> np.ndarray:
    """40 triangular mel filters over the 512-point FFT bins, area-normalized (Slaney)."""
    fft_hz = np.fft.rfftfreq(_N_FFT, 1 / SAMPLE_RATE)
    edges = _mel_to_hz(
        np.linspace(_hz_to_mel(np.array([0.0]))[0], _hz_to_mel(np.array([SAMPLE_RATE / 2]))[0],
                    _N_MELS + 2)
    )  # fmt: skip
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return np.asarray(weights * (2.0 / (edges[2:] - edges[:-2]))[:, None])


@lru_cache(maxsize=1)
def _dct_matrix() -> np.ndarray:
    """Orthonormal DCT-II, first _N_MFCC rows, over _N_MELS inputs."""
    k = np.arange(_N_MFCC)[:, None]
    i = np.arange(_N_MELS)[None, :]
    basis = np.cos(np.pi * k * (2 * i + 1) / (2 * _N_MELS)) * np.sqrt(2.0 / _N_MELS)
    basis[0] /= np.sqrt(2.0)
    return np.asarray(basis)


def _mfcc(spec: np.ndarray) -> np.ndarray:
    """13 MFCCs per frame from a power spectrogram: mel energies in dB (floored 80 dB under
    the clip's loudest, as librosa's ``power_to_db``), then the DCT."""
    mel = _mel_filters() @ spec
    db = 10.0 * np.log10(np.maximum(mel + 1e-10, 1e-10))
    db = np.maximum(db, db.max() - 80.0) if db.size else db
    return np.asarray(_dct_matrix() @ db)


def frame_features(samples: np.ndarray, options: AcousticOptions | None = None) -> Frames:
    """Loudness, periodicity, pitch, spectral change and high-band share every 10 ms."""
    opts = options or AcousticOptions()
    y = np.asarray(samples, dtype=np.float32)
    frames = _frames(y, YIN_FRAME)
    n = len(frames)
    # mean square over the middle half of each frame, from a running sum of squares
    sq = np.concatenate([[0.0], np.cumsum(y.astype(np.float64) ** 2)])
    mid = HOP * np.arange(n) - YIN_FRAME // 2 + YIN_FRAME // 4  # in unpadded samples
    lo_i = np.clip(mid, 0, len(y))
    hi_i = np.clip(mid + YIN_FRAME // 2, 0, len(y))
    rms = np.sqrt((sq[hi_i] - sq[lo_i]) / (YIN_FRAME // 2))
    db = 20 * np.log10(rms + 1e-8)
    # Pitch only where it can matter: frames 10 dB under the loudness floor of a run can
    # never join one (about a fifth of an answer is pauses); they read as unvoiced.
    aper = np.ones(n)
    f0 = np.full(n, opts.fmin_hz)
    pitched = np.flatnonzero(db > _speech_level(db) - opts.loud_below_peak_db - 10.0)
    for lo in range(0, len(pitched), _YIN_BLOCK):  # in blocks: one answer's FFTs are big
        rows = pitched[lo : lo + _YIN_BLOCK]
        aper[rows], f0[rows] = _yin(frames[rows].astype(np.float64), opts.fmin_hz, opts.fmax_hz)
    spec = _power_spectrogram(y)[:, :n]
    freqs = np.fft.rfftfreq(_N_FFT, 1 / SAMPLE_RATE)
    high = spec[freqs >= 1000].sum(axis=0) / np.maximum(spec.sum(axis=0), 1e-12)
    mfcc = _mfcc(spec)[1:]
    change = np.full(n, np.inf)
    lag = 3
    if mfcc.shape[1] > lag:
        change[lag : mfcc.shape[1]] = np.sqrt(((mfcc[:, lag:] - mfcc[:, :-lag]) ** 2).sum(axis=0))
    m = min(n, len(high))
    return Frames(
        db=db[:m], aperiodicity=aper[:m], f0=f0[:m], change=change[:m], high_share=high[:m]
    )


@dataclass(frozen=True)
class Run:
    start: float
    end: float
    nasal: bool

    @property
    def duration(self) -> float:
        return self.end - self.start


def _median(x: np.ndarray, width: int) -> np.ndarray:
    """Running median over ``width`` frames (odd), edges padded with the edge value."""
    if len(x) < width:
        return x
    half = width // 2
    padded = np.pad(x, half, mode="edge")
    return np.asarray(np.median(np.lib.stride_tricks.sliding_window_view(padded, width), axis=1))


def _speech_level(db: np.ndarray) -> float:
    return float(np.percentile(db, 95)) if len(db) else 0.0


def stable_runs(feats: Frames, options: AcousticOptions | None = None) -> list[Run]:
    """Stretches that are loud, voiced, on a steady pitch and spectrally steady."""
    opts = options or AcousticOptions()
    n = len(feats.db)
    if n == 0:
        return []
    loud = feats.db > _speech_level(feats.db) - opts.loud_below_peak_db
    voiced = _median(feats.aperiodicity, 5) < opts.aperiodicity_max
    logf = np.log2(_median(feats.f0, 5))
    jump = np.abs(np.diff(logf, prepend=logf[0]))
    steady_pitch = jump < opts.pitch_jump_max
    steady_spec = feats.change < opts.spectral_change_max
    good = loud & voiced & steady_pitch & steady_spec
    runs: list[tuple[int, int]] = []
    i = 0
    while i < n:
        if not good[i]:
            i += 1
            continue
        j = i
        while j < n and good[j]:
            j += 1
        runs.append((i, j))
        i = j
    merged: list[tuple[int, int]] = []
    max_hole = round(opts.merge_gap_s / FRAME_S)
    for a, b in runs:
        if merged and a - merged[-1][1] <= max_hole:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    out: list[Run] = []
    for a, b in merged:
        dur = (b - a) * FRAME_S
        if opts.min_s <= dur <= opts.max_s:
            out.append(Run(a * FRAME_S, b * FRAME_S, _nasal(feats, a, b, opts)))
    return out


def _nasal(feats: Frames, a: int, b: int, opts: AcousticOptions) -> bool:
    """An "um" closes into /m/: the high band fades at the end while the voice goes on."""
    third = max((b - a) // 3, 1)
    head = float(np.median(feats.high_share[a : a + third]))
    tail = float(np.median(feats.high_share[b - third : b]))
    return head > 0 and tail / head < opts.nasal_drop


def _expected_s(word: Word, opts: AcousticOptions) -> float:
    chars = sum(ch.isalnum() for ch in word.text)
    return opts.word_s_base + opts.word_s_per_char * chars


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _loud(feats: Frames, opts: AcousticOptions) -> np.ndarray:
    return np.asarray(feats.db > _speech_level(feats.db) - opts.loud_below_peak_db)


def word_spans(words: list[Word], opts: AcousticOptions) -> list[tuple[float, float, bool]]:
    """Where each word is heard: (start, end, is_hesitation).

    Whisper's word starts run ``word_lag_s`` late (its ends are about right, sometimes
    early: they are kept), and a word it squeezed (often to zero length) is stretched back
    to the length its letters need.
    """
    spans = []
    for w in words:
        start = min(w.start, w.end - _expected_s(w, opts))
        spans.append((start - opts.word_lag_s, w.end, hesitation_type(w.text) is not None))
    return spans


def place_runs(
    runs: list[Run],
    words: list[Word],
    feats: Frames,
    options: AcousticOptions | None = None,
) -> list[Run]:
    """Keep the runs that the transcript leaves unexplained (see the module docstring)."""
    opts = options or AcousticOptions()
    spans = word_spans(words, opts)
    loud = _loud(feats, opts)
    end_s = len(loud) * FRAME_S

    def sound(a: float, b: float) -> float:
        lo, hi = max(int(a / FRAME_S), 0), max(int(b / FRAME_S), 0)
        return float(loud[lo:hi].sum()) * FRAME_S if hi > lo else 0.0

    kept: list[Run] = []
    for run in runs:
        hits = [k for k, s in enumerate(spans) if _overlap(run.start, run.end, s[0], s[1]) > 0]
        if any(spans[k][2] for k in hits):
            kept.append(run)  # the transcript wrote it: merge_acoustic retimes that event
            continue
        covered = sum(_overlap(run.start, run.end, spans[k][0], spans[k][1]) for k in hits)
        if covered > opts.gap_overlap_max * run.duration:
            continue  # inside a word: a held vowel, or a filler Whisper's times hide
        # in a gap: the gap holds little sound besides the run (a long stretch of sound with
        # no words is speech Whisper skipped, not a filler)
        before = max((s[1] for s in spans if s[1] <= run.start + 0.05), default=0.0)
        after = min((s[0] for s in spans if s[0] >= run.end - 0.05), default=end_s)
        if sound(before, after) - sound(run.start, run.end) <= opts.gap_other_sound_max_s:
            kept.append(run)
    return kept


def detect_acoustic_fillers(
    samples: np.ndarray, transcript: Transcript, options: AcousticOptions | None = None
) -> list[FillerEvent]:
    """Filled pauses heard in ``samples`` (16 kHz mono) that the transcript does not explain."""
    opts = options or AcousticOptions()
    return events_from_frames(frame_features(samples, opts), transcript, opts)


def events_from_frames(
    feats: Frames, transcript: Transcript, options: AcousticOptions | None = None
) -> list[FillerEvent]:
    """The detector's second half, on features already computed."""
    opts = options or AcousticOptions()
    runs = place_runs(stable_runs(feats, opts), transcript.words, feats, opts)
    return [
        FillerEvent(type="um" if r.nasal else "uh", start=r.start, end=r.end, source="acoustic")
        for r in runs
    ]


_HESITATION_TYPES = frozenset({"um", "uh", "er", "ah", "hmm", "mm"})


def merge_acoustic(
    fillers: FillerResult,
    acoustic: list[FillerEvent],
    words: list[Word],
    radius_s: float = 0.6,
) -> FillerResult:
    """Add acoustic events that no transcript filler already covers, in time order.

    Transcript hesitations and acoustic events within ``radius_s`` of each other are paired
    one to one, closest first: such a transcript event keeps its type and word but takes the
    heard event's times (Whisper's times for "uh" are often off, or zero-length). Acoustic
    events left unpaired are added.
    """
    text_events = list(fillers.events)
    spoken = [(t.start - 0.1, t.end + 0.1) for t in text_events if t.type in _HESITATION_TYPES]
    pairs = sorted(
        (max(0.0, t.start - a.end, a.start - t.end), ti, ai)
        for ti, t in enumerate(text_events)
        if t.type in _HESITATION_TYPES
        for ai, a in enumerate(acoustic)
    )
    used_text: set[int] = set()
    used_acoustic: set[int] = set()
    for gap, ti, ai in pairs:
        if gap > radius_s or ti in used_text or ai in used_acoustic:
            continue
        used_text.add(ti)
        used_acoustic.add(ai)
        event = acoustic[ai]
        text_events[ti] = text_events[ti].model_copy(
            update={"start": event.start, "end": event.end}
        )
    # an unpaired event on a transcript hesitation's span is that word, heard twice
    extra = [
        a
        for ai, a in enumerate(acoustic)
        if ai not in used_acoustic and not any(lo < a.end and a.start < hi for lo, hi in spoken)
    ]
    return summarize(sorted(text_events + extra, key=lambda e: e.start), words)
